//! Cross-side rules on what happened between the two hosts, which neither report tells alone: a
//! client that fell back to TCP against a server that listens with MPTCP but never saw an
//! MP_CAPABLE SYN (a middlebox strips the option) or that does not use MPTCP at all; joins the client
//! sent that the server never received (dropped on the path) or refused.

use super::cross::Party;
use super::facts::{joins_unanswered, mptcp_opens};
use super::{finding, DOCS_FAQ, DOCS_PM};
use crate::report::{Finding, Severity};

pub(super) fn checks(c: &Party, sv: &Party) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(fell_back(c, sv));
    out.extend(joins(c, sv));
    out
}

/// MPTCP listeners of the server at collection time (ss -M lists MPTCP sockets only); None when its
/// sockets were not collected.
fn mptcp_listeners(sv: &Party) -> Option<Vec<String>> {
    Some(
        sv.r.sockets(sv.ns)?
            .heads()
            .filter(|s| s.state == "LISTEN")
            .map(|s| s.local.to_string())
            .collect(),
    )
}

fn fell_back(c: &Party, sv: &Party) -> Option<Finding> {
    let (synack, synack_line) = c.counter("MPCapableFallbackSYNACK")?;
    if synack == 0 {
        return None;
    }
    let mut ev = vec![synack_line];
    if sv.r.sysctl(sv.ns, "enabled") == Some("0") {
        ev.push(sv.says("net.mptcp.enabled = 0"));
        return Some(finding(
            "cross-peer-no-mptcp",
            Severity::Problem,
            "The client's connections fell back to TCP because MPTCP is disabled on the server"
                .into(),
            ev,
            DOCS_FAQ,
        ));
    }
    let listeners = mptcp_listeners(sv)?;
    let (_, accepted) = mptcp_opens(sv.r, sv.ns)?;
    if let Some((_, line)) = sv.counter("MPCapableSYNRX") {
        ev.push(line);
    }
    if listeners.is_empty() {
        if accepted > 0 {
            return None;
        }
        ev.push(sv.says("no MPTCP listening socket (ss -Ml)"));
        return Some(finding("cross-peer-no-mptcp", Severity::Problem, "The client's connections fell back to TCP because the server application does not use MPTCP: it listens with plain TCP (run it with `mptcpize run`, its --mptcp option, or IPPROTO_MPTCP)".into(), ev, DOCS_FAQ));
    }
    let shown: Vec<&str> = listeners.iter().take(3).map(String::as_str).collect();
    ev.push(sv.says(format!("MPTCP listening on {}", shown.join(", "))));
    if accepted == 0 {
        return Some(finding("cross-middlebox", Severity::Problem, "The client's connections fell back to TCP although the server listens with MPTCP and never received an MP_CAPABLE SYN: a middlebox on the path strips the MPTCP option (or a proxy terminates the TCP connection)".into(), ev, DOCS_FAQ));
    }
    Some(finding("cross-middlebox", Severity::Warning, "The client's connections fell back to TCP although the server listens with MPTCP and received MP_CAPABLE SYNs: the option is likely stripped from its SYN/ACKs on the way back (or those SYNs came from other clients)".into(), ev, DOCS_FAQ))
}

fn joins(c: &Party, sv: &Party) -> Option<Finding> {
    let (sent, acked, missing) = joins_unanswered(c.r, c.ns)?;
    if missing < super::facts::JOINS_MISSING_MIN {
        return None;
    }
    let mut ev = vec![
        c.says(format!("MPTcpExt MPJoinSynTx = {sent}")),
        c.says(format!("MPTcpExt MPJoinSynAckRx = {acked}")),
    ];
    let (received, line) = sv.counter("MPJoinSynRx")?;
    ev.push(line);
    if received == 0 {
        return Some(finding("cross-joins", Severity::Problem, format!("The client sent {sent} join(s) that the server never received: a firewall or NAT between them drops MP_JOIN SYNs"), ev, DOCS_FAQ));
    }
    if let Some((rejected, line)) = sv.counter("MPJoinRejected").filter(|(v, _)| *v > 0) {
        ev.push(line);
        if let Some(l) = sv.r.limits(sv.ns) {
            let show = |v: Option<u32>| v.map_or("-".into(), |v| v.to_string());
            ev.push(sv.says(format!("limits subflows {}", show(l.subflows))));
        }
        return Some(finding("cross-joins", Severity::Warning, format!("The server refused {rejected} join(s): its path manager allows no more subflows (raise its subflows limit)"), ev, DOCS_PM));
    }
    if acked == 0 {
        return Some(finding("cross-joins", Severity::Warning, "The server received the client's joins and answered none that reached the client: its SYN/ACKs are lost on the way back (asymmetric routing, reverse-path filtering, a firewall)".into(), ev, DOCS_FAQ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::cross_side;
    use super::super::testkit::*;

    /// A client whose connections fell back to TCP.
    fn fell_back() -> Report {
        with(vec![mib(&[
            ("MPCapableSYNTX", 4),
            ("MPCapableFallbackSYNACK", 4),
        ])])
    }

    /// A server that received `syn_rx` MP_CAPABLE SYNs, with these sockets.
    fn server(syn_rx: u64, socks: Section) -> Report {
        let mut r = with(vec![
            mib(&[("MPCapableSYNRX", syn_rx)]),
            endpoints(vec![]),
            socks,
        ]);
        r.sections.retain(|s| s.collector != "routing");
        r
    }

    #[test]
    fn cross_middlebox_strips_the_option() {
        let client = fell_back();
        let listener = sockets(&[("LISTEN", "10.0.1.2:80", "0.0.0.0:*")]);
        assert_eq!(
            cross_ids(&client, &server(0, listener.clone())),
            ["Problem:cross-middlebox"]
        );
        let found = cross_side(&client, &server(0, listener.clone()));
        assert_eq!(
            found[0].evidence,
            [
                "client: MPTcpExt MPCapableFallbackSYNACK = 4",
                "server: MPTcpExt MPCapableSYNRX = 0",
                "server: MPTCP listening on 10.0.1.2:80"
            ]
        );
        assert_eq!(
            cross_ids(&client, &server(3, listener.clone())),
            ["Warning:cross-middlebox"]
        );
        // A client that did not fall back: nothing to explain.
        assert!(cross_ids(&report(healthy()), &server(0, listener)).is_empty());
    }

    #[test]
    fn cross_peer_no_mptcp_off_or_plain_tcp() {
        let client = fell_back();
        assert_eq!(
            cross_ids(&client, &server(0, sockets(&[]))),
            ["Problem:cross-peer-no-mptcp"]
        );
        let mut off = server(0, sockets(&[]));
        off.sections.retain(|s| s.collector != "sysctl");
        off.sections
            .push(section("sysctl", sysctls(&[("enabled", "0")])));
        assert_eq!(cross_ids(&client, &off), ["Problem:cross-peer-no-mptcp"]);
        // The server accepted MPTCP connections (its listener closed since): not a plain-TCP server.
        assert!(cross_ids(&client, &server(3, sockets(&[]))).is_empty());
        // Server sockets not collected: nothing is claimed.
        let mut blind = server(0, sockets(&[]));
        blind.sections.retain(|s| s.collector != "sockets");
        assert!(cross_ids(&client, &blind).is_empty());
    }

    #[test]
    fn cross_joins_dropped_refused_or_lost_on_the_way_back() {
        let client = with(vec![mib(&[
            ("MPCapableSYNTX", 2),
            ("MPJoinSynTx", 2),
            ("MPJoinSynAckRx", 0),
        ])]);
        let server = |c: &[(&str, u64)]| {
            let mut r = with(vec![mib(c), endpoints(vec![])]);
            r.sections.retain(|s| s.collector != "routing");
            r
        };
        assert_eq!(
            cross_ids(
                &client,
                &server(&[("MPCapableSYNRX", 2), ("MPJoinSynRx", 0)])
            ),
            ["Problem:cross-joins"]
        );
        assert_eq!(
            cross_ids(
                &client,
                &server(&[
                    ("MPCapableSYNRX", 2),
                    ("MPJoinSynRx", 2),
                    ("MPJoinRejected", 2)
                ])
            ),
            ["Warning:cross-joins"]
        );
        assert_eq!(
            cross_ids(
                &client,
                &server(&[("MPCapableSYNRX", 2), ("MPJoinSynRx", 2)])
            ),
            ["Warning:cross-joins"]
        );
        assert!(cross_ids(&report(healthy()), &server(&[("MPJoinSynRx", 0)])).is_empty());
    }
}
