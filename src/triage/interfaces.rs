//! Interface rules: endpoints whose address or device cannot carry a subflow, and reverse-path filtering
//! that drops the packets of additional subflows, each weighed against what the counters and the
//! routing show (joins failing, source routing, packets actually dropped).

use super::facts::{
    counter_line, endpoint_line as line, joins_unanswered, mptcp_counter, multihomed, tcp_counter,
};
use super::routes::routing;
use super::{finding, namespaces, where_, DOCS_PM};
use crate::report::{Endpoint, Finding, Interfaces, Link, Report, Severity};
use std::net::IpAddr;

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
                && e.has(Endpoint::FLAG_SUBFLOW)
            {
                out.push(no_dev(r, ns, e));
            }
        }
    }
    out
}

/// A `subflow` endpoint without `dev`: its subflows leave by whatever interface the routing table
/// picks for the destination, which on a multihomed host is often not the one holding the address
/// (and the network there drops a source it does not own). Information, unless the counters show
/// this host's joins failing on a multihomed host: then it is the likely cause, a warning.
fn no_dev(r: &Report, ns: Option<&str>, e: &Endpoint) -> Finding {
    let mut ev = vec![line(e)];
    let failing = joins_failing(r, ns);
    let warn = !failing.is_empty() && multihomed(r, ns) == Some(true);
    if warn {
        ev.extend(failing);
        return finding("endpoint-interface", Severity::Warning, format!("`subflow` endpoint without `dev` on a multihomed host, and joins fail{}: its subflows follow the routing table out of another interface (add `dev IFACE`, and source routing)", where_(ns)), ev, DOCS_PM);
    }
    finding("endpoint-interface", Severity::Info, format!("`subflow` endpoint without `dev`{}: its subflows follow the routing table, which may not use that address's interface", where_(ns)), ev, DOCS_PM)
}

/// Evidence that this host's joins fail: some unanswered, or subflows that could not be created.
fn joins_failing(r: &Report, ns: Option<&str>) -> Vec<String> {
    let mut ev = Vec::new();
    if let Some((sent, acked, _)) =
        joins_unanswered(r, ns).filter(|j| j.2 >= super::facts::JOINS_MISSING_MIN)
    {
        ev.push(counter_line("MPJoinSynTx", sent));
        ev.push(counter_line("MPJoinSynAckRx", acked));
    }
    for n in ["MPJoinSynTxBindErr", "MPJoinSynTxConnectErr"] {
        if let Some(v) = mptcp_counter(r, ns, n).filter(|&v| v > 0) {
            ev.push(counter_line(n, v));
        }
    }
    ev
}

/// Strict reverse-path filtering (the larger of conf/all and conf/IFACE is 1) on the interface of an
/// IPv4 endpoint of a host with several IPv4 interfaces: replies to a subflow arriving on the second
/// interface fail the check when the route back to the peer leaves by the first. Said only when
/// nothing shows it harmless: quiet when a `from` rule routes the endpoint address out of its
/// interface (source routing passes the check), or when joins succeed and TcpExt IPReversePathFilter
/// is 0; a problem when IPReversePathFilter > 0 (packets were dropped).
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
        let dropped = tcp_counter(r, ns, "IPReversePathFilter");
        let joins_ok = joins_unanswered(r, ns).is_some_and(|(_, acked, missing)| {
            acked > 0 && missing < super::facts::JOINS_MISSING_MIN
        });
        let v4_routing = routing(r, ns, false);
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
            if effective != 1 || seen.contains(&link.name) {
                continue;
            }
            seen.push(link.name.clone());
            let mut ev = vec![
                line(e),
                format!(
                    "net.ipv4.conf.{}.rp_filter = {}",
                    link.name,
                    link.rp_filter.unwrap_or(0)
                ),
                format!("net.ipv4.conf.all.rp_filter = {all}"),
            ];
            if v4_routing
                .as_ref()
                .is_some_and(|rt| rt.source_routed(e.addr, &link.name).is_some())
            {
                continue;
            }
            if let Some(d) = dropped.filter(|&d| d > 0) {
                ev.push(format!("TcpExt IPReversePathFilter = {d}"));
                out.push(finding("strict-rp-filter", Severity::Problem, format!("Strict reverse-path filtering dropped packets{} and is on endpoint interface {}: packets of additional subflows are dropped (use 2, loose, or source routing)", where_(ns), link.name), ev, DOCS_PM));
                continue;
            }
            if joins_ok && dropped == Some(0) {
                continue;
            }
            out.push(finding(
                "strict-rp-filter",
                Severity::Warning,
                format!("Strict reverse-path filtering on endpoint interface {}{}: packets of additional subflows can be dropped (use 2, loose, or source routing)", link.name, where_(ns)),
                ev,
                DOCS_PM,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn endpoint_interface_gone_unknown_or_down() {
        let one = |e: Endpoint| with(vec![endpoints(vec![e])]);
        // The device was removed: the kernel still has its index.
        let gone = Endpoint {
            dev: None,
            ..ep("10.0.2.1", 1, Endpoint::FLAG_SUBFLOW, Some("eth1"))
        };
        assert_eq!(
            says(endpoint_interface, &one(gone)),
            ["Problem:endpoint-interface"]
        );
        let nowhere = ep("10.0.7.1", 1, Endpoint::FLAG_SUBFLOW, Some("eth1"));
        assert_eq!(
            says(endpoint_interface, &one(nowhere)),
            ["Problem:endpoint-interface"]
        );
        let down = |state: &str, flags: &[&str]| {
            let mut eth1 = link("eth1", &["10.0.2.1/24"], 0);
            eth1.state = state.into();
            eth1.flags = flags.iter().map(|f| f.to_string()).collect();
            routing_section(vec![link("eth0", &["10.0.1.1/24"], 0), eth1], 0, &[])
        };
        let r = with(vec![down("DOWN", &["BROADCAST"])]);
        assert_eq!(says(endpoint_interface, &r), ["Warning:endpoint-interface"]);
        assert_eq!(
            endpoint_interface(&r)[0].evidence,
            [
                "10.0.2.1 id 1 subflow dev eth1",
                "eth1: state DOWN <BROADCAST>"
            ]
        );
        // Near miss: `state DOWN` lagging behind a carrier that is already up (linkwatch).
        let lagging = with(vec![down("DOWN", &["BROADCAST", "UP", "LOWER_UP"])]);
        assert!(endpoint_interface(&lagging).is_empty());
        assert!(endpoint_interface(&report(healthy())).is_empty());
        // Interfaces not collected: nothing is known.
        assert!(endpoint_interface(&without(&["routing"])).is_empty());
    }

    #[test]
    fn endpoint_interface_without_dev_weighed_by_failing_joins() {
        let nodev = endpoints(vec![ep("10.0.2.1", 1, Endpoint::FLAG_SUBFLOW, None)]);
        let r = with(vec![nodev.clone()]);
        assert_eq!(says(endpoint_interface, &r), ["Info:endpoint-interface"]);
        let failing = mib(&[
            ("MPCapableSYNTX", 3),
            ("MPJoinSynTx", 3),
            ("MPJoinSynAckRx", 0),
        ]);
        let r = with(vec![nodev.clone(), failing.clone()]);
        assert_eq!(says(endpoint_interface, &r), ["Warning:endpoint-interface"]);
        assert_eq!(
            endpoint_interface(&r)[0].evidence,
            [
                "10.0.2.1 id 1 subflow",
                "MPTcpExt MPJoinSynTx = 3",
                "MPTcpExt MPJoinSynAckRx = 0"
            ]
        );
        // Single-homed: the routing table has nowhere else to send it.
        let single = routing_section(vec![link("eth1", &["10.0.2.1/24"], 0)], 0, &[]);
        assert_eq!(
            says(endpoint_interface, &with(vec![nodev, failing, single])),
            ["Info:endpoint-interface"]
        );
    }

    #[test]
    fn strict_rp_filter_in_context() {
        let strict = |texts: &[(&[&str], &str)]| {
            routing_section(
                vec![
                    link("eth0", &["10.0.1.1/24"], 1),
                    link("eth1", &["10.0.2.1/24"], 1),
                ],
                1,
                texts,
            )
        };
        let rpf = |n| {
            mib(&[
                ("MPJoinSynTx", 2),
                ("MPJoinSynAckRx", 0),
                ("TcpExt:IPReversePathFilter", n),
            ])
        };
        assert_eq!(
            says(strict_rp_filter, &with(vec![strict(&[])])),
            ["Warning:strict-rp-filter"]
        );
        assert_eq!(
            says(strict_rp_filter, &with(vec![strict(&[]), rpf(4)])),
            ["Problem:strict-rp-filter"]
        );
        assert!(strict_rp_filter(&with(vec![strict(&[]), rpf(4)]))[0]
            .evidence
            .contains(&"TcpExt IPReversePathFilter = 4".to_string()));
        // Joins answered and nothing dropped.
        let ok = mib(&[
            ("MPJoinSynTx", 2),
            ("MPJoinSynAckRx", 2),
            ("TcpExt:IPReversePathFilter", 0),
        ]);
        assert!(strict_rp_filter(&with(vec![strict(&[]), ok])).is_empty());
        // Source routing: a `from` rule sends the endpoint's packets to a table routing out of eth1.
        let texts: &[(&[&str], &str)] = &[
            (&["ip", "-4", "route", "show", "table", "all"], "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.1\ndefault via 10.0.2.254 dev eth1 table 100\n"),
            (&["ip", "rule", "show"], "0:\tfrom all lookup local\n32765:\tfrom 10.0.2.1 lookup 100\n32766:\tfrom all lookup main\n"),
        ];
        assert!(strict_rp_filter(&with(vec![strict(texts)])).is_empty());
        // Loose filtering, or a single IPv4 interface.
        assert!(strict_rp_filter(&report(healthy())).is_empty());
        let single = routing_section(vec![link("eth1", &["10.0.2.1/24"], 1)], 1, &[]);
        assert!(strict_rp_filter(&with(vec![single])).is_empty());
    }
}
