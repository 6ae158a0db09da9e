//! Subscription to `mptcp_pm_events` in the calling thread's network namespace: a non-blocking socket
//! with a large receive buffer, drained by the caller when poll(2) says it is readable.
//!
//! Nothing is lost silently: when the receive buffer overflows the kernel drops events and reports
//! ENOBUFS on the next read; the exact number dropped comes from the socket's drop counter
//! (SO_MEMINFO), with the ENOBUFS count as a fallback.

use super::attr::GenlMsg;
use super::consts::*;
use super::event::{decode_event, PmEvent};
use super::live::PmConn;
use super::PmError;
use neli::err::SocketError;
use std::os::fd::{AsRawFd, RawFd};

/// Receive buffer asked for (the kernel doubles it); ~8000 events fit before any is dropped.
pub const RCVBUF: usize = 8 << 20;

/// SO_MEMINFO from asm-generic/socket.h (x86, arm, riscv, ...).
const SO_MEMINFO: libc::c_int = 55;

pub struct Monitor {
    conn: PmConn,
    /// ENOBUFS seen (each means at least one event lost).
    pub overruns: u64,
    /// Messages that could not be decoded (kept as a count and the first reason).
    pub malformed: u64,
    pub first_malformed: Option<String>,
}

fn setsockopt_int(fd: RawFd, opt: libc::c_int, val: libc::c_int) -> bool {
    // SAFETY: passes a valid pointer to an int of the stated size.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            opt,
            &val as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) == 0
    }
}

impl Monitor {
    /// Subscribes in the calling thread's namespace. Needs CAP_NET_ADMIN (else PermissionDenied).
    pub fn subscribe() -> Result<Monitor, PmError> {
        Monitor::subscribe_with_rcvbuf(RCVBUF)
    }

    /// `subscribe` with another receive-buffer size (tests use a tiny one to force losses).
    pub fn subscribe_with_rcvbuf(rcvbuf: usize) -> Result<Monitor, PmError> {
        let rcvbuf = rcvbuf.min(i32::MAX as usize) as libc::c_int;
        let conn = PmConn::open()?;
        let group = conn.family.group(MPTCP_PM_EV_GRP_NAME).ok_or_else(|| {
            PmError::Other(format!(
                "the {MPTCP_PM_NAME} family has no {MPTCP_PM_EV_GRP_NAME} group (kernel older than 5.12?)"
            ))
        })?;
        let fd = conn.sock.as_raw_fd();
        // SO_RCVBUFFORCE goes past net.core.rmem_max (needs CAP_NET_ADMIN); SO_RCVBUF is capped by it.
        if !setsockopt_int(fd, libc::SO_RCVBUFFORCE, rcvbuf) {
            setsockopt_int(fd, libc::SO_RCVBUF, rcvbuf);
        }
        conn.sock.join(group)?;
        // SAFETY: fcntl on a descriptor this socket owns.
        unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFL);
            if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
                return Err(PmError::Other(format!(
                    "event socket: {}",
                    std::io::Error::last_os_error()
                )));
            }
        }
        Ok(Monitor {
            conn,
            overruns: 0,
            malformed: 0,
            first_malformed: None,
        })
    }

    pub fn fd(&self) -> RawFd {
        self.conn.sock.as_raw_fd()
    }

    /// Reads every event queued now, without blocking, appending to `out`.
    pub fn drain(&mut self, out: &mut Vec<PmEvent>) -> Result<(), PmError> {
        let family = self.conn.family.id;
        loop {
            let mut bad = Vec::new();
            // neli parses only datagrams whose lengths add up (frame.rs).
            let checked = match super::frame::reject_malformed(self.fd()) {
                Ok(Some(why)) => {
                    self.note_malformed(why);
                    continue;
                }
                Ok(None) => Ok(()),
                Err(e) => Err(SocketError::Io(e.into())),
            };
            match checked.and_then(|()| self.conn.sock.handle().recv::<u16, GenlMsg>()) {
                Ok((msgs, _)) => {
                    let now = chrono::Utc::now();
                    for m in msgs {
                        let m = match m {
                            Ok(m) => m,
                            Err(e) => {
                                bad.push(e.to_string());
                                break;
                            }
                        };
                        if *m.nl_type() != family {
                            continue;
                        }
                        if let Some(p) = m.get_payload() {
                            match decode_event(p, now) {
                                Ok(ev) => out.push(ev),
                                Err(e) => bad.push(e),
                            }
                        }
                    }
                }
                Err(SocketError::Io(e)) => match e.raw_os_error() {
                    Some(libc::EAGAIN) => return Ok(()),
                    Some(libc::EINTR) => {}
                    Some(libc::ENOBUFS) => self.overruns += 1,
                    _ => return Err(PmError::Other(format!("reading events: {e}"))),
                },
                Err(e) => bad.push(e.to_string()),
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
        let mut mem = [0u32; 16];
        let mut len = std::mem::size_of_val(&mem) as libc::socklen_t;
        // SAFETY: mem is writable for len bytes; the kernel writes at most len bytes.
        let rc = unsafe {
            libc::getsockopt(
                self.fd(),
                libc::SOL_SOCKET,
                SO_MEMINFO,
                mem.as_mut_ptr() as *mut libc::c_void,
                &mut len,
            )
        };
        let idx = libc::SK_MEMINFO_DROPS as usize;
        (rc == 0 && (len as usize) > idx * 4).then(|| u64::from(mem[idx]))
    }

    /// Events lost so far: the kernel's drop counter, or at least one per ENOBUFS.
    pub fn lost(&self) -> u64 {
        self.drops().unwrap_or(0).max(self.overruns)
    }
}
