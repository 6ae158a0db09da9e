//! The one NETLINK_SOCK_DIAG reader: a dump request at a time on the calling thread's namespace,
//! answers handed over as they are read (so a TCP dump of a busy server, mostly sockets that are not
//! subflows, is dropped at once without being decoded), bounded in number. The sockets collector
//! dumps through `dump`; the reproduce sampler asks `mptcp` and `subflows` for a few counters.
//!
//! Asking for IPPROTO_MPTCP makes the kernel load `mptcp_diag` when it is a module, and TCP dumps
//! `tcp_diag`: callers check that these are present first when they must not load a module.

use super::*;
use crate::netlink::socket::{Message, NlError, NlSocket, Stats, NETLINK_SOCK_DIAG};
use std::io;

/// Connections worth sampling: every TCP state except LISTEN, TIME_WAIT and CLOSE.
pub const SAMPLE_STATES: u32 =
    (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 11);

/// A NETLINK_SOCK_DIAG socket of the calling thread's namespace.
pub struct DiagSocket {
    sock: NlSocket,
    /// Answers handed over per dump; the rest are read (the kernel needs the dump drained) and dropped.
    pub limit: usize,
}

/// An MPTCP connection: its addresses and its `mptcp_info`.
#[derive(Debug, Clone, PartialEq)]
pub struct MptcpConn {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub info: Option<MptcpInfo>,
}

/// What the MPTCP ULP says about a subflow (INET_DIAG_ULP_INFO, only sent to CAP_NET_ADMIN).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubflowUlp {
    pub token_loc: u32,
    pub token_rem: u32,
    pub flags: u32,
    pub id_loc: u8,
    pub id_rem: u8,
}

impl SubflowUlp {
    pub fn backup(&self) -> bool {
        self.flags & (MPTCP_SUBFLOW_FLAG_BKUP_LOC | MPTCP_SUBFLOW_FLAG_BKUP_REM) != 0
    }
}

impl From<&SubflowAttrs> for SubflowUlp {
    fn from(a: &SubflowAttrs) -> SubflowUlp {
        SubflowUlp {
            token_loc: a.token_loc.unwrap_or(0),
            token_rem: a.token_rem.unwrap_or(0),
            flags: a.flags.unwrap_or(0),
            id_loc: a.id_loc.unwrap_or(0),
            id_rem: a.id_rem.unwrap_or(0),
        }
    }
}

/// A TCP subflow of an MPTCP connection.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpSubflow {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The device the socket is bound to; 0 when not bound.
    pub ifindex: u32,
    pub tcp: Option<TcpInfo>,
    pub ulp: SubflowUlp,
}

const FAMILIES: [u8; 2] = [libc::AF_INET as u8, libc::AF_INET6 as u8];

impl DiagSocket {
    pub fn open() -> io::Result<DiagSocket> {
        Ok(DiagSocket {
            sock: NlSocket::open(NETLINK_SOCK_DIAG)?,
            limit: 100_000,
        })
    }

    /// Sends `req` and hands the body of every answer (`struct inet_diag_msg` and its attributes) to
    /// `each`, at most `limit` of them, until the kernel says the dump is done.
    pub fn dump(&mut self, req: &Request, each: &mut dyn FnMut(&[u8])) -> Result<Stats, NlError> {
        let limit = self.limit;
        let mut seen = 0;
        self.sock.request(
            SOCK_DIAG_BY_FAMILY,
            true,
            &req.encode(),
            &mut |m: &Message| {
                if m.kind == SOCK_DIAG_BY_FAMILY && seen < limit {
                    seen += 1;
                    each(m.body);
                }
            },
        )
    }

    /// Every MPTCP connection (IPv4 and IPv6) in a sampled state, with its `mptcp_info`.
    pub fn mptcp(&mut self) -> io::Result<Vec<MptcpConn>> {
        let mut out = Vec::new();
        for family in FAMILIES {
            let req = Request {
                family,
                protocol: IPPROTO_MPTCP,
                ext: ext_bit(INET_DIAG_INFO),
                states: SAMPLE_STATES,
            };
            self.dump(&req, &mut |body| {
                if let Ok(m) = decode_msg(body) {
                    out.push(MptcpConn {
                        local: m.local(),
                        remote: m.remote(),
                        info: m.info().filter(|i| i.len() >= 16).map(decode_mptcp_info),
                    });
                }
            })?;
        }
        Ok(out)
    }

    /// Every TCP socket of the given families that is an MPTCP subflow (needs CAP_NET_ADMIN for the
    /// ULP info). Each family's dump walks the kernel's whole TCP hash table (about a millisecond on
    /// a large machine however few sockets there are): ask only for the families needed.
    pub fn subflows(&mut self, v4: bool, v6: bool) -> io::Result<Vec<TcpSubflow>> {
        let mut out = Vec::new();
        for (_, family) in [(v4, FAMILIES[0]), (v6, FAMILIES[1])]
            .into_iter()
            .filter(|f| f.0)
        {
            let req = Request {
                family,
                protocol: IPPROTO_TCP,
                ext: ext_bit(INET_DIAG_INFO),
                states: SAMPLE_STATES,
            };
            self.dump(&req, &mut |body| {
                if !is_mptcp_subflow(body) {
                    return;
                }
                let Ok(m) = decode_msg(body) else { return };
                out.push(TcpSubflow {
                    local: m.local(),
                    remote: m.remote(),
                    ifindex: m.ifindex,
                    tcp: m.info().and_then(decode_tcp_info),
                    ulp: m
                        .ulp()
                        .and_then(|u| u.mptcp.as_ref())
                        .map(SubflowUlp::from)
                        .unwrap_or_default(),
                });
            })?;
        }
        Ok(out)
    }
}
