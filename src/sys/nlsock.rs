//! A raw netlink socket of any protocol (NETLINK_SOCK_DIAG here), owned by the calling thread and so
//! living in that thread's network namespace. Only the system calls are here; building requests and
//! decoding answers is plain safe code in `crate::netlink`.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Receive buffer asked of the kernel: a dump of thousands of sockets is read in few system calls.
const RCVBUF: libc::c_int = 1 << 20;
/// The largest datagram a netlink dump sends (the kernel caps dump messages at 32 KiB); reading into
/// a larger buffer never truncates one.
const READ_BUF: usize = 64 * 1024;

pub struct NlSocket {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl NlSocket {
    /// socket(AF_NETLINK, SOCK_RAW, protocol) in the calling thread's network namespace.
    pub fn open(protocol: libc::c_int) -> io::Result<NlSocket> {
        // SAFETY: plain socket(2); the fd is owned right away.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // A larger receive buffer only saves system calls: failing to get it is not an error.
        // SAFETY: setsockopt with a pointer to an int and its size.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&RCVBUF as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        Ok(NlSocket {
            fd,
            buf: vec![0; READ_BUF],
        })
    }

    /// Sends one request to the kernel.
    pub fn send(&self, msg: &[u8]) -> io::Result<()> {
        loop {
            // SAFETY: a send of our own buffer on our socket; the kernel is the default destination.
            let n = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
            if n >= 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Receives one datagram (one or more netlink messages).
    pub fn recv(&mut self) -> io::Result<&[u8]> {
        loop {
            // SAFETY: recv into our own buffer of the given length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    0,
                )
            };
            if n >= 0 {
                return Ok(&self.buf[..n as usize]);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}
