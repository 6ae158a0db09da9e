//! Endpoints, limits and sysctls collected over generic netlink inside a real namespace must equal what
//! iproute2 and sysctl print there, line for line.

use crate::util::{bin, OkStdout, TestNs};
use mptcp_get_debug::report::Report;

/// iproute2 6.1 prints the flags it does not know as `rawflags N`; current iproute2 names them.
fn modern_ip(text: &str) -> String {
    text.replace("rawflags 10 ", "implicit ")
        .replace("rawflags 20 ", "laminar ")
        .replace("rawflags 30 ", "implicit laminar ")
}

fn collect(ns: &TestNs, only: &str) -> Report {
    let out = bin()
        .args([
            "--netns",
            &ns.name,
            "--only",
            only,
            "--format",
            "json",
            "--no-archive",
            "--batch",
        ])
        .ok_stdout();
    serde_json::from_slice(&out).unwrap()
}

fn artifact<'a>(r: &'a Report, collector: &'a str) -> &'a str {
    &r.sections_of(collector)
        .next()
        .unwrap_or_else(|| panic!("no {collector}"))
        .artifacts[0]
        .content
}

#[test]
fn endpoints_and_limits_match_iproute2() {
    let Some(ns) = TestNs::new("pm") else { return };
    ns.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb"]);
    ns.ip(&["link", "set", "va", "up"]);
    ns.ip(&["addr", "add", "10.77.1.1/24", "dev", "va"]);
    ns.ip(&["addr", "add", "10.77.1.3/24", "dev", "va"]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "10.77.1.1",
        "dev",
        "va",
        "subflow",
    ]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "2001:db8::1",
        "id",
        "5",
        "signal",
        "backup",
    ]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "10.77.1.3",
        "port",
        "10005",
        "signal",
    ]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "10.77.1.4",
        "dev",
        "vb",
        "subflow",
        "fullmesh",
    ]);
    ns.ip(&[
        "mptcp",
        "endpoint",
        "add",
        "fe80::1234",
        "dev",
        "va",
        "subflow",
        "backup",
    ]);
    ns.ip(&[
        "mptcp",
        "limits",
        "set",
        "subflows",
        "3",
        "add_addr_accepted",
        "4",
    ]);
    let report = collect(&ns, "endpoints,limits");
    let ours = mptcp_get_debug::netlink::iproute::render_endpoints(
        report.endpoints(Some(&ns.name)).unwrap(),
    );
    pretty_assertions::assert_eq!(ours, modern_ip(&ns.ip(&["mptcp", "endpoint", "show"])));
    assert_eq!(artifact(&report, "endpoints"), ours);
    let limits =
        mptcp_get_debug::netlink::iproute::render_limits(report.limits(Some(&ns.name)).unwrap());
    assert_eq!(limits, ns.ip(&["mptcp", "limits", "show"]));
    assert_eq!(limits, "add_addr_accepted 4 subflows 3 \n");

    // Remove the devices: the endpoints stay, with a dangling interface index.
    ns.ip(&["link", "del", "va"]);
    let report = collect(&ns, "endpoints");
    let eps = report.endpoints(Some(&ns.name)).unwrap();
    assert!(
        eps.iter()
            .any(|e| e.dev.is_none() && e.ifindex.is_some_and(|i| i > 0)),
        "{eps:?}"
    );
    let ours = mptcp_get_debug::netlink::iproute::render_endpoints(eps);
    pretty_assertions::assert_eq!(ours, modern_ip(&ns.ip(&["mptcp", "endpoint", "show"])));
    assert!(ours.contains("dev if"), "{ours}");
}

#[test]
fn empty_namespace_has_no_endpoints_and_default_limits() {
    let Some(ns) = TestNs::new("empty") else {
        return;
    };
    let report = collect(&ns, "endpoints,limits");
    assert!(report.endpoints(Some(&ns.name)).unwrap().is_empty());
    assert_eq!(ns.ip(&["mptcp", "endpoint", "show"]), "");
    let limits =
        mptcp_get_debug::netlink::iproute::render_limits(report.limits(Some(&ns.name)).unwrap());
    assert_eq!(limits, ns.ip(&["mptcp", "limits", "show"]));
}

#[test]
fn sysctls_match_sysctl_in_the_namespace() {
    let Some(ns) = TestNs::new("sysctl") else {
        return;
    };
    ns.exec(&[
        "sysctl",
        "-qw",
        "net.mptcp.enabled=0",
        "net.mptcp.add_addr_timeout=33",
    ]);
    let report = collect(&ns, "sysctl");
    pretty_assertions::assert_eq!(
        artifact(&report, "sysctl"),
        ns.exec(&["sysctl", "net.mptcp"])
    );
    assert_eq!(report.sysctl(Some(&ns.name), "enabled"), Some("0"));
    assert_eq!(
        report.sysctl(Some(&ns.name), "add_addr_timeout"),
        Some("33")
    );
    // The host's own value is untouched and not what was collected.
    assert_eq!(
        std::fs::read_to_string("/proc/sys/net/mptcp/enabled")
            .unwrap()
            .trim(),
        "1"
    );
}

#[test]
fn counters_are_read_per_namespace() {
    let Some(ns) = TestNs::new("mib") else { return };
    let report = collect(&ns, "mib");
    let mib = report.mib(Some(&ns.name)).unwrap();
    // A fresh namespace has had no MPTCP traffic at all.
    assert!(
        mib.groups["MPTcpExt"].iter().all(|c| c.value == 0),
        "{:?}",
        mib.groups["MPTcpExt"]
    );
}
