//! A minimal sock_diag reader for the reproduce sampler: MPTCP sockets with their `struct mptcp_info`
//! (bytes sent, acked, received, retransmits) and TCP subflows with `struct tcp_info` and the MPTCP
//! ULP info that names their connection (by token). Only what the throughput series needs; a fuller
//! native sock_diag (replacing `ss`) may absorb this file later.
//!
//! Asking for IPPROTO_MPTCP makes the kernel load `mptcp_diag` when it is a module, and TCP dumps
//! `tcp_diag`: callers check that these are present first, so sampling never loads a module.

use super::rtnl::{attrs, str_of, u32_of, u8_of};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

// include/uapi/linux/inet_diag.h, mptcp.h, in.h (names as in the headers).
pub const INET_DIAG_INFO: u16 = 2;
pub const INET_DIAG_REQ_PROTOCOL: u16 = 3;
pub const INET_DIAG_ULP_INFO: u16 = 19;
pub const INET_ULP_INFO_NAME: u16 = 1;
pub const INET_ULP_INFO_MPTCP: u16 = 3;
pub const MPTCP_SUBFLOW_ATTR_TOKEN_REM: u16 = 1;
pub const MPTCP_SUBFLOW_ATTR_TOKEN_LOC: u16 = 2;
pub const MPTCP_SUBFLOW_ATTR_FLAGS: u16 = 8;
pub const MPTCP_SUBFLOW_ATTR_ID_REM: u16 = 9;
pub const MPTCP_SUBFLOW_ATTR_ID_LOC: u16 = 10;
pub const MPTCP_SUBFLOW_FLAG_BKUP_REM: u32 = 1 << 4;
pub const MPTCP_SUBFLOW_FLAG_BKUP_LOC: u32 = 1 << 5;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_MPTCP: u32 = 262;
/// sizeof(struct inet_diag_msg).
const DIAG_MSG_LEN: usize = 72;

/// The addresses of a socket (`struct inet_diag_sockid`).
#[derive(Debug, Clone, PartialEq)]
pub struct SockId {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    /// The device the socket is bound to; 0 when not bound.
    pub ifindex: u32,
}

/// One answer of a dump: `struct inet_diag_msg` and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagMsg {
    pub family: u8,
    pub state: u8,
    pub id: SockId,
    pub attrs: Vec<(u16, Vec<u8>)>,
}

impl DiagMsg {
    pub fn attr(&self, kind: u16) -> Option<&[u8]> {
        self.attrs
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, d)| d.as_slice())
    }
}

fn addr(family: u8, b: &[u8]) -> Option<IpAddr> {
    match family as i32 {
        libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::from(
            <[u8; 4]>::try_from(b.get(..4)?).ok()?,
        ))),
        libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(b.get(..16)?).ok()?,
        ))),
        _ => None,
    }
}

/// Decodes one SOCK_DIAG_BY_FAMILY answer body.
pub fn decode_diag_msg(b: &[u8]) -> Option<DiagMsg> {
    let hdr = b.get(..DIAG_MSG_LEN)?;
    let (family, id) = (hdr[0], &hdr[4..52]);
    let port = |at: usize| u16::from_be_bytes([id[at], id[at + 1]]);
    Some(DiagMsg {
        family,
        state: hdr[1],
        id: SockId {
            local: SocketAddr::new(addr(family, &id[4..20])?, port(0)),
            remote: SocketAddr::new(addr(family, &id[20..36])?, port(2)),
            ifindex: u32::from_ne_bytes(id[36..40].try_into().ok()?),
        },
        attrs: attrs(&b[DIAG_MSG_LEN..])
            .map(|a| (a.kind, a.data.to_vec()))
            .collect(),
    })
}

/// The counters of `struct mptcp_info` the series needs; the byte counters are None on kernels older
/// than 6.5, whose struct ends before them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MptcpInfo {
    pub subflows: u8,
    pub flags: u32,
    pub token: u32,
    pub retransmits: Option<u32>,
    pub bytes_retrans: Option<u64>,
    pub bytes_sent: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_acked: Option<u64>,
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub fn decode_mptcp_info(b: &[u8]) -> Option<MptcpInfo> {
    Some(MptcpInfo {
        subflows: *b.first()?,
        flags: u32_at(b, 8)?,
        token: u32_at(b, 12)?,
        retransmits: u32_at(b, 44),
        bytes_retrans: u64_at(b, 48),
        bytes_sent: u64_at(b, 56),
        bytes_received: u64_at(b, 64),
        bytes_acked: u64_at(b, 72),
    })
}

/// The counters of `struct tcp_info` the series needs (bytes_sent is 4.19+, the others older).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TcpInfo {
    pub total_retrans: u32,
    pub rtt_us: u32,
    pub snd_cwnd: u32,
    pub bytes_acked: Option<u64>,
    pub bytes_received: Option<u64>,
    pub bytes_sent: Option<u64>,
    pub bytes_retrans: Option<u64>,
}

pub fn decode_tcp_info(b: &[u8]) -> Option<TcpInfo> {
    Some(TcpInfo {
        rtt_us: u32_at(b, 68)?,
        snd_cwnd: u32_at(b, 80)?,
        total_retrans: u32_at(b, 100)?,
        bytes_acked: u64_at(b, 120),
        bytes_received: u64_at(b, 128),
        bytes_sent: u64_at(b, 200),
        bytes_retrans: u64_at(b, 208),
    })
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

/// Decodes INET_DIAG_ULP_INFO; None unless the ULP is "mptcp".
pub fn decode_ulp(b: &[u8]) -> Option<SubflowUlp> {
    let name = attrs(b)
        .find(|a| a.kind == INET_ULP_INFO_NAME)
        .map(|a| str_of(a.data))?;
    if name != "mptcp" {
        return None;
    }
    let mut u = SubflowUlp::default();
    if let Some(m) = attrs(b).find(|a| a.kind == INET_ULP_INFO_MPTCP) {
        for a in attrs(m.data) {
            match a.kind {
                MPTCP_SUBFLOW_ATTR_TOKEN_LOC => u.token_loc = u32_of(a.data).unwrap_or(0),
                MPTCP_SUBFLOW_ATTR_TOKEN_REM => u.token_rem = u32_of(a.data).unwrap_or(0),
                MPTCP_SUBFLOW_ATTR_FLAGS => u.flags = u32_of(a.data).unwrap_or(0),
                MPTCP_SUBFLOW_ATTR_ID_LOC => u.id_loc = u8_of(a.data).unwrap_or(0),
                MPTCP_SUBFLOW_ATTR_ID_REM => u.id_rem = u8_of(a.data).unwrap_or(0),
                _ => {}
            }
        }
    }
    Some(u)
}

/// An MPTCP connection: its addresses and its `mptcp_info`.
#[derive(Debug, Clone, PartialEq)]
pub struct MptcpConn {
    pub id: SockId,
    pub info: Option<MptcpInfo>,
}

/// A TCP subflow of an MPTCP connection.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpSubflow {
    pub id: SockId,
    pub tcp: Option<TcpInfo>,
    pub ulp: SubflowUlp,
}

#[path = "diag_sample_socket.rs"]
mod socket;
pub use socket::DiagSocket;

#[cfg(test)]
#[path = "diag_sample_tests.rs"]
mod tests;
