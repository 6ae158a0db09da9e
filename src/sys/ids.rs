//! Who runs the tool: the real and effective user ids (rustix), and a user's name as the system's
//! user database (NSS: files, LDAP, sss, ...) knows it. getpwuid_r(3) is a C library call with no
//! safe wrapper in rustix or std, hence the one `unsafe` block here.

/// The real user id.
pub fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// The effective user id (0: root).
pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The name of user `uid`, if the user database knows it.
pub fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: an all-zero passwd is a valid out-parameter (plain integers and null pointers);
    // getpwuid_r fills it with pointers into `buf`, which outlives the CStr read below; `res` is
    // either null or points to `pw`.
    unsafe {
        let mut pw: libc::passwd = std::mem::zeroed();
        let mut res: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut res);
        if rc != 0 || res.is_null() || pw.pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr(pw.pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let uids: Vec<u32> = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .unwrap()
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!((uid(), euid()), (uids[0], uids[1]));
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(user_name(4_000_000_000), None);
    }
}
