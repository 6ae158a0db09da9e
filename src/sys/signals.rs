//! SIGINT and SIGTERM, one mechanism for every command, on `signal-hook` (its self-pipe handlers are
//! async-signal-safe and need no `unsafe` of ours).
//!
//! Each delivery writes one byte to a socket pair of its own signal; a watcher thread reads them, so
//! every delivery is counted, even two that arrive before the watcher runs (signal-hook's iterator
//! would merge those). What a signal does depends on the run (`First`):
//! - `First::Aborts` (collect): the run is undone (`interrupt::abort`: the files it is writing and the
//!   process groups of its commands) and the process exits 128 + the signal, as a shell reports it.
//! - `First::EndsWindow` (reproduce): the first signal ends the window (`Signals::wake` becomes
//!   readable; the report is still written); a second one aborts as above.

use super::interrupt;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the first signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum First {
    Aborts,
    EndsWindow,
}

struct Shared {
    ends_window: AtomicBool,
    count: AtomicUsize,
    /// Closed (dropped) at the first signal of a window: `wake_r` then reads as ended.
    wake_w: Mutex<Option<OwnedFd>>,
    wake_r: OwnedFd,
}

static INSTALLED: Mutex<Option<Arc<Shared>>> = Mutex::new(None);

/// The installed handlers, for the code that waits on them.
pub struct Signals(Arc<Shared>);

impl Signals {
    /// Becomes readable (end of file) at the first signal of a window.
    pub fn wake(&self) -> &OwnedFd {
        &self.0.wake_r
    }

    /// Whether a signal has arrived.
    pub fn interrupted(&self) -> bool {
        self.0.count.load(Ordering::SeqCst) > 0
    }
}

/// Installs the SIGINT/SIGTERM handlers (once per process; a later call only changes `first`).
pub fn install(first: First) -> io::Result<Signals> {
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = &*installed {
        s.ends_window
            .store(first == First::EndsWindow, Ordering::SeqCst);
        return Ok(Signals(s.clone()));
    }
    let (wake_r, wake_w) = crate::sys::poll::wake_pipe()?;
    let shared = Arc::new(Shared {
        ends_window: AtomicBool::new(first == First::EndsWindow),
        count: AtomicUsize::new(0),
        wake_w: Mutex::new(Some(wake_w)),
        wake_r,
    });
    let (mut readers, mut writers) = (Vec::new(), Vec::new());
    for sig in [SIGINT, SIGTERM] {
        let (r, w) = UnixStream::pair()?;
        readers.push((sig, r));
        writers.push((sig, w));
    }
    // The watcher first: a handler whose bytes nobody reads would swallow Ctrl-C.
    let watched = shared.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || watch(readers, &watched))?;
    for (sig, w) in writers {
        // The handler sends with MSG_DONTWAIT: a full socket loses a byte, never blocks the handler.
        signal_hook::low_level::pipe::register(sig, w)?;
    }
    *installed = Some(shared.clone());
    Ok(Signals(shared))
}

fn watch(mut readers: Vec<(i32, UnixStream)>, shared: &Shared) {
    loop {
        let mut fds: Vec<_> = readers
            .iter()
            .map(|(_, r)| super::poll::PollFd::readable(r))
            .collect();
        if super::poll::poll(&mut fds, None).is_err() {
            return;
        }
        for (p, (sig, r)) in fds.iter().zip(readers.iter_mut()) {
            if !p.ready() {
                continue;
            }
            let mut bytes = [0u8; 64];
            match r.read(&mut bytes) {
                Ok(0) => return,
                Ok(n) => (0..n).for_each(|_| on_signal(shared, *sig)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
}

fn on_signal(shared: &Shared, sig: i32) {
    let n = shared.count.fetch_add(1, Ordering::SeqCst) + 1;
    let window = shared.ends_window.load(Ordering::SeqCst);
    if !window {
        interrupt::abort(128 + sig, "interrupted");
    }
    if n >= 2 {
        interrupt::abort(128 + sig, "aborted by a second signal");
    }
    drop(
        shared
            .wake_w
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::poll::{poll, PollFd};
    use std::time::Duration;

    /// The one test of this process that installs the handlers and signals itself: once, so the
    /// window ends and nothing aborts (a second signal would end the test run, as it ends a run).
    #[test]
    fn the_first_signal_of_a_window_wakes_the_waiting_code() {
        let signals = install(First::EndsWindow).unwrap();
        assert!(!signals.interrupted());
        let mut fds = [PollFd::readable(signals.wake())];
        assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 0);
        signal_hook::low_level::raise(SIGTERM).unwrap();
        assert_eq!(poll(&mut fds, Some(Duration::from_secs(5))).unwrap(), 1);
        assert!(signals.interrupted());
        // A second install shares the same handlers and state.
        assert!(install(First::EndsWindow).unwrap().interrupted());
    }
}
