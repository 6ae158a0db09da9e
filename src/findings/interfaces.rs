//! Interface rules: endpoints whose address or device cannot carry a subflow, and reverse-path filtering
//! that drops the packets of additional subflows.

use super::{finding, namespaces, where_, DOCS_PM};
use crate::netlink::iproute::{fmt_ip, render_endpoints};
use crate::report::{Endpoint, Finding, Interfaces, Report, Severity};

fn line(e: &Endpoint) -> String {
    render_endpoints(std::slice::from_ref(e))
        .trim_end()
        .to_string()
}

fn holder<'a>(ifs: &'a Interfaces, e: &Endpoint) -> Option<&'a crate::report::Link> {
    let addr = fmt_ip(&e.addr);
    ifs.links.iter().find(|l| {
        l.addrs
            .iter()
            .any(|a| a.split('/').next() == Some(addr.as_str()))
    })
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
            let dev = e
                .dev
                .as_deref()
                .and_then(|d| ifs.links.iter().find(|l| l.name == d));
            if holder(ifs, e).is_none() {
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
            } else if e.ifindex.is_some_and(|i| i > 0) && e.dev.is_none() {
                out.push(finding(
                    "endpoint-interface",
                    Severity::Problem,
                    format!("Endpoint device no longer exists{}", where_(ns)),
                    vec![line(e)],
                    DOCS_PM,
                ));
            } else if let Some(l) =
                dev.filter(|l| l.state == "DOWN" || !l.flags.iter().any(|f| f == "UP"))
            {
                out.push(finding(
                    "endpoint-interface",
                    Severity::Warning,
                    format!("Endpoint interface {} is down{}", l.name, where_(ns)),
                    vec![line(e), format!("{}: state {}", l.name, l.state)],
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
        let all = ifs.rp_filter_all.unwrap_or(0);
        let mut seen = Vec::new();
        for e in eps {
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
