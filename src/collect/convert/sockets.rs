//! The MPTCP sockets of the calling thread's network namespace from sock_diag, as the report keeps
//! them: one dump per family of MPTCP sockets (the request `ss -ManiH` makes), one per family of TCP
//! sockets for the subflows (those whose ULP is "mptcp"), each subflow grouped under its connection
//! by token. `collect_netns` is the one entry point (the collector and the benchmarks call it).

use super::info::{mptcp_info, tcp_info};
use super::subflow_store::{token_sorter, Owner, SubflowStore};
use crate::netlink::rtnl::RtSocket;
use crate::netlink::sock_diag::*;
use crate::netlink::socket::{describe_errno, NlError, Stats};
use crate::report::ext_sort::ExtSort;
use crate::report::{CompactString, MptcpSocket, SocketList, SocketListBuilder, Subflow};
use crate::views::formats::ss::{addr_text, state_name};
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
        detail: describe_errno(e.raw_os_error().unwrap_or(libc::EIO)),
    }
}

fn nl_error(what: &str, e: NlError) -> DiagError {
    DiagError {
        what: what.into(),
        errno: e.errno(),
        detail: e.to_string(),
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

/// Which address families the dumps ask for: both by default; the collector narrows them to where
/// /proc/net/protocols counts MPTCP sockets (each dump walks a global table, whatever it finds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Families {
    pub v4: bool,
    pub v6: bool,
    /// How many MPTCP sockets the kernel counts (0: not known): past the bound the dumps spool
    /// from their first socket instead of filling memory to the bound first.
    pub expected: u64,
}

impl Families {
    pub const BOTH: Families = Families {
        v4: true,
        v6: true,
        expected: 0,
    };

    /// From the namespace's MPTCP socket counts (the MPTCP and MPTCPv6 lines).
    pub fn from_counts(v4: u64, v6: u64) -> Families {
        Families {
            v4: v4 > 0,
            v6: v6 > 0,
            expected: v4.saturating_add(v6),
        }
    }

    fn mptcp(self) -> [bool; 2] {
        [self.v4, self.v6]
    }

    /// Subflows: an AF_INET connection's are AF_INET; an AF_INET6 one's may be either (a v4 address
    /// joined to a dual-stack connection).
    fn tcp(self) -> [bool; 2] {
        [self.v4 || self.v6, self.v6]
    }
}

/// What `collect_netns` found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SocketDump {
    /// In the order `ss -ManiH` lists them (the AF_INET dump, then AF_INET6), subflows grouped in;
    /// spooled past `SocketList::HELD`.
    pub sockets: SocketList,
    /// Subflows that matched no MPTCP socket: the first `LEFTOVER_KEPT`, and how many in all.
    pub unmatched: Vec<Subflow>,
    pub unmatched_total: usize,
    /// Why subflows are missing or could not be grouped.
    pub subflows_missing: Option<String>,
    /// Other things worth saying (a family that could not be dumped, malformed answers).
    pub notes: Vec<String>,
}

/// Interface names and the interface of each local address of the namespace, asked once.
#[derive(Default)]
struct Links {
    names: HashMap<u32, String>,
    by_addr: HashMap<IpAddr, u32>,
}

impl Links {
    fn load() -> Links {
        let mut l = Links::default();
        let Ok(mut rt) = RtSocket::open() else {
            return l;
        };
        if let Ok(links) = rt.links() {
            l.names = links
                .into_iter()
                .map(|k| (k.index as u32, k.name))
                .collect();
        }
        if let Ok(addrs) = rt.addrs() {
            for a in addrs {
                if let Some(ip) = a.own() {
                    l.by_addr.entry(ip).or_insert(a.index);
                }
            }
        }
        l
    }

    /// The name `ss` prints for a bound device: its name, else `if<N>`.
    fn name(&self, index: u32) -> String {
        self.names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| format!("if{index}"))
    }

    /// The interface a subflow uses: the bound device, else the one holding its local address.
    fn of(&self, index: u32, addr: IpAddr) -> Option<CompactString> {
        if index != 0 {
            return Some(self.name(index).into());
        }
        let addr = match addr {
            IpAddr::V6(a) => a.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            v4 => v4,
        };
        self.by_addr
            .get(&addr)
            .and_then(|i| self.names.get(i))
            .map(|n| n.as_str().into())
    }
}

fn ends(m: &DiagMsg, links: &Links) -> (CompactString, CompactString) {
    let v6only = m.v6only().unwrap_or(false);
    let dev = (m.ifindex != 0).then(|| links.name(m.ifindex));
    (
        addr_text(m.family, m.src, m.sport, dev.as_deref(), v6only),
        addr_text(m.family, m.dst, m.dport, None, v6only),
    )
}

fn mptcp_socket(m: &DiagMsg, links: &Links) -> MptcpSocket {
    let (local, peer) = ends(m, links);
    MptcpSocket {
        state: state_name(m.state).into(),
        recv_q: m.rqueue as u64,
        send_q: m.wqueue as u64,
        local,
        peer,
        // The info line's words are the typed `mptcp` (rendered by views::formats::ss).
        info: Default::default(),
        inode: Some(m.inode),
        mptcp: m.info().map(|i| mptcp_info(decode_mptcp_info(i))),
        subflows: Vec::new(),
    }
}

fn subflow(m: &DiagMsg, a: Option<&SubflowAttrs>, links: &Links) -> Subflow {
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
        tcp: m.info().and_then(decode_tcp_info).map(tcp_info),
    }
}

/// The MPTCP sockets of the `asked` families as `ss -ManiH` lists them, with what their subflows
/// are matched by.
struct Dumped {
    list: SocketList,
    /// The owner key of each listener (a connection's is its token).
    listeners: HashMap<usize, Owner>,
    /// The connections' ((token << 32) | place in the list), for spooled subflows (`Matcher::join`);
    /// None without subflows, Err when they could not be kept (then spooled subflows stay unmatched).
    tokens: Option<Result<ExtSort, String>>,
}

/// The MPTCP sockets of the `asked` families, and with `subflows` the connections' tokens; Err when
/// the first dump asked fails.
fn mptcp_sockets(
    links: &Links,
    notes: &mut Vec<String>,
    asked: [bool; 2],
    bound: usize,
    subflows: bool,
) -> Result<Dumped, DiagError> {
    let mut sock =
        DiagSocket::open().map_err(|e| io_error("opening a NETLINK_SOCK_DIAG socket", e))?;
    let (mut listeners, mut out) = (HashMap::new(), SocketListBuilder::with_bound(bound));
    let mut tokens = subflows.then(|| Ok(token_sorter()));
    let mut n = 0usize;
    let families = FAMILIES.into_iter().zip(asked).filter(|(_, a)| *a);
    for (i, ((family, fname), _)) in families.enumerate() {
        let req = Request {
            family,
            protocol: IPPROTO_MPTCP,
            ext: ext_bit(INET_DIAG_INFO) | ext_bit(INET_DIAG_VEGASINFO) | ext_bit(INET_DIAG_CONG),
            states: ALL_STATES,
        };
        let what = format!("sock_diag dump of MPTCP sockets ({fname})");
        let mut malformed = 0;
        let res = sock.dump(&req, &mut |body| {
            let Ok(m) = decode_msg(body) else {
                malformed += 1;
                return;
            };
            if m.state == TCP_LISTEN {
                listeners.insert(n, Owner::Listener(m.family, m.src, m.sport));
            }
            let s = mptcp_socket(&m, links);
            if let (Owner::Token(t), Some(Ok(sorter))) = (owner_of(n, &s, &listeners), &mut tokens)
            {
                if let Err(e) = sorter.push(((t as u64) << 32) | n as u64, 0) {
                    tokens = Some(Err(e.to_string()));
                }
            }
            out.push(s);
            n += 1;
        });
        match res {
            Ok(st) => note_stats(notes, &what, st, malformed),
            Err(e) if i == 0 => return Err(nl_error(&what, e)),
            Err(e) => notes.push(nl_error(&what, e).to_string()),
        }
    }
    let (list, problem) = out.finish();
    notes.extend(problem);
    Ok(Dumped {
        list,
        listeners,
        tokens,
    })
}

/// Where the subflows of the `i`th socket belong (its listener key, else its token).
fn owner_of(i: usize, s: &MptcpSocket, listeners: &HashMap<usize, Owner>) -> Owner {
    if let Some(o) = listeners.get(&i) {
        return *o;
    }
    match s.mptcp.as_ref().map(|m| m.token) {
        Some(t) if t != 0 && s.state != "LISTEN" => Owner::Token(t),
        _ => Owner::Unknown,
    }
}

/// The TCP sockets whose ULP is mptcp, each kept with where it belongs.
fn tcp_subflows(
    links: &Links,
    notes: &mut Vec<String>,
    asked: [bool; 2],
    bound: usize,
) -> Result<SubflowStore, DiagError> {
    let mut sock =
        DiagSocket::open().map_err(|e| io_error("opening a NETLINK_SOCK_DIAG socket", e))?;
    let mut out = SubflowStore::with_bound(bound);
    for ((family, fname), _) in FAMILIES.into_iter().zip(asked).filter(|(_, a)| *a) {
        let req = Request {
            family,
            protocol: IPPROTO_TCP,
            ext: ext_bit(INET_DIAG_INFO),
            states: SUBFLOW_STATES,
        };
        let what = format!("sock_diag dump of TCP sockets ({fname})");
        let mut malformed = 0;
        let st = sock
            .dump(&req, &mut |body| {
                if !is_mptcp_subflow(body) {
                    return;
                }
                let Ok(m) = decode_msg(body) else {
                    malformed += 1;
                    return;
                };
                let attrs = m.ulp().and_then(|u| u.mptcp.as_ref());
                let sf = subflow(&m, attrs, links);
                let owner = match sf.token_loc {
                    _ if m.state == TCP_LISTEN => Owner::Listener(m.family, m.src, m.sport),
                    Some(t) => Owner::Token(t),
                    None => Owner::Unknown,
                };
                out.push(owner, sf);
            })
            .map_err(|e| nl_error(&what, e))?;
        note_stats(notes, &what, st, malformed);
    }
    Ok(out)
}

/// Dumps the MPTCP sockets of the calling thread's network namespace (of the `families` asked), and
/// with `subflows` their TCP subflows grouped under them (dumped at the same time on a second thread,
/// which starts in this thread's namespace). Err only when the first MPTCP dump fails (the caller may
/// fall back).
pub fn collect_netns(subflows: bool, families: Families) -> Result<SocketDump, DiagError> {
    collect_netns_bounded(subflows, families, SocketList::bound())
}

/// `collect_netns` holding at most `bound` sockets, and `bound` subflows, in memory (tests and
/// benchmarks pass a small one to walk the spooled path).
pub fn collect_netns_bounded(
    subflows: bool,
    families: Families,
    bound: usize,
) -> Result<SocketDump, DiagError> {
    let links = Links::load();
    let mut out = SocketDump::default();
    // Known to be past the bound: nothing is held on the way to it.
    let bound = if families.expected > bound as u64 {
        0
    } else {
        bound
    };
    let mut tcp_notes = Vec::new();
    let (socks, tcp) = std::thread::scope(|scope| {
        let tcp = subflows.then(|| {
            std::thread::Builder::new()
                .name("sock_diag-tcp".into())
                .spawn_scoped(scope, || {
                    tcp_subflows(&links, &mut tcp_notes, families.tcp(), bound)
                })
        });
        let socks = mptcp_sockets(&links, &mut out.notes, families.mptcp(), bound, subflows);
        let tcp = tcp.map(|h| match h {
            Ok(h) => h.join().unwrap_or_else(|_| {
                Err(DiagError {
                    what: "sock_diag dump of TCP sockets".into(),
                    errno: None,
                    detail: "the thread panicked".into(),
                })
            }),
            Err(e) => Err(io_error("starting the TCP dump thread", e)),
        });
        (socks, tcp)
    });
    let Dumped {
        list: mut sockets,
        listeners,
        tokens,
    } = socks?;
    out.notes.extend(tcp_notes);
    let store = match tcp {
        None => None,
        Some(Err(e)) => {
            out.subflows_missing = Some(format!("subflows not listed: {e}"));
            None
        }
        Some(Ok(store)) => Some(store),
    };
    let Some(store) = store else {
        out.sockets = sockets;
        return Ok(out);
    };
    let tokenless = store.tokenless();
    let mut matcher = store.finish();
    // Only spooled subflows need the tokens (held ones are found by owner).
    match (matcher.spooled(), tokens) {
        (true, Some(Ok(tokens))) => matcher.join(tokens),
        (true, Some(Err(e))) => out.notes.push(format!(
            "spooled subflows not grouped under their connections: the tokens' spool file failed ({e})"
        )),
        _ => {}
    }
    // Held, in place; spooled, each connection read back, given its subflows and spooled anew.
    let mut i = 0;
    let grouped = sockets.edit_each(|s| {
        s.subflows = matcher.take(i, owner_of(i, s, &listeners));
        i += 1;
    });
    if let Err(e) = grouped {
        out.notes.push(format!(
            "subflows not grouped under their connections: the sockets' spool file failed ({e})"
        ));
    }
    out.sockets = sockets;
    out.notes.extend(matcher.problem().map(str::to_string));
    (out.unmatched, out.unmatched_total) = matcher.leftover();
    if tokenless > 0 {
        out.subflows_missing = Some(format!(
            "{tokenless} subflow(s) came without their MPTCP token: they could not be grouped under their connections"
        ));
    }
    Ok(out)
}

fn note_stats(notes: &mut Vec<String>, what: &str, st: Stats, malformed: usize) {
    if malformed > 0 {
        notes.push(format!("{what}: {malformed} malformed answer(s) skipped"));
    }
    if st.interrupted {
        notes.push(format!(
            "{what}: the kernel flagged the dump inconsistent (sockets came and went while it ran)"
        ));
    }
}
