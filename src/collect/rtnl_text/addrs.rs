//! `ip addr show`: each link, then its addresses.

use super::*;

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
        (4, 768 | 776 | 778) | (16, 769 | 823) => ip_of(a).map(|ip| fmt_ip(&ip)),
        _ => None,
    }
    .unwrap_or_else(|| {
        a.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
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
        put!(s, "{}: {}", l.index, l.name);
        match (l.link, l.link_netnsid) {
            (Some(0), _) => s.push_str("@NONE"),
            (Some(i), Some(_)) => put!(s, "@if{i}"),
            (Some(i), None) => put!(s, "@{}", name_of(links, i)),
            (None, _) => {}
        }
        put!(s, ": <{}", link_flags(l.flags).join(","));
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
            put!(s, "mtu {m} ");
        }
        if let Some(q) = &l.qdisc {
            put!(s, "qdisc {q} ");
        }
        if let Some(m) = l.master {
            put!(s, "master {} ", name_of(links, m));
        }
        if let Some(st) = l.operstate {
            put!(s, "state {} ", operstate(st));
        }
        if let Some(g) = l.group {
            put!(s, "group {} ", names.group(g));
        }
        if let Some(q) = l.txqlen.filter(|q| *q != 0) {
            put!(s, "qlen {q}");
        }
        put!(s, "\n    link/{} ", link_type(l.kind));
        if let Some(a) = &l.address {
            s.push_str(&ll_addr(l.kind, a));
            if let Some(b) = &l.broadcast {
                let word = if l.flags & IFF_POINTOPOINT != 0 {
                    "peer"
                } else {
                    "brd"
                };
                put!(s, " {word} {}", ll_addr(l.kind, b));
            }
        }
        if let Some(id) = l.link_netnsid {
            if let Some(name) = netns_names.get(&id) {
                put!(s, " link-netns {name}");
            } else if id >= 0 {
                put!(s, " link-netnsid {id}");
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
    put!(s, "    {family} {local}");
    if address != local {
        put!(s, " peer {address}");
    }
    put!(s, "/{} ", a.prefixlen);
    if let Some(m) = a.metric {
        put!(s, "metric {m} ");
    }
    if let Some(b) = a.broadcast {
        put!(s, "brd {b} ");
    }
    if let Some(b) = a.anycast {
        put!(s, "any {b} ");
    }
    put!(s, "scope {} ", scope_name(a.scope));
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
            put!(s, "{name} ");
        }
        left &= !bit;
    }
    if left != 0 {
        put!(s, "flags {left:02x} ");
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
        put!(
            s,
            "\n       valid_lft {} preferred_lft {}",
            lft(valid),
            lft(preferred)
        );
    }
    s.push('\n');
}
