//! The root-relative reader (like sos's sysroot), sealed: every path is absolute as seen on the target
//! system and resolves inside the root (see `resolve`), whatever links and `..` it contains; the fixed
//! never-read list (see `never_read`) is checked against the path asked for and the path it resolved
//! to; only regular files are read (a FIFO, device or socket is never opened for reading), at most
//! MAX_FILE bytes each. The live system is the root `/`, read the same way. With `--sysroot` (a
//! container debugging its host), /proc and /sys, the running kernel's state, come from the live
//! system (its own sealed reader on `/`) and every other file from the root.

use super::fd;
use super::never_read::{classify, Class};
use super::resolve::{lexical, Resolver, Root};
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Fs {
    root: PathBuf,
    /// True when the root is "/" of the running system: /proc/net is then read per thread, so a thread
    /// that entered another network namespace sees that namespace's counters.
    live: bool,
    sealed: Result<Arc<Root>, Arc<io::Error>>,
    /// (device, inode) of the host's own password and host-key files: a hard link or bind mount of one
    /// inside the root is refused whatever its name.
    host_secrets: Arc<Vec<(u64, u64, &'static str)>>,
    /// `--sysroot`: the live system's reader, for /proc and /sys.
    kernel: Option<Arc<Fs>>,
    /// Told every path whose content or listing is asked for (see `observed`).
    observer: Option<Observer>,
    /// The live system's /proc and /sys, for the one-step open of kernel state (`KernelFs::open_file`).
    kernel_fs: Arc<KernelFs>,
}

/// The running kernel's own file systems, held open when the root is the live `/` and they are
/// mounted there (procfs at /proc, sysfs at /sys). A file under them is opened in one step,
/// read-only, by a lookup that may neither follow a link nor leave that mount (RESOLVE_BENEATH,
/// RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV): whatever it opens is one of the kernel's own files, never a
/// device, FIFO or socket, nor a file of the installed system, so the check-then-reopen of the
/// sealed open is not needed. A link or a mount on the way sends the read down the sealed path.
#[derive(Debug, Default)]
struct KernelFs {
    proc: Option<OwnedFd>,
    sys: Option<OwnedFd>,
}

impl KernelFs {
    fn find(root: &Root) -> KernelFs {
        let mount = |path: &str, is: fn(std::os::fd::BorrowedFd) -> io::Result<bool>| {
            let (f, _) = root.resolve(path, false).ok()?;
            is(f.as_fd()).ok()?.then_some(f)
        };
        KernelFs {
            proc: mount("/proc", fd::on_procfs),
            sys: mount("/sys", fd::on_sysfs),
        }
    }

    /// The file at `target` (an absolute path) opened for reading, when it is under /proc or /sys
    /// and reached without a link or a mount crossed; None to take the sealed path.
    fn open_file(&self, target: &str) -> Option<io::Result<OwnedFd>> {
        const FLAGS: libc::c_int = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
        const RESOLVE: u64 =
            libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_XDEV;
        let (dir, rest) = if let Some(rest) = target.strip_prefix("/proc/") {
            (self.proc.as_ref()?, rest)
        } else {
            (self.sys.as_ref()?, target.strip_prefix("/sys/")?)
        };
        // /proc/thread-self is a link: its target (the kernel's answer, right in any PID namespace)
        // named directly.
        let rel = match rest.strip_prefix("thread-self/") {
            Some(under) => {
                let me = fd::readlink_at(dir.as_fd(), c"thread-self").ok()?;
                format!("{}/{under}", String::from_utf8(me).ok()?)
            }
            None => rest.to_string(),
        };
        let rel = fd::cstr(rel.as_bytes()).ok()?;
        match fd::openat2(dir.as_fd(), &rel, FLAGS, RESOLVE) {
            Ok(f) => Some(Ok(f)),
            // A link or a mount point on the way, a rename race, or a kernel that refuses the flags.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(
                        libc::ELOOP
                            | libc::EXDEV
                            | libc::EAGAIN
                            | libc::ENOSYS
                            | libc::EINVAL
                            | libc::EPERM
                    )
                ) =>
            {
                None
            }
            Err(e) => Some(Err(e)),
        }
    }
}

/// A function told each path a reader is asked to read or list, before it is read (the conformance
/// tests check every one against the spec of the collector that asked).
#[derive(Clone)]
pub struct Observer(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// Paths that are the running kernel's state rather than files of the installed system.
fn is_kernel_state(p: &str) -> bool {
    let rel = p.trim_start_matches('/');
    ["proc", "sys"].iter().any(|top| {
        rel.strip_prefix(top)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Largest file the reader takes in (MPTCP-relevant files are small; this guards against /dev/zero-like
/// surprises in a mounted image).
pub const MAX_FILE: u64 = 16 << 20;

const HOST_SECRETS: &[&str] = &[
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/shadow-",
    "/etc/gshadow-",
    "/etc/ssh/ssh_host_rsa_key",
    "/etc/ssh/ssh_host_ecdsa_key",
    "/etc/ssh/ssh_host_ed25519_key",
    "/etc/ssh/ssh_host_dsa_key",
];

/// Why the sealed reader did not read a file (the io::Error's inner error; `refusal` finds it).
#[derive(Debug)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

fn refused(kind: io::ErrorKind, msg: String) -> io::Error {
    io::Error::new(kind, Refusal(msg))
}

/// The reason, when an error is the sealed reader refusing a file (never-read, not a regular file).
pub fn refusal(e: &io::Error) -> Option<&str> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Refusal>())
        .map(|r| r.0.as_str())
}

impl Fs {
    /// Opens the root (`/` is the live system). Errors name nothing: callers add the option.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Fs> {
        Fs::build(root.into(), None)
    }

    /// `open` with a chosen resolver (tests run everything with both).
    pub fn with_resolver(root: impl Into<PathBuf>, resolver: Resolver) -> io::Result<Fs> {
        Fs::build(root.into(), Some(resolver))
    }

    /// Like `open`, but a root that cannot be opened makes every read fail with that error.
    pub fn new(root: impl Into<PathBuf>) -> Fs {
        let root = root.into();
        Fs::build(root.clone(), None).unwrap_or_else(|e| Fs {
            live: root == Path::new("/"),
            root,
            sealed: Err(Arc::new(e)),
            host_secrets: Arc::default(),
            kernel: None,
            observer: None,
            kernel_fs: Arc::default(),
        })
    }

    /// Files from `root`, kernel state (/proc, /sys) from the live system: `--sysroot`.
    pub fn sysroot(root: impl Into<PathBuf>) -> io::Result<Fs> {
        let mut fs = Fs::open(root)?;
        if !fs.live {
            fs.kernel = Some(Arc::new(Fs::open("/")?));
        }
        Ok(fs)
    }

    /// Whether /proc and /sys are the running kernel's (the live system, or `--sysroot`).
    pub fn kernel_is_live(&self) -> bool {
        self.live || self.kernel.is_some()
    }

    /// The reader for `p`: the live system's for kernel state under `--sysroot`, else this one.
    fn reader_for(&self, p: &str) -> Option<&Fs> {
        self.kernel.as_deref().filter(|_| is_kernel_state(p))
    }

    fn build(root: PathBuf, resolver: Option<Resolver>) -> io::Result<Fs> {
        use std::os::unix::fs::MetadataExt;
        let sealed = Root::open(&root, resolver)?;
        let host_secrets = HOST_SECRETS
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino(), *p)))
            .collect();
        let live = root == Path::new("/");
        // Only with openat2 (the component-wise resolver is for systems without it, or that refuse it).
        let kernel_fs = match live && sealed.resolver() == Resolver::Openat2 {
            true => KernelFs::find(&sealed),
            false => KernelFs::default(),
        };
        Ok(Fs {
            live,
            root,
            sealed: Ok(Arc::new(sealed)),
            host_secrets: Arc::new(host_secrets),
            kernel: None,
            observer: None,
            kernel_fs: Arc::new(kernel_fs),
        })
    }

    /// This reader, telling `observer` every path asked for (also those the --sysroot kernel reader
    /// answers: they are told before they are handed over).
    pub fn observed(mut self, observer: Observer) -> Fs {
        self.observer = Some(observer);
        self
    }

    fn observe(&self, p: &str) {
        if let Some(o) = &self.observer {
            (o.0)(p);
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Which resolver this reader uses (openat2, or the component-wise fallback).
    pub fn resolver(&self) -> Option<Resolver> {
        self.sealed.as_ref().ok().map(|r| r.resolver())
    }

    fn sealed(&self) -> io::Result<&Root> {
        match &self.sealed {
            Ok(r) => Ok(r),
            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }

    /// The target path actually looked up: on the live system /proc/net is a link to /proc/self/net,
    /// the thread-group leader's namespace, so it is read through /proc/thread-self/net instead.
    fn target(&self, p: &str) -> String {
        let rel = p.trim_start_matches('/');
        if self.live {
            if let Some(rest) = rel.strip_prefix("proc/net") {
                if rest.is_empty() || rest.starts_with('/') {
                    return format!("/proc/thread-self/net{rest}");
                }
            }
        }
        format!("/{rel}")
    }

    pub fn exists(&self, p: &str) -> bool {
        if let Some(k) = self.reader_for(p) {
            return k.exists(p);
        }
        self.sealed()
            .and_then(|r| r.resolve(&self.target(p), false))
            .is_ok()
    }

    /// Whether the path resolves to a regular file.
    pub fn is_file(&self, p: &str) -> bool {
        self.kind(p) == Some(libc::S_IFREG)
    }

    fn kind(&self, p: &str) -> Option<libc::mode_t> {
        if let Some(k) = self.reader_for(p) {
            return k.kind(p);
        }
        let (f, _) = self.sealed().ok()?.resolve(&self.target(p), false).ok()?;
        fd::fstat(f.as_fd())
            .ok()
            .map(|st| st.st_mode & libc::S_IFMT)
    }

    /// Reads a text file; at most MAX_FILE bytes (the head is kept for files: they are read, not streamed).
    pub fn read_to_string(&self, p: &str) -> io::Result<String> {
        self.read_text(p).map(|t| t.text)
    }

    /// `read_to_string`, saying whether the file was cut at `MAX_FILE` and how large it was.
    pub fn read_text(&self, p: &str) -> io::Result<FileText> {
        let mut head = self.open_regular(p, false)?;
        let buf = read_head(&mut head)?;
        let mut f = head.into_inner();
        let mut original_size = buf.len() as u64;
        // Short of MAX_FILE the read stopped at the end of the file: nothing more to ask.
        let mut more = [0u8; 64 << 10];
        let n = if original_size < MAX_FILE {
            0
        } else {
            f.read(&mut more)?
        };
        let truncated = n > 0;
        if truncated {
            original_size += n as u64;
            match f.metadata().map(|m| m.len()) {
                // A regular file that says its size (/proc files say 0: counted instead).
                Ok(len) if len > 0 => original_size = original_size.max(len),
                _ => {
                    original_size += io::copy(&mut f.take(MAX_COUNTED - n as u64), &mut io::sink())?
                }
            }
        }
        Ok(FileText {
            text: String::from_utf8_lossy(&buf).into_owned(),
            truncated,
            original_size,
        })
    }

    pub fn read_bytes(&self, p: &str) -> io::Result<Vec<u8>> {
        read_head(&mut self.open_regular(p, false)?)
    }

    /// Trimmed content, or None when the file is missing or unreadable.
    pub fn read_trimmed(&self, p: &str) -> Option<String> {
        self.read_to_string(p)
            .ok()
            .map(|s| s.trim_end_matches('\n').to_string())
    }

    /// Opens a NetworkManager connection profile, for the keyfile reader that keeps only allowlisted
    /// keys: the one reader the profile stores (never-read for everything else) are open to.
    pub fn open_allowlisted(&self, p: &str) -> io::Result<io::Take<std::fs::File>> {
        self.open_regular(p, true)
    }

    /// Entry names of a directory, sorted. Names are listed even in never-read directories (a glob
    /// over one then notes each file it skips); contents are what the list protects.
    pub fn list_dir(&self, p: &str) -> io::Result<Vec<String>> {
        self.observe(p);
        if let Some(k) = self.reader_for(p) {
            return k.list_dir(p);
        }
        let (f, _) = self.sealed()?.resolve(&self.target(p), false)?;
        if fd::fstat(f.as_fd())?.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
        }
        let dir = fd::openat(f.as_fd(), c".", libc::O_RDONLY | libc::O_DIRECTORY)?;
        let mut names: Vec<String> = fd::dir_names(dir)?
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Expands a glob with `*` and `?` in the last path components; results are target paths, sorted.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        let mut found = vec![String::new()];
        for comp in pattern.trim_start_matches('/').split('/') {
            let mut next = Vec::new();
            for base in &found {
                if comp.contains(['*', '?']) {
                    if let Ok(names) = self.list_dir(if base.is_empty() { "/" } else { base }) {
                        for n in names.into_iter().filter(|n| wildcard(comp, n)) {
                            next.push(format!("{base}/{n}"));
                        }
                    }
                } else {
                    next.push(format!("{base}/{comp}"));
                }
            }
            found = next;
        }
        found.retain(|p| self.is_file(p));
        found.sort();
        found
    }

    /// The sealed open: never-read checks on the asked and the resolved path, the host's secrets by
    /// inode, regular files only, and the descriptor found is the one read (reopened through
    /// /proc/self/fd, so nothing can be swapped in between the check and the read).
    fn open_regular(&self, p: &str, nm_profile: bool) -> io::Result<io::Take<std::fs::File>> {
        self.observe(p);
        if let Some(k) = self.reader_for(p) {
            return k.open_regular(p, nm_profile);
        }
        let root = self.sealed()?;
        let allowed = |c: Class| nm_profile && c == Class::NmProfiles;
        let target = self.target(p);
        if let Some(c) = classify(p).or(classify(&target)).filter(|c| !allowed(*c)) {
            return Err(refused(
                io::ErrorKind::PermissionDenied,
                format!("never read ({})", c.why()),
            ));
        }
        if let Some(opened) = self.kernel_fs.open_file(&target) {
            // No link followed: the path opened is the target itself (checked above).
            let file = opened?;
            self.check_opened(&fd::fstat(file.as_fd())?)?;
            return Ok(std::fs::File::from(file).take(MAX_FILE));
        }
        let (found, resolved) = root.resolve(&target, true)?;
        let resolved = resolved.unwrap_or_else(|| lexical(&target));
        if let Some(c) = classify(&resolved).filter(|c| !allowed(*c)) {
            return Err(refused(
                io::ErrorKind::PermissionDenied,
                format!("never read: it resolves to {resolved} ({})", c.why()),
            ));
        }
        let st = fd::fstat(found.as_fd())?;
        self.check_opened(&st)?;
        let file = reopen(root, &found, &resolved, &st)?;
        Ok(std::fs::File::from(file).take(MAX_FILE))
    }

    /// A file found is read only when it is a regular file and not one of the host's secrets.
    fn check_opened(&self, st: &fd::Stat) -> io::Result<()> {
        let kind = st.st_mode & libc::S_IFMT;
        if kind != libc::S_IFREG {
            return Err(refused(
                io::ErrorKind::InvalidInput,
                format!("not read: {}, not a regular file", kind_name(kind)),
            ));
        }
        if let Some((_, _, host)) = self
            .host_secrets
            .iter()
            .find(|(dev, ino, _)| *dev == st.st_dev && *ino == st.st_ino)
        {
            return Err(refused(
                io::ErrorKind::PermissionDenied,
                format!(
                    "never read: it is the host's {host} ({})",
                    classify(host).map_or("", |c| c.why())
                ),
            ));
        }
        Ok(())
    }
}

/// Reads a file named on the command line (a template, a key): a regular file of at most `max` bytes,
/// else an error saying why. Opened without waiting (a FIFO gives "not a regular file", not a hang)
/// and checked on the descriptor opened, so nothing is read whole that was not meant to be read.
pub fn read_named_file(path: &Path, max: u64) -> io::Result<String> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("larger than {max} bytes"),
        ));
    }
    let mut text = String::new();
    f.take(max).read_to_string(&mut text)?;
    Ok(text)
}

/// The file's bytes up to the reader's limit, in as few reads as it takes: room for a typical /proc
/// or /etc file is there from the start (an empty buffer would make the standard library probe with
/// a 32-byte read first), and the read that finds the end is the last.
fn read_head(f: &mut io::Take<std::fs::File>) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(8 << 10);
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

/// Opens the file behind an O_PATH descriptor for reading: through /proc/self/fd (the very same
/// file, no lookup in the root: the magic link leads to the descriptor's own dentry), or, without
/// /proc, by its resolved path with no link allowed on the way, refused unless it is still the inode
/// `st` describes. O_NONBLOCK: nothing here may wait for a writer.
fn reopen(root: &Root, found: &OwnedFd, resolved: &str, st: &fd::Stat) -> io::Result<OwnedFd> {
    use std::os::fd::AsRawFd;
    const FLAGS: libc::c_int = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;
    let proc_name = fd::cstr(format!("/proc/self/fd/{}", found.as_raw_fd()).as_bytes())?;
    match fd::open(&proc_name, FLAGS) {
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
            let file = root.open_resolved(resolved, FLAGS)?;
            let again = fd::fstat(file.as_fd())?;
            if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino) {
                return Err(refused(
                    io::ErrorKind::PermissionDenied,
                    "not read: it changed while being opened".into(),
                ));
            }
            Ok(file)
        }
        other => other,
    }
}

fn kind_name(kind: libc::mode_t) -> &'static str {
    match kind {
        libc::S_IFDIR => "a directory",
        libc::S_IFIFO => "a FIFO",
        libc::S_IFSOCK => "a socket",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        _ => "a special file",
    }
}

/// A file's text as read, and whether it was cut.
#[derive(Debug, Clone, PartialEq)]
pub struct FileText {
    /// At most `MAX_FILE` bytes: the head.
    pub text: String,
    pub truncated: bool,
    /// Bytes in the file (a lower bound, `MAX_FILE + MAX_COUNTED`, for an endless pseudo file).
    pub original_size: u64,
}

/// Bytes past the cap counted in a file whose size stat(2) does not tell.
const MAX_COUNTED: u64 = 256 << 20;

/// Shell-style `*`/`?` matching of one path component.
pub fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
#[path = "fs_tests.rs"]
mod tests;
