//! The routing and self-test collectors against the real kernel in throw-away namespaces: a veth pair
//! with addresses, rp_filter set per interface and on `all`, a default route, and a real MPTCP
//! connection with MPTCP enabled, disabled, and with loopback down.

use crate::testns::TestNs;
use crate::util::bin;
use mptcp_get_debug::report::{Report, SelfTest, Status};
use pretty_assertions::assert_eq;

fn collect(ns: &TestNs) -> Report {
    let out = bin()
        .args(["--netns", &ns.name])
        .args(["--only", "routing,selftest"])
        .args(["--format", "json", "--no-archive", "-q", "--no-redact"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is the report JSON")
}

fn self_test(r: &Report, ns: &TestNs) -> SelfTest {
    r.self_test(Some(&ns.name))
        .unwrap_or_else(|| panic!("no self-test data: {:?}", r.sections))
        .clone()
}

#[test]
fn interfaces_addresses_rp_filter_and_default_route_in_a_namespace() {
    let Some(ns) = TestNs::new() else { return };
    ns.ip("link add mgdva type veth peer name mgdvb");
    ns.ip("addr add 10.99.0.1/24 dev mgdva");
    ns.ip("addr add 10.99.0.2/24 dev mgdvb");
    ns.ip("link set mgdva mtu 1400");
    ns.ip("link set mgdva up");
    ns.ip("link set mgdvb up");
    ns.ip("route add default via 10.99.0.2 dev mgdva");
    ns.exec(&["sysctl", "-qw", "net.ipv4.conf.mgdva.rp_filter=1"]);
    ns.exec(&["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2"]);
    let r = collect(&ns);
    let i = r.interfaces(Some(&ns.name)).expect("interfaces data");
    assert_eq!(i.rp_filter_all, Some(2));
    assert_eq!(i.default_route_v4, Some(true));
    assert_eq!(i.default_route_v6, Some(false));
    let mut names: Vec<&str> = i.links.iter().map(|l| l.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["lo", "mgdva", "mgdvb"]);
    let a = i.links.iter().find(|l| l.name == "mgdva").expect("mgdva");
    assert_eq!(a.addrs.first().map(String::as_str), Some("10.99.0.1/24"));
    assert_eq!(a.mtu, Some(1400));
    assert_eq!(a.rp_filter, Some(1));
    assert!(a.flags.iter().any(|f| f == "UP"), "{:?}", a.flags);
    assert_eq!(a.state, "UP");
    let b = i.links.iter().find(|l| l.name == "mgdvb").expect("mgdvb");
    assert_eq!(b.addrs.first().map(String::as_str), Some("10.99.0.2/24"));
    assert_eq!(b.rp_filter, Some(0));
    let lo = i.links.iter().find(|l| l.name == "lo").expect("lo");
    assert!(
        lo.addrs.iter().any(|a| a == "127.0.0.1/8"),
        "{:?}",
        lo.addrs
    );
    let sec = r
        .sections
        .iter()
        .find(|s| s.collector == "routing" && s.netns.as_deref() == Some(&ns.name))
        .unwrap();
    let routes = sec
        .artifacts
        .iter()
        .find(|a| a.name.contains("route") && !a.name.contains("-6"))
        .expect("routes artifact");
    assert!(
        routes.content.contains("default via 10.99.0.2 dev mgdva"),
        "{}",
        routes.content
    );
}

#[test]
fn self_test_ok_when_enabled_and_disabled_when_not() {
    let Some(ns) = TestNs::new() else { return };
    ns.exec(&["sysctl", "-qw", "net.mptcp.enabled=1"]);
    let t = self_test(&collect(&ns), &ns);
    assert_eq!(t.result, "ok", "{}", t.detail);
    assert!(t.detail.contains("127.0.0.1:"), "{}", t.detail);
    ns.exec(&["sysctl", "-qw", "net.mptcp.enabled=0"]);
    let t = self_test(&collect(&ns), &ns);
    assert_eq!(t.result, "disabled", "{}", t.detail);
    assert!(t.detail.contains("net.mptcp.enabled = 0"), "{}", t.detail);
}

#[test]
fn self_test_reports_loopback_down_without_changing_it() {
    let Some(ns) = TestNs::new() else { return };
    ns.ip("link set lo down");
    let r = collect(&ns);
    let sec = r
        .sections
        .iter()
        .find(|s| s.collector == "selftest" && s.netns.as_deref() == Some(&ns.name))
        .unwrap();
    assert!(
        matches!(&sec.status, Status::Skipped { reason } if reason.contains("loopback is down")),
        "{:?}",
        sec.status
    );
    assert!(ns.ip("link show lo").contains("state DOWN"));
}
