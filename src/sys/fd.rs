//! Thin safe wrappers around the descriptor-relative system calls the sealed reader needs (openat,
//! openat2, fstat, fstatfs, readlinkat, getdents64). Every `unsafe` block of the file system side
//! lives here; the resolver and the reader above it are safe code.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// A path component or relative path as a C string; an interior NUL is an invalid name, not a panic.
pub fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn owned(ret: libc::c_long) -> io::Result<OwnedFd> {
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = libc::c_int::try_from(ret).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
    // SAFETY: a non-negative return of open/openat/openat2 is a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// openat(2); O_CLOEXEC is always added.
pub fn openat(dir: BorrowedFd, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: `dir` is a live descriptor and `name` a NUL-terminated string, both borrowed for the call.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags | libc::O_CLOEXEC) };
    owned(fd.into())
}

/// open(2) of an absolute path of this process's own (used only for /proc/self/fd/N).
pub fn open(path: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: `path` is a NUL-terminated string borrowed for the call.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    owned(fd.into())
}

/// openat2(2) with `resolve` flags (RESOLVE_IN_ROOT, ...); O_CLOEXEC is always added. ENOSYS on kernels
/// before 5.6.
pub fn openat2(
    dir: BorrowedFd,
    path: &CStr,
    flags: libc::c_int,
    resolve: u64,
) -> io::Result<OwnedFd> {
    // SAFETY: open_how is three plain integers; all-zero is its documented "no options" value (and
    // the struct is non_exhaustive, so it cannot be built field by field).
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC) as u64;
    how.resolve = resolve;
    // SAFETY: the descriptor, the NUL-terminated path and `how` outlive the call; the size passed is
    // the size of the struct passed, as openat2(2) requires.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            path.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    owned(ret)
}

/// fstat(2).
pub fn fstat(fd: BorrowedFd) -> io::Result<libc::stat> {
    // SAFETY: an all-zero stat is a valid value of this plain C struct; fstat overwrites it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is live and `st` is a writable stat for the duration of the call.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st)
}

/// Whether the descriptor (O_PATH is fine) is on procfs.
pub fn on_procfs(fd: BorrowedFd) -> io::Result<bool> {
    // SAFETY: an all-zero statfs is a valid value of this plain C struct; fstatfs overwrites it.
    let mut sf: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is live and `sf` is a writable statfs for the duration of the call.
    if unsafe { libc::fstatfs(fd.as_raw_fd(), &mut sf) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // f_type's integer type differs between architectures; the magic (linux/magic.h) fits in 32 bits.
    const PROC_SUPER_MAGIC: u32 = 0x9fa0;
    Ok(sf.f_type as u32 == PROC_SUPER_MAGIC)
}

/// The target of a symbolic link opened with O_PATH|O_NOFOLLOW (readlinkat with an empty name).
pub fn readlink_fd(link: BorrowedFd) -> io::Result<Vec<u8>> {
    // SAFETY: `link` and the empty name are live for the call; `buf` is writable for `len` bytes.
    grow(|buf, len| unsafe { libc::readlinkat(link.as_raw_fd(), c"".as_ptr(), buf, len) })
}

/// The path the kernel gives an open descriptor (readlink of /proc/self/fd/N).
pub fn fd_path(fd: BorrowedFd) -> io::Result<Vec<u8>> {
    let link = cstr(format!("/proc/self/fd/{}", fd.as_raw_fd()).as_bytes())?;
    // SAFETY: `link` is live for the call; `buf` is writable for `len` bytes.
    grow(|buf, len| unsafe { libc::readlink(link.as_ptr(), buf, len) })
}

/// Calls a readlink-like function with a growing buffer until the whole target fits.
fn grow(call: impl Fn(*mut libc::c_char, usize) -> isize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    loop {
        let n = call(buf.as_mut_ptr().cast(), buf.len());
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        if n < buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        if buf.len() > libc::PATH_MAX as usize {
            return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        buf.resize(buf.len() * 4, 0);
    }
}

/// The names in a directory opened for reading (without `.` and `..`), by getdents64(2).
pub fn dir_names(dir: &OwnedFd) -> io::Result<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        // SAFETY: `dir` is a live directory descriptor and `buf` is writable for `buf.len()` bytes.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                dir.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        if n == 0 {
            return Ok(names);
        }
        // struct linux_dirent64: u64 ino, i64 off, u16 reclen, u8 type, then the NUL-terminated name.
        let mut rest = &buf[..n as usize];
        while rest.len() >= 19 {
            let reclen = u16::from_ne_bytes([rest[16], rest[17]]) as usize;
            if reclen < 19 || reclen > rest.len() {
                return Err(io::Error::from_raw_os_error(libc::EIO));
            }
            let raw = &rest[19..reclen];
            let name = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
            if name != b"." && name != b".." {
                names.push(name.to_vec());
            }
            rest = &rest[reclen..];
        }
    }
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
        let mut names = dir_names(&dir).unwrap();
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
    }
}
