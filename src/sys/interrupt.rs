//! What an interrupted run must undo: the files it is writing and the process groups of the commands
//! it is running. Writers register a file before it can exist and forget it once it is complete (and
//! the run has committed to it); the runner registers each command's process group. `cleanup` kills
//! the groups and removes the files, all under one lock, so a file is never created after it ran.
//!
//! `install` sets SIGINT/SIGTERM handlers for collect: the handler only writes the signal number to
//! a pipe (async-signal-safe); a watcher thread reads it, runs `cleanup` and exits 130 or 143 (128 +
//! the signal, as a shell reports it). Reproduce has its own handlers (the first signal ends its
//! window) and calls `cleanup` from its abort path.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard};

#[derive(Default)]
struct State {
    files: Vec<PathBuf>,
    groups: Vec<libc::pid_t>,
    /// The archive a run has completed (its path is still worth telling when interrupted afterwards).
    written: Option<String>,
}

static STATE: Mutex<State> = Mutex::new(State {
    files: Vec::new(),
    groups: Vec::new(),
    written: None,
});

fn state() -> MutexGuard<'static, State> {
    // A panic elsewhere while holding the lock leaves the lists as they were: still usable.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Creates a file through `create` (which must fail if it exists, e.g. O_EXCL) and registers it for
/// removal, atomically with respect to `cleanup`.
pub fn create_registered<T>(
    path: &Path,
    create: impl FnOnce(&Path) -> io::Result<T>,
) -> io::Result<T> {
    let mut s = state();
    let f = create(path)?;
    s.files.push(path.to_path_buf());
    Ok(f)
}

/// Registers `path` as ours, then runs `make` (a link(2) that creates it), atomically with respect
/// to `cleanup`; unregisters it again when `make` fails (the file then is not ours).
pub fn make_registered(path: &Path, make: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
    let mut s = state();
    make()?;
    s.files.push(path.to_path_buf());
    Ok(())
}

/// Removes a registered file now (a failed or finished write) and forgets it.
pub fn remove(path: &Path) {
    let mut s = state();
    let _ = std::fs::remove_file(path);
    s.files.retain(|p| p != path);
}

/// Forgets files that are now complete and kept: an interrupt no longer removes them. `archive` is
/// said on stderr if the run is interrupted afterwards.
pub fn commit(paths: &[&Path], archive: &str) {
    let mut s = state();
    s.files.retain(|p| !paths.contains(&p.as_path()));
    s.written = Some(archive.to_string());
}

/// Spawns `cmd` (set up with `process_group(0)`) and registers its process group, atomically with
/// respect to `cleanup`.
pub fn spawn_group(cmd: &mut std::process::Command) -> io::Result<std::process::Child> {
    let mut s = state();
    let child = cmd.spawn()?;
    s.groups.push(child.id() as libc::pid_t);
    Ok(child)
}

pub fn remove_group(pgid: libc::pid_t) {
    state().groups.retain(|g| *g != pgid);
}

/// Kills every registered process group and removes every registered file. Returns the completed
/// archive, if any, and holds the lock until the process exits when `then_exit` is given.
pub fn cleanup(then_exit: Option<i32>) -> Option<String> {
    let mut s = state();
    for g in s.groups.drain(..) {
        // SAFETY: kill(2) on a process group we started; a group already gone gives ESRCH.
        unsafe { libc::kill(-g, libc::SIGKILL) };
    }
    for f in s.files.drain(..) {
        let _ = std::fs::remove_file(f);
    }
    if let Some(code) = then_exit {
        let msg = match &s.written {
            Some(a) => format!("\nmptcp-get-debug: interrupted; report written to {a}\n"),
            None => "\nmptcp-get-debug: interrupted: no report written\n".to_string(),
        };
        crate::sys::stdio::note(&msg);
        std::process::exit(code);
    }
    s.written.clone()
}

static PIPE_W: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = PIPE_W.load(Ordering::SeqCst);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is a live local byte.
        unsafe { libc::write(fd, &b as *const u8 as *const libc::c_void, 1) };
    }
}

/// Installs the SIGINT/SIGTERM handlers of a collect run (see the module comment).
pub fn install() -> io::Result<()> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just returned these descriptors; nothing else owns them.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // The reading end blocks (the watcher waits on it); the handler's end never does.
    // SAFETY: fcntl on a descriptor we own.
    unsafe { libc::fcntl(r.as_raw_fd(), libc::F_SETFL, 0) };
    PIPE_W.store(w.as_raw_fd(), Ordering::SeqCst);
    std::mem::forget(w); // open for the life of the process, like the handler
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || loop {
            let mut b = 0u8;
            // SAFETY: reads one byte into a live local from a pipe we own.
            let n = unsafe { libc::read(r.as_raw_fd(), &mut b as *mut u8 as *mut libc::c_void, 1) };
            if n == 1 {
                cleanup(Some(128 + b as i32));
            }
            if n == 0 || n < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                return;
            }
        })?;
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with a valid handler and an empty mask is well formed.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    Ok(())
}
