//! The NETLINK_SOCK_DIAG socket of the sampler: one dump request at a time, answers decoded as they
//! are read (so a TCP dump of a busy server is mostly dropped at once), bounded in number.

use super::{
    decode_diag_msg, decode_mptcp_info, decode_tcp_info, decode_ulp, DiagMsg, MptcpConn,
    TcpSubflow, INET_DIAG_INFO, INET_DIAG_REQ_PROTOCOL, INET_DIAG_ULP_INFO, IPPROTO_MPTCP,
    IPPROTO_TCP,
};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

// include/uapi/linux/netlink.h and sock_diag.h.
const NETLINK_SOCK_DIAG: i32 = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
/// Connections worth sampling: every TCP state except LISTEN, TIME_WAIT and CLOSE.
const STATES: u32 =
    (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 11);

/// A NETLINK_SOCK_DIAG socket of the calling thread's namespace.
pub struct DiagSocket {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
    /// Answers kept per dump; the rest are read and dropped.
    pub limit: usize,
}

impl DiagSocket {
    pub fn open() -> io::Result<DiagSocket> {
        // SAFETY: plain socket(2); the fd is owned right away.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                NETLINK_SOCK_DIAG,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(DiagSocket {
            // SAFETY: fd is a fresh descriptor nobody else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            seq: 0,
            buf: vec![0; 64 * 1024],
            limit: 100_000,
        })
    }

    /// One dump of `family` sockets of `protocol`, with their INET_DIAG_INFO (and ULP info for TCP).
    pub fn dump(&mut self, family: u8, protocol: u32) -> io::Result<Vec<DiagMsg>> {
        let mut out = Vec::new();
        self.dump_each(family, protocol, &mut |m| out.push(m))?;
        Ok(out)
    }

    /// The same, handing each answer to `f` as it is read (at most `limit` of them): a TCP dump of a
    /// busy server is mostly sockets the caller drops at once.
    pub fn dump_each(
        &mut self,
        family: u8,
        protocol: u32,
        f: &mut dyn FnMut(DiagMsg),
    ) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        // struct inet_diag_req_v2: family, protocol, ext, pad, states, then a zero sockid (48 bytes).
        let mut req = vec![
            family,
            protocol.min(255) as u8,
            1 << (INET_DIAG_INFO - 1),
            0,
        ];
        req.extend_from_slice(&STATES.to_ne_bytes());
        req.resize(56, 0);
        if protocol > 255 {
            req.extend_from_slice(&8u16.to_ne_bytes());
            req.extend_from_slice(&INET_DIAG_REQ_PROTOCOL.to_ne_bytes());
            req.extend_from_slice(&protocol.to_ne_bytes());
        }
        let len = 16 + req.len();
        let mut msg = Vec::with_capacity(len);
        msg.extend_from_slice(&(len as u32).to_ne_bytes());
        msg.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
        msg.extend_from_slice(&self.seq.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes());
        msg.extend_from_slice(&req);
        // SAFETY: a send of our own buffer on our socket; the kernel is the default destination.
        if unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut seen = 0;
        loop {
            // SAFETY: recv into our own buffer of its length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    0,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            let mut rest = &self.buf[..n as usize];
            while rest.len() >= 16 {
                let mlen = u32::from_ne_bytes(rest[0..4].try_into().unwrap_or([0; 4])) as usize;
                let kind = u16::from_ne_bytes([rest[4], rest[5]]);
                let seq = u32::from_ne_bytes(rest[8..12].try_into().unwrap_or([0; 4]));
                if mlen < 16 || mlen > rest.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "malformed sock_diag answer",
                    ));
                }
                let body = &rest[16..mlen];
                rest = &rest[((mlen + 3) & !3).min(rest.len())..];
                if seq != self.seq {
                    continue;
                }
                match kind {
                    NLMSG_DONE => return Ok(()),
                    NLMSG_ERROR => {
                        let errno = body.get(..4).map_or(-libc::EIO, |b| {
                            i32::from_ne_bytes(b.try_into().unwrap_or([0; 4]))
                        });
                        return if errno == 0 {
                            Ok(())
                        } else {
                            Err(io::Error::from_raw_os_error(-errno))
                        };
                    }
                    _ if seen >= self.limit => {}
                    _ => {
                        if let Some(m) = decode_diag_msg(body) {
                            seen += 1;
                            f(m);
                        }
                    }
                }
            }
        }
    }

    /// Every MPTCP connection (IPv4 and IPv6) with its `mptcp_info`.
    pub fn mptcp(&mut self) -> io::Result<Vec<MptcpConn>> {
        let mut out = Vec::new();
        for family in [libc::AF_INET as u8, libc::AF_INET6 as u8] {
            out.extend(
                self.dump(family, IPPROTO_MPTCP)?
                    .into_iter()
                    .map(|m| MptcpConn {
                        info: m.attr(INET_DIAG_INFO).and_then(decode_mptcp_info),
                        id: m.id,
                    }),
            );
        }
        Ok(out)
    }

    /// Every TCP socket of the given families that is an MPTCP subflow (needs CAP_NET_ADMIN for the
    /// ULP info). Each family's dump walks the kernel's whole TCP hash table (about a millisecond on
    /// a large machine however few sockets there are): ask only for the families needed.
    pub fn subflows(&mut self, v4: bool, v6: bool) -> io::Result<Vec<TcpSubflow>> {
        let mut out = Vec::new();
        let families = [(v4, libc::AF_INET as u8), (v6, libc::AF_INET6 as u8)];
        for family in families.iter().filter(|f| f.0).map(|f| f.1) {
            self.dump_each(family, IPPROTO_TCP as u32, &mut |m| {
                if let Some(ulp) = m.attr(INET_DIAG_ULP_INFO).and_then(decode_ulp) {
                    out.push(TcpSubflow {
                        tcp: m.attr(INET_DIAG_INFO).and_then(decode_tcp_info),
                        id: m.id,
                        ulp,
                    });
                }
            })?;
        }
        Ok(out)
    }
}
