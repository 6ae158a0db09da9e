//! sock_diag (NETLINK_SOCK_DIAG, `inet_diag`) protocol, one reader for both users (the sockets
//! collector, which wants everything, and the reproduce sampler, which wants a few counters often):
//! the dump request for MPTCP and TCP sockets, and decoders for its answers — `struct inet_diag_msg`,
//! its attributes (unknown ones kept as `Other`), `struct mptcp_info`, `struct tcp_info` and the mptcp
//! ULP info of a subflow. Decoders take bytes and never panic, so they can be fuzzed; constants are
//! spelled as in the kernel's include/uapi/linux/{inet_diag,mptcp,sock_diag}.h.

use super::nla::{self, RawNla};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

mod info;
mod reader;
pub use info::{decode_mptcp_info, decode_tcp_info, MptcpInfo, TcpInfo};
pub use reader::{DiagSocket, MptcpConn, SubflowUlp, TcpSubflow, SAMPLE_STATES};

/// The attributes of `buf` as (number, payload).
fn attrs(buf: &[u8]) -> impl Iterator<Item = Attr<'_>> {
    nla::pairs(buf).map(|(kind, data)| Attr { kind, data })
}

struct Attr<'a> {
    kind: u16,
    data: &'a [u8],
}

pub const SOCK_DIAG_BY_FAMILY: u16 = 20;

pub const IPPROTO_TCP: u32 = 6;
pub const IPPROTO_MPTCP: u32 = 262;

/// Request attribute: the protocol, for those that do not fit `sdiag_protocol` (u8).
pub const INET_DIAG_REQ_PROTOCOL: u16 = 3;

pub const INET_DIAG_INFO: u16 = 2;
pub const INET_DIAG_VEGASINFO: u16 = 3;
pub const INET_DIAG_CONG: u16 = 4;
pub const INET_DIAG_SHUTDOWN: u16 = 8;
pub const INET_DIAG_PROTOCOL: u16 = 10;
pub const INET_DIAG_SKV6ONLY: u16 = 11;
pub const INET_DIAG_PAD: u16 = 14;
pub const INET_DIAG_MARK: u16 = 15;
pub const INET_DIAG_ULP_INFO: u16 = 19;
pub const INET_DIAG_CGROUP_ID: u16 = 21;

pub const INET_ULP_INFO_NAME: u16 = 1;
pub const INET_ULP_INFO_MPTCP: u16 = 3;

pub const MPTCP_SUBFLOW_ATTR_TOKEN_REM: u16 = 1;
pub const MPTCP_SUBFLOW_ATTR_TOKEN_LOC: u16 = 2;
pub const MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ: u16 = 3;
pub const MPTCP_SUBFLOW_ATTR_MAP_SEQ: u16 = 4;
pub const MPTCP_SUBFLOW_ATTR_MAP_SFSEQ: u16 = 5;
pub const MPTCP_SUBFLOW_ATTR_SSN_OFFSET: u16 = 6;
pub const MPTCP_SUBFLOW_ATTR_MAP_DATALEN: u16 = 7;
pub const MPTCP_SUBFLOW_ATTR_FLAGS: u16 = 8;
pub const MPTCP_SUBFLOW_ATTR_ID_REM: u16 = 9;
pub const MPTCP_SUBFLOW_ATTR_ID_LOC: u16 = 10;
pub const MPTCP_SUBFLOW_ATTR_PAD: u16 = 11;
pub const MPTCP_SUBFLOW_FLAG_BKUP_REM: u32 = 1 << 4;
pub const MPTCP_SUBFLOW_FLAG_BKUP_LOC: u32 = 1 << 5;

/// TCP states (include/net/tcp_states.h), the bit numbers of `idiag_states`.
pub const TCP_ESTABLISHED: u8 = 1;
pub const TCP_SYN_RECV: u8 = 3;
pub const TCP_TIME_WAIT: u8 = 6;
pub const TCP_LISTEN: u8 = 10;

/// `struct inet_diag_msg` is 72 bytes; `struct inet_diag_req_v2` is 56.
pub const INET_DIAG_MSG_LEN: usize = 72;
const INET_DIAG_REQ_V2_LEN: usize = 56;

/// One dump request: family, protocol, which extensions (`1 << (INET_DIAG_x - 1)`), which states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub family: u8,
    pub protocol: u32,
    pub ext: u8,
    pub states: u32,
}

impl Request {
    /// The request's body: `struct inet_diag_req_v2`, and INET_DIAG_REQ_PROTOCOL when the protocol
    /// does not fit in a byte (MPTCP), as `ss` sends it.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(INET_DIAG_REQ_V2_LEN + 8);
        body.push(self.family);
        body.push(self.protocol as u8);
        body.push(self.ext);
        body.push(0);
        body.extend_from_slice(&self.states.to_ne_bytes());
        body.resize(INET_DIAG_REQ_V2_LEN, 0);
        if self.protocol > 255 {
            body.extend(nla::emit_all(&[RawNla::new(
                INET_DIAG_REQ_PROTOCOL,
                self.protocol.to_ne_bytes(),
            )]));
        }
        body
    }
}

/// The `idiag_ext` bit asking for attribute `attr`.
pub const fn ext_bit(attr: u16) -> u8 {
    1 << (attr - 1)
}

/// One attribute of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum DiagAttr {
    /// `struct mptcp_info` for MPTCP sockets, `struct tcp_info` for TCP: decode by protocol.
    Info(Vec<u8>),
    Cong(String),
    Shutdown(u8),
    Protocol(u8),
    SkV6Only(bool),
    Mark(u32),
    UlpInfo(UlpInfo),
    CgroupId(u64),
    /// Anything else, or a known attribute with a malformed payload.
    Other(RawNla),
}

/// INET_DIAG_ULP_INFO: the upper-layer protocol of a TCP socket ("mptcp" on subflows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UlpInfo {
    pub name: Option<String>,
    pub mptcp: Option<SubflowAttrs>,
    pub other: Vec<RawNla>,
}

/// INET_ULP_INFO_MPTCP: MPTCP_SUBFLOW_ATTR_* of one subflow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubflowAttrs {
    pub token_rem: Option<u32>,
    pub token_loc: Option<u32>,
    pub relwrite_seq: Option<u32>,
    pub map_seq: Option<u64>,
    pub map_sfseq: Option<u32>,
    pub ssn_offset: Option<u32>,
    pub map_datalen: Option<u16>,
    pub flags: Option<u32>,
    pub id_rem: Option<u8>,
    pub id_loc: Option<u8>,
    pub other: Vec<RawNla>,
}

/// One answer: `struct inet_diag_msg` and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagMsg {
    pub family: u8,
    pub state: u8,
    pub timer: u8,
    pub retrans: u8,
    pub sport: u16,
    pub dport: u16,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// The device the socket is bound to (0: none).
    pub ifindex: u32,
    pub cookie: u64,
    pub expires: u32,
    pub rqueue: u32,
    pub wqueue: u32,
    pub uid: u32,
    pub inode: u32,
    pub attrs: Vec<DiagAttr>,
}

impl DiagMsg {
    pub fn info(&self) -> Option<&[u8]> {
        self.attrs.iter().find_map(|a| match a {
            DiagAttr::Info(d) => Some(d.as_slice()),
            _ => None,
        })
    }
    pub fn ulp(&self) -> Option<&UlpInfo> {
        self.attrs.iter().find_map(|a| match a {
            DiagAttr::UlpInfo(u) => Some(u),
            _ => None,
        })
    }
    pub fn local(&self) -> SocketAddr {
        SocketAddr::new(self.src, self.sport)
    }
    pub fn remote(&self) -> SocketAddr {
        SocketAddr::new(self.dst, self.dport)
    }
    pub fn v6only(&self) -> Option<bool> {
        self.attrs.iter().find_map(|a| match a {
            DiagAttr::SkV6Only(v) => Some(*v),
            _ => None,
        })
    }
}

pub(crate) fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(d.get(at..at + 4)?.try_into().ok()?))
}
pub(crate) fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(d.get(at..at + 8)?.try_into().ok()?))
}
/// A payload of exactly the size of T's integer (netlink attributes are padded, not lengthened).
fn exact<const N: usize>(d: &[u8]) -> Option<[u8; N]> {
    d.try_into().ok()
}

/// Decodes one SOCK_DIAG_BY_FAMILY answer body (the bytes after the netlink header).
pub fn decode_msg(body: &[u8]) -> Result<DiagMsg, String> {
    if body.len() < INET_DIAG_MSG_LEN {
        return Err(format!(
            "inet_diag_msg of {} bytes (needs {INET_DIAG_MSG_LEN})",
            body.len()
        ));
    }
    let family = body[0];
    let addr = |at: usize| -> IpAddr {
        if family == libc::AF_INET as u8 {
            IpAddr::V4(Ipv4Addr::new(
                body[at],
                body[at + 1],
                body[at + 2],
                body[at + 3],
            ))
        } else {
            let mut o = [0u8; 16];
            o.copy_from_slice(&body[at..at + 16]);
            IpAddr::V6(Ipv6Addr::from(o))
        }
    };
    let be16 = |at: usize| u16::from_be_bytes([body[at], body[at + 1]]);
    let cookie =
        u32_at(body, 44).unwrap_or(0) as u64 | (u32_at(body, 48).unwrap_or(0) as u64) << 32;
    Ok(DiagMsg {
        family,
        state: body[1],
        timer: body[2],
        retrans: body[3],
        sport: be16(4),
        dport: be16(6),
        src: addr(8),
        dst: addr(24),
        ifindex: u32_at(body, 40).unwrap_or(0),
        cookie,
        expires: u32_at(body, 52).unwrap_or(0),
        rqueue: u32_at(body, 56).unwrap_or(0),
        wqueue: u32_at(body, 60).unwrap_or(0),
        uid: u32_at(body, 64).unwrap_or(0),
        inode: u32_at(body, 68).unwrap_or(0),
        attrs: decode_attrs(&body[INET_DIAG_MSG_LEN..]),
    })
}

/// The attributes after `struct inet_diag_msg`.
pub fn decode_attrs(buf: &[u8]) -> Vec<DiagAttr> {
    attrs(buf)
        .filter(|a| a.kind != INET_DIAG_PAD)
        .map(|a| {
            let d = a.data;
            let other = || DiagAttr::Other(RawNla::new(a.kind, d));
            match a.kind {
                INET_DIAG_INFO => DiagAttr::Info(d.to_vec()),
                INET_DIAG_CONG => DiagAttr::Cong(nla::string(d)),
                INET_DIAG_SHUTDOWN => {
                    exact::<1>(d).map_or_else(other, |b| DiagAttr::Shutdown(b[0]))
                }
                INET_DIAG_PROTOCOL => {
                    exact::<1>(d).map_or_else(other, |b| DiagAttr::Protocol(b[0]))
                }
                INET_DIAG_SKV6ONLY => {
                    exact::<1>(d).map_or_else(other, |b| DiagAttr::SkV6Only(b[0] != 0))
                }
                INET_DIAG_MARK => {
                    exact::<4>(d).map_or_else(other, |b| DiagAttr::Mark(u32::from_ne_bytes(b)))
                }
                INET_DIAG_CGROUP_ID => {
                    exact::<8>(d).map_or_else(other, |b| DiagAttr::CgroupId(u64::from_ne_bytes(b)))
                }
                INET_DIAG_ULP_INFO => DiagAttr::UlpInfo(decode_ulp(d)),
                _ => other(),
            }
        })
        .collect()
}

/// INET_DIAG_ULP_INFO's nested attributes.
pub fn decode_ulp(buf: &[u8]) -> UlpInfo {
    let mut u = UlpInfo::default();
    for a in attrs(buf) {
        match a.kind {
            INET_ULP_INFO_NAME => u.name = Some(nla::string(a.data)),
            INET_ULP_INFO_MPTCP => u.mptcp = Some(decode_subflow(a.data)),
            k => u.other.push(RawNla::new(k, a.data)),
        }
    }
    u
}

/// INET_ULP_INFO_MPTCP's MPTCP_SUBFLOW_ATTR_* (a malformed one is kept in `other`).
pub fn decode_subflow(buf: &[u8]) -> SubflowAttrs {
    let mut s = SubflowAttrs::default();
    for a in attrs(buf) {
        let d = a.data;
        let ok = match a.kind {
            MPTCP_SUBFLOW_ATTR_PAD => true,
            MPTCP_SUBFLOW_ATTR_TOKEN_REM => {
                set(&mut s.token_rem, exact::<4>(d).map(u32::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_TOKEN_LOC => {
                set(&mut s.token_loc, exact::<4>(d).map(u32::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_RELWRITE_SEQ => {
                set(&mut s.relwrite_seq, exact::<4>(d).map(u32::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_MAP_SEQ => {
                set(&mut s.map_seq, exact::<8>(d).map(u64::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_MAP_SFSEQ => {
                set(&mut s.map_sfseq, exact::<4>(d).map(u32::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_SSN_OFFSET => {
                set(&mut s.ssn_offset, exact::<4>(d).map(u32::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_MAP_DATALEN => {
                set(&mut s.map_datalen, exact::<2>(d).map(u16::from_ne_bytes))
            }
            MPTCP_SUBFLOW_ATTR_FLAGS => set(&mut s.flags, exact::<4>(d).map(u32::from_ne_bytes)),
            MPTCP_SUBFLOW_ATTR_ID_REM => set(&mut s.id_rem, exact::<1>(d).map(|b| b[0])),
            MPTCP_SUBFLOW_ATTR_ID_LOC => set(&mut s.id_loc, exact::<1>(d).map(|b| b[0])),
            _ => false,
        };
        if !ok {
            s.other.push(RawNla::new(a.kind, d));
        }
    }
    s
}

fn set<T>(slot: &mut Option<T>, v: Option<T>) -> bool {
    let ok = v.is_some();
    if ok {
        *slot = v;
    }
    ok
}

/// Whether an answer is a TCP socket whose upper-layer protocol is mptcp (a subflow), read without
/// decoding the rest: most TCP sockets of a busy host are not, and are skipped cheaply.
pub fn is_mptcp_subflow(body: &[u8]) -> bool {
    body.get(INET_DIAG_MSG_LEN..).is_some_and(|a| {
        attrs(a).any(|at| {
            at.kind == INET_DIAG_ULP_INFO
                && attrs(at.data)
                    .any(|n| n.kind == INET_ULP_INFO_NAME && n.data.starts_with(b"mptcp\0"))
        })
    })
}

#[cfg(test)]
mod tests;
