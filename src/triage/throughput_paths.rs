//! Which interfaces carry MPTCP traffic in a namespace, and the per-interface facts the throughput
//! rules and the summary's interface table look up.

use crate::report::{LinkDetail, Report};
use std::net::{IpAddr, SocketAddr};

/// Namespaces with per-namespace data of any collector this file reads.
pub(super) fn namespaces(r: &Report) -> Vec<Option<&str>> {
    let mut out = crate::triage::namespaces(r);
    for s in r.sections.iter().filter(|s| {
        use crate::report::Facts;
        matches!(s.kind(), Some(Facts::Links | Facts::Interfaces))
    }) {
        if !out.contains(&s.netns.as_deref()) {
            out.push(s.netns.as_deref());
        }
    }
    out
}

/// "10.0.0.1:80" or "[::1]:80" (as ss and the sampler print them) -> the address.
pub(super) fn ip_of(s: &str) -> Option<IpAddr> {
    s.parse::<SocketAddr>()
        .map(|a| a.ip())
        .ok()
        .or_else(|| s.rsplit_once(':')?.0.trim_matches(['[', ']']).parse().ok())
}

/// The interface holding `ip` in a namespace (from the routing collector's addresses).
pub(super) fn holder(r: &Report, ns: Option<&str>, ip: IpAddr) -> Option<String> {
    r.interfaces(ns)?
        .links
        .iter()
        .find(|l| {
            l.addrs
                .iter()
                .any(|a| a.split('/').next().and_then(|a| a.parse().ok()) == Some(ip))
        })
        .map(|l| l.name.clone())
}

/// Interfaces that carry MPTCP traffic in a namespace, each with why: the endpoints' interfaces, those
/// of the MPTCP sockets' local addresses and of the subflows sampled in a reproduce window. Loopback
/// is left out. In the order found, without repeats.
pub fn subflow_interfaces(r: &Report, ns: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |name: Option<String>, why: String| {
        if let Some(n) = name.filter(|n| n != "lo") {
            if !out.iter().any(|(o, _)| *o == n) {
                out.push((n, why));
            }
        }
    };
    for e in r.endpoints(ns).into_iter().flatten() {
        let dev = e.dev.clone().or_else(|| holder(r, ns, e.addr));
        add(dev, format!("endpoint {}", e.iproute_line().trim_end()));
    }
    let local = |socks: &crate::report::SocketList| {
        // Each local address once, with the first connection from it.
        let mut seen: Vec<(IpAddr, String)> = Vec::new();
        for s in socks.heads().filter(|s| s.state != "LISTEN") {
            if let Some(ip) = ip_of(&s.local).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
            {
                if !seen.iter().any(|(a, _)| *a == ip) {
                    seen.push((ip, format!("MPTCP connection {} -> {}", s.local, s.peer)));
                }
            }
        }
        seen
    };
    for (ip, why) in r
        .sockets(ns)
        .map(|s| s.derived("local addresses", local))
        .unwrap_or_default()
    {
        add(holder(r, ns, ip), why);
    }
    let windows = r.reproduce.iter().flat_map(|rep| &rep.namespaces);
    for w in windows.filter(|w| w.netns.as_deref() == ns) {
        for p in w.samples.iter().flat_map(|s| &s.paths) {
            let Some(ip) = ip_of(&p.local).filter(|ip| !ip.is_loopback()) else {
                continue;
            };
            add(
                p.dev.clone().or_else(|| holder(r, ns, ip)),
                format!("subflow {} -> {}", p.local, p.remote),
            );
        }
    }
    out
}

/// A link's MTU: from the links collector, else from the routing collector.
pub(super) fn mtu(r: &Report, ns: Option<&str>, name: &str) -> Option<u32> {
    let detail = r
        .links(ns)
        .and_then(|ls| ls.iter().find(|l| l.name == name)?.mtu);
    detail.or_else(|| r.interfaces(ns)?.links.iter().find(|l| l.name == name)?.mtu)
}

pub(super) fn detail<'a>(r: &'a Report, ns: Option<&str>, name: &str) -> Option<&'a LinkDetail> {
    r.links(ns)?.iter().find(|l| l.name == name)
}
