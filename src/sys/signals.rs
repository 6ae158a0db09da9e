//! SIGINT/SIGTERM during a reproduce run: the first one ends the window (the report is still
//! written), a second one aborts at once without leaving a partial archive.
//!
//! The handler only does async-signal-safe work (an atomic increment and a write(2) to a pipe). A
//! watcher thread reads that pipe: on the first signal it wakes the waiting code through a second
//! pipe; on the second it runs the clean-up (remove partial files, stop the child) and exits 130.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

static COUNT: AtomicUsize = AtomicUsize::new(0);
static PIPE_W: AtomicI32 = AtomicI32::new(-1);

/// The exit status of a run aborted by a second signal (128 + SIGINT, like a shell).
pub const ABORT_EXIT: i32 = 130;

extern "C" fn on_signal(_sig: libc::c_int) {
    let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    let fd = PIPE_W.load(Ordering::SeqCst);
    if fd >= 0 {
        let b = n.min(255) as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is a live local byte.
        unsafe { libc::write(fd, &b as *const u8 as *const libc::c_void, 1) };
    }
}

pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just returned these descriptors; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Installed handlers; `wake_fd` becomes readable at the first signal.
pub struct Signals {
    wake_r: OwnedFd,
}

impl Signals {
    pub fn wake_fd(&self) -> RawFd {
        self.wake_r.as_raw_fd()
    }

    /// Whether a signal has arrived.
    pub fn interrupted(&self) -> bool {
        COUNT.load(Ordering::SeqCst) > 0
    }
}

/// Installs the handlers. `abort` runs on the watcher thread at the second signal, before exit(130).
pub fn install(abort: impl Fn() + Send + 'static) -> io::Result<Signals> {
    let (sig_r, sig_w) = pipe()?;
    let (wake_r, wake_w) = pipe()?;
    // The handler must never block: a full pipe just loses a byte (the count is in COUNT anyway).
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let fl = libc::fcntl(sig_w.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(sig_w.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
    PIPE_W.store(sig_w.as_raw_fd(), Ordering::SeqCst);
    std::mem::forget(sig_w); // stays open for the life of the process, like the handler
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || watch(sig_r, wake_w, abort))?;
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
    Ok(Signals { wake_r })
}

fn watch(sig_r: OwnedFd, wake_w: OwnedFd, abort: impl Fn()) {
    let mut woke = false;
    loop {
        let mut b = 0u8;
        // SAFETY: reads one byte into a live local.
        let n = unsafe { libc::read(sig_r.as_raw_fd(), &mut b as *mut u8 as *mut libc::c_void, 1) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            return;
        }
        let count = COUNT.load(Ordering::SeqCst);
        if count >= 2 {
            abort();
            eprintln!("\nmptcp-get-debug: aborted by a second signal: no report written");
            std::process::exit(ABORT_EXIT);
        }
        if !woke {
            woke = true;
            // SAFETY: writes one byte from a live local to a pipe we own.
            unsafe {
                libc::write(
                    wake_w.as_raw_fd(),
                    &b as *const u8 as *const libc::c_void,
                    1,
                )
            };
        }
    }
}
