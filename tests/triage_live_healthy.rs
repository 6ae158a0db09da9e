//! Healthy setups with real traffic: `check` must raise nothing at warning or above (exit 0) on
//! either side. Each is a configuration an earlier version raised a false alarm on, or one a rule
//! could easily mistake for its fault.

use crate::testns::TestNs;
use crate::triage_live::*;

/// A client with a `subflow` endpoint on its second link, joins established.
fn joined(c: &TestNs, s: &TestNs, endpoint: &str) {
    c.ip(&format!("mptcp endpoint add {endpoint}"));
    // Listening on every address, as servers do: joins to an announced address need a listener.
    let _server = serve(s, "0.0.0.0", false);
    let out = connect(c, "10.0.1.2", &["count=2", "subflows=1", "hold=300"]);
    assert!(!out.contains("subflows=0"), "{out}");
    let (sent, answered) = (
        counter(c, "MPTcpExtMPJoinSynTx"),
        counter(c, "MPTcpExtMPJoinSynAckRx"),
    );
    assert!(
        sent >= 2 && answered == sent,
        "joins did not complete: {answered} of {sent}"
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn client_and_server_with_endpoints_and_matching_limits() {
    let Some((c, s)) = pair(true) else { return };
    c.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    s.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    s.ip("mptcp endpoint add 10.0.2.2 dev s2 signal");
    joined(&c, &s, "10.0.2.1 dev c2 subflow");
    check(&c).quiet();
    check(&s).quiet();
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn plain_host() {
    let (Some(h), Some(peer)) = (TestNs::new(), TestNs::new()) else {
        return;
    };
    link(
        &h,
        "eth0",
        &["10.0.1.1/24"],
        &peer,
        "eth0",
        &["10.0.1.2/24"],
    );
    let r = check(&h);
    r.quiet();
    assert!(r.findings().is_empty(), "{:#}", r.json);
}

/// A host with two links and no endpoint, no MPTCP traffic, checked again and again (CI gating):
/// the self-test connections of earlier runs do not make it a client that wants endpoints.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn idle_multihomed_host_checked_repeatedly() {
    let Some((h, _peer)) = pair(true) else { return };
    for _ in 0..5 {
        check(&h).quiet();
    }
}

/// A server with one address and no endpoint, checked twice: the first run's self-test must not
/// make the second take it for a client (which would want endpoints).
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn single_homed_server_checked_twice() {
    let Some((c, s)) = pair(false) else { return };
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=3"]);
    for run in 0..2 {
        let r = check(&s);
        r.quiet();
        assert_eq!(r.json["side"]["role"], "server", "run {run}: {:#}", r.json);
    }
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn checksum_on_one_side_only() {
    let Some((c, s)) = pair(true) else { return };
    sysctl(&c, "net.mptcp.checksum_enabled=1");
    joined(&c, &s, "10.0.2.1 dev c2 subflow");
    check(&c).quiet();
    check(&s).quiet();
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn backup_path() {
    let Some((c, s)) = pair(true) else { return };
    joined(&c, &s, "10.0.2.1 dev c2 subflow backup");
    check(&c).quiet();
    check(&s).quiet();
}

/// Strict reverse-path filtering made harmless by source routing: the endpoint address has its own
/// table routing out of its interface.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn source_routing_with_strict_rp_filter() {
    let Some((c, s)) = pair(true) else { return };
    for k in ["all", "default", "c1", "c2"] {
        sysctl(&c, &format!("net.ipv4.conf.{k}.rp_filter=1"));
    }
    c.ip("rule add from 10.0.2.1 table 100");
    c.ip("route add 10.0.1.0/24 dev c2 table 100");
    joined(&c, &s, "10.0.2.1 dev c2 subflow");
    assert_eq!(counter(&c, "TcpExtIPReversePathFilter"), 0);
    check(&c).quiet();
}
