//! Route-netlink dumps rendered as iproute2 6.1 prints them: `ip addr show`, `ip route show table
//! all` (IPv4 then IPv6) and `ip rule show` / `ip -6 rule show`. Maintainers read these texts, so
//! field order, spacing and names follow iproute2 (checked line for line against it in namespaces).

use super::rtnl::*;
use crate::report::Link;
use std::collections::HashMap;
use std::fmt::Write;

/// Number-to-name tables iproute2 reads from /etc/iproute2, with its built-in defaults.
#[derive(Debug, Clone)]
pub struct Names {
    pub tables: HashMap<u32, String>,
    pub protos: HashMap<u32, String>,
    pub groups: HashMap<u32, String>,
}

impl Default for Names {
    fn default() -> Self {
        let map = |v: &[(u32, &str)]| v.iter().map(|(k, n)| (*k, n.to_string())).collect();
        Names {
            tables: map(&[
                (0, "unspec"),
                (253, "default"),
                (254, "main"),
                (255, "local"),
            ]),
            protos: map(&[
                (0, "unspec"),
                (1, "redirect"),
                (2, "kernel"),
                (3, "boot"),
                (4, "static"),
                (8, "gated"),
                (9, "ra"),
                (10, "mrt"),
                (11, "zebra"),
                (12, "bird"),
                (13, "dnrouted"),
                (14, "xorp"),
                (15, "ntk"),
                (16, "dhcp"),
                (18, "keepalived"),
                (42, "babel"),
                (99, "openr"),
                (186, "bgp"),
                (187, "isis"),
                (188, "ospf"),
                (189, "rip"),
                (192, "eigrp"),
            ]),
            groups: map(&[(0, "default")]),
        }
    }
}

impl Names {
    /// The defaults overlaid with the files `read` returns (paths under /etc/iproute2); `list` names
    /// the `*.conf` files of a `.d` directory.
    pub fn load(
        read: impl Fn(&str) -> Option<String>,
        list: impl Fn(&str) -> Vec<String>,
    ) -> Names {
        let mut n = Names::default();
        let overlay = |map: &mut HashMap<u32, String>, base: &str| {
            let mut files = vec![format!("/etc/iproute2/{base}")];
            let dir = format!("/etc/iproute2/{base}.d");
            let mut confs: Vec<String> = list(&dir)
                .into_iter()
                .filter(|f| f.ends_with(".conf"))
                .collect();
            confs.sort();
            files.extend(confs.into_iter().map(|f| format!("{dir}/{f}")));
            for f in files {
                if let Some(text) = read(&f) {
                    parse_names(&text, map);
                }
            }
        };
        overlay(&mut n.tables, "rt_tables");
        overlay(&mut n.protos, "rt_protos");
        overlay(&mut n.groups, "group");
        n
    }

    fn table(&self, id: u32) -> String {
        self.tables
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn proto(&self, id: u8) -> String {
        let id = id as u32;
        self.protos
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn group(&self, id: u32) -> String {
        self.groups
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// `NUMBER NAME` lines (decimal or 0x hex), `#` comments, as iproute2's rt_names files.
fn parse_names(text: &str, map: &mut HashMap<u32, String>) {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(num), Some(name)) = (it.next(), it.next()) else {
            continue;
        };
        let id = match num.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => num.parse().ok(),
        };
        if let (Some(id), false) = (id, name.starts_with('#')) {
            map.insert(id, name.to_string());
        }
    }
}

fn scope_name(s: u8) -> String {
    match s {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        255 => "nowhere".into(),
        n => n.to_string(),
    }
}

/// Route types (RTN_*), also the names of rule actions 6..8.
fn type_name(t: u8) -> String {
    const NAMES: [&str; 12] = [
        "none",
        "unicast",
        "local",
        "broadcast",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
        "xresolve",
    ];
    NAMES
        .get(t as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| t.to_string())
}

const OPERSTATES: [&str; 7] = [
    "UNKNOWN",
    "NOTPRESENT",
    "DOWN",
    "LOWERLAYERDOWN",
    "TESTING",
    "DORMANT",
    "UP",
];

fn operstate(s: u8) -> String {
    OPERSTATES
        .get(s as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("state {s:#x}"))
}

const IFF_UP: u32 = 0x1;
const IFF_RUNNING: u32 = 0x40;
const IFF_POINTOPOINT: u32 = 0x10;

/// Link flags in iproute2's order, NO-CARRIER first for an up link without carrier; leftover bits hex.
pub fn link_flags(flags: u32) -> Vec<String> {
    const ORDER: [(&str, u32); 18] = [
        ("LOOPBACK", 0x8),
        ("BROADCAST", 0x2),
        ("POINTOPOINT", 0x10),
        ("MULTICAST", 0x1000),
        ("NOARP", 0x80),
        ("ALLMULTI", 0x200),
        ("PROMISC", 0x100),
        ("MASTER", 0x400),
        ("SLAVE", 0x800),
        ("DEBUG", 0x4),
        ("DYNAMIC", 0x8000),
        ("AUTOMEDIA", 0x4000),
        ("PORTSEL", 0x2000),
        ("NOTRAILERS", 0x20),
        ("UP", 0x1),
        ("LOWER_UP", 0x10000),
        ("DORMANT", 0x20000),
        ("ECHO", 0x40000),
    ];
    let mut out = Vec::new();
    if flags & IFF_UP != 0 && flags & IFF_RUNNING == 0 {
        out.push("NO-CARRIER".to_string());
    }
    let mut left = flags & !IFF_RUNNING;
    for (name, bit) in ORDER {
        if left & bit != 0 {
            left &= !bit;
            out.push(name.to_string());
        }
    }
    if left != 0 {
        out.push(format!("{left:x}"));
    }
    out
}

/// ARPHRD_* names as `link/<type>` shows them.
fn link_type(t: u16) -> String {
    let name = match t {
        1 => "ether",
        24 => "ieee1394",
        32 => "infiniband",
        256 => "slip",
        280 => "can",
        512 => "ppp",
        519 => "rawip",
        768 => "ipip",
        769 => "tunnel6",
        772 => "loopback",
        776 => "sit",
        778 => "gre",
        823 => "ip6gre",
        824 => "netlink",
        825 => "6lowpan",
        0xfffe => "none",
        0xffff => "void",
        n => return format!("[{n}]"),
    };
    name.to_string()
}

/// A hardware address: IPv4/IPv6 text for IP tunnels, colon-separated hex otherwise.
fn ll_addr(t: u16, a: &[u8]) -> String {
    match (a.len(), t) {
        (4, 768 | 776 | 778) | (16, 769 | 823) => ip_of(a).map(|ip| ip.to_string()),
        _ => None,
    }
    .unwrap_or_else(|| {
        a.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

fn name_of(links: &[LinkMsg], index: i32) -> String {
    links
        .iter()
        .find(|l| l.index == index)
        .map(|l| l.name.clone())
        .unwrap_or_else(|| format!("if{index}"))
}

/// The report's view of links: name, index, state, flags, MTU, and `addr/len` of each address.
pub fn report_links(links: &[LinkMsg], addrs: &[AddrMsg]) -> Vec<Link> {
    links
        .iter()
        .map(|l| Link {
            name: l.name.clone(),
            index: l.index,
            state: l.operstate.map(operstate).unwrap_or_default(),
            flags: link_flags(l.flags),
            mtu: l.mtu,
            addrs: addrs
                .iter()
                .filter(|a| a.index as i32 == l.index)
                .filter_map(|a| Some(format!("{}/{}", a.own()?, a.prefixlen)))
                .collect(),
            rp_filter: None,
        })
        .collect()
}

/// `ip addr show`; `netns_names` maps the peer namespace ids of this namespace to their names.
pub fn render_addrs(
    links: &[LinkMsg],
    addrs: &[AddrMsg],
    names: &Names,
    netns_names: &HashMap<i32, String>,
) -> String {
    let mut s = String::new();
    for l in links {
        let _ = write!(s, "{}: {}", l.index, l.name);
        match (l.link, l.link_netnsid) {
            (Some(0), _) => s.push_str("@NONE"),
            (Some(i), Some(_)) => {
                let _ = write!(s, "@if{i}");
            }
            (Some(i), None) => {
                let _ = write!(s, "@{}", name_of(links, i));
            }
            (None, _) => {}
        }
        let _ = write!(s, ": <{}", link_flags(l.flags).join(","));
        // M-DOWN: the lower device (same namespace) is down, or unknown here.
        if let (Some(i), None) = (l.link.filter(|i| *i != 0), l.link_netnsid) {
            if links
                .iter()
                .find(|x| x.index == i)
                .is_none_or(|x| x.flags & IFF_UP == 0)
            {
                s.push_str(",M-DOWN");
            }
        }
        s.push_str("> ");
        if let Some(m) = l.mtu {
            let _ = write!(s, "mtu {m} ");
        }
        if let Some(q) = &l.qdisc {
            let _ = write!(s, "qdisc {q} ");
        }
        if let Some(m) = l.master {
            let _ = write!(s, "master {} ", name_of(links, m));
        }
        if let Some(st) = l.operstate {
            let _ = write!(s, "state {} ", operstate(st));
        }
        if let Some(g) = l.group {
            let _ = write!(s, "group {} ", names.group(g));
        }
        if let Some(q) = l.txqlen.filter(|q| *q != 0) {
            let _ = write!(s, "qlen {q}");
        }
        let _ = write!(s, "\n    link/{} ", link_type(l.kind));
        if let Some(a) = &l.address {
            s.push_str(&ll_addr(l.kind, a));
            if let Some(b) = &l.broadcast {
                let word = if l.flags & IFF_POINTOPOINT != 0 {
                    "peer"
                } else {
                    "brd"
                };
                let _ = write!(s, " {word} {}", ll_addr(l.kind, b));
            }
        }
        if let Some(id) = l.link_netnsid {
            if let Some(name) = netns_names.get(&id) {
                let _ = write!(s, " link-netns {name}");
            } else if id >= 0 {
                let _ = write!(s, " link-netnsid {id}");
            } else {
                s.push_str(" link-netnsid unknown");
            }
        }
        if l.proto_down {
            s.push_str(" protodown on ");
        }
        s.push('\n');
        for a in addrs.iter().filter(|a| a.index as i32 == l.index) {
            render_addr(&mut s, a);
        }
    }
    s
}

fn render_addr(s: &mut String, a: &AddrMsg) {
    let family = match a.family {
        AF_INET => "inet",
        AF_INET6 => "inet6",
        _ => return,
    };
    let (Some(local), Some(address)) = (a.local.or(a.address), a.address.or(a.local)) else {
        return;
    };
    let _ = write!(s, "    {family} {local}");
    if address != local {
        let _ = write!(s, " peer {address}");
    }
    let _ = write!(s, "/{} ", a.prefixlen);
    if let Some(m) = a.metric {
        let _ = write!(s, "metric {m} ");
    }
    if let Some(b) = a.broadcast {
        let _ = write!(s, "brd {b} ");
    }
    if let Some(b) = a.anycast {
        let _ = write!(s, "any {b} ");
    }
    let _ = write!(s, "scope {} ", scope_name(a.scope));
    // (name, bit) in iproute2's order; `permanent` is shown as `dynamic` when absent.
    const FLAGS: [(&str, u32); 12] = [
        ("secondary", 0x01),
        ("nodad", 0x02),
        ("optimistic", 0x04),
        ("dadfailed", 0x08),
        ("home", 0x10),
        ("deprecated", 0x20),
        ("tentative", 0x40),
        ("permanent", 0x80),
        ("mngtmpaddr", 0x100),
        ("noprefixroute", 0x200),
        ("autojoin", 0x400),
        ("stable-privacy", 0x800),
    ];
    let mut left = a.flags;
    for (name, bit) in FLAGS {
        if bit == 0x80 {
            if left & bit == 0 {
                s.push_str("dynamic ");
            }
        } else if left & bit != 0 {
            let name = if bit == 0x01 && a.family == AF_INET6 {
                "temporary"
            } else {
                name
            };
            let _ = write!(s, "{name} ");
        }
        left &= !bit;
    }
    if left != 0 {
        let _ = write!(s, "flags {left:02x} ");
    }
    if let Some(l) = &a.label {
        s.push_str(l);
    }
    if let Some((preferred, valid)) = a.lifetimes {
        let lft = |v: u32| {
            if v == u32::MAX {
                "forever".to_string()
            } else {
                format!("{v}sec")
            }
        };
        let _ = write!(
            s,
            "\n       valid_lft {} preferred_lft {}",
            lft(valid),
            lft(preferred)
        );
    }
    s.push('\n');
}

fn host_len(family: u8) -> u8 {
    if family == AF_INET6 {
        128
    } else {
        32
    }
}

fn addr_text(d: &[u8]) -> String {
    ip_of(d)
        .map(|a| a.to_string())
        .unwrap_or_else(|| "?".into())
}

/// `ip route show table all` for the given routes (dump order kept).
pub fn render_routes(routes: &[RouteMsg], links: &[LinkMsg], names: &Names) -> String {
    let mut s = String::new();
    for r in routes {
        if !shown(r) {
            continue;
        }
        render_route(&mut s, r, links, names);
    }
    s
}

/// iproute2 hides cloned (cache) entries and IPv6's internal null route.
fn shown(r: &RouteMsg) -> bool {
    const RTM_F_CLONED: u32 = 0x200;
    if r.flags & RTM_F_CLONED != 0 {
        return false;
    }
    !(r.family == AF_INET6
        && r.dst_len == 0
        && r.kind == 7
        && r.attr(RTA_PRIORITY).and_then(u32_of) == Some(u32::MAX))
}

fn render_route(s: &mut String, r: &RouteMsg, links: &[LinkMsg], names: &Names) {
    let hl = host_len(r.family);
    if r.kind != 1 {
        let _ = write!(s, "{} ", type_name(r.kind));
    }
    match r.attr(RTA_DST) {
        Some(d) if r.dst_len != hl => {
            let _ = write!(s, "{}/{} ", addr_text(d), r.dst_len);
        }
        Some(d) => {
            let _ = write!(s, "{} ", addr_text(d));
        }
        None if r.dst_len != 0 => {
            let _ = write!(s, "0/{} ", r.dst_len);
        }
        None => s.push_str("default "),
    }
    match r.attr(RTA_SRC) {
        Some(d) if r.src_len != hl => {
            let _ = write!(s, "from {}/{} ", addr_text(d), r.src_len);
        }
        Some(d) => {
            let _ = write!(s, "from {} ", addr_text(d));
        }
        None if r.src_len != 0 => {
            let _ = write!(s, "from 0/{} ", r.src_len);
        }
        None => {}
    }
    if let Some(id) = r.attr(RTA_NH_ID).and_then(u32_of) {
        let _ = write!(s, "nhid {id} ");
    }
    if let Some(d) = r.attr(RTA_NEWDST) {
        let _ = write!(s, "as to {} ", addr_text(d));
    }
    if r.tos != 0 {
        let _ = write!(s, "tos 0x{:02x} ", r.tos);
    }
    if let Some(d) = r.attr(RTA_GATEWAY) {
        let _ = write!(s, "via {} ", addr_text(d));
    }
    if let Some(d) = r.attr(RTA_VIA) {
        render_via(s, d);
    }
    if let Some(i) = r.attr(RTA_OIF).and_then(u32_of) {
        let _ = write!(s, "dev {} ", name_of(links, i as i32));
    }
    if r.table != 0 && r.table != 254 {
        let _ = write!(s, "table {} ", names.table(r.table));
    }
    if r.protocol != 3 {
        let _ = write!(s, "proto {} ", names.proto(r.protocol));
    }
    if r.scope != 0 {
        let _ = write!(s, "scope {} ", scope_name(r.scope));
    }
    if let Some(d) = r.attr(RTA_PREFSRC) {
        let _ = write!(s, "src {} ", addr_text(d));
    }
    if let Some(m) = r.attr(RTA_PRIORITY).and_then(u32_of) {
        let _ = write!(s, "metric {m} ");
    }
    rt_flags(s, r.flags);
    if let Some(m) = r.attr(RTA_MARK).and_then(u32_of).filter(|m| *m != 0) {
        if m >= 16 {
            let _ = write!(s, "mark 0x{m:x} ");
        } else {
            let _ = write!(s, "mark {m} ");
        }
    }
    if let Some(f) = r.attr(RTA_FLOW).and_then(u32_of) {
        realms(s, f);
    }
    if let Some(u) = r.attr(RTA_UID).and_then(u32_of) {
        let _ = write!(s, "uid {u} ");
    }
    if let Some(ci) = r.attr(RTA_CACHEINFO) {
        // struct rta_cacheinfo: clntref, lastuse, expires (clock ticks), error, used, id, ts, tsage.
        let field = |i: usize| ci.get(i * 4..i * 4 + 4).and_then(u32_of).unwrap_or(0);
        let expires = field(2) as i32;
        if expires != 0 {
            let _ = write!(s, "expires {}sec ", expires / 100);
        }
        if field(3) != 0 {
            let _ = write!(s, "error {} ", field(3));
        }
        if field(5) != 0 {
            let _ = write!(s, "ipid 0x{:04x} ", field(5));
        }
        if field(6) != 0 || field(7) != 0 {
            let _ = write!(s, "ts 0x{:x}tsage {}sec ", field(6), field(7));
        }
    }
    if let Some(m) = r.attr(RTA_METRICS) {
        metrics(s, m);
    }
    if let Some(i) = r.attr(RTA_IIF).and_then(u32_of) {
        let _ = write!(s, "iif {} ", name_of(links, i as i32));
    }
    if let Some(p) = r.attr(RTA_PREF).and_then(u8_of) {
        match p {
            3 => s.push_str("pref low"),
            0 => s.push_str("pref medium"),
            1 => s.push_str("pref high"),
            n => {
                let _ = write!(s, "pref {n}");
            }
        }
    }
    if let Some(mp) = r.attr(RTA_MULTIPATH) {
        multipath(s, mp, links);
    }
    s.push('\n');
}

fn render_via(s: &mut String, d: &[u8]) {
    if d.len() < 2 {
        return;
    }
    let fam = u16::from_ne_bytes([d[0], d[1]]);
    let fam = match fam as i32 {
        libc::AF_INET => "inet",
        libc::AF_INET6 => "inet6",
        _ => "??",
    };
    let _ = write!(s, "via {fam} {} ", addr_text(&d[2..]));
}

fn realms(s: &mut String, f: u32) {
    let (from, to) = (f >> 16, f & 0xffff);
    let name = |v: u32| {
        if v == 0 {
            "unknown".to_string()
        } else {
            v.to_string()
        }
    };
    if from != 0 {
        let _ = write!(s, "realms {}/{} ", name(from), name(to));
    } else {
        let _ = write!(s, "realm {} ", name(to));
    }
}

fn rt_flags(s: &mut String, flags: u32) {
    for (bit, name) in [
        (1u32, "dead"),
        (4, "onlink"),
        (2, "pervasive"),
        (8, "offload"),
        (64, "trap"),
        (0x100, "notify"),
        (16, "linkdown"),
        (32, "unresolved"),
        (128, "rt_offload_failed"),
    ] {
        if flags & bit != 0 {
            let _ = write!(s, "{name} ");
        }
    }
}

fn metrics(s: &mut String, m: &[u8]) {
    const NAMES: [&str; 18] = [
        "",
        "lock",
        "mtu",
        "window",
        "rtt",
        "rttvar",
        "ssthresh",
        "cwnd",
        "advmss",
        "reordering",
        "hoplimit",
        "initcwnd",
        "features",
        "rto_min",
        "initrwnd",
        "quickack",
        "congctl",
        "fastopen_no_cookie",
    ];
    let mut vals: [Option<&[u8]>; 18] = [None; 18];
    for a in attrs(m) {
        if let Some(slot) = vals.get_mut(a.kind as usize) {
            *slot = Some(a.data);
        }
    }
    let lock = vals[1].and_then(u32_of).unwrap_or(0);
    for (i, name) in NAMES.iter().enumerate().skip(2) {
        let locked = lock & (1 << i) != 0;
        if vals[i].is_none() && !locked {
            continue;
        }
        let val = if i == 16 {
            0
        } else {
            vals[i].and_then(u32_of).unwrap_or(0)
        };
        if i == 10 && val == u32::MAX {
            continue;
        }
        let _ = write!(s, "{name} ");
        if locked {
            s.push_str("lock ");
        }
        match i {
            12 => {
                let mut rest = val;
                if rest & 1 != 0 {
                    s.push_str("ecn ");
                    rest &= !1;
                }
                if rest != 0 {
                    let _ = write!(s, "0x{rest:x} ");
                }
            }
            4 | 5 | 13 => {
                let v = match i {
                    4 => val / 8,
                    5 => val / 4,
                    _ => val,
                };
                if v >= 1000 {
                    let _ = write!(s, "{}s ", v as f64 / 1000.0);
                } else {
                    let _ = write!(s, "{v}ms ");
                }
            }
            16 => {
                let _ = write!(s, "{} ", vals[i].map(str_of).unwrap_or_default());
            }
            _ => {
                let _ = write!(s, "{val} ");
            }
        }
    }
}

fn multipath(s: &mut String, mut mp: &[u8], links: &[LinkMsg]) {
    // struct rtnexthop: len u16, flags u8, hops u8, ifindex i32; then attributes.
    while mp.len() >= 8 {
        let len = u16::from_ne_bytes([mp[0], mp[1]]) as usize;
        if len < 8 || len > mp.len() {
            break;
        }
        let (flags, hops) = (mp[2] as u32, mp[3]);
        let ifindex = i32::from_ne_bytes(mp[4..8].try_into().unwrap_or_default());
        s.push_str("\n\tnexthop ");
        for a in attrs(&mp[8..len]) {
            match a.kind {
                RTA_NEWDST => {
                    let _ = write!(s, "as to {} ", addr_text(a.data));
                }
                RTA_GATEWAY => {
                    let _ = write!(s, "via {} ", addr_text(a.data));
                }
                RTA_VIA => render_via(s, a.data),
                RTA_FLOW => realms(s, u32_of(a.data).unwrap_or(0)),
                _ => {}
            }
        }
        let _ = write!(s, "dev {} ", name_of(links, ifindex));
        let _ = write!(s, "weight {} ", hops as u32 + 1);
        rt_flags(s, flags);
        mp = &mp[((len + 3) & !3).min(mp.len())..];
    }
}

/// `ip rule show` (or `ip -6 rule show`).
pub fn render_rules(rules: &[RuleMsg], names: &Names) -> String {
    let mut s = String::new();
    for r in rules {
        render_rule(&mut s, r, names);
    }
    s
}

fn render_rule(s: &mut String, r: &RuleMsg, names: &Names) {
    const FIB_RULE_INVERT: u32 = 0x2;
    const FIB_RULE_UNRESOLVED: u32 = 0x4;
    const FIB_RULE_IIF_DETACHED: u32 = 0x8;
    const FIB_RULE_OIF_DETACHED: u32 = 0x10;
    let hl = host_len(r.family);
    let prio = r.attr(FRA_PRIORITY).and_then(u32_of).unwrap_or(0);
    let _ = write!(s, "{prio}:\t");
    if r.flags & FIB_RULE_INVERT != 0 {
        s.push_str("not ");
    }
    match r.attr(FRA_SRC) {
        Some(d) => {
            let _ = write!(s, "from {}", addr_text(d));
            if r.src_len != hl {
                let _ = write!(s, "/{}", r.src_len);
            }
        }
        None if r.src_len != 0 => {
            let _ = write!(s, "from 0/{}", r.src_len);
        }
        None => s.push_str("from all"),
    }
    match r.attr(FRA_DST) {
        Some(d) => {
            let _ = write!(s, " to {}", addr_text(d));
            if r.dst_len != hl {
                let _ = write!(s, "/{}", r.dst_len);
            }
        }
        None if r.dst_len != 0 => {
            let _ = write!(s, " to 0/{}", r.dst_len);
        }
        None => {}
    }
    if r.tos != 0 {
        let _ = write!(s, " tos 0x{:02x}", r.tos);
    }
    let mark = r.attr(FRA_FWMARK).and_then(u32_of);
    let mask = r.attr(FRA_FWMASK).and_then(u32_of);
    if mark.is_some() || mask.is_some() {
        let hex = |v: u32| {
            if v == 0 {
                "0".to_string()
            } else {
                format!("0x{v:x}")
            }
        };
        let _ = write!(s, " fwmark {}", hex(mark.unwrap_or(0)));
        if let Some(m) = mask.filter(|m| *m != u32::MAX) {
            let _ = write!(s, "/{}", hex(m));
        }
    }
    if let Some(d) = r.attr(FRA_IIFNAME) {
        let _ = write!(s, " iif {}", str_of(d));
        if r.flags & FIB_RULE_IIF_DETACHED != 0 {
            s.push_str(" [detached]");
        }
    }
    if let Some(d) = r.attr(FRA_OIFNAME) {
        let _ = write!(s, " oif {}", str_of(d));
        if r.flags & FIB_RULE_OIF_DETACHED != 0 {
            s.push_str(" [detached]");
        }
    }
    if r.attr(FRA_L3MDEV).and_then(u8_of).unwrap_or(0) != 0 {
        s.push_str(" lookup [l3mdev-table]");
    }
    if let Some(d) = r.attr(FRA_UID_RANGE) {
        if let (Some(a), Some(b)) = (u32_of(d), d.get(4..).and_then(u32_of)) {
            let _ = write!(s, " uidrange {a}-{b}");
        }
    }
    if let Some(p) = r.attr(FRA_IP_PROTO).and_then(u8_of) {
        let _ = write!(s, " ipproto {}", ip_proto(p));
    }
    for (kind, word) in [(FRA_SPORT_RANGE, "sport"), (FRA_DPORT_RANGE, "dport")] {
        if let Some(d) = r.attr(kind).filter(|d| d.len() >= 4) {
            let (a, b) = (
                u16::from_ne_bytes([d[0], d[1]]),
                u16::from_ne_bytes([d[2], d[3]]),
            );
            if a == b {
                let _ = write!(s, " {word} {a}");
            } else {
                let _ = write!(s, " {word} {a}-{b}");
            }
        }
    }
    if let Some(d) = r.attr(FRA_TUN_ID).filter(|d| d.len() == 8) {
        let id = u64::from_be_bytes(d.try_into().unwrap_or_default());
        let _ = write!(s, " tun_id {id}");
    }
    if r.table != 0 {
        let _ = write!(s, " lookup {}", names.table(r.table));
        if let Some(pl) = r.attr(FRA_SUPPRESS_PREFIXLEN).and_then(u32_of) {
            if pl != u32::MAX {
                let _ = write!(s, " suppress_prefixlength {}", pl as i32);
            }
        }
        if let Some(g) = r.attr(FRA_SUPPRESS_IFGROUP).and_then(u32_of) {
            if g != u32::MAX {
                let _ = write!(s, " suppress_ifgroup {}", names.group(g));
            }
        }
    }
    if let Some(f) = r.attr(FRA_FLOW).and_then(u32_of) {
        let (from, to) = (f >> 16, f & 0xffff);
        if from != 0 {
            let _ = write!(s, " realms {from}/{to}");
        } else {
            let _ = write!(s, " realms {to}");
        }
    }
    match r.action {
        1 => {}
        2 => {
            match r.attr(FRA_GOTO).and_then(u32_of) {
                Some(g) => {
                    let _ = write!(s, " goto {g}");
                }
                None => s.push_str(" goto none"),
            }
            if r.flags & FIB_RULE_UNRESOLVED != 0 {
                s.push_str(" [unresolved]");
            }
        }
        3 => s.push_str(" nop"),
        a => {
            let _ = write!(s, " {}", type_name(a));
        }
    }
    if let Some(p) = r.attr(FRA_PROTOCOL).and_then(u8_of) {
        if p != 0 && p != 2 {
            let _ = write!(s, " proto {}", names.proto(p));
        }
    }
    s.push('\n');
}

fn ip_proto(p: u8) -> String {
    match p {
        1 => "icmp".into(),
        2 => "igmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        33 => "dccp".into(),
        47 => "gre".into(),
        50 => "esp".into(),
        51 => "ah".into(),
        58 => "ipv6-icmp".into(),
        132 => "sctp".into(),
        136 => "udplite".into(),
        n => n.to_string(),
    }
}

/// Whether the main table has a default route for `family` among `routes`.
pub fn has_main_default(routes: &[RouteMsg], family: u8) -> bool {
    routes.iter().any(|r| {
        r.family == family
            && r.table == 254
            && r.dst_len == 0
            && r.attr(RTA_DST).is_none()
            && r.kind == 1
            && shown(r)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dst: Option<[u8; 4]>, len: u8, attrs: Vec<(u16, Vec<u8>)>) -> RouteMsg {
        let mut a = attrs;
        if let Some(d) = dst {
            a.insert(0, (RTA_DST, d.to_vec()));
        }
        RouteMsg {
            family: AF_INET,
            dst_len: len,
            table: 254,
            protocol: 3,
            kind: 1,
            attrs: a,
            ..RouteMsg::default()
        }
    }

    fn links() -> Vec<LinkMsg> {
        vec![LinkMsg {
            index: 2,
            name: "eth0".into(),
            ..LinkMsg::default()
        }]
    }

    #[test]
    fn renders_routes_like_iproute2() {
        let n = Names::default();
        let mut def = route(
            None,
            0,
            vec![
                (RTA_GATEWAY, vec![10, 0, 0, 1]),
                (RTA_OIF, 2u32.to_ne_bytes().to_vec()),
                (RTA_PRIORITY, 100u32.to_ne_bytes().to_vec()),
            ],
        );
        def.protocol = 16;
        let mut net = route(
            Some([10, 0, 0, 0]),
            24,
            vec![
                (RTA_OIF, 2u32.to_ne_bytes().to_vec()),
                (RTA_PREFSRC, vec![10, 0, 0, 5]),
            ],
        );
        net.protocol = 2;
        net.scope = 253;
        let mut local = route(Some([10, 0, 0, 5]), 32, vec![]);
        local.kind = 2;
        local.table = 255;
        let mut t100 = route(
            Some([10, 9, 0, 0]),
            16,
            vec![(RTA_OIF, 9u32.to_ne_bytes().to_vec())],
        );
        t100.table = 100;
        let out = render_routes(&[def, net, local, t100], &links(), &n);
        assert_eq!(
            out,
            "default via 10.0.0.1 dev eth0 proto dhcp metric 100 \n\
             10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5 \n\
             local 10.0.0.5 table local \n\
             10.9.0.0/16 dev if9 table 100 \n"
        );
    }

    #[test]
    fn names_files_override_and_extend_the_defaults() {
        let read = |p: &str| match p {
            "/etc/iproute2/rt_tables" => Some("# c\n255 local\n100\tisp1\n0x20 hex\n".to_string()),
            "/etc/iproute2/rt_tables.d/x.conf" => Some("200 isp2\n".to_string()),
            _ => None,
        };
        let list = |d: &str| {
            if d == "/etc/iproute2/rt_tables.d" {
                vec!["x.conf".to_string(), "skip.txt".to_string()]
            } else {
                vec![]
            }
        };
        let n = Names::load(read, list);
        assert_eq!(n.table(100), "isp1");
        assert_eq!(n.table(200), "isp2");
        assert_eq!(n.table(32), "hex");
        assert_eq!(n.table(254), "main");
        assert_eq!(n.table(7), "7");
    }

    #[test]
    fn flags_in_iproute2_order_with_no_carrier() {
        assert_eq!(
            link_flags(0x11043),
            ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
        );
        assert_eq!(
            link_flags(0x1003),
            ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"]
        );
        assert_eq!(
            link_flags(0x8 | 0x1 | 0x40 | 0x10000),
            ["LOOPBACK", "UP", "LOWER_UP"]
        );
    }

    #[test]
    fn default_route_only_in_main() {
        let def = route(None, 0, vec![]);
        let mut other = route(None, 0, vec![]);
        other.table = 100;
        assert!(has_main_default(std::slice::from_ref(&def), AF_INET));
        assert!(!has_main_default(&[other], AF_INET));
        assert!(!has_main_default(&[def], AF_INET6));
    }
}
