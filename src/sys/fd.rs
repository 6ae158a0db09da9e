//! The descriptor-relative system calls the sealed reader needs (openat, openat2, fstat, fstatfs,
//! readlinkat, getdents64), as thin functions over rustix's safe wrappers: the resolver and the reader
//! above keep their libc flag constants and never see a raw pointer. rustix (already in the tree
//! through tempfile) makes these calls directly, without a C library round trip, and owns every
//! descriptor it returns.

use rustix::fs::{Dir, Mode, OFlags, ResolveFlags};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// A path component or relative path as a C string; an interior NUL is an invalid name, not a panic.
pub fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// open(2) flags from the libc constants the callers spell, O_CLOEXEC always added.
fn oflags(flags: libc::c_int) -> OFlags {
    OFlags::from_bits_retain(flags as u32) | OFlags::CLOEXEC
}

/// openat(2); O_CLOEXEC is always added.
pub fn openat(dir: BorrowedFd, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(dir, name, oflags(flags), Mode::empty())?)
}

/// open(2) of an absolute path of this process's own (used only for /proc/self/fd/N).
pub fn open(path: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    Ok(rustix::fs::open(path, oflags(flags), Mode::empty())?)
}

/// openat2(2) with `resolve` flags (RESOLVE_IN_ROOT, ...); O_CLOEXEC is always added. ENOSYS on kernels
/// before 5.6.
pub fn openat2(
    dir: BorrowedFd,
    path: &CStr,
    flags: libc::c_int,
    resolve: u64,
) -> io::Result<OwnedFd> {
    let resolve = ResolveFlags::from_bits_retain(resolve);
    Ok(rustix::fs::openat2(
        dir,
        path,
        oflags(flags),
        Mode::empty(),
        resolve,
    )?)
}

/// What the reader needs of fstat(2): the file type bits and the identity of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// The whole st_mode; `st_mode & libc::S_IFMT` is the file type.
    pub st_mode: libc::mode_t,
    pub st_dev: u64,
    pub st_ino: u64,
}

/// fstat(2).
pub fn fstat(fd: BorrowedFd) -> io::Result<Stat> {
    let st = rustix::fs::fstat(fd)?;
    Ok(Stat {
        st_mode: st.st_mode as libc::mode_t,
        st_dev: st.st_dev as u64,
        st_ino: st.st_ino as u64,
    })
}

/// Whether the descriptor (O_PATH is fine) is on procfs.
pub fn on_procfs(fd: BorrowedFd) -> io::Result<bool> {
    Ok(rustix::fs::fstatfs(fd)?.f_type == rustix::fs::PROC_SUPER_MAGIC)
}

/// Whether the descriptor (O_PATH is fine) is on sysfs.
pub fn on_sysfs(fd: BorrowedFd) -> io::Result<bool> {
    Ok(rustix::fs::fstatfs(fd)?.f_type == libc::SYSFS_MAGIC)
}

/// The target of the symbolic link `name` in `dir`.
pub fn readlink_at(dir: BorrowedFd, name: &CStr) -> io::Result<Vec<u8>> {
    Ok(rustix::fs::readlinkat(dir, name, Vec::new())?.into_bytes())
}

/// The target of a symbolic link opened with O_PATH|O_NOFOLLOW (readlinkat with an empty name).
pub fn readlink_fd(link: BorrowedFd) -> io::Result<Vec<u8>> {
    Ok(rustix::fs::readlinkat(link, c"", Vec::new())?.into_bytes())
}

/// The path the kernel gives an open descriptor (readlink of /proc/self/fd/N).
pub fn fd_path(fd: BorrowedFd) -> io::Result<Vec<u8>> {
    let link = format!("/proc/self/fd/{}", fd.as_raw_fd());
    Ok(rustix::fs::readlink(link.as_str(), Vec::new())?.into_bytes())
}

/// The names in a directory opened for reading (without `.` and `..`), by getdents64(2).
pub fn dir_names(dir: OwnedFd) -> io::Result<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    for entry in Dir::new(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(name.to_vec());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn lists_a_directory_and_reads_a_link() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..300 {
            std::fs::write(d.path().join(format!("file-{i:03}")), "").unwrap();
        }
        std::os::unix::fs::symlink("file-001", d.path().join("ln")).unwrap();
        let root = open(
            &cstr(d.path().as_os_str().as_encoded_bytes()).unwrap(),
            libc::O_PATH,
        )
        .unwrap();
        let dir = openat(root.as_fd(), c".", libc::O_RDONLY | libc::O_DIRECTORY).unwrap();
        let mut names = dir_names(dir).unwrap();
        names.sort();
        assert_eq!(names.len(), 301);
        assert_eq!(names[0], b"file-000");
        let ln = openat(root.as_fd(), c"ln", libc::O_PATH | libc::O_NOFOLLOW).unwrap();
        assert_eq!(readlink_fd(ln.as_fd()).unwrap(), b"file-001");
        assert_eq!(
            fd_path(root.as_fd()).unwrap(),
            d.path().as_os_str().as_encoded_bytes()
        );
        assert!(cstr(b"a\0b").is_err());
        assert!(!on_procfs(root.as_fd()).unwrap());
        let proc = open(c"/proc/self", libc::O_PATH).unwrap();
        assert!(on_procfs(proc.as_fd()).unwrap());
        assert!(!on_sysfs(proc.as_fd()).unwrap());
        let sys = open(c"/sys", libc::O_PATH).unwrap();
        assert!(on_sysfs(sys.as_fd()).unwrap());
        let me = std::fs::read_link("/proc/thread-self").unwrap();
        let procfs = open(c"/proc", libc::O_PATH).unwrap();
        assert_eq!(
            readlink_at(procfs.as_fd(), c"thread-self").unwrap(),
            me.as_os_str().as_encoded_bytes()
        );
        assert_eq!(
            fstat(ln.as_fd()).unwrap().st_mode & libc::S_IFMT,
            libc::S_IFLNK
        );
    }
}
