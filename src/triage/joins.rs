//! Rules on what additional subflows a configuration allows at all: a server that forbids joins to
//! its initial address and announces no other, `fullmesh` endpoints the subflows limit cannot serve,
//! and endpoints set up for an application that never asks for MPTCP.

use super::facts::{
    counter_line, endpoint_line, kernel_pm, mptcp_opens, parse_ip, plays, selftest_traces,
};
use super::{finding, namespaces, where_, DOCS_PM, DOCS_SETUP};
use crate::report::{Endpoint, Finding, Report, Role, Severity};
use std::net::IpAddr;

/// allow_join_initial_addr_port 0 makes the server set the C flag: clients may not join its initial
/// address and port. With the in-kernel path manager and no `signal` endpoint it announces nothing
/// else, so no join can ever succeed. Only a host that accepts connections (or is labelled server).
pub fn joins_impossible(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some("0"), Some(eps)) = (
            r.sysctl(ns, "allow_join_initial_addr_port"),
            r.endpoints(ns),
        ) else {
            continue;
        };
        if kernel_pm(r, ns) != Some(true) || plays(r, ns, Role::Server) != Some(true) {
            continue;
        }
        if eps.iter().any(|e| e.has(Endpoint::FLAG_SIGNAL)) {
            continue;
        }
        let mut ev = vec!["net.mptcp.allow_join_initial_addr_port = 0".to_string()];
        ev.push(match eps.len() {
            0 => "ip mptcp endpoint show: (empty)".into(),
            n => format!("ip mptcp endpoint show: {n} endpoint(s), none with `signal`"),
        });
        if let Some((_, accepted)) = mptcp_opens(r, ns).filter(|(_, a)| *a > 0) {
            ev.push(format!(
                "MPTCP connections accepted: {accepted} (MPCapableSYNRX)"
            ));
        }
        out.push(finding("joins-impossible", Severity::Problem, format!("Clients may not join this server's initial address and it announces no other{}: no additional subflow can ever be created (add a `signal` endpoint, or set allow_join_initial_addr_port=1)", where_(ns)), ev, DOCS_PM));
    }
    out
}

/// Fullmesh: each `fullmesh` endpoint connects to each address of the peer. With N such endpoints and
/// R peer addresses the mesh needs N×R−1 additional subflows (the initial subflow is one pair; fewer
/// when the initial subflow's address has no endpoint). R is at least 1, plus the announcements the
/// open connections accepted (ss `add_addr_accepted`). A subflows limit below that leaves the mesh
/// incomplete; it cannot exceed 8.
pub fn fullmesh_limit(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some(Some(limit))) = (r.endpoints(ns), r.limits(ns).map(|l| l.subflows))
        else {
            continue;
        };
        let mesh: Vec<_> = eps
            .iter()
            .filter(|e| e.has(Endpoint::FLAG_FULLMESH))
            .filter(|e| !e.has(Endpoint::FLAG_IMPLICIT))
            .collect();
        if mesh.is_empty() || kernel_pm(r, ns) == Some(false) {
            continue;
        }
        let accepted = r
            .sockets(ns)
            .into_iter()
            .flatten()
            // Natively asked sockets have it in mptcp_info; parsed from `ss` text, in its words.
            .filter_map(|s| match &s.mptcp {
                Some(m) => Some(u32::from(m.add_addr_accepted)),
                None => s.info.get("add_addr_accepted")?.parse::<u32>().ok(),
            })
            .max()
            .unwrap_or(0);
        let peers = 1 + accepted;
        let need = mesh.len() as u32 * peers - 1;
        if limit >= need {
            continue;
        }
        let mut ev: Vec<String> = mesh.iter().map(|e| endpoint_line(e)).collect();
        ev.push(format!("limits: subflows {limit}"));
        ev.push(format!(
            "{} fullmesh endpoint(s) x {peers} peer address(es){} need {need} additional subflows",
            mesh.len(),
            if accepted > 0 {
                format!(" ({accepted} accepted from announcements)")
            } else {
                String::new()
            }
        ));
        let fix = if need > 8 {
            "more than the kernel's maximum of 8: use fewer fullmesh endpoints".to_string()
        } else {
            format!("raise it: ip mptcp limits set subflows {need}")
        };
        out.push(finding("fullmesh-limit", Severity::Warning, format!("The subflows limit ({limit}) is below what the `fullmesh` endpoints need ({need}){}: part of the mesh is never created ({fix})", where_(ns)), ev, DOCS_PM));
    }
    out
}

/// `signal` endpoints (without a port of their own) on a server whose MPTCP listeners are all bound
/// to other addresses: a join to the announced address finds no listener and is refused (RST).
pub fn announce_not_listening(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some(socks)) = (r.endpoints(ns), r.sockets(ns)) else {
            continue;
        };
        // Loopback listeners serve local tests, not the peers the announcement is for.
        let (mut listeners, mut wildcard): (Vec<(IpAddr, String)>, bool) = (Vec::new(), false);
        for s in socks.heads().filter(|s| s.state == "LISTEN") {
            // `*:PORT` is ss's wildcard (a dual-stack IPv6 listener).
            wildcard |= s.local.starts_with('*');
            if let Some(a) = parse_ip(&s.local).filter(|a| !a.is_loopback()) {
                listeners.push((a, s.local.to_string()));
            }
        }
        if listeners.is_empty() || wildcard || listeners.iter().any(|(a, _)| a.is_unspecified()) {
            continue;
        }
        for e in eps
            .iter()
            .filter(|e| e.has(Endpoint::FLAG_SIGNAL) && e.port == 0)
            .filter(|e| !listeners.iter().any(|(a, _)| *a == e.addr))
        {
            let mut ev = vec![endpoint_line(e)];
            ev.extend(
                listeners
                    .iter()
                    .take(3)
                    .map(|(_, l)| format!("MPTCP listening on {l} only")),
            );
            out.push(finding("announce-not-listening", Severity::Warning, format!("The server announces {} but its MPTCP applications listen on other addresses only{}: joins to the announced address are refused (listen on every address, or give the endpoint a port)", e.addr, where_(ns)), ev, DOCS_PM));
        }
    }
    out
}

/// A `Tcp:` counter from /proc/net/snmp as the mib collector kept it.
fn snmp_tcp(r: &Report, ns: Option<&str>, name: &str) -> Option<u64> {
    let sec = r.section(crate::report::Facts::Mib, ns)?;
    let text = &sec.file_copy("/proc/net/snmp")?.content;
    let mut lines = text.lines().filter(|l| l.starts_with("Tcp:"));
    let (names, values) = (lines.next()?, lines.next()?);
    let i = names.split_whitespace().position(|n| n == name)?;
    values.split_whitespace().nth(i)?.parse().ok()
}

/// Endpoints configured, TCP connections made, and not one MPTCP connection (either direction, not
/// counting this tool's self-test) nor MPTCP socket (an application listening with MPTCP is asking
/// for it, and just has had no client yet): the applications do not ask for MPTCP. Needs the
/// counters, /proc/net/snmp and the sockets; quiet on a host that made no TCP connection at all.
pub fn mptcp_not_requested(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let Some(eps) = r.endpoints(ns).filter(|e| !e.is_empty()) else {
            continue;
        };
        if r.sysctl(ns, "enabled") != Some("1") || r.sockets(ns).is_none_or(|s| !s.is_empty()) {
            continue;
        }
        let (Some((0, 0)), Some(active), Some(passive)) = (
            mptcp_opens(r, ns),
            snmp_tcp(r, ns, "ActiveOpens"),
            snmp_tcp(r, ns, "PassiveOpens"),
        ) else {
            continue;
        };
        // The self-test's loopback connection is one active and one passive TCP open too.
        let k = selftest_traces(r, ns);
        let (active, passive) = (active.saturating_sub(k), passive.saturating_sub(k));
        if active + passive == 0 {
            continue;
        }
        let mut ev: Vec<String> = eps.iter().take(3).map(endpoint_line).collect();
        if eps.len() > 3 {
            ev.push(format!("... and {} more endpoints", eps.len() - 3));
        }
        ev.push(counter_line("MPCapableSYNTX", 0));
        ev.push(counter_line("MPCapableSYNRX", 0));
        ev.push(format!(
            "Tcp ActiveOpens = {active}, PassiveOpens = {passive}"
        ));
        ev.push("ss -M: no MPTCP socket".into());
        out.push(finding("mptcp-not-requested", Severity::Warning, format!("Endpoints are configured but no MPTCP connection was ever made here, only TCP ones{}: the applications do not ask for MPTCP (run them with `mptcpize run`, their --mptcp option, or socket(..., IPPROTO_MPTCP))", where_(ns)), ev, DOCS_SETUP));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn joins_impossible_on_a_c_flag_server_without_signal_endpoint() {
        let c_flag = section(
            "sysctl",
            sysctls(&[("enabled", "1"), ("allow_join_initial_addr_port", "0")]),
        );
        let server = mib(&[("MPCapableSYNRX", 4), ("MPCapableACKRX", 4)]);
        let r = with(vec![c_flag.clone(), server.clone(), endpoints(vec![])]);
        assert_eq!(says(joins_impossible, &r), ["Problem:joins-impossible"]);
        assert_eq!(
            joins_impossible(&r)[0].evidence,
            [
                "net.mptcp.allow_join_initial_addr_port = 0",
                "ip mptcp endpoint show: (empty)",
                "MPTCP connections accepted: 4 (MPCapableSYNRX)"
            ]
        );
        let signal = endpoints(vec![ep("10.0.2.1", 1, Endpoint::FLAG_SIGNAL, None)]);
        assert!(joins_impossible(&with(vec![c_flag.clone(), server.clone(), signal])).is_empty());
        // A client with the sysctl at 0 (it only matters to servers), or the default value.
        assert!(joins_impossible(&with(vec![c_flag, endpoints(vec![])])).is_empty());
        assert!(joins_impossible(&with(vec![server, endpoints(vec![])])).is_empty());
    }

    #[test]
    fn announce_not_listening_on_the_announced_address() {
        let signal = endpoints(vec![ep("10.0.2.2", 1, Endpoint::FLAG_SIGNAL, Some("eth1"))]);
        let bound = sockets(&[("LISTEN", "10.0.1.2:80", "0.0.0.0:*")]);
        let r = with(vec![signal.clone(), bound]);
        assert_eq!(
            says(announce_not_listening, &r),
            ["Warning:announce-not-listening"]
        );
        assert_eq!(
            announce_not_listening(&r)[0].evidence,
            [
                "10.0.2.2 id 1 signal dev eth1",
                "MPTCP listening on 10.0.1.2:80 only"
            ]
        );
        for ok in ["0.0.0.0:80", "[::]:80", "*:80", "10.0.2.2:80"] {
            let socks = sockets(&[("LISTEN", "10.0.1.2:81", "*:*"), ("LISTEN", ok, "*:*")]);
            let r = with(vec![signal.clone(), socks]);
            assert!(announce_not_listening(&r).is_empty(), "{ok}");
        }
        // No listener at collection time, or only a loopback one: nothing is known.
        assert!(announce_not_listening(&with(vec![signal.clone(), sockets(&[])])).is_empty());
        let lo = sockets(&[("LISTEN", "127.0.0.1:10001", "0.0.0.0:*")]);
        assert!(announce_not_listening(&with(vec![signal, lo])).is_empty());
    }

    #[test]
    fn fullmesh_limit_below_what_the_mesh_needs() {
        let fm = Endpoint::FLAG_FULLMESH | Endpoint::FLAG_SUBFLOW;
        let eps = endpoints(vec![
            ep("10.0.1.1", 1, fm, Some("eth0")),
            ep("10.0.2.1", 2, fm, Some("eth1")),
            ep("10.0.3.1", 3, fm, Some("eth2")),
        ]);
        let r = with(vec![eps.clone(), limits(0, 1)]);
        assert_eq!(says(fullmesh_limit, &r), ["Warning:fullmesh-limit"]);
        assert_eq!(
            fullmesh_limit(&r)[0].evidence[3..],
            [
                "limits: subflows 1",
                "3 fullmesh endpoint(s) x 1 peer address(es) need 2 additional subflows"
            ]
        );
        assert!(fullmesh_limit(&with(vec![eps.clone(), limits(0, 2)])).is_empty());
        // An accepted announcement doubles the peer's addresses.
        let mut socks = sockets(&[("ESTAB", "10.0.1.1:40000", "10.0.9.2:80")]);
        if let crate::report::Data::Sockets(s) = &mut socks.data[0] {
            s.held_mut().unwrap()[0]
                .info
                .insert("add_addr_accepted".into(), "1".into());
        }
        let r = with(vec![eps.clone(), limits(1, 2), socks]);
        assert_eq!(says(fullmesh_limit, &r), ["Warning:fullmesh-limit"]);
        // A natively listed socket says it in its mptcp_info (the text's words are not kept).
        let mut native = sockets(&[("ESTAB", "10.0.1.1:40000", "10.0.9.2:80")]);
        if let crate::report::Data::Sockets(s) = &mut native.data[0] {
            s.held_mut().unwrap()[0].mptcp = Some(crate::report::MptcpInfo {
                add_addr_accepted: 1,
                ..Default::default()
            });
        }
        let r = with(vec![eps, limits(1, 2), native]);
        assert_eq!(says(fullmesh_limit, &r), ["Warning:fullmesh-limit"]);
        assert!(fullmesh_limit(&report(healthy())).is_empty());
    }

    #[test]
    fn mptcp_not_requested_when_only_tcp_is_used() {
        let snmp = |active: u64, passive: u64| {
            let mut s = mib(&[("MPCapableSYNTX", 0), ("MPCapableSYNRX", 0)]);
            let text =
                format!("Tcp: RtoAlgorithm ActiveOpens PassiveOpens\nTcp: 1 {active} {passive}\n");
            s.artifacts.push(Artifact {
                name: "proc/net/snmp".into(),
                source: Source::File {
                    path: "/proc/net/snmp".into(),
                },
                original_size: text.len() as u64,
                content: text,
                truncated: false,
                spool: None,
                in_raw: false,
            });
            s
        };
        let none = || sockets(&[]);
        let r = with(vec![snmp(4, 0), none()]);
        assert_eq!(
            says(mptcp_not_requested, &r),
            ["Warning:mptcp-not-requested"]
        );
        assert_eq!(
            mptcp_not_requested(&r)[0].evidence,
            [
                "10.0.2.1 id 1 subflow dev eth1",
                "MPTcpExt MPCapableSYNTX = 0",
                "MPTcpExt MPCapableSYNRX = 0",
                "Tcp ActiveOpens = 4, PassiveOpens = 0",
                "ss -M: no MPTCP socket"
            ]
        );
        // No TCP at all yet, no endpoints, MPTCP used, an MPTCP listener waiting for its first
        // client, or sockets not collected: nothing.
        assert!(mptcp_not_requested(&with(vec![snmp(0, 0), none()])).is_empty());
        assert!(mptcp_not_requested(&with(vec![snmp(4, 0), none(), endpoints(vec![])])).is_empty());
        assert!(mptcp_not_requested(&report(healthy())).is_empty());
        let listener = sockets(&[("LISTEN", "0.0.0.0:80", "0.0.0.0:*")]);
        assert!(mptcp_not_requested(&with(vec![snmp(4, 0), listener])).is_empty());
        assert!(mptcp_not_requested(&with(vec![snmp(4, 0)])).is_empty());
    }
}
