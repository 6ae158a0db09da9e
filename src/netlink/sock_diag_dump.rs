//! Collecting the MPTCP sockets of the calling thread's network namespace over sock_diag: one dump
//! per family of MPTCP sockets (the request `ss -ManiH` makes), one per family of TCP sockets for the
//! subflows (those whose ULP is "mptcp"), each subflow grouped under its connection by token.
//! `collect_netns` is the one entry point (the collector and the benchmarks call it).

use super::rtnl::RtSocket;
use super::sock_diag::*;
use super::sock_diag_text::{addr_text, info_words, state_name};
use crate::report::{MptcpSocket, Subflow};
use crate::system::nlsock::NlSocket;
use std::collections::HashMap;
use std::net::IpAddr;

/// A failed request: what was asked and why it failed (`errno` tells EPERM apart from ENOENT).
#[derive(Debug, Clone, PartialEq)]
pub struct DiagError {
    pub what: String,
    pub errno: Option<i32>,
    pub detail: String,
}

impl std::fmt::Display for DiagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.detail)
    }
}

fn io_error(what: &str, e: std::io::Error) -> DiagError {
    DiagError {
        what: what.into(),
        errno: e.raw_os_error(),
        detail: super::genl::describe_errno(e.raw_os_error().unwrap_or(libc::EIO)),
    }
}

/// How a dump went besides its answers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DumpStats {
    pub answers: usize,
    pub malformed: usize,
    /// The kernel flagged the dump inconsistent (sockets came and went while it ran).
    pub interrupted: bool,
}

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_DUMP_INTR: u16 = 0x10;

/// Sends `req` and hands every decoded answer to `each`, until the kernel says the dump is done.
pub fn dump(
    sock: &mut NlSocket,
    req: &Request,
    seq: u32,
    what: &str,
    mut each: impl FnMut(DiagMsg),
) -> Result<DumpStats, DiagError> {
    sock.send(&req.encode(seq)).map_err(|e| io_error(what, e))?;
    let mut stats = DumpStats::default();
    loop {
        let buf = sock.recv().map_err(|e| io_error(what, e))?;
        for (kind, flags, mseq, body) in messages(buf) {
            if mseq != seq {
                continue;
            }
            stats.interrupted |= flags & NLM_F_DUMP_INTR != 0;
            let errno = || {
                body.get(..4)
                    .map(|b| i32::from_ne_bytes(b.try_into().unwrap_or_default()))
                    .unwrap_or(0)
            };
            match kind {
                NLMSG_DONE | NLMSG_ERROR if errno() < 0 => {
                    let e = -errno();
                    return Err(DiagError {
                        what: what.into(),
                        errno: Some(e),
                        detail: super::genl::describe_errno(e),
                    });
                }
                NLMSG_DONE | NLMSG_ERROR => return Ok(stats),
                SOCK_DIAG_BY_FAMILY => match decode_msg(body) {
                    Ok(m) => {
                        stats.answers += 1;
                        each(m)
                    }
                    Err(_) => stats.malformed += 1,
                },
                _ => {}
            }
        }
    }
}

/// Every state `ss -a` asks for (bits 0..11: UNKNOWN through CLOSING).
pub const ALL_STATES: u32 = (1 << 12) - 1;
/// Subflows: every full socket (no request or time-wait mini sockets, which carry no ULP info).
const SUBFLOW_STATES: u32 = ALL_STATES & !(1 << TCP_TIME_WAIT) & !(1 << TCP_SYN_RECV);
const FAMILIES: [(u8, &str); 2] = [
    (libc::AF_INET as u8, "AF_INET"),
    (libc::AF_INET6 as u8, "AF_INET6"),
];

/// What `collect_netns` found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SocketDump {
    /// In the order `ss -ManiH` lists them (the AF_INET dump, then AF_INET6), subflows grouped in.
    pub sockets: Vec<MptcpSocket>,
    /// Subflows that matched no MPTCP socket.
    pub unmatched: Vec<Subflow>,
    /// Why subflows are missing or could not be grouped.
    pub subflows_missing: Option<String>,
    /// Other things worth saying (a family that could not be dumped, malformed answers).
    pub notes: Vec<String>,
}

/// Interface names and the interface of each local address, asked once per namespace when needed.
#[derive(Default)]
struct Links {
    loaded: bool,
    names: HashMap<u32, String>,
    by_addr: HashMap<IpAddr, u32>,
}

impl Links {
    fn load(&mut self) {
        if self.loaded {
            return;
        }
        self.loaded = true;
        let Ok(mut rt) = RtSocket::open() else { return };
        if let Ok(links) = rt.links() {
            self.names = links
                .into_iter()
                .map(|l| (l.index as u32, l.name))
                .collect();
        }
        if let Ok(addrs) = rt.addrs() {
            for a in addrs {
                if let Some(ip) = a.own() {
                    self.by_addr.entry(ip).or_insert(a.index);
                }
            }
        }
    }

    /// The name `ss` prints for a bound device: its name, else `if<N>`.
    fn name(&mut self, index: u32) -> String {
        self.load();
        self.names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| format!("if{index}"))
    }

    /// The interface a subflow uses: the bound device, else the one holding its local address.
    fn of(&mut self, index: u32, addr: IpAddr) -> Option<String> {
        if index != 0 {
            return Some(self.name(index));
        }
        self.load();
        let addr = match addr {
            IpAddr::V6(a) => a.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            v4 => v4,
        };
        self.by_addr
            .get(&addr)
            .and_then(|i| self.names.get(i))
            .cloned()
    }
}

fn ends(m: &DiagMsg, links: &mut Links) -> (String, String) {
    let v6only = m.v6only().unwrap_or(false);
    let dev = (m.ifindex != 0).then(|| links.name(m.ifindex));
    (
        addr_text(m.family, m.src, m.sport, dev.as_deref(), v6only),
        addr_text(m.family, m.dst, m.dport, None, v6only),
    )
}

fn mptcp_socket(m: &DiagMsg, links: &mut Links) -> MptcpSocket {
    let (local, peer) = ends(m, links);
    let mptcp = m.info().map(decode_mptcp_info);
    let info = info_words(mptcp.as_ref())
        .split_whitespace()
        .map(|w| {
            let (k, v) = w.split_once(':').unwrap_or((w, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    MptcpSocket {
        state: state_name(m.state).into(),
        recv_q: m.rqueue as u64,
        send_q: m.wqueue as u64,
        local,
        peer,
        info,
        inode: Some(m.inode),
        mptcp,
        subflows: Vec::new(),
    }
}

fn subflow(m: &DiagMsg, a: Option<&SubflowAttrs>, links: &mut Links) -> Subflow {
    let (local, peer) = ends(m, links);
    let a = a.cloned().unwrap_or_default();
    Subflow {
        state: state_name(m.state).into(),
        recv_q: m.rqueue as u64,
        send_q: m.wqueue as u64,
        local,
        peer,
        dev: links.of(m.ifindex, m.src),
        token_loc: a.token_loc,
        token_rem: a.token_rem,
        id_loc: a.id_loc,
        id_rem: a.id_rem,
        flags: a.flags,
        relwrite_seq: a.relwrite_seq,
        map_seq: a.map_seq,
        map_sfseq: a.map_sfseq,
        ssn_offset: a.ssn_offset,
        map_datalen: a.map_datalen,
        tcp: m.info().and_then(decode_tcp_info),
    }
}

/// Dumps the MPTCP sockets of the calling thread's network namespace, and with `subflows` their TCP
/// subflows grouped under them. Err only when the first MPTCP dump fails (the caller may fall back).
pub fn collect_netns(subflows: bool) -> Result<SocketDump, DiagError> {
    let mut sock = NlSocket::open(NETLINK_SOCK_DIAG)
        .map_err(|e| io_error("opening a NETLINK_SOCK_DIAG socket", e))?;
    let mut out = SocketDump::default();
    let mut links = Links::default();
    // Listeners are matched by (family, address, port); connections by their local token.
    let mut by_token: HashMap<u32, usize> = HashMap::new();
    let mut listeners: HashMap<(u8, IpAddr, u16), usize> = HashMap::new();
    let mut seq = 0;
    for (i, (family, fname)) in FAMILIES.into_iter().enumerate() {
        seq += 1;
        let req = Request {
            family,
            protocol: IPPROTO_MPTCP,
            ext: ext_bit(INET_DIAG_INFO) | ext_bit(INET_DIAG_VEGASINFO) | ext_bit(INET_DIAG_CONG),
            states: ALL_STATES,
        };
        let what = format!("sock_diag dump of MPTCP sockets ({fname})");
        let res = dump(&mut sock, &req, seq, &what, |m| {
            let s = mptcp_socket(&m, &mut links);
            let idx = out.sockets.len();
            if m.state == TCP_LISTEN {
                listeners.insert((m.family, m.src, m.sport), idx);
            } else if let Some(t) = s.mptcp.as_ref().map(|i| i.token).filter(|t| *t != 0) {
                by_token.insert(t, idx);
            }
            out.sockets.push(s);
        });
        match res {
            Ok(st) => note_stats(&mut out.notes, &what, st),
            Err(e) if i == 0 => return Err(e),
            Err(e) => out.notes.push(e.to_string()),
        }
    }
    if !subflows {
        return Ok(out);
    }
    let mut tokenless = 0usize;
    for (family, fname) in FAMILIES {
        seq += 1;
        let req = Request {
            family,
            protocol: IPPROTO_TCP,
            ext: ext_bit(INET_DIAG_INFO),
            states: SUBFLOW_STATES,
        };
        let what = format!("sock_diag dump of TCP sockets ({fname})");
        let res = dump(&mut sock, &req, seq, &what, |m| {
            let Some(ulp) = m.ulp().filter(|u| u.name.as_deref() == Some("mptcp")) else {
                return;
            };
            let sf = subflow(&m, ulp.mptcp.as_ref(), &mut links);
            let owner = if m.state == TCP_LISTEN {
                listeners.get(&(m.family, m.src, m.sport))
            } else if let Some(t) = sf.token_loc {
                by_token.get(&t)
            } else {
                tokenless += 1;
                None
            };
            match owner {
                Some(&i) => out.sockets[i].subflows.push(sf),
                None => out.unmatched.push(sf),
            }
        });
        match res {
            Ok(st) => note_stats(&mut out.notes, &what, st),
            Err(e) => {
                out.subflows_missing = Some(format!("subflows not listed: {e}"));
                break;
            }
        }
    }
    if tokenless > 0 && out.subflows_missing.is_none() {
        out.subflows_missing = Some(format!(
            "{tokenless} subflow(s) came without their MPTCP token: they could not be grouped under their connections"
        ));
    }
    Ok(out)
}

fn note_stats(notes: &mut Vec<String>, what: &str, st: DumpStats) {
    if st.malformed > 0 {
        notes.push(format!(
            "{what}: {} malformed answer(s) skipped",
            st.malformed
        ));
    }
    if st.interrupted {
        notes.push(format!(
            "{what}: the kernel flagged the dump inconsistent (sockets came and went while it ran)"
        ));
    }
}
