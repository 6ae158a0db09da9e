//! The root-relative reader (like sos's sysroot): every path is absolute as seen on the target system
//! and is resolved under the root prefix. With `--sysroot` (a container debugging its host), /proc and
//! /sys, the running kernel's state, come from the live system and every other file from the root.

use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Fs {
    root: PathBuf,
    /// True when the root is "/" of the running system: /proc/net is then read per thread, so a thread
    /// that entered another network namespace sees that namespace's counters.
    live: bool,
    /// `--sysroot`: /proc and /sys are read from the live system (the kernel the container shares).
    kernel_live: bool,
}

/// Paths that are the running kernel's state rather than files of the installed system.
fn is_kernel_state(rel: &str) -> bool {
    ["proc", "sys"].iter().any(|top| {
        rel.strip_prefix(top)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

impl Fs {
    pub fn new(root: impl Into<PathBuf>) -> Fs {
        let root = root.into();
        let live = root == Path::new("/");
        Fs {
            root,
            live,
            kernel_live: live,
        }
    }

    /// Files from `root`, kernel state (/proc, /sys) from the live system: `--sysroot`.
    pub fn sysroot(root: impl Into<PathBuf>) -> Fs {
        let root = root.into();
        let live = root == Path::new("/");
        Fs {
            root,
            live,
            kernel_live: true,
        }
    }

    /// Whether /proc and /sys are the running kernel's (the live system, or `--sysroot`).
    pub fn kernel_is_live(&self) -> bool {
        self.kernel_live
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
        if self.kernel_live && !self.live && is_kernel_state(rel) {
            return Fs::new("/").path(p);
        }
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

    /// Reads a text file; at most `cap` bytes (the head is kept for files: they are read, not streamed).
    pub fn read_to_string(&self, p: &str) -> std::io::Result<String> {
        let mut f = std::fs::File::open(self.path(p))?;
        let mut buf = Vec::new();
        f.by_ref().take(MAX_FILE).read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
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
    fn sysroot_reads_kernel_state_live_and_files_under_the_root() {
        let fs = Fs::sysroot("/host");
        assert_eq!(
            fs.path("/etc/os-release"),
            Path::new("/host/etc/os-release")
        );
        assert_eq!(
            fs.path("/proc/sys/net/mptcp/enabled"),
            Path::new("/proc/sys/net/mptcp/enabled")
        );
        assert_eq!(
            fs.path("/proc/net/netstat"),
            Path::new("/proc/thread-self/net/netstat")
        );
        assert_eq!(fs.path("/sys/class/net"), Path::new("/sys/class/net"));
        assert_eq!(fs.path("/proc"), Path::new("/proc"));
        assert_eq!(fs.path("/process/x"), Path::new("/host/process/x"));
        assert_eq!(fs.path("/system/x"), Path::new("/host/system/x"));
        assert!(fs.kernel_is_live() && !fs.is_live());
        assert!(!Fs::new("/img").kernel_is_live());
    }

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
    fn wildcards() {
        assert!(wildcard("*.conf", "a.conf"));
        assert!(!wildcard("*.conf", "a.conf~"));
        assert!(wildcard("config-?", "config-1"));
    }
}
