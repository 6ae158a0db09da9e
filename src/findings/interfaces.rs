//! Interface rules: endpoints whose address or device cannot carry a subflow, and reverse-path filtering
//! that drops the packets of additional subflows.

use super::{finding, namespaces, where_, DOCS_PM};
use crate::netlink::iproute::render_endpoints;
use crate::report::{Endpoint, Finding, Interfaces, Link, Report, Severity};
use std::net::IpAddr;

fn line(e: &Endpoint) -> String {
    render_endpoints(std::slice::from_ref(e))
        .trim_end()
        .to_string()
}

/// The link that carries the endpoint's address (addresses compared as addresses, not as text).
fn holder<'a>(ifs: &'a Interfaces, e: &Endpoint) -> Option<&'a Link> {
    ifs.links.iter().find(|l| {
        l.addrs
            .iter()
            .any(|a| a.split('/').next().and_then(|a| a.parse::<IpAddr>().ok()) == Some(e.addr))
    })
}

/// Administratively down or without carrier. The flags decide when the collector gave some: the
/// operational state lags carrier changes by up to a second (the kernel's linkwatch), so a link
/// just brought up can show `state DOWN` with UP and LOWER_UP already set, and carry traffic.
fn is_down(l: &Link) -> bool {
    if l.flags.is_empty() {
        return matches!(l.state.as_str(), "DOWN" | "LOWERLAYERDOWN" | "NOTPRESENT");
    }
    let has = |f: &str| l.flags.iter().any(|x| x == f);
    !has("UP") || !has("LOWER_UP")
}

pub fn endpoint_interface(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some(ifs)) = (r.endpoints(ns), r.interfaces(ns)) else {
            continue;
        };
        if ifs.links.is_empty() {
            continue;
        }
        for e in eps {
            let by_dev = e
                .dev
                .as_deref()
                .and_then(|d| ifs.links.iter().find(|l| l.name == d));
            let holder = holder(ifs, e);
            if e.ifindex.is_some_and(|i| i > 0) && e.dev.is_none() {
                out.push(finding(
                    "endpoint-interface",
                    Severity::Problem,
                    format!("Endpoint device no longer exists{}", where_(ns)),
                    vec![line(e)],
                    DOCS_PM,
                ));
            } else if holder.is_none() {
                out.push(finding(
                    "endpoint-interface",
                    Severity::Problem,
                    format!(
                        "Endpoint address is on no interface{}: expect MPJoinSynTxBindErr",
                        where_(ns)
                    ),
                    vec![line(e)],
                    DOCS_PM,
                ));
            } else if let Some(l) = by_dev.or(holder).filter(|l| is_down(l)) {
                out.push(finding(
                    "endpoint-interface",
                    Severity::Warning,
                    format!("Endpoint interface {} is down{}", l.name, where_(ns)),
                    vec![
                        line(e),
                        format!("{}: state {} <{}>", l.name, l.state, l.flags.join(",")),
                    ],
                    DOCS_PM,
                ));
            } else if e.dev.is_none()
                && e.ifindex.is_none_or(|i| i == 0)
                && e.flags & crate::netlink::MPTCP_PM_ADDR_FLAG_SUBFLOW != 0
            {
                out.push(finding("endpoint-interface", Severity::Info, format!("`subflow` endpoint without `dev`{}: its subflows follow the routing table, which may not use that address's interface", where_(ns)), vec![line(e)], DOCS_PM));
            }
        }
    }
    out
}

pub fn strict_rp_filter(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some(ifs)) = (r.endpoints(ns), r.interfaces(ns)) else {
            continue;
        };
        // rp_filter is IPv4 only, and with a single IPv4 interface the reverse path is always it.
        let v4_links = ifs
            .links
            .iter()
            .filter(|l| !l.flags.iter().any(|f| f == "LOOPBACK") && l.name != "lo")
            .filter(|l| l.addrs.iter().any(|a| !a.contains(':')))
            .count();
        if v4_links < 2 {
            continue;
        }
        let all = ifs.rp_filter_all.unwrap_or(0);
        let mut seen = Vec::new();
        for e in eps.iter().filter(|e| e.addr.is_ipv4()) {
            let Some(link) = e
                .dev
                .as_deref()
                .and_then(|d| ifs.links.iter().find(|l| l.name == d))
                .or_else(|| holder(ifs, e))
            else {
                continue;
            };
            // The kernel uses the larger of conf/all and conf/<dev>.
            let effective = link.rp_filter.unwrap_or(0).max(all);
            if effective == 1 && !seen.contains(&link.name) {
                seen.push(link.name.clone());
                out.push(finding(
                    "strict-rp-filter",
                    Severity::Warning,
                    format!("Strict reverse-path filtering on endpoint interface {}{}: packets of additional subflows can be dropped (use 2, loose)", link.name, where_(ns)),
                    vec![line(e), format!("net.ipv4.conf.{}.rp_filter = {}", link.name, link.rp_filter.unwrap_or(0)), format!("net.ipv4.conf.all.rp_filter = {all}")],
                    DOCS_PM,
                ));
            }
        }
    }
    out
}
