//! The root-relative reader (like sos's sysroot): every path is absolute as seen on the target system
//! and is resolved under the root prefix.

use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Fs {
    root: PathBuf,
    /// True when the root is "/" of the running system: /proc/net is then read per thread, so a thread
    /// that entered another network namespace sees that namespace's counters.
    live: bool,
}

impl Fs {
    pub fn new(root: impl Into<PathBuf>) -> Fs {
        let root = root.into();
        let live = root == Path::new("/");
        Fs { root, live }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The real path for a target-system path.
    pub fn path(&self, p: &str) -> PathBuf {
        let rel = p.trim_start_matches('/');
        if self.live {
            // /proc/net is a link to /proc/self/net, i.e. the thread-group leader's namespace.
            if let Some(rest) = rel.strip_prefix("proc/net") {
                if rest.is_empty() || rest.starts_with('/') {
                    return PathBuf::from(format!("/proc/thread-self/net{rest}"));
                }
            }
        }
        self.root.join(rel)
    }

    pub fn exists(&self, p: &str) -> bool {
        self.path(p).exists()
    }

    /// Reads a text file; at most `MAX_FILE` bytes (the head is kept for files: they are read, not
    /// streamed).
    pub fn read_to_string(&self, p: &str) -> std::io::Result<String> {
        self.read_text(p).map(|t| t.text)
    }

    /// `read_to_string`, saying whether the file was cut at `MAX_FILE` and how large it was.
    pub fn read_text(&self, p: &str) -> std::io::Result<FileText> {
        let mut f = std::fs::File::open(self.path(p))?;
        let mut buf = Vec::new();
        f.by_ref().take(MAX_FILE).read_to_end(&mut buf)?;
        let mut original_size = buf.len() as u64;
        let mut more = [0u8; 64 << 10];
        let n = f.read(&mut more)?;
        let truncated = n > 0;
        if truncated {
            original_size += n as u64;
            let len = f.metadata().map(|m| m.is_file().then_some(m.len()));
            match len {
                Ok(Some(len)) => original_size = original_size.max(len),
                // Not a regular file (proc, a device): count what follows, up to a bound (the size
                // then is a lower bound).
                _ => {
                    original_size +=
                        std::io::copy(&mut f.take(MAX_COUNTED - n as u64), &mut std::io::sink())?
                }
            }
        }
        Ok(FileText {
            text: String::from_utf8_lossy(&buf).into_owned(),
            truncated,
            original_size,
        })
    }

    pub fn read_bytes(&self, p: &str) -> std::io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        std::fs::File::open(self.path(p))?
            .take(MAX_FILE)
            .read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Trimmed content, or None when the file is missing or unreadable.
    pub fn read_trimmed(&self, p: &str) -> Option<String> {
        self.read_to_string(p)
            .ok()
            .map(|s| s.trim_end_matches('\n').to_string())
    }

    /// Entry names of a directory, sorted; empty when it does not exist.
    pub fn list_dir(&self, p: &str) -> std::io::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(p))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
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
        found.retain(|p| self.path(p).is_file());
        found.sort();
        found
    }
}

/// A file's text as read, and whether it was cut.
#[derive(Debug, Clone, PartialEq)]
pub struct FileText {
    /// At most `MAX_FILE` bytes: the head.
    pub text: String,
    pub truncated: bool,
    /// Bytes in the file (at least `MAX_FILE + MAX_COUNTED` for an endless non-regular file).
    pub original_size: u64,
}

/// Bytes past the cap counted in a file whose size stat(2) does not tell.
const MAX_COUNTED: u64 = 256 << 20;

/// Largest file the reader takes in (MPTCP-relevant files are small; this guards against /dev/zero-like
/// surprises in a mounted image).
pub const MAX_FILE: u64 = 16 << 20;

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
mod tests {
    use super::*;

    #[test]
    fn paths_are_root_relative() {
        let fs = Fs::new("/tmp/fx");
        assert_eq!(
            fs.path("/etc/os-release"),
            PathBuf::from("/tmp/fx/etc/os-release")
        );
        assert_eq!(
            fs.path("/proc/net/netstat"),
            PathBuf::from("/tmp/fx/proc/net/netstat")
        );
        let live = Fs::new("/");
        assert_eq!(
            live.path("/proc/net/netstat"),
            PathBuf::from("/proc/thread-self/net/netstat")
        );
        assert_eq!(live.path("/proc/network"), PathBuf::from("/proc/network"));
    }

    #[test]
    fn a_file_past_the_cap_says_so_with_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE + 12345).unwrap();
        std::fs::write(dir.path().join("small"), "abc").unwrap();
        let fs = Fs::new(dir.path());
        let t = fs.read_text("/big").unwrap();
        assert!(t.truncated);
        assert_eq!(t.text.len() as u64, MAX_FILE);
        assert_eq!(t.original_size, MAX_FILE + 12345);
        let t = fs.read_text("/small").unwrap();
        assert_eq!(
            (t.text.as_str(), t.truncated, t.original_size),
            ("abc", false, 3)
        );
        // A device without a size: counted.
        let t = Fs::new("/").read_text("/dev/zero").unwrap();
        assert!(
            t.truncated && t.original_size == MAX_FILE + MAX_COUNTED,
            "{}",
            t.original_size
        );
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.conf", "a.conf"));
        assert!(!wildcard("*.conf", "a.conf~"));
        assert!(wildcard("config-?", "config-1"));
    }
}
