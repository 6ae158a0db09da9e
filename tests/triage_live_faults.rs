//! Faulty setups reproduced with real traffic, each asserting the finding that names the cause (rule
//! id, severity, exact evidence) from `check --netns` in the namespace that shows it.

use crate::testns::TestNs;
use crate::triage_live::*;

/// A client with one link whose server announces a second address (10.0.2.2, routed through the
/// server), and a fresh client namespace per case.
fn announcing_server() -> Option<(TestNs, TestNs, Bg)> {
    let (c, s) = pair(false)?;
    s.ip("link add s2 type veth peer name s2peer");
    s.ip("addr add 10.0.2.2/24 dev s2");
    s.ip("link set s2 up");
    c.ip("route add 10.0.2.0/24 via 10.0.1.2");
    s.ip("mptcp endpoint add 10.0.2.2 dev s2 signal");
    let server = serve(&s, "10.0.1.2", false);
    Some((c, s, server))
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn announcements_ignored_with_add_addr_accepted_0() {
    let Some((c, _s, _server)) = announcing_server() else {
        return;
    };
    c.ip("mptcp limits set subflows 2 add_addr_accepted 0");
    connect(&c, "10.0.1.2", &["count=2", "hold=200"]);
    // The 6.18 kernel echoes and ignores: AddAddr and EchoAddTx rise, AddAddrDrop does not.
    assert_eq!(counter(&c, "MPTcpExtAddAddrDrop"), 0);
    let r = check(&c);
    r.expect(
        "add-addr-ignored",
        "warning",
        &[
            "MPTcpExt AddAddr = 2",
            "MPTcpExt EchoAddTx = 2",
            "limits: add_addr_accepted 0",
            "MPTcpExt MPJoinSynTx = 0",
        ],
    );
    r.absent("add-addr-dropped");
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn userspace_path_manager_without_a_daemon() {
    let Some((c, _s, _server)) = announcing_server() else {
        return;
    };
    sysctl(&c, "net.mptcp.path_manager=userspace");
    connect(&c, "10.0.1.2", &["count=2", "hold=200"]);
    let drops = counter(&c, "MPTcpExtAddAddrDrop");
    assert!(drops > 0, "no AddAddrDrop");
    let r = check(&c);
    let f = r.expect(
        "userspace-pm-no-daemon",
        if mptcpd_installed() {
            "warning"
        } else {
            "problem"
        },
        &[
            "net.mptcp.path_manager = userspace",
            &format!("MPTcpExt AddAddrDrop = {drops}"),
        ],
    );
    if !mptcpd_installed() {
        assert!(f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "mptcpd: not installed"));
    }
}

fn mptcpd_installed() -> bool {
    [
        "/usr/libexec/mptcpd",
        "/usr/lib/mptcpd",
        "/usr/local/libexec/mptcpd",
        "/usr/bin/mptcpd",
        "/usr/sbin/mptcpd",
    ]
    .iter()
    .any(|p| std::path::Path::new(p).exists())
}

/// The server announces its second address while its application listens on the first only.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn announced_address_without_a_listener() {
    let Some((c, s)) = pair(true) else { return };
    c.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    s.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    s.ip("mptcp endpoint add 10.0.2.2 dev s2 signal");
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2", "hold=300"]);
    check(&s).expect(
        "announce-not-listening",
        "warning",
        &[
            "10.0.2.2 id 1 signal dev s2",
            "MPTCP listening on 10.0.1.2:9000 only",
        ],
    );
}

/// A client with a `subflow` endpoint on its second link.
fn joining_client() -> Option<(TestNs, TestNs)> {
    let (c, s) = pair(true)?;
    c.ip("mptcp endpoint add 10.0.2.1 dev c2 subflow");
    Some((c, s))
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn joins_dropped_by_a_firewall() {
    let Some((c, s)) = joining_client() else {
        return;
    };
    for dev in ["s1", "s2"] {
        drop_ingress(&s, dev, MP_JOIN_SYN);
    }
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2", "hold=300"]);
    check(&c).expect(
        "joins-unanswered",
        "warning",
        &["MPTcpExt MPJoinSynTx = 2", "MPTcpExt MPJoinSynAckRx = 0"],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn strict_rp_filter_drops_the_joins_answers() {
    let Some((c, s)) = joining_client() else {
        return;
    };
    for k in ["all", "c1", "c2"] {
        sysctl(&c, &format!("net.ipv4.conf.{k}.rp_filter=1"));
    }
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2", "hold=300"]);
    let dropped = counter(&c, "TcpExtIPReversePathFilter");
    assert!(dropped > 0);
    check(&c).expect(
        "strict-rp-filter",
        "problem",
        &[
            "10.0.2.1 id 1 subflow dev c2",
            &format!("TcpExt IPReversePathFilter = {dropped}"),
        ],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn backup_endpoint_without_subflow() {
    let Some((c, s)) = pair(true) else { return };
    c.ip("mptcp endpoint add 10.0.2.1 dev c2 backup");
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=1", "hold=200"]);
    assert_eq!(counter(&c, "MPTcpExtMPJoinSynTx"), 0);
    check(&c).expect(
        "endpoint-flags",
        "warning",
        &["10.0.2.1 id 1 backup dev c2"],
    );
}

/// Two links, IPv4 and IPv6 on the first, IPv6 only on the second.
fn dual_stack() -> Option<(TestNs, TestNs)> {
    let c = TestNs::new()?;
    let s = TestNs::new()?;
    link(
        &c,
        "c1",
        &["10.0.1.1/24", "2001:db8:1::1/64"],
        &s,
        "s1",
        &["10.0.1.2/24", "2001:db8:1::2/64"],
    );
    link(
        &c,
        "c2",
        &["2001:db8:2::1/64"],
        &s,
        "s2",
        &["2001:db8:2::2/64"],
    );
    c.ip("mptcp endpoint add 2001:db8:2::1 dev c2 subflow");
    Some((c, s))
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn ipv6_endpoints_for_ipv4_connections() {
    let Some((c, s)) = dual_stack() else { return };
    let _server = serve(&s, "10.0.1.2", false);
    // The check runs while the connection is open: the family is the connection's.
    let _conn = open_connection(&c, "10.0.1.2", 5000);
    let client = check(&c);
    client.expect(
        "endpoint-family",
        "warning",
        &[
            "2001:db8:2::1 id 1 subflow dev c2",
            "MPTCP connection 10.0.1.1 -> 10.0.1.2",
        ],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn ipv6_endpoint_without_an_ipv6_route() {
    let Some((c, s)) = dual_stack() else { return };
    let _server = serve(&s, "2001:db8:1::2", false);
    connect(&c, "2001:db8:1::2", &["count=2", "hold=200"]);
    let errors = counter(&c, "MPTcpExtMPJoinSynTxConnectErr");
    assert!(errors > 0);
    check(&c).expect(
        "endpoint-family",
        "warning",
        &[
            "2001:db8:2::1 id 1 subflow dev c2",
            "ip -6 route: no default route out of c2",
            &format!("MPTcpExt MPJoinSynTxConnectErr = {errors}"),
        ],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn server_refusing_joins_to_its_only_address() {
    let Some((c, s)) = joining_client() else {
        return;
    };
    sysctl(&s, "net.mptcp.allow_join_initial_addr_port=0");
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2", "hold=200"]);
    check(&s).expect(
        "joins-impossible",
        "problem",
        &[
            "net.mptcp.allow_join_initial_addr_port = 0",
            "ip mptcp endpoint show: (empty)",
            "MPTCP connections accepted: 2 (MPCapableSYNRX)",
        ],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn endpoints_but_the_applications_use_tcp() {
    let Some((c, s)) = joining_client() else {
        return;
    };
    s.ip("mptcp endpoint add 10.0.2.2 dev s2 signal");
    let _server = serve(&s, "10.0.1.2", true);
    connect(&c, "10.0.1.2", &["tcp", "count=2"]);
    check(&c).expect(
        "mptcp-not-requested",
        "warning",
        &[
            "10.0.2.1 id 1 subflow dev c2",
            "MPTcpExt MPCapableSYNTX = 0",
            "Tcp ActiveOpens = 2, PassiveOpens = 0",
            "ss -M: no MPTCP socket",
        ],
    );
    check(&s).expect(
        "mptcp-not-requested",
        "warning",
        &["Tcp ActiveOpens = 0, PassiveOpens = 2"],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn fullmesh_endpoints_above_the_subflows_limit() {
    let Some((c, s)) = pair(true) else { return };
    link(&c, "c3", &["10.0.3.1/24"], &s, "s3", &["10.0.3.2/24"]);
    for (i, dev) in ["c1", "c2", "c3"].iter().enumerate() {
        c.ip(&format!(
            "mptcp endpoint add 10.0.{}.1 dev {dev} subflow fullmesh",
            i + 1
        ));
    }
    c.ip("mptcp limits set subflows 1 add_addr_accepted 0");
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["subflows=1", "hold=200"]);
    check(&c).expect(
        "fullmesh-limit",
        "warning",
        &[
            "limits: subflows 1",
            "3 fullmesh endpoint(s) x 1 peer address(es) need 2 additional subflows",
        ],
    );
}

/// The client's second address belongs to another provider, and its `subflow` endpoint has no `dev`:
/// the join leaves by the default route through the first provider's router, which drops a source
/// it does not route (strict reverse-path filtering, as providers filter spoofed sources).
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn endpoint_without_dev_on_a_multihomed_client() {
    let (Some(c), Some(r), Some(s)) = (TestNs::new(), TestNs::new(), TestNs::new()) else {
        return;
    };
    link(&c, "c1", &["10.0.1.1/24"], &r, "r1", &["10.0.1.254/24"]);
    link(&c, "c2", &["10.0.2.1/24"], &r, "r2", &[]);
    link(&r, "r3", &["10.0.9.254/24"], &s, "s1", &["10.0.9.2/24"]);
    c.ip("route add default via 10.0.1.254");
    s.ip("route add default via 10.0.9.254");
    for k in [
        "net.ipv4.ip_forward=1",
        "net.ipv4.conf.all.rp_filter=1",
        "net.ipv4.conf.r1.rp_filter=1",
    ] {
        sysctl(&r, k);
    }
    c.ip("mptcp endpoint add 10.0.2.1 subflow");
    let _server = serve(&s, "10.0.9.2", false);
    connect(&c, "10.0.9.2", &["count=2", "hold=300"]);
    let checked = check(&c);
    checked.expect(
        "endpoint-interface",
        "warning",
        &[
            "10.0.2.1 id 1 subflow",
            "MPTcpExt MPJoinSynTx = 2",
            "MPTcpExt MPJoinSynAckRx = 0",
        ],
    );
    checked.expect("joins-unanswered", "warning", &[]);
}

/// A firewall that drops everything to the service: SYN+MP_CAPABLE unanswered, and the TCP SYNs
/// after it too. Information (exit 0), not a blackhole.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn unreachable_server_is_not_called_a_blackhole() {
    let Some((c, s)) = pair(false) else { return };
    sysctl(&c, "net.mptcp.syn_retrans_before_tcp_fallback=0");
    drop_ingress(&s, "s1", "match ip dport 9000 0xffff");
    let out = connect(&c, "10.0.1.2", &["timeout=2", "fail-ok"]);
    assert!(out.contains("failed"), "{out}");
    let r = check(&c);
    r.expect(
        "blackhole",
        "info",
        &[
            "MPTcpExt MPCapableSYNTXDrop = 1",
            "MPTcpExt Blackhole = 0",
            "MPTcpExt MPCapableSYNTXDisabled = 0",
        ],
    );
    r.quiet();
}

/// A firewall that drops only SYNs with MP_CAPABLE: the TCP fallback passes, the kernel detects the
/// blackhole, and the self-test (its connection now plain TCP too) adds no finding of its own.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn mptcp_blackhole_explains_the_self_test() {
    let Some((c, s)) = pair(false) else { return };
    sysctl(&c, "net.mptcp.syn_retrans_before_tcp_fallback=0");
    drop_ingress(&s, "s1", MP_CAPABLE_SYN);
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2"]);
    assert_eq!(counter(&c, "MPTcpExtBlackhole"), 1);
    let r = check(&c);
    r.expect(
        "blackhole",
        "problem",
        &["MPTcpExt MPCapableSYNTXDrop = 1", "MPTcpExt Blackhole = 1"],
    );
    r.absent("self-test");
}
