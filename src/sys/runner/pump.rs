//! Reading a child's two pipes and noticing its exit on one thread, with no helper threads: one
//! poll(2) over the pipes and a pidfd (Linux 5.3+; without one, the exit is polled every millisecond
//! once the pipes close). The output goes into two `Tail`s (the last `cap` bytes of each stream),
//! and, for the reproduce command, to stderr as it comes.

use crate::sys::interrupt::Started;
use crate::sys::poll::{poll, PollFd};
use rustix::process::{pidfd_open, waitid, Pid, PidfdFlags, Signal, WaitId, WaitIdOptions};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::Child;
use std::time::{Duration, Instant};

/// What the child's exit means for the pipes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterExit {
    /// Kill its process group (what it left running ends with it, closing the pipes it holds), and
    /// read on until the pipes close: nothing the command wrote is lost.
    KillGroup,
    /// Read what is there and stop: a background process it started may hold the pipes open for
    /// ever (the reproduce command is the user's, in the tool's process group, not ours to kill).
    Drain,
}

/// A child's pipe as a file, non-blocking (the loop reads until it would block).
pub fn pipe(p: Option<impl Into<OwnedFd>>) -> Option<File> {
    let f = File::from(p?.into());
    rustix::io::ioctl_fionbio(&f, true).ok()?;
    Some(f)
}

/// Reads `pipes` (stdout, stderr) of `child` into `tails` until they close and the child has exited,
/// or until `deadline`. Returns whether the deadline passed (an exited child whose pipes a background
/// grandchild still holds has not timed out).
pub fn pump(
    child: &Child,
    mut pipes: [Option<File>; 2],
    mut tails: [&mut Tail; 2],
    deadline: Option<Instant>,
    after_exit: AfterExit,
    echo: bool,
) -> bool {
    let pid = Pid::from_raw(child.id() as i32).expect("a child's pid is positive");
    let pidfd = pidfd_open(pid, PidfdFlags::empty()).ok();
    // Without a pidfd, the exit is looked at between waits: every millisecond once the pipes have
    // closed, every 50 ms before that when the pipes may outlive the child.
    let tick = |pipes: &[Option<File>; 2]| match pipes.iter().all(Option::is_none) {
        true => Some(Duration::from_millis(1)),
        false if after_exit == AfterExit::Drain => Some(Duration::from_millis(50)),
        false => None,
    };
    let mut exited = false;
    let mut buf = [0u8; 16 << 10];
    loop {
        if pidfd.is_none() && !exited && tick(&pipes).is_some() {
            exited = self::exited(pid);
        }
        if exited && after_exit == AfterExit::Drain {
            for (p, tail) in pipes.iter_mut().zip(tails.iter_mut()) {
                if let Some(f) = p {
                    read_all(f, tail, &mut buf, echo);
                }
            }
            return false;
        }
        if exited && pipes.iter().all(Option::is_none) {
            return false;
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l.is_zero()) {
            return !(exited || pidfd.is_none() && self::exited(pid));
        }
        let mut fds: Vec<PollFd> = pipes.iter().flatten().map(PollFd::readable).collect();
        let mut wait = left;
        match (&pidfd, exited) {
            (Some(p), false) => fds.push(PollFd::readable(p)),
            (None, false) => wait = min(wait, tick(&pipes)),
            _ => {}
        }
        if poll(&mut fds, wait).is_err() {
            return false;
        }
        for p in fds.iter().filter(|p| p.ready()) {
            if pidfd.as_ref().is_some_and(|f| f.as_raw_fd() == p.fd()) {
                exited = true;
                if after_exit == AfterExit::KillGroup {
                    // Not reaped yet: the pid still names our child's group.
                    Started::Group(pid.as_raw_nonzero().get()).signal(Signal::KILL);
                }
                continue;
            }
            let slot = pipes
                .iter()
                .position(|f| f.as_ref().is_some_and(|f| f.as_raw_fd() == p.fd()));
            if let Some(slot) = slot {
                let f = pipes[slot].as_mut().expect("polled");
                if read_all(f, tails[slot], &mut buf, echo) {
                    pipes[slot] = None;
                }
            }
        }
    }
}

/// The sooner of two optional timeouts (None: no limit).
fn min(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Reads until the pipe would block (false) or has ended (true).
fn read_all(f: &mut File, tail: &mut Tail, buf: &mut [u8], echo: bool) -> bool {
    loop {
        match f.read(buf) {
            Ok(0) => return true,
            Ok(n) => {
                if echo {
                    let _ = std::io::stderr().write_all(&buf[..n]);
                }
                tail.push(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return e.kind() != std::io::ErrorKind::WouldBlock,
        }
    }
}

/// Whether child `pid` has exited (without reaping it).
pub fn exited(pid: Pid) -> bool {
    let how = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    matches!(waitid(WaitId::Pid(pid), how), Ok(Some(_)))
}

/// The last `cap` bytes of a stream, and how many there were in all.
pub struct Tail {
    kept: Vec<u8>,
    total: u64,
    cap: usize,
}

impl Tail {
    pub fn new(cap: usize) -> Tail {
        Tail {
            kept: Vec::new(),
            total: 0,
            cap,
        }
    }

    fn push(&mut self, b: &[u8]) {
        self.total += b.len() as u64;
        self.kept.extend_from_slice(b);
        if self.kept.len() > self.cap.saturating_mul(2).max(64 << 10) {
            let cut = self.kept.len() - self.cap;
            self.kept.drain(..cut);
        }
    }

    /// (text, truncated, total bytes); a cut tail starts at a line boundary so it reads cleanly.
    pub fn finish(mut self) -> (String, bool, u64) {
        if self.kept.len() > self.cap {
            let cut = self.kept.len() - self.cap;
            self.kept.drain(..cut);
            if let Some(nl) = self.kept.iter().position(|&b| b == b'\n') {
                self.kept.drain(..=nl);
            }
        }
        (
            String::from_utf8_lossy(&self.kept).into_owned(),
            self.total > self.kept.len() as u64,
            self.total,
        )
    }
}
