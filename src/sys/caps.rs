//! What this process may do: everything as root, or with the two capabilities that matter here
//! (CAP_NET_ADMIN: path-manager events, subflow details, SO_RCVBUFFORCE; CAP_SYS_ADMIN: setns into
//! another network namespace). The effective set is the `CapEff` line of /proc/self/status, parsed
//! by procfs-core. That file is this process's own, so it is read from the live /proc whatever
//! `--root` names (the sealed reader is for the system being described, not for the tool itself).

use procfs_core::process::Status;
use procfs_core::FromRead;

pub const CAP_NET_ADMIN: u32 = 12;
pub const CAP_SYS_ADMIN: u32 = 21;

/// The effective capability set, from a /proc/PID/status text; None when it cannot be parsed.
pub fn effective_from(status: impl std::io::Read) -> Option<u64> {
    Status::from_read(status).ok().map(|s| s.capeff)
}

/// This process's effective capability set (None without a readable /proc).
pub fn effective() -> Option<u64> {
    std::fs::File::open("/proc/self/status")
        .ok()
        .and_then(effective_from)
}

/// Whether a capability set holds `cap`.
pub fn has(set: u64, cap: u32) -> bool {
    set & (1 << cap) != 0
}

/// Whether this process may do everything: root, or CAP_NET_ADMIN and CAP_SYS_ADMIN.
pub fn privileged() -> bool {
    super::ids::euid() == 0
        || effective().is_some_and(|c| has(c, CAP_NET_ADMIN) && has(c, CAP_SYS_ADMIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_effective_set() {
        let own = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = own.lines().find(|l| l.starts_with("CapEff:")).unwrap();
        let want = u64::from_str_radix(line[7..].trim(), 16).unwrap();
        assert_eq!(effective(), Some(want));
        let changed = own.replace(line, "CapEff:\t0000000000201000");
        let set = effective_from(changed.as_bytes()).unwrap();
        assert!(has(set, CAP_NET_ADMIN) && has(set, CAP_SYS_ADMIN) && !has(set, 0));
        assert_eq!(effective_from(&b"Name: x\n"[..]), None);
        assert_eq!(
            privileged(),
            super::super::ids::euid() == 0 || has(want, CAP_NET_ADMIN) && has(want, CAP_SYS_ADMIN)
        );
    }
}
