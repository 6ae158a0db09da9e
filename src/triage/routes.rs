//! Routes and policy rules as the routing collector kept them (iproute2's text: `ip route show table
//! all`, `ip rule show`, per family), read back into the little the rules need: which tables an
//! address's packets are looked up in, and whether a table routes a destination out of a device.
//! Both reports' addresses were redacted with one key, so endpoint and route addresses still match.

use super::facts::parse_ip;
use crate::report::Report;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub dst: Option<(IpAddr, u8)>,
    /// unicast, local, broadcast, multicast, blackhole, unreachable, prohibit, throw, ...
    pub kind: String,
    pub table: String,
    pub devs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRule {
    /// None for `from all`.
    pub from: Option<(IpAddr, u8)>,
    pub table: String,
    /// A selector besides `from` (not, to, iif, fwmark, uidrange, ...) narrows the rule: it is not
    /// taken to apply to every packet from the address.
    pub narrowed: bool,
    pub oif: Option<String>,
}

#[derive(Debug, Default)]
pub struct Routing {
    pub routes: Vec<Route>,
    pub rules: Vec<PolicyRule>,
}

const KINDS: &[&str] = &[
    "unicast",
    "local",
    "broadcast",
    "multicast",
    "blackhole",
    "unreachable",
    "prohibit",
    "throw",
    "nat",
    "anycast",
];

fn prefix(s: &str, v6: bool) -> Option<(IpAddr, u8)> {
    if s == "default" {
        let any: IpAddr = if v6 {
            "::".parse().ok()?
        } else {
            "0.0.0.0".parse().ok()?
        };
        return Some((any, 0));
    }
    let ip: IpAddr = s.split('/').next()?.parse().ok()?;
    let len = match s.split_once('/') {
        Some((_, l)) => l.parse().ok()?,
        None if ip.is_ipv4() => 32,
        None => 128,
    };
    Some((ip, len))
}

/// Whether `net/len` contains `addr` (same family only).
pub fn covers((net, len): (IpAddr, u8), addr: IpAddr) -> bool {
    match (net, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// Parses `ip route show table all` text.
pub fn parse_routes(text: &str, v6: bool) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        // Multipath routes: `nexthop via X dev Y weight 1` lines belong to the route above.
        if words[0] == "nexthop" {
            if let (Some(r), Some(i)) = (out.last_mut(), words.iter().position(|w| *w == "dev")) {
                if let Some(d) = words.get(i + 1) {
                    r.devs.push(d.to_string());
                }
            }
            continue;
        }
        let (kind, rest) = match KINDS.contains(&words[0]) {
            true => (words[0], &words[1..]),
            false => ("unicast", &words[..]),
        };
        let Some(dst) = rest.first().and_then(|w| prefix(w, v6)) else {
            continue;
        };
        let after = |key: &str| {
            rest.iter()
                .position(|w| *w == key)
                .and_then(|i| rest.get(i + 1))
        };
        out.push(Route {
            dst: Some(dst),
            kind: kind.to_string(),
            table: after("table").map_or("main".into(), |t| t.to_string()),
            devs: after("dev")
                .map(|d| vec![d.to_string()])
                .unwrap_or_default(),
        });
    }
    out
}

/// Parses `ip rule show` text.
pub fn parse_rules(text: &str) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((_, body)) = line.split_once(':') else {
            continue;
        };
        let w: Vec<&str> = body.split_whitespace().collect();
        let after = |key: &str| w.iter().position(|x| *x == key).and_then(|i| w.get(i + 1));
        let Some(table) = after("lookup").or_else(|| after("table")) else {
            continue;
        };
        let from = match after("from") {
            Some(&"all") | None => None,
            Some(p) => match prefix(p, p.contains(':')) {
                Some(p) => Some(p),
                None => continue,
            },
        };
        let narrowing = [
            "not", "to", "iif", "fwmark", "uidrange", "ipproto", "dport", "sport",
        ];
        out.push(PolicyRule {
            from,
            table: table.to_string(),
            narrowed: w.iter().any(|x| narrowing.contains(x)),
            oif: after("oif").map(|d| d.to_string()),
        });
    }
    out
}

/// The routing data of a namespace for one family, from the routing collector's raw outputs; None
/// when they were not collected.
pub fn routing(r: &Report, ns: Option<&str>, v6: bool) -> Option<Routing> {
    let sec = r.section(crate::report::Facts::Interfaces, ns)?;
    let (routes, rules): (&[&str], &[&str]) = if v6 {
        (
            &["ip", "-6", "route", "show", "table", "all"],
            &["ip", "-6", "rule", "show"],
        )
    } else {
        (
            &["ip", "-4", "route", "show", "table", "all"],
            &["ip", "rule", "show"],
        )
    };
    let text = |argv: &[&str]| sec.command_output(argv).map(|a| a.content.as_str());
    Some(Routing {
        routes: parse_routes(text(routes)?, v6),
        rules: text(rules).map(parse_rules).unwrap_or_default(),
    })
}

impl Routing {
    /// Tables a packet from `src` (leaving by `dev`, when bound) is looked up in, in rule order; main
    /// when no rules were collected.
    pub fn tables_for(&self, src: IpAddr, dev: Option<&str>) -> Vec<&str> {
        if self.rules.is_empty() {
            return vec!["main"];
        }
        self.rules
            .iter()
            .filter(|r| !r.narrowed)
            .filter(|r| r.from.is_none_or(|p| covers(p, src)))
            .filter(|r| r.oif.is_none() || r.oif.as_deref() == dev)
            .map(|r| r.table.as_str())
            .filter(|t| *t != "local")
            .collect()
    }

    /// A `from` rule for `src` sends its packets to a table (other than main/default) with a route out
    /// of `dev`: the source routing that keeps a subflow on its interface. The rule, as evidence.
    pub fn source_routed(&self, src: IpAddr, dev: &str) -> Option<String> {
        self.rules
            .iter()
            .filter(|r| !r.narrowed && r.from.is_some_and(|p| covers(p, src)))
            .filter(|r| !["main", "default", "local"].contains(&r.table.as_str()))
            .find(|r| {
                self.routes.iter().any(|rt| {
                    rt.table == r.table && rt.kind == "unicast" && rt.devs.iter().any(|d| d == dev)
                })
            })
            .map(|r| {
                let (a, l) = r.from.expect("filtered on from");
                format!(
                    "ip rule: from {a}/{l} lookup {} (a route out of {dev})",
                    r.table
                )
            })
    }

    /// Whether a unicast route in `tables` (out of `dev`, when given) leads to `dst`. Link-local
    /// routes (fe80::/64) do not count: a subflow never uses them.
    pub fn reaches(&self, tables: &[&str], dst: IpAddr, dev: Option<&str>) -> bool {
        self.routes.iter().any(|rt| {
            rt.kind == "unicast"
                && tables.contains(&rt.table.as_str())
                && rt
                    .dst
                    .is_some_and(|p| covers(p, dst) && !is_link_local_net(p))
                && dev.is_none_or(|d| rt.devs.is_empty() || rt.devs.iter().any(|x| x == d))
        })
    }

    /// Whether `tables` hold a default route (out of `dev`, when given).
    pub fn has_default(&self, tables: &[&str], dev: Option<&str>) -> bool {
        self.routes.iter().any(|rt| {
            rt.kind == "unicast"
                && tables.contains(&rt.table.as_str())
                && rt.dst.is_some_and(|(_, l)| l == 0)
                && dev.is_none_or(|d| rt.devs.is_empty() || rt.devs.iter().any(|x| x == d))
        })
    }
}

fn is_link_local_net((net, len): (IpAddr, u8)) -> bool {
    match net {
        IpAddr::V6(v6) => len >= 10 && (v6.segments()[0] & 0xffc0) == 0xfe80,
        IpAddr::V4(v4) => len >= 16 && v4.is_link_local(),
    }
}

/// The `dev` of an endpoint, else the interface holding its address.
pub fn endpoint_dev<'a>(
    r: &'a Report,
    ns: Option<&str>,
    e: &'a crate::report::Endpoint,
) -> Option<&'a str> {
    if let Some(d) = e.dev.as_deref() {
        return Some(d);
    }
    r.interfaces(ns)?
        .links
        .iter()
        .find(|l| l.addrs.iter().any(|a| parse_ip(a) == Some(e.addr)))
        .map(|l| l.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_rules_and_source_routing() {
        let routes = parse_routes(
            "default via 10.0.1.254 dev eth0 proto dhcp metric 100\n\
             10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.1\n\
             default via 10.0.2.254 dev eth1 table 100\n\
             blackhole 10.9.0.0/16\n\
             10.8.0.0/16 proto static\n\tnexthop via 10.0.1.2 dev eth0 weight 1\n\tnexthop via 10.0.2.2 dev eth1 weight 1\n\
             local 10.0.1.1 dev eth0 table local proto kernel scope host src 10.0.1.1\n",
            false,
        );
        assert_eq!(routes.len(), 6);
        assert_eq!(routes[2].table, "100");
        assert_eq!(routes[3].kind, "blackhole");
        assert_eq!(routes[4].devs, ["eth0", "eth1"]);
        let rules = parse_rules(
            "0:\tfrom all lookup local\n32765:\tfrom 10.0.2.1 lookup 100\n32764:\tfrom all fwmark 0x1 lookup 7\n32766:\tfrom all lookup main\n",
        );
        assert_eq!(rules.len(), 4);
        assert!(rules[2].narrowed);
        let rt = Routing { routes, rules };
        let a2: IpAddr = "10.0.2.1".parse().unwrap();
        assert_eq!(rt.tables_for(a2, None), ["100", "main"]);
        assert!(rt.source_routed(a2, "eth1").is_some());
        assert!(rt.source_routed(a2, "eth0").is_none());
        assert!(rt
            .source_routed("10.0.1.1".parse().unwrap(), "eth1")
            .is_none());
        assert!(rt.has_default(&["main"], Some("eth0")));
        assert!(!rt.has_default(&["main"], Some("eth1")));
        assert!(rt.reaches(&["main"], "10.8.1.1".parse().unwrap(), Some("eth1")));
        assert!(!rt.reaches(&["main"], "10.0.1.9".parse().unwrap(), Some("eth1")));
        let v6 = parse_routes("fe80::/64 dev eth0 proto kernel metric 256 pref medium\n2001:db8:1::/64 dev eth0 proto kernel metric 256\n", true);
        let rt6 = Routing {
            routes: v6,
            rules: vec![],
        };
        assert!(!rt6.reaches(&["main"], "fe80::9".parse().unwrap(), None));
        assert!(rt6.reaches(&["main"], "2001:db8:1::9".parse().unwrap(), Some("eth0")));
        assert!(!rt6.reaches(&["main"], "2001:db8:1::9".parse().unwrap(), Some("eth1")));
    }
}
