//! `ip route show table all`: one line per route, multipath next hops on their own lines.

use super::*;

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
        put!(s, "{} ", type_name(r.kind));
    }
    match r.attr(RTA_DST) {
        Some(d) if r.dst_len != hl => put!(s, "{}/{} ", addr_text(d), r.dst_len),
        Some(d) => put!(s, "{} ", addr_text(d)),
        None if r.dst_len != 0 => put!(s, "0/{} ", r.dst_len),
        None => s.push_str("default "),
    }
    match r.attr(RTA_SRC) {
        Some(d) if r.src_len != hl => put!(s, "from {}/{} ", addr_text(d), r.src_len),
        Some(d) => put!(s, "from {} ", addr_text(d)),
        None if r.src_len != 0 => put!(s, "from 0/{} ", r.src_len),
        None => {}
    }
    if let Some(id) = r.attr(RTA_NH_ID).and_then(u32_of) {
        put!(s, "nhid {id} ");
    }
    if let Some(d) = r.attr(RTA_NEWDST) {
        put!(s, "as to {} ", addr_text(d));
    }
    if r.tos != 0 {
        put!(s, "tos 0x{:02x} ", r.tos);
    }
    if let Some(d) = r.attr(RTA_GATEWAY) {
        put!(s, "via {} ", addr_text(d));
    }
    if let Some(d) = r.attr(RTA_VIA) {
        render_via(s, d);
    }
    if let Some(i) = r.attr(RTA_OIF).and_then(u32_of) {
        put!(s, "dev {} ", name_of(links, i as i32));
    }
    if r.table != 0 && r.table != 254 {
        put!(s, "table {} ", names.table(r.table));
    }
    if r.protocol != 3 {
        put!(s, "proto {} ", names.proto(r.protocol));
    }
    if r.scope != 0 {
        put!(s, "scope {} ", scope_name(r.scope));
    }
    if let Some(d) = r.attr(RTA_PREFSRC) {
        put!(s, "src {} ", addr_text(d));
    }
    if let Some(m) = r.attr(RTA_PRIORITY).and_then(u32_of) {
        put!(s, "metric {m} ");
    }
    rt_flags(s, r.flags);
    if let Some(m) = r.attr(RTA_MARK).and_then(u32_of).filter(|m| *m != 0) {
        if m >= 16 {
            put!(s, "mark 0x{m:x} ");
        } else {
            put!(s, "mark {m} ");
        }
    }
    if let Some(f) = r.attr(RTA_FLOW).and_then(u32_of) {
        realms(s, f);
    }
    if let Some(u) = r.attr(RTA_UID).and_then(u32_of) {
        put!(s, "uid {u} ");
    }
    if let Some(ci) = r.attr(RTA_CACHEINFO) {
        // struct rta_cacheinfo: clntref, lastuse, expires (clock ticks), error, used, id, ts, tsage.
        let field = |i: usize| ci.get(i * 4..i * 4 + 4).and_then(u32_of).unwrap_or(0);
        let expires = field(2) as i32;
        if expires != 0 {
            put!(s, "expires {}sec ", expires / 100);
        }
        if field(3) != 0 {
            put!(s, "error {} ", field(3));
        }
        if field(5) != 0 {
            put!(s, "ipid 0x{:04x} ", field(5));
        }
        if field(6) != 0 || field(7) != 0 {
            put!(s, "ts 0x{:x}tsage {}sec ", field(6), field(7));
        }
    }
    if let Some(m) = r.attr(RTA_METRICS) {
        metrics(s, m);
    }
    if let Some(i) = r.attr(RTA_IIF).and_then(u32_of) {
        put!(s, "iif {} ", name_of(links, i as i32));
    }
    if let Some(p) = r.attr(RTA_PREF).and_then(u8_of) {
        match p {
            3 => s.push_str("pref low"),
            0 => s.push_str("pref medium"),
            1 => s.push_str("pref high"),
            n => put!(s, "pref {n}"),
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
    put!(s, "via {fam} {} ", addr_text(&d[2..]));
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
        put!(s, "realms {}/{} ", name(from), name(to));
    } else {
        put!(s, "realm {} ", name(to));
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
            put!(s, "{name} ");
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
        put!(s, "{name} ");
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
                    put!(s, "0x{rest:x} ");
                }
            }
            4 | 5 | 13 => {
                let v = match i {
                    4 => val / 8,
                    5 => val / 4,
                    _ => val,
                };
                if v >= 1000 {
                    put!(s, "{}s ", v as f64 / 1000.0);
                } else {
                    put!(s, "{v}ms ");
                }
            }
            16 => put!(s, "{} ", vals[i].map(str_of).unwrap_or_default()),
            _ => put!(s, "{val} "),
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
                RTA_NEWDST => put!(s, "as to {} ", addr_text(a.data)),
                RTA_GATEWAY => put!(s, "via {} ", addr_text(a.data)),
                RTA_VIA => render_via(s, a.data),
                RTA_FLOW => realms(s, u32_of(a.data).unwrap_or(0)),
                _ => {}
            }
        }
        put!(s, "dev {} ", name_of(links, ifindex));
        put!(s, "weight {} ", hops as u32 + 1);
        rt_flags(s, flags);
        mp = &mp[((len + 3) & !3).min(mp.len())..];
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
