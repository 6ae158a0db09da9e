//! Subscription to `mptcp_pm_events` in the calling thread's network namespace: a non-blocking socket
//! with a large receive buffer, drained by the caller when poll(2) says it is readable.
//!
//! Nothing is lost silently: when the receive buffer overflows the kernel drops events and reports
//! ENOBUFS on the next read; the exact number dropped comes from the socket's drop counter
//! (SO_MEMINFO), with the ENOBUFS count as a fallback.

use super::consts::*;
use super::event::{decode_event, EventMsg};
use super::genl::GenlMsg;
use super::mptcp_pm::PmConn;
use super::socket::messages;
use super::PmError;
use chrono::{DateTime, Utc};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// Receive buffer asked for (the kernel doubles it); ~8000 events fit before any is dropped.
pub const RCVBUF: usize = 8 << 20;

/// One event as received: when this process read it, and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub time: DateTime<Utc>,
    pub msg: EventMsg,
}

pub struct Monitor {
    conn: PmConn,
    /// ENOBUFS seen (each means at least one event lost).
    pub overruns: u64,
    /// Messages that could not be decoded (kept as a count and the first reason).
    pub malformed: u64,
    pub first_malformed: Option<String>,
}

impl Monitor {
    /// Subscribes in the calling thread's namespace. Needs CAP_NET_ADMIN (else PermissionDenied).
    pub fn subscribe() -> Result<Monitor, PmError> {
        Monitor::subscribe_with_rcvbuf(RCVBUF)
    }

    /// `subscribe` with another receive-buffer size (tests use a tiny one to force losses).
    pub fn subscribe_with_rcvbuf(rcvbuf: usize) -> Result<Monitor, PmError> {
        let mut conn = PmConn::open()?;
        let group = conn.family.group(MPTCP_PM_EV_GRP_NAME).ok_or_else(|| {
            PmError::Other(format!(
                "the {MPTCP_PM_NAME} family has no {MPTCP_PM_EV_GRP_NAME} group (kernel older than 5.12?)"
            ))
        })?;
        let sock = conn.sock.socket();
        let _ = crate::sys::nlsock::set_rcvbuf(sock.as_fd(), rcvbuf);
        sock.socket()
            .set_non_blocking(true)
            .map_err(|e| PmError::Other(format!("event socket: {e}")))?;
        conn.sock.join(group)?;
        Ok(Monitor {
            conn,
            overruns: 0,
            malformed: 0,
            first_malformed: None,
        })
    }

    pub fn fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }

    /// Reads every event queued now, without blocking, appending to `out`.
    pub fn drain(&mut self, out: &mut Vec<Received>) -> Result<(), PmError> {
        let family = self.conn.family.id;
        loop {
            let mut bad = Vec::new();
            match self.conn.sock.socket().recv() {
                Ok(datagram) => {
                    let time = Utc::now();
                    for m in messages(datagram) {
                        let m = match m {
                            Ok(m) => m,
                            Err(e) => {
                                bad.push(format!("malformed netlink datagram: {e}"));
                                break;
                            }
                        };
                        if m.kind != family {
                            continue;
                        }
                        match GenlMsg::parse(m.body).and_then(|g| decode_event(&g)) {
                            Ok(msg) => out.push(Received { time, msg }),
                            Err(e) => bad.push(e),
                        }
                    }
                }
                Err(e) => match e.raw_os_error() {
                    Some(libc::EAGAIN) => return Ok(()),
                    Some(libc::ENOBUFS) => self.overruns += 1,
                    _ => return Err(PmError::Other(format!("reading events: {e}"))),
                },
            }
            for why in bad {
                self.note_malformed(why);
            }
        }
    }

    fn note_malformed(&mut self, why: String) {
        self.malformed += 1;
        self.first_malformed.get_or_insert(why);
    }

    /// Messages the kernel dropped for this socket (receive buffer full); None when the kernel does
    /// not say (before 4.12).
    pub fn drops(&self) -> Option<u64> {
        crate::sys::nlsock::dropped(self.as_fd())
    }

    /// Events lost so far: the kernel's drop counter, or at least one per ENOBUFS.
    pub fn lost(&self) -> u64 {
        self.drops().unwrap_or(0).max(self.overruns)
    }
}

impl AsFd for Monitor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.conn.sock.socket_ref().as_fd()
    }
}
