//! Route netlink (NETLINK_ROUTE) dumps of links, addresses, routes and policy rules, decoded into
//! plain structs. The socket belongs to the calling thread's network namespace, like every collector
//! socket: open it on the thread that entered the namespace.
//!
//! The socket is the shared one (socket.rs) and attributes are the shared vocabulary, kept raw
//! (`RawNla`): the iproute2 renderers (views::formats::rtnl) read them by number in iproute2's order,
//! and netlink-packet-route's typed messages would only be turned back into those numbers.

use super::nla::{self, RawNla};
use super::socket::{Message, NlSocket, NETLINK_ROUTE};
use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

pub const RTM_GETLINK: u16 = 18;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_GETROUTE: u16 = 26;
pub const RTM_GETRULE: u16 = 34;

pub const AF_INET: u8 = libc::AF_INET as u8;
pub const AF_INET6: u8 = libc::AF_INET6 as u8;

pub use super::nla::{string as str_of, u32_of, u8_first as u8_of};

/// One attribute seen through the shared vocabulary: its number (flag bits off) and payload.
pub struct Attr<'a> {
    pub kind: u16,
    pub data: &'a [u8],
}

/// The attributes packed in `buf`; a malformed one ends the walk.
pub fn attrs(buf: &[u8]) -> impl Iterator<Item = Attr<'_>> {
    nla::pairs(buf).map(|(kind, data)| Attr { kind, data })
}

/// An address attribute by its length (4 or 16 bytes).
pub fn ip_of(d: &[u8]) -> Option<IpAddr> {
    match d.len() {
        4 | 16 => netlink_packet_core::parse_ip(d).ok(),
        _ => None,
    }
}

/// A NETLINK_ROUTE socket of the calling thread's namespace.
pub struct RtSocket {
    sock: NlSocket,
    /// Answers kept per dump; the rest are read (the kernel needs the dump drained) and counted.
    limit: usize,
    /// Answers not kept, over every dump so far.
    pub dropped: usize,
}

/// Answers kept per dump by default: a router with a full BGP table has about a million routes, whose
/// text would dwarf everything else in the report.
pub const DUMP_LIMIT: usize = 100_000;

impl RtSocket {
    pub fn open() -> io::Result<RtSocket> {
        Ok(RtSocket {
            sock: NlSocket::open(NETLINK_ROUTE)?,
            limit: DUMP_LIMIT,
            dropped: 0,
        })
    }

    /// The same socket keeping at most `limit` answers per dump.
    pub fn with_limit(mut self, limit: usize) -> RtSocket {
        self.limit = limit;
        self
    }

    /// Sends a dump request of `kind` with `header` (the family-specific struct) and returns the body
    /// of every answer (the bytes after the netlink header), until NLMSG_DONE.
    pub fn dump(&mut self, kind: u16, header: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        let (limit, mut dropped) = (self.limit, 0);
        let mut out = Vec::new();
        let res = self.sock.request(kind, true, header, &mut |m: &Message| {
            if out.len() >= limit {
                dropped += 1;
            } else {
                out.push(m.body.to_vec());
            }
        });
        self.dropped += dropped;
        res?;
        Ok(out)
    }

    /// One request that is not a dump: the body of its answer (none when the kernel only acks).
    pub fn get(&mut self, kind: u16, header: &[u8]) -> io::Result<Option<Vec<u8>>> {
        Ok(self.sock.bodies(kind, false, header)?.into_iter().next())
    }

    /// The name of interface `index`; None when no device has that index (removed since).
    pub fn link_name(&mut self, index: i32) -> Option<String> {
        // struct ifinfomsg: family, pad, type, index, flags, change.
        let mut hdr = [0u8; 16];
        hdr[4..8].copy_from_slice(&index.to_ne_bytes());
        let body = self.get(RTM_GETLINK, &hdr).ok()??;
        LinkMsg::parse(&body)
            .map(|l| l.name)
            .filter(|n| !n.is_empty())
    }

    /// The id this namespace gives the namespace open at `fd` (RTM_GETNSID), if it has one.
    pub fn nsid_of(&mut self, fd: i32) -> io::Result<Option<i32>> {
        const RTM_GETNSID: u16 = 90;
        const NETNSA_NSID: u16 = 1;
        const NETNSA_FD: u16 = 3;
        // struct rtgenmsg (padded to 4), then NETNSA_FD.
        let mut req = vec![libc::AF_UNSPEC as u8, 0, 0, 0];
        req.extend(nla::emit_all(&[RawNla::new(
            NETNSA_FD,
            (fd as u32).to_ne_bytes(),
        )]));
        let answers = self.get(RTM_GETNSID, &req)?;
        Ok(answers.iter().find_map(|b| {
            attrs(b.get(4..)?)
                .find(|a| a.kind == NETNSA_NSID)
                .and_then(|a| u32_of(a.data))
                .map(|v| v as i32)
                .filter(|v| *v >= 0)
        }))
    }

    /// Names of the namespaces in `dir` (/run/netns) by the id this namespace gives them.
    pub fn netns_names(&mut self, dir: &std::path::Path) -> std::collections::HashMap<i32, String> {
        let mut out = std::collections::HashMap::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return out;
        };
        for e in entries.flatten() {
            let Ok(f) = std::fs::File::open(e.path()) else {
                continue;
            };
            if let Ok(Some(id)) = self.nsid_of(f.as_raw_fd()) {
                out.insert(id, e.file_name().to_string_lossy().into_owned());
            }
        }
        out
    }

    pub fn links(&mut self) -> io::Result<Vec<LinkMsg>> {
        // struct ifinfomsg: family, pad, type, index, flags, change.
        let hdr = [0u8; 16];
        Ok(self
            .dump(RTM_GETLINK, &hdr)?
            .iter()
            .filter_map(|b| LinkMsg::parse(b))
            .collect())
    }

    pub fn addrs(&mut self) -> io::Result<Vec<AddrMsg>> {
        // struct ifaddrmsg: family, prefixlen, flags, scope, index.
        let hdr = [0u8; 8];
        Ok(self
            .dump(RTM_GETADDR, &hdr)?
            .iter()
            .filter_map(|b| AddrMsg::parse(b))
            .collect())
    }

    pub fn routes(&mut self, family: u8) -> io::Result<Vec<RouteMsg>> {
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.
        let mut hdr = [0u8; 12];
        hdr[0] = family;
        Ok(self
            .dump(RTM_GETROUTE, &hdr)?
            .iter()
            .filter_map(|b| RouteMsg::parse(b))
            .filter(|r| r.family == family)
            .collect())
    }

    pub fn rules(&mut self, family: u8) -> io::Result<Vec<RuleMsg>> {
        // struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags.
        let mut hdr = [0u8; 12];
        hdr[0] = family;
        Ok(self
            .dump(RTM_GETRULE, &hdr)?
            .iter()
            .filter_map(|b| RuleMsg::parse(b))
            .filter(|r| r.family == family)
            .collect())
    }
}

mod messages;
pub use messages::*;
