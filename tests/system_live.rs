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
#[ignore = "needs root and network namespaces (run by .ci/run)"]
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
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn self_test_ok_when_enabled_and_disabled_when_not() {
    let Some(ns) = TestNs::new() else { return };
    ns.exec(&["sysctl", "-qw", "net.mptcp.enabled=1"]);
    let t = self_test(&collect(&ns), &ns);
    assert_eq!(t.result.as_str(), "ok", "{}", t.detail);
    assert!(t.detail.contains("127.0.0.1:"), "{}", t.detail);
    ns.exec(&["sysctl", "-qw", "net.mptcp.enabled=0"]);
    let t = self_test(&collect(&ns), &ns);
    assert_eq!(t.result.as_str(), "disabled", "{}", t.detail);
    assert!(t.detail.contains("net.mptcp.enabled = 0"), "{}", t.detail);
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
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

/// Lifetimes and expiry count down between our dump and iproute2's: compare them as `Nsec`.
fn without_seconds(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let t = w.trim_end();
            match t.strip_suffix("sec") {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    w.replacen(t, "Nsec", 1)
                }
                _ => w.to_string(),
            }
        })
        .collect()
}

/// The routing texts come from route netlink, not from `ip`: each must equal what iproute2 itself
/// prints in the same namespace, line for line: links of several kinds and states (a veth peer in
/// another namespace, a lower device down, no carrier), addresses with labels, peers, lifetimes and
/// flags, routes of several types, tables, metrics and multipath, and policy rules of many selectors.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn routing_texts_equal_iproute2_output() {
    let (Some(a), Some(b)) = (TestNs::new(), TestNs::new()) else {
        return;
    };
    a.exec(&["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]);
    let setup = [
        format!("link add p1 type veth peer name p1peer netns {}", b.name),
        "link add d1 type veth peer name d2".into(),
        "link add u1 type veth peer name u2".into(),
        "link set p1 up".into(),
        "link set d1 mtu 9000".into(),
        "link set d1 up".into(),
        "link set u1 up".into(),
        "link set u2 up".into(),
        "addr add 10.5.0.1/24 dev p1 valid_lft 1000 preferred_lft 500".into(),
        "addr add 10.5.0.2/24 dev p1 noprefixroute".into(),
        "addr add 10.6.0.1 peer 10.6.0.2/32 dev p1".into(),
        "addr add 10.5.0.3/24 dev p1 label p1:x".into(),
        "addr add 10.8.0.1/24 brd + dev u1".into(),
        "addr add fd10::1/64 dev p1 nodad".into(),
        "addr add fd11::1/64 dev p1 nodad valid_lft 300 preferred_lft 0".into(),
        "addr add 10.7.0.1/24 dev d1".into(),
        "route add default via 10.8.0.254 dev u1 metric 100".into(),
        "route add 10.9.0.0/16 via 10.8.0.253 table 100 proto static".into(),
        "route add 192.168.5.5 dev u1 scope link src 10.8.0.1 table 200".into(),
        "route add blackhole 10.66.0.0/16".into(),
        "route add unreachable 10.67.0.0/16 metric 5".into(),
        "route add prohibit 10.98.0.0/16".into(),
        "route add throw 10.99.0.0/16 table 5".into(),
        "route add 10.50.0.0/16 nexthop via 10.8.0.2 weight 2 nexthop via 10.8.0.3".into(),
        "route add 10.51.0.0/16 via 10.8.0.4 mtu lock 1400 advmss 1300 rtt 20ms initcwnd 10 congctl cubic".into(),
        "route add 10.41.0.0/16 dev u1 tos 0x10 metric 9 features ecn hoplimit 5 quickack 1 rto_min 200ms".into(),
        "route add 10.40.0.0/16 via 10.8.0.5 realm 5".into(),
        "-6 route add default via fd10::ff dev p1 pref high".into(),
        "-6 route add fd01::/64 dev u1 metric 7 table 100".into(),
        "-6 route add fd20::/64 via fd10::2 dev p1 expires 600".into(),
        "-6 route add fd21::/64 nexthop via fd10::3 dev p1 nexthop via fd10::4 dev p1 weight 3".into(),
        "-6 route add unreachable fd22::/64".into(),
        "rule add from 10.5.0.1 table 100 pref 1000".into(),
        "rule add to 10.9.0.0/16 fwmark 0x10/0xff lookup 200".into(),
        "rule add iif p1 oif u1 table main priority 500".into(),
        "rule add not from all ipproto tcp dport 80 blackhole".into(),
        "rule add sport 1000-2000 uidrange 100-200 prohibit".into(),
        "rule add from all lookup main suppress_prefixlength 0 proto static".into(),
        "rule add tos 0x10 table 5 pref 10".into(),
        "rule add fwmark 7 goto 32766 pref 11".into(),
        "rule add nop pref 12".into(),
        "rule add from 10.5.0.0/24 to 10.9.9.9 realms 3/4 table 7 pref 13".into(),
        "rule add iif p9 table 8 pref 14".into(),
        "-6 rule add from fd00::/64 table 100".into(),
        "-6 rule add to fd00::/8 dport 443 ipproto udp unreachable pref 15".into(),
    ];
    for cmd in &setup {
        a.ip(cmd);
    }
    let out = bin()
        .args(["--netns", &a.name, "--only", "routing"])
        .args(["--format", "json", "--no-archive", "-q", "--no-redact"])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    let sec = r
        .sections
        .iter()
        .find(|s| s.collector == "routing")
        .unwrap();
    for (name, args) in [
        ("ip_addr_show.txt", "addr show"),
        ("ip_-4_route_show_table_all.txt", "-4 route show table all"),
        ("ip_-6_route_show_table_all.txt", "-6 route show table all"),
        ("ip_rule_show.txt", "rule show"),
        ("ip_-6_rule_show.txt", "-6 rule show"),
    ] {
        let ours = &sec
            .artifacts
            .iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .content;
        let theirs = a.ip(args);
        assert!(theirs.lines().count() > 2, "ip {args}: {theirs}");
        assert_eq!(
            without_seconds(ours),
            without_seconds(&theirs),
            "ip {args} differs"
        );
    }
    // The typed view agrees.
    let i = r.interfaces(Some(&a.name)).unwrap();
    let p1 = i.links.iter().find(|l| l.name == "p1").unwrap();
    for addr in [
        "10.5.0.1/24",
        "10.5.0.2/24",
        "10.6.0.1/32",
        "10.5.0.3/24",
        "fd10::1/64",
    ] {
        assert!(p1.addrs.iter().any(|a| a == addr), "{addr}: {:?}", p1.addrs);
    }
    assert_eq!(i.default_route_v4, Some(true));
    assert_eq!(i.default_route_v6, Some(true));
}

/// A dump keeps at most its limit of answers and counts the rest (a full BGP table must not fill the
/// report), while still reading the whole dump so the socket stays usable.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn route_dumps_stop_keeping_at_the_limit() {
    let Some(ns) = TestNs::new() else { return };
    ns.ip("link add r1 type veth peer name r2");
    ns.ip("link set r1 up");
    ns.ip("addr add 10.200.0.1/24 dev r1");
    for i in 0..60 {
        ns.ip(&format!("route add 10.201.{i}.0/24 via 10.200.0.2"));
    }
    let (kept, dropped, links) = ns.on_thread(|| {
        let mut s = mptcp_get_debug::netlink::rtnl::RtSocket::open()
            .unwrap()
            .with_limit(10);
        let kept = s
            .routes(mptcp_get_debug::netlink::rtnl::AF_INET)
            .unwrap()
            .len();
        let dropped = s.dropped;
        // The next dump on the same socket still works.
        let links = s.links().unwrap().len();
        (kept, dropped, links)
    });
    assert_eq!(kept, 10);
    assert!(dropped >= 50, "{dropped}");
    assert_eq!(links, 3);
}
