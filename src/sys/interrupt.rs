//! What an interrupted run must undo: the files it is writing and the processes it started. Writers
//! register a file before it can exist and forget it once it is complete (and the run has committed
//! to it); the runner registers each command (its process group, or the process of the reproduce
//! command, which stays in the terminal's group) and forgets it before reaping it, so a kill never
//! reaches a recycled pid. `abort` kills and removes everything under one lock and exits holding it,
//! so a file is never created after it ran. `signals` calls it on SIGINT/SIGTERM.

use rustix::process::{kill_process, kill_process_group, Pid, Signal};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// A process the run started, as it must be signalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// A collector command in its own process group (the group id is its pid).
    Group(i32),
    /// The reproduce command, in the tool's own process group (so it keeps the terminal).
    Process(i32),
}

impl Started {
    /// Sends `sig`; the caller makes sure the process is not reaped yet (its pid not reused).
    pub fn signal(self, sig: Signal) {
        // A process already gone gives ESRCH: nothing to do then.
        let _ = match self {
            Started::Group(g) => Pid::from_raw(g).map(|g| kill_process_group(g, sig)),
            Started::Process(p) => Pid::from_raw(p).map(|p| kill_process(p, sig)),
        };
    }
}

#[derive(Default)]
struct State {
    files: Vec<PathBuf>,
    started: Vec<Started>,
    /// The archive a run has completed (its path is still worth telling when interrupted afterwards).
    written: Option<String>,
}

static STATE: Mutex<State> = Mutex::new(State {
    files: Vec::new(),
    started: Vec::new(),
    written: None,
});

fn state() -> MutexGuard<'static, State> {
    // A panic elsewhere while holding the lock leaves the lists as they were: still usable.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Creates a file through `create` (which must fail if it exists, e.g. O_EXCL) and registers it for
/// removal, atomically with respect to `abort`.
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
/// to `abort`; unregisters it again when `make` fails (the file then is not ours).
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

/// Spawns `cmd` and registers what it started (`group`: set up with `process_group(0)`), atomically
/// with respect to `abort`.
pub fn spawn_registered(
    cmd: &mut std::process::Command,
    group: bool,
) -> io::Result<std::process::Child> {
    let mut s = state();
    let child = cmd.spawn()?;
    let pid = child.id() as i32;
    s.started.push(if group {
        Started::Group(pid)
    } else {
        Started::Process(pid)
    });
    Ok(child)
}

/// Sends `sig` to a started process if it is still registered (not reaped yet).
pub fn signal(pid: i32, sig: Signal) {
    let s = state();
    if let Some(p) = s
        .started
        .iter()
        .find(|p| matches!(p, Started::Group(x) | Started::Process(x) if *x == pid))
    {
        p.signal(sig);
    }
}

/// Forgets a started process: call it before reaping the child, whose pid may then be reused.
pub fn forget(pid: i32) {
    state()
        .started
        .retain(|p| !matches!(p, Started::Group(x) | Started::Process(x) if *x == pid));
}

/// Kills everything the run started, removes every registered file, says so on stderr (`why`, and the
/// archive if one was completed), and exits with `code`, holding the lock until the process is gone.
pub fn abort(code: i32, why: &str) -> ! {
    let mut s = state();
    for p in s.started.drain(..) {
        p.signal(Signal::KILL);
    }
    for f in s.files.drain(..) {
        let _ = std::fs::remove_file(f);
    }
    let msg = match &s.written {
        Some(a) => format!("\nmptcp-get-debug: {why}; report written to {a}\n"),
        None => format!("\nmptcp-get-debug: {why}: no report written\n"),
    };
    crate::sys::stdio::note(&msg);
    std::process::exit(code);
}
