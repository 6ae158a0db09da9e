//! Address families: the in-kernel path manager only pairs addresses of one family (6.18 pm_kernel.c,
//! `mptcp_pm_addr_families_match`), so IPv6 endpoints do nothing for IPv4 connections and the other
//! way round; and IPv6, unlike IPv4, does not assume a device-bound destination is on-link, so an IPv6
//! `subflow` endpoint without an IPv6 route out of its device fails to connect (ENETUNREACH).

use super::facts::{connections, counter_line, endpoint_line, mptcp_counter};
use super::routes::{endpoint_dev, routing};
use super::{finding, namespaces, where_, DOCS_PM};
use crate::report::{Endpoint, Finding, Report, Severity};
use std::net::IpAddr;

const USED: u32 = Endpoint::FLAG_SIGNAL
    | Endpoint::FLAG_SUBFLOW
    | Endpoint::FLAG_FULLMESH
    | Endpoint::FLAG_LAMINAR;

fn family(a: &IpAddr) -> &'static str {
    if a.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

pub fn endpoint_family(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        out.extend(mismatch(r, ns));
        out.extend(v6_without_route(r, ns));
    }
    out
}

/// Every open MPTCP connection is of one family and every endpoint with a job is of the other.
fn mismatch(r: &Report, ns: Option<&str>) -> Option<Finding> {
    let eps: Vec<_> = r.endpoints(ns)?.iter().filter(|e| e.has(USED)).collect();
    if eps.is_empty() {
        return None;
    }
    // One walk: every connection's family, the first few shown, how many.
    let mut conns = connections(r, ns)?;
    let first = conns.next()?;
    let conn_family = family(&first.0);
    let (mut shown, mut count) = (vec![first], 1usize);
    for c in conns {
        if family(&c.0) != conn_family {
            return None;
        }
        if shown.len() < 3 {
            shown.push(c);
        }
        count += 1;
    }
    if eps.iter().any(|e| family(&e.addr) == conn_family) {
        return None;
    }
    let ep_family = family(&eps[0].addr);
    let mut ev: Vec<String> = eps.iter().map(|e| endpoint_line(e)).collect();
    ev.extend(
        shown
            .iter()
            .map(|(l, p)| format!("MPTCP connection {l} -> {p}")),
    );
    if count > 3 {
        ev.push(format!(
            "... and {} more {conn_family} connections",
            count - 3
        ));
    }
    Some(finding("endpoint-family", Severity::Warning, format!("The only endpoints are {ep_family} while the MPTCP connections are {conn_family}{}: the path manager pairs addresses of one family only, so they are never used (add {conn_family} endpoints)", where_(ns)), ev, DOCS_PM))
}

/// IPv6 `subflow` endpoints whose subflows failed to connect (MPJoinSynTxConnectErr) and from which
/// no IPv6 route (other than link-local) leads to the peers of the IPv6 connections, or, with no
/// connection open, to anywhere beyond the endpoint's own prefix (no default route).
fn v6_without_route(r: &Report, ns: Option<&str>) -> Vec<Finding> {
    let (Some(eps), Some(errors), Some(rt)) = (
        r.endpoints(ns),
        mptcp_counter(r, ns, "MPJoinSynTxConnectErr").filter(|&e| e > 0),
        routing(r, ns, true),
    ) else {
        return Vec::new();
    };
    // The IPv6 connections' peers, walked from the list for each endpoint (this rule needs failed
    // joins and IPv6 endpoints first; nothing per connection is kept).
    let peers = || {
        connections(r, ns)
            .into_iter()
            .flatten()
            .map(|(_, p)| p)
            .filter(IpAddr::is_ipv6)
    };
    let shown: Vec<String> = peers().take(3).map(|p| p.to_string()).collect();
    let mut out = Vec::new();
    for e in eps
        .iter()
        .filter(|e| e.addr.is_ipv6() && e.has(Endpoint::FLAG_SUBFLOW))
    {
        let dev = endpoint_dev(r, ns, e);
        let tables = rt.tables_for(e.addr, dev);
        let routed = if shown.is_empty() {
            rt.has_default(&tables, dev)
        } else {
            peers().all(|p| rt.reaches(&tables, p, dev))
        };
        if routed {
            continue;
        }
        let out_of = dev.map(|d| format!(" out of {d}")).unwrap_or_default();
        let mut ev = vec![endpoint_line(e)];
        if shown.is_empty() {
            ev.push(format!("ip -6 route: no default route{out_of}"));
        } else {
            ev.push(format!(
                "ip -6 route: no route{out_of} to the peer(s) {}",
                shown.join(", ")
            ));
        }
        ev.push(counter_line("MPJoinSynTxConnectErr", errors));
        out.push(finding("endpoint-family", Severity::Warning, format!("IPv6 endpoint {} has no IPv6 route{out_of}{}: its subflows fail to connect (add a route, or source routing, for it)", e.addr, where_(ns)), ev, DOCS_PM));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn endpoint_family_of_the_other_family() {
        let v6 = endpoints(vec![ep(
            "2001:db8:2::1",
            1,
            Endpoint::FLAG_SUBFLOW,
            Some("eth1"),
        )]);
        let v4_conn = sockets(&[
            ("LISTEN", "0.0.0.0:80", "0.0.0.0:*"),
            ("ESTAB", "10.0.1.1:40000", "10.0.9.2:80"),
        ]);
        let r = with(vec![v6.clone(), v4_conn.clone()]);
        assert_eq!(says(endpoint_family, &r), ["Warning:endpoint-family"]);
        assert_eq!(
            endpoint_family(&r)[0].evidence,
            [
                "2001:db8:2::1 id 1 subflow dev eth1",
                "MPTCP connection 10.0.1.1 -> 10.0.9.2"
            ]
        );
        // An IPv4 endpoint beside it, v4-mapped connections on an IPv6 socket counted as IPv4, or no
        // connection open: nothing.
        let both = endpoints(vec![
            ep("2001:db8:2::1", 1, Endpoint::FLAG_SUBFLOW, Some("eth1")),
            ep("10.0.2.1", 2, Endpoint::FLAG_SUBFLOW, Some("eth1")),
        ]);
        assert!(endpoint_family(&with(vec![both, v4_conn])).is_empty());
        let mapped = sockets(&[("ESTAB", "[::ffff:10.0.1.1]:40000", "[::ffff:10.0.9.2]:80")]);
        assert_eq!(
            says(endpoint_family, &with(vec![v6.clone(), mapped])).len(),
            1
        );
        assert!(endpoint_family(&with(vec![v6])).is_empty());
    }

    #[test]
    fn endpoint_family_ipv6_without_a_route() {
        let v6 = endpoints(vec![ep(
            "2001:db8:2::1",
            1,
            Endpoint::FLAG_SUBFLOW,
            Some("eth1"),
        )]);
        let conn = sockets(&[("ESTAB", "[2001:db8:1::1]:40000", "[2001:db8:1::2]:80")]);
        let routes = |text: &str| {
            routing_section(
                vec![
                    link("eth0", &["2001:db8:1::1/64"], 0),
                    link("eth1", &["2001:db8:2::1/64"], 0),
                ],
                0,
                &[(&["ip", "-6", "route", "show", "table", "all"], text)],
            )
        };
        let connected = "2001:db8:1::/64 dev eth0 proto kernel metric 256\n2001:db8:2::/64 dev eth1 proto kernel metric 256\nfe80::/64 dev eth1 proto kernel metric 256\n";
        let errors = mib(&[("MPJoinSynTx", 0), ("MPJoinSynTxConnectErr", 2)]);
        let r = with(vec![
            v6.clone(),
            conn.clone(),
            routes(connected),
            errors.clone(),
        ]);
        assert_eq!(says(endpoint_family, &r), ["Warning:endpoint-family"]);
        assert_eq!(
            endpoint_family(&r)[0].evidence,
            [
                "2001:db8:2::1 id 1 subflow dev eth1",
                "ip -6 route: no route out of eth1 to the peer(s) 2001:db8:1::2",
                "MPTcpExt MPJoinSynTxConnectErr = 2"
            ]
        );
        // A default route out of eth1, or no connect error: nothing.
        let with_default = format!("{connected}default via 2001:db8:2::fe dev eth1 metric 1024\n");
        let r = with(vec![
            v6.clone(),
            conn.clone(),
            routes(&with_default),
            errors,
        ]);
        assert!(endpoint_family(&r).is_empty());
        let r = with(vec![v6, conn, routes(connected)]);
        assert!(endpoint_family(&r).is_empty());
    }
}
