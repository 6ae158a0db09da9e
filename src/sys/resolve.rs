//! Resolving a target path inside the root, as a chroot would: absolute links are re-rooted, `..`
//! stops at the root (it is clamped, like `cd /..`, not refused: that is how the image's own system
//! resolves it), at most 40 links are followed, and /proc magic links (a process's fd/, cwd, root,
//! exe), which jump to a file object instead of naming a path, are not followed at all. Nothing
//! outside the root is ever opened.
//!
//! Two equivalent resolvers: openat2(2) with RESOLVE_IN_ROOT (Linux 5.6+), and a component-wise one
//! (openat with O_PATH|O_NOFOLLOW per component, readlink, re-root) for older kernels and for
//! sandboxes that refuse openat2. Both return an O_PATH descriptor and, on request, the resolved path
//! (what the never-read list is checked against).

use super::fd;
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// Linux's own limit on links followed in one lookup (MAXSYMLINKS).
pub const MAX_LINKS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    Openat2,
    Components,
}

/// The root directory, held open: every lookup starts from this descriptor, so renaming or replacing
/// the directory's path afterwards changes nothing.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    /// The kernel's name for the root directory (/proc/self/fd), to turn openat2's results back into
    /// target paths; None without /proc.
    prefix: Option<Vec<u8>>,
    resolver: Resolver,
}

const RESOLVE: u64 = libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS;

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// A path's non-empty components as bytes; a trailing slash becomes "." (the last must be a directory).
fn split(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    let trailing: &[u8] = if path.len() > 1 && path.ends_with(b"/") {
        b"."
    } else {
        b""
    };
    path.split(|&b| b == b'/')
        .chain(std::iter::once(trailing))
        .filter(|c| !c.is_empty())
}

impl Root {
    /// Opens `dir` as the root; `force` picks the resolver (tests), else openat2 when the kernel has it.
    pub fn open(dir: &Path, force: Option<Resolver>) -> io::Result<Root> {
        let name = fd::cstr(dir.as_os_str().as_encoded_bytes())?;
        let fd = fd::open(&name, libc::O_PATH | libc::O_DIRECTORY)?;
        let resolver = force.unwrap_or_else(|| {
            match fd::openat2(fd.as_fd(), c".", libc::O_PATH, RESOLVE) {
                Ok(_) => Resolver::Openat2,
                // ENOSYS before 5.6; EPERM/EINVAL from seccomp filters that do not know it.
                Err(_) => Resolver::Components,
            }
        });
        let prefix = fd::fd_path(fd.as_fd()).ok().filter(|p| p.starts_with(b"/"));
        Ok(Root {
            fd,
            prefix,
            resolver,
        })
    }

    pub fn resolver(&self) -> Resolver {
        self.resolver
    }

    /// An O_PATH descriptor for the target path `path`, and with `want_path` the target path it
    /// resolved to (no links, no `..`).
    pub fn resolve(&self, path: &str, want_path: bool) -> io::Result<(OwnedFd, Option<String>)> {
        if self.resolver == Resolver::Openat2 {
            if let Some(found) = self.via_openat2(path, want_path)? {
                return Ok(found);
            }
        }
        let (fd, resolved) = self.via_components(path.as_bytes())?;
        Ok((fd, want_path.then_some(resolved)))
    }

    /// None when openat2 cannot answer (a rename race it detected, or no /proc to name the result):
    /// the component-wise resolver answers instead.
    fn via_openat2(
        &self,
        path: &str,
        want_path: bool,
    ) -> io::Result<Option<(OwnedFd, Option<String>)>> {
        let rel = fd::cstr(relative(path).as_bytes())?;
        let root = self.fd.as_fd();
        if want_path {
            // Without a link on the way the resolved path is the lexical one: no /proc round trip.
            match fd::openat2(
                root,
                &rel,
                libc::O_PATH,
                RESOLVE | libc::RESOLVE_NO_SYMLINKS,
            ) {
                Ok(f) => return Ok(Some((f, Some(lexical(path))))),
                Err(e) if errno(&e) == libc::ELOOP => {}
                Err(e) if errno(&e) == libc::EAGAIN => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let mut attempt = 0;
        let f = loop {
            match fd::openat2(root, &rel, libc::O_PATH, RESOLVE) {
                Ok(f) => break f,
                Err(e) if errno(&e) == libc::EAGAIN && attempt < 3 => attempt += 1,
                Err(e) if errno(&e) == libc::EAGAIN => return Ok(None),
                Err(e) => return Err(e),
            }
        };
        if !want_path {
            return Ok(Some((f, None)));
        }
        Ok(self.target_of(f.as_fd()).map(|p| (f, Some(p))))
    }

    /// The target path of a descriptor opened under the root, from the kernel's name for it.
    fn target_of(&self, f: BorrowedFd) -> Option<String> {
        let prefix = self.prefix.as_deref()?;
        let name = fd::fd_path(f).ok()?;
        let rest: &[u8] = if prefix == b"/" {
            &name
        } else if name == prefix {
            b"/"
        } else {
            name.strip_prefix(prefix).filter(|r| r.starts_with(b"/"))?
        };
        // " (deleted)" and similar decorations: let the component walk answer.
        if !rest.starts_with(b"/") || rest.ends_with(b" (deleted)") {
            return None;
        }
        Some(String::from_utf8_lossy(rest).into_owned())
    }

    /// The component-wise resolver: a stack of opened directories from the root; `..` pops it (never
    /// below the root), a link's target is pushed back onto the components still to walk, an absolute
    /// one after emptying the stack.
    fn via_components(&self, path: &[u8]) -> io::Result<(OwnedFd, String)> {
        let mut todo: VecDeque<Vec<u8>> = split(path).map(<[u8]>::to_vec).collect();
        // (descriptor, name, is a directory)
        let mut stack: Vec<(OwnedFd, Vec<u8>, bool)> = Vec::new();
        let mut links = 0;
        while let Some(c) = todo.pop_front() {
            if stack.last().is_some_and(|(_, _, dir)| !dir) {
                return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
            }
            match c.as_slice() {
                b"." => continue,
                b".." => {
                    stack.pop();
                    continue;
                }
                _ => {}
            }
            let dir = stack.last().map_or(self.fd.as_fd(), |(f, _, _)| f.as_fd());
            let f = fd::openat(dir, &fd::cstr(&c)?, libc::O_PATH | libc::O_NOFOLLOW)?;
            let st = fd::fstat(f.as_fd())?;
            match st.st_mode & libc::S_IFMT {
                libc::S_IFLNK => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(io::Error::from_raw_os_error(libc::ELOOP));
                    }
                    let target = fd::readlink_fd(f.as_fd())?;
                    if target.is_empty() {
                        return Err(io::Error::from_raw_os_error(libc::ENOENT));
                    }
                    // A magic link names a file object (an absolute kernel path or "socket:[N]"),
                    // not a path inside the root: openat2 refuses it (RESOLVE_NO_MAGICLINKS) and so
                    // do we.
                    if (target.starts_with(b"/") || target.contains(&b':'))
                        && fd::on_procfs(f.as_fd())?
                    {
                        return Err(io::Error::from_raw_os_error(libc::ELOOP));
                    }
                    if target.starts_with(b"/") {
                        stack.clear();
                    }
                    for t in split(&target).rev() {
                        todo.push_front(t.to_vec());
                    }
                }
                kind => stack.push((f, c, kind == libc::S_IFDIR)),
            }
        }
        let mut resolved = String::new();
        for (_, name, _) in &stack {
            resolved.push('/');
            resolved.push_str(&String::from_utf8_lossy(name));
        }
        if resolved.is_empty() {
            resolved.push('/');
        }
        let f = match stack.pop() {
            Some((f, _, _)) => f,
            None => fd::openat(self.fd.as_fd(), c".", libc::O_PATH)?,
        };
        Ok((f, resolved))
    }

    /// Opens a resolved target path (no links left in it) with `flags`, refusing any link met on the
    /// way: the way back to a file found earlier when /proc is not there to reopen its descriptor.
    pub fn open_resolved(&self, resolved: &str, flags: libc::c_int) -> io::Result<OwnedFd> {
        let names: Vec<&[u8]> = split(resolved.as_bytes()).collect();
        let Some((last, dirs)) = names.split_last() else {
            return fd::openat(self.fd.as_fd(), c".", flags);
        };
        let mut held: Option<OwnedFd> = None;
        for d in dirs {
            let at = held.as_ref().map_or(self.fd.as_fd(), |f| f.as_fd());
            let next = fd::openat(
                at,
                &fd::cstr(d)?,
                libc::O_PATH | libc::O_NOFOLLOW | libc::O_DIRECTORY,
            )?;
            held = Some(next);
        }
        let at = held.as_ref().map_or(self.fd.as_fd(), |f| f.as_fd());
        fd::openat(at, &fd::cstr(last)?, flags | libc::O_NOFOLLOW)
    }
}

/// The path relative to the root for openat2 ("." for the root itself).
fn relative(path: &str) -> &str {
    match path.trim_start_matches('/') {
        "" => ".",
        rel => rel,
    }
}

/// A target path with `.`, `..` and repeated slashes folded (`..` stops at `/`).
pub fn lexical(path: &str) -> String {
    let c = super::never_read::components(path);
    if c.is_empty() {
        "/".into()
    } else {
        format!("/{}", c.join("/"))
    }
}
