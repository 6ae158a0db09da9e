//! The one netlink socket of every family (route, sock_diag, generic): netlink-sys's socket, opened on
//! the calling thread and so living in that thread's network namespace, with one request loop:
//! messages framed by netlink-packet-core, answers matched by sequence number and port, the kernel's
//! refusals turned into errno and extended-ACK text, dumps read to their end.

use super::nla::{pairs, string};
use netlink_packet_core::{
    NetlinkBuffer, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP,
    NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
pub use netlink_sys::protocols::{NETLINK_GENERIC, NETLINK_ROUTE, NETLINK_SOCK_DIAG};
use netlink_sys::Socket;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};

/// include/uapi/linux/netlink.h: the extended-ACK attribute carrying the kernel's reason text.
pub const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSG_HDRLEN: usize = 16;
/// Receive buffer asked of the kernel: a dump of thousands of sockets is read in few system calls.
const RCVBUF: i32 = 1 << 20;
/// The largest datagram a dump sends (the kernel caps dump messages at 32 KiB); reading into a
/// larger buffer never truncates one.
const READ_BUF: usize = 64 * 1024;

/// Why an exchange failed.
#[derive(Debug)]
pub enum NlError {
    /// The kernel refused: the errno, and the extended-ACK text when it gave one.
    Kernel { errno: i32, ext_ack: Option<String> },
    /// A system call failed (sending, receiving).
    Io(io::Error),
    /// A datagram whose framing does not add up.
    Malformed(String),
}

impl NlError {
    pub fn errno(&self) -> Option<i32> {
        match self {
            NlError::Kernel { errno, .. } => Some(*errno),
            NlError::Io(e) => e.raw_os_error(),
            NlError::Malformed(_) => None,
        }
    }
}

impl std::fmt::Display for NlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NlError::Kernel { errno, ext_ack } => {
                write!(f, "{}", describe_errno(*errno))?;
                match ext_ack.as_deref().filter(|m| !m.is_empty()) {
                    Some(m) => write!(f, ": {m}"),
                    None => Ok(()),
                }
            }
            NlError::Io(e) => match e.raw_os_error() {
                Some(errno) => write!(f, "{}", describe_errno(errno)),
                None => write!(f, "{e}"),
            },
            NlError::Malformed(m) => write!(f, "malformed netlink datagram: {m}"),
        }
    }
}

impl From<io::Error> for NlError {
    fn from(e: io::Error) -> Self {
        NlError::Io(e)
    }
}

impl From<NlError> for io::Error {
    fn from(e: NlError) -> io::Error {
        match e {
            NlError::Io(e) => e,
            NlError::Kernel { errno, .. } => io::Error::from_raw_os_error(errno),
            NlError::Malformed(m) => io::Error::new(io::ErrorKind::InvalidData, m),
        }
    }
}

/// The text of an errno without Rust's " (os error N)" suffix.
pub fn describe_errno(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// One message of a datagram: its type, flags, sequence number, port and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub port: u32,
    pub body: &'a [u8],
}

/// The messages of one datagram, framed by netlink-packet-core; Err at the first whose length does
/// not fit (nothing after it can be trusted).
pub fn messages(datagram: &[u8]) -> impl Iterator<Item = Result<Message<'_>, String>> {
    let mut rest = datagram;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let m = match NetlinkBuffer::new_checked(rest) {
            Ok(b) => b,
            Err(e) => {
                let n = rest.len();
                rest = &[];
                return Some(Err(format!("{e} ({n} bytes left)")));
            }
        };
        let len = m.length() as usize;
        let msg = Message {
            kind: m.message_type(),
            flags: m.flags(),
            seq: m.sequence_number(),
            port: m.port_number(),
            body: &rest[NLMSG_HDRLEN..len],
        };
        rest = &rest[((len + 3) & !3).min(rest.len())..];
        Some(Ok(msg))
    })
}

impl Message<'_> {
    /// The message's bytes again: header and body, padded to 4 as in a datagram.
    pub fn emit(&self) -> Vec<u8> {
        emit_message(self.kind, self.flags, self.seq, self.port, self.body)
    }
}

/// One netlink message: the 16-byte header (length computed) and `body`, padded to 4.
pub fn emit_message(kind: u16, flags: u16, seq: u32, port: u32, body: &[u8]) -> Vec<u8> {
    let len = NLMSG_HDRLEN + body.len();
    let mut msg = vec![0u8; (len + 3) & !3];
    let mut b = NetlinkBuffer::new(&mut msg[..]);
    b.set_length(len as u32);
    b.set_message_type(kind);
    b.set_flags(flags);
    b.set_sequence_number(seq);
    b.set_port_number(port);
    msg[NLMSG_HDRLEN..len].copy_from_slice(body);
    msg
}

/// A datagram in hex (fixtures, captured answers): `#` comment lines and blanks skipped, one
/// datagram per remaining line.
pub fn datagrams_from_hex(text: &str) -> Result<Vec<Vec<u8>>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            if l.len() % 2 != 0 {
                return Err(format!("odd number of hex digits: {l:.20}..."));
            }
            (0..l.len())
                .step_by(2)
                .map(|i| {
                    u8::from_str_radix(l.get(i..i + 2).unwrap_or("zz"), 16)
                        .map_err(|e| format!("{e} in {l:.20}..."))
                })
                .collect()
        })
        .collect()
}

/// What an NLMSG_ERROR (or a dump's NLMSG_DONE) says: None for an ACK (or a clean end), else the
/// errno and the extended-ACK text. `flags` are the message's (NLM_F_CAPPED, NLM_F_ACK_TLVS).
pub fn error_of(m: &Message) -> Option<(i32, Option<String>)> {
    let code = i32::from_ne_bytes(m.body.get(..4)?.try_into().ok()?);
    if code == 0 {
        return None;
    }
    let tlvs = if m.flags & NLM_F_ACK_TLVS == 0 {
        None
    } else if m.kind == NLMSG_DONE {
        m.body.get(4..)
    } else {
        // The echoed request: its header only when capped, else the whole of it (aligned).
        let echoed = if m.flags & NLM_F_CAPPED != 0 {
            NLMSG_HDRLEN
        } else {
            m.body.get(4..8).map_or(NLMSG_HDRLEN, |b| {
                u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize
            })
        };
        m.body.get(4 + ((echoed.max(NLMSG_HDRLEN) + 3) & !3)..)
    };
    let ext_ack = tlvs.and_then(|t| {
        pairs(t)
            .find(|(k, _)| *k == NLMSGERR_ATTR_MSG)
            .map(|(_, v)| string(v))
    });
    Some((code.saturating_neg(), ext_ack))
}

/// How a dump went besides its answers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub answers: usize,
    /// The kernel flagged the dump inconsistent (things came and went while it ran).
    pub interrupted: bool,
}

/// A netlink socket of the calling thread's network namespace.
pub struct NlSocket {
    sock: Socket,
    port: u32,
    seq: u32,
    buf: Vec<u8>,
}

impl NlSocket {
    /// socket(AF_NETLINK, protocol), bound (so answers carry our port), extended ACKs on.
    pub fn open(protocol: isize) -> io::Result<NlSocket> {
        let mut sock = Socket::new(protocol)?;
        let port = sock.bind_auto()?.port_number();
        // Extended ACKs carry the kernel's reason text; older kernels ignore the option.
        let _ = sock.set_ext_ack(true);
        // A larger receive buffer only saves system calls: failing to get it is not an error.
        let _ = sock.set_rx_buf_sz(RCVBUF);
        Ok(NlSocket {
            sock,
            port,
            seq: 0,
            buf: Vec::with_capacity(READ_BUF),
        })
    }

    pub fn socket(&self) -> &Socket {
        &self.sock
    }

    /// Sends one request (`flags` besides NLM_F_REQUEST) and returns its sequence number.
    pub fn send(&mut self, kind: u16, flags: u16, payload: &[u8]) -> io::Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let msg = emit_message(kind, NLM_F_REQUEST | flags, self.seq, 0, payload);
        loop {
            match self.sock.send(&msg, 0) {
                Ok(_) => return Ok(self.seq),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Receives one datagram (one or more messages).
    pub fn recv(&mut self) -> io::Result<&[u8]> {
        loop {
            self.buf.clear();
            match self.sock.recv(&mut self.buf, 0) {
                Ok(_) => return Ok(&self.buf),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a request and hands every answer's type, flags and body to `each`: all of a dump until
    /// NLMSG_DONE, else the first answer (or none, when the kernel only acknowledges).
    pub fn request(
        &mut self,
        kind: u16,
        dump: bool,
        payload: &[u8],
        each: &mut dyn FnMut(&Message),
    ) -> Result<Stats, NlError> {
        let flags = if dump { NLM_F_DUMP } else { NLM_F_ACK };
        let seq = self.send(kind, flags, payload)?;
        let port = self.port;
        let mut stats = Stats::default();
        loop {
            let datagram = self.recv()?;
            for m in messages(datagram) {
                let m = m.map_err(NlError::Malformed)?;
                // Multicast notifications and answers to older requests are not ours.
                if m.seq != seq || m.port != port {
                    continue;
                }
                stats.interrupted |= m.flags & NLM_F_DUMP_INTR != 0;
                match m.kind {
                    NLMSG_ERROR | NLMSG_DONE => {
                        return match error_of(&m) {
                            Some((errno, ext_ack)) => Err(NlError::Kernel { errno, ext_ack }),
                            None => Ok(stats),
                        }
                    }
                    _ => {
                        stats.answers += 1;
                        each(&m);
                        if !dump {
                            return Ok(stats);
                        }
                    }
                }
            }
        }
    }

    /// `request`, collecting the answers' bodies.
    pub fn bodies(
        &mut self,
        kind: u16,
        dump: bool,
        payload: &[u8],
    ) -> Result<Vec<Vec<u8>>, NlError> {
        let mut out = Vec::new();
        self.request(kind, dump, payload, &mut |m| out.push(m.body.to_vec()))?;
        Ok(out)
    }
}

impl AsFd for NlSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
