//! The running kernel's uname(2), through rustix (no C struct to zero and decode by hand). It also
//! knows the machine on kernels without /proc/sys/kernel/arch.

/// uname(2)'s fields as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
}

/// The live kernel's uname(2) (its nodename is the calling thread's UTS namespace's).
pub fn uname() -> Uname {
    let u = rustix::system::uname();
    let s = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
    Uname {
        sysname: s(u.sysname()),
        nodename: s(u.nodename()),
        release: s(u.release()),
        version: s(u.version()),
        machine: s(u.machine()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_proc() {
        let u = uname();
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
        assert_eq!(u.release, release.trim());
        assert_eq!(u.sysname, "Linux");
        assert!(!u.machine.is_empty());
    }
}
