//! The cross-side rules of cross.rs, each with the pair of reports that fires it and the near misses
//! that must stay quiet.

use super::super::testkit::*;
use super::*;

/// A server that accepted connections, with these sections.
fn server(changes: Vec<Section>) -> Report {
    let mut s = vec![mib(&[("MPCapableSYNRX", 3)]), endpoints(vec![])];
    s.extend(changes);
    with(s)
}

fn labelled(mut r: Report, role: Role) -> Report {
    r.meta.side = Some(Side {
        role,
        guessed: false,
    });
    r
}

#[test]
fn cross_sides_swapped_only_when_labelled() {
    let (c, s) = (report(healthy()), server(vec![]));
    let swapped = labelled(c.clone(), Role::Server);
    assert_eq!(cross_ids(&swapped, &s), ["Warning:cross-sides-swapped"]);
    assert_eq!(
        cross_side(&swapped, &s)[0].evidence,
        [
            "first archive: --side server",
            "second archive: --side not given"
        ]
    );
    assert_eq!(
        cross_ids(&c, &labelled(s.clone(), Role::Client)),
        ["Warning:cross-sides-swapped"]
    );
    // The right order, or a side that was only guessed: nothing.
    let right = (
        labelled(c.clone(), Role::Client),
        labelled(s.clone(), Role::Server),
    );
    assert!(cross_ids(&right.0, &right.1).is_empty());
    let mut guessed = swapped;
    guessed.meta.side.as_mut().unwrap().guessed = true;
    assert!(cross_ids(&guessed, &s).is_empty());
}

#[test]
fn cross_add_addr_announcements_the_client_refuses() {
    let signal = endpoints(vec![ep("10.0.9.3", 1, Endpoint::FLAG_SIGNAL, Some("eth1"))]);
    let client = with(vec![
        limits(0, 2),
        mib(&[("MPCapableSYNTX", 3), ("AddAddr", 3), ("EchoAddTx", 3)]),
    ]);
    assert_eq!(
        cross_ids(&client, &server(vec![signal.clone()])),
        ["Warning:cross-add-addr"]
    );
    assert_eq!(
        cross_side(&client, &server(vec![signal.clone()]))[0].evidence,
        [
            "server: 10.0.9.3 id 1 signal dev eth1",
            "client: limits add_addr_accepted 0",
            "client: MPTcpExt AddAddr = 3",
            "client: MPTcpExt EchoAddTx = 3"
        ]
    );
    // The client accepts announcements, or the server makes none.
    assert!(cross_ids(&report(healthy()), &server(vec![signal])).is_empty());
    assert!(cross_ids(&client, &server(vec![])).is_empty());
}

#[test]
fn cross_subflows_against_a_zero_server_limit() {
    let client = report(healthy());
    assert_eq!(
        cross_ids(&client, &server(vec![limits(2, 0)])),
        ["Problem:cross-subflows"]
    );
    assert_eq!(
        cross_side(&client, &server(vec![limits(2, 0)]))[0].evidence,
        [
            "client: 10.0.2.1 id 1 subflow dev eth1",
            "server: limits subflows 0"
        ]
    );
    // Room for subflows, or a client without `subflow` endpoints.
    assert!(cross_ids(&client, &server(vec![limits(2, 1)])).is_empty());
    assert!(cross_ids(&with(vec![endpoints(vec![])]), &server(vec![limits(2, 0)])).is_empty());
}

#[test]
fn cross_redaction_keys_that_differ() {
    let redacted = |enabled, key: &str| {
        let mut r = report(healthy());
        r.redaction = Some(RedactionSummary {
            enabled,
            key_id: Some(key.into()),
            ..Default::default()
        });
        r
    };
    let (a, b) = (redacted(true, "aaaa"), redacted(true, "bbbb"));
    // The healthy client as the "server" too: only the keys are compared here.
    assert_eq!(cross_ids(&a, &b), ["Info:cross-redaction-keys"]);
    assert_eq!(
        cross_side(&a, &b)[0].evidence,
        ["client key id aaaa", "server key id bbbb"]
    );
    assert_eq!(
        cross_ids(&a, &redacted(false, "aaaa")),
        ["Info:cross-redaction-keys"]
    );
    // One key on both hosts, or redaction unknown on one side: nothing.
    assert!(cross_ids(&a, &redacted(true, "aaaa")).is_empty());
    assert!(cross_ids(&a, &report(healthy())).is_empty());
}

#[test]
fn cross_join_initial_denied_by_a_c_flag_server() {
    let c_flag = section(
        "sysctl",
        sysctls(&[("enabled", "1"), ("allow_join_initial_addr_port", "0")]),
    );
    let client = report(healthy());
    assert_eq!(
        cross_ids(&client, &server(vec![c_flag.clone()])),
        ["Problem:cross-join-initial-denied"]
    );
    let ev = &cross_side(&client, &server(vec![c_flag.clone()]))[0].evidence;
    assert_eq!(
        ev,
        &[
            "client: 10.0.2.1 id 1 subflow dev eth1",
            "server: net.mptcp.allow_join_initial_addr_port = 0",
            "server: no `signal` endpoint"
        ]
    );
    let signal = endpoints(vec![ep("10.0.9.3", 1, Endpoint::FLAG_SIGNAL, None)]);
    assert!(cross_ids(&client, &server(vec![c_flag, signal])).is_empty());
    assert!(cross_ids(&client, &server(vec![])).is_empty());
}

#[test]
fn cross_announce_family_the_client_lacks() {
    let v6 = endpoints(vec![ep("2001:db8:9::3", 1, Endpoint::FLAG_SIGNAL, None)]);
    let client = report(healthy());
    assert_eq!(
        cross_ids(&client, &server(vec![v6.clone()])),
        ["Warning:cross-announce-family"]
    );
    // A client with an IPv6 address (an encrypted one can look like anything but link-local).
    let dual = routing_section(
        vec![
            link("eth0", &["10.0.1.1/24", "fe80::1/64"], 0),
            link("eth1", &["10.0.2.1/24", "2001:db8:2::1/64"], 0),
        ],
        0,
        &[],
    );
    assert!(cross_ids(&with(vec![dual]), &server(vec![v6.clone()])).is_empty());
    let link_local_only = routing_section(
        vec![link("eth0", &["10.0.1.1/24", "fe80::1/64"], 0)],
        0,
        &[],
    );
    assert_eq!(
        cross_ids(&with(vec![link_local_only]), &server(vec![v6])).len(),
        1
    );
}

#[test]
fn cross_fullmesh_against_the_server_addresses() {
    let fm = Endpoint::FLAG_FULLMESH | Endpoint::FLAG_SUBFLOW;
    let client = with(vec![
        endpoints(vec![
            ep("10.0.1.1", 1, fm, Some("eth0")),
            ep("10.0.2.1", 2, fm, Some("eth1")),
        ]),
        limits(1, 2),
    ]);
    let two_signals = endpoints(vec![
        ep("10.0.9.3", 1, Endpoint::FLAG_SIGNAL, None),
        ep("10.0.9.4", 2, Endpoint::FLAG_SIGNAL, None),
    ]);
    // 2 endpoints x (1 + min(2 signals, 1 accepted)) - 1 = 3 > 2.
    assert_eq!(
        cross_ids(&client, &server(vec![two_signals.clone()])),
        ["Warning:cross-fullmesh"]
    );
    assert!(cross_ids(&client, &server(vec![])).is_empty());
}
