//! poll(2), the one way the tool waits on several descriptors at once: a command's pipes and its
//! pidfd (runner), the reproduce window's stdin, signal and command-end pipes, the event monitor's
//! socket and its stop pipe, the self-test's sockets; and the pipe that wakes such waits.
//!
//! It takes descriptors by number (`AsRawFd`), not as borrowed descriptors, because the generic
//! netlink socket (neli) lends only its number, and lending a number as a `BorrowedFd` would need an
//! `unsafe` promise at every such call site. poll(2) itself is memory-safe with any number: a closed
//! one comes back as POLLNVAL. So the one `unsafe` block is here, around the call. An interrupted
//! poll (EINTR) is resumed with the time left.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// One descriptor to watch, and what happened to it after `poll`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct PollFd(libc::pollfd);

impl PollFd {
    fn new(fd: &impl AsRawFd, events: libc::c_short) -> PollFd {
        PollFd(libc::pollfd {
            fd: fd.as_raw_fd(),
            events,
            revents: 0,
        })
    }

    /// Wakes when `fd` has data, reached its end, or its peer hung up.
    pub fn readable(fd: &impl AsRawFd) -> PollFd {
        PollFd::new(fd, libc::POLLIN)
    }

    /// Wakes when `fd` can be written (a non-blocking connect has completed or failed).
    pub fn writable(fd: &impl AsRawFd) -> PollFd {
        PollFd::new(fd, libc::POLLOUT)
    }

    /// Something happened: readable, writable, end, hang-up, error, or not a descriptor.
    pub fn ready(&self) -> bool {
        self.0.revents != 0
    }

    /// The number was not an open descriptor (POLLNVAL): e.g. stdin closed by the caller.
    pub fn invalid(&self) -> bool {
        self.0.revents & libc::POLLNVAL != 0
    }

    pub fn fd(&self) -> std::os::fd::RawFd {
        self.0.fd
    }
}

/// A pipe for waking pollers: once the write end is closed (dropped), the read end polls readable
/// (end of file) for every poller, for good. Both ends are close-on-exec.
pub fn wake_pipe() -> io::Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd)> {
    Ok(rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?)
}

/// Waits until one of `fds` is ready or `timeout` (None: forever) has passed; returns how many are
/// ready (0 on timeout).
pub fn poll(fds: &mut [PollFd], timeout: Option<Duration>) -> io::Result<usize> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        for f in fds.iter_mut() {
            f.0.revents = 0;
        }
        // Rounded up, so that a wait of less than a millisecond does not spin.
        let ms = match deadline {
            None => -1,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                left.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int
            }
        };
        // SAFETY: `fds` is a live, writable array of `fds.len()` pollfd structs (PollFd is
        // repr(transparent) over libc::pollfd); poll(2) writes only their `revents` fields. The
        // descriptors are plain numbers to the kernel: one that is not open is reported as POLLNVAL.
        let n = unsafe { libc::poll(fds.as_mut_ptr().cast(), fds.len() as libc::nfds_t, ms) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn wakes_on_data_on_a_hang_up_and_times_out() {
        let (r, w) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut fds = [PollFd::readable(&r)];
        let t = Instant::now();
        assert_eq!(poll(&mut fds, Some(Duration::from_millis(30))).unwrap(), 0);
        assert!(t.elapsed() >= Duration::from_millis(30));
        assert!(!fds[0].ready());
        (&w).write_all(b"x").unwrap();
        assert_eq!(poll(&mut fds, None).unwrap(), 1);
        assert!(fds[0].ready() && !fds[0].invalid());
        let mut fds = [PollFd::writable(&w)];
        assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 1);
        drop(w);
        let (r2, w2) = std::os::unix::net::UnixStream::pair().unwrap();
        drop(w2);
        let mut fds = [PollFd::readable(&r2), PollFd::readable(&r)];
        assert_eq!(poll(&mut fds, None).unwrap(), 2, "both peers are gone");
    }

    #[test]
    fn a_number_that_is_not_open_is_invalid_not_undefined() {
        let closed = {
            let (r, _w) = std::os::unix::net::UnixStream::pair().unwrap();
            r.as_raw_fd()
        };
        // The number may have been reused by another test's descriptor: then it is simply polled.
        let mut fds = [PollFd::readable(&closed)];
        let n = poll(&mut fds, Some(Duration::ZERO)).unwrap();
        assert!(n == 0 || fds[0].ready());
    }
}
