//! Endpoints and limits over generic netlink against the real kernel, compared line for line with what
//! the installed iproute2 prints for the same namespace (its `rawflags 10/20` mapped back to the names
//! current iproute2 prints), and the sysctl section with `sysctl net.mptcp` run in the namespace.

use crate::testns::TestNs;
use crate::util::{bin, OkStdout};
use mptcp_get_debug::collect::pm_source::{LivePm, PmSource};
use mptcp_get_debug::netlink::consts::*;
use mptcp_get_debug::netlink::mptcp_pm::{AddrAttr, PmAttr, PmConn};
use mptcp_get_debug::netlink::PmError;
use mptcp_get_debug::report::{Report, Status};
use mptcp_get_debug::views::formats::iproute::{render_endpoints, render_limits};
use pretty_assertions::assert_eq;

/// iproute2 6.1 does not know implicit (0x10) and laminar (0x20): turn its `rawflags N` back into
/// the words current iproute2 prints, keeping any bits neither knows.
fn modern_flags(line: &str) -> String {
    let Some((head, rest)) = line.split_once("rawflags ") else {
        return line.to_string();
    };
    let (hexval, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let bits = u32::from_str_radix(hexval, 16).expect("rawflags value");
    let mut out = head.to_string();
    for (name, bit) in [("implicit", 0x10), ("laminar", 0x20)] {
        if bits & bit != 0 {
            out.push_str(name);
            out.push(' ');
        }
    }
    let left = bits & !0x30;
    if left != 0 {
        out.push_str(&format!("rawflags {left:02x} "));
    }
    out + tail
}

fn ip_show(ns: &TestNs, what: &str) -> String {
    ns.ip(&format!("mptcp {what} show"))
        .lines()
        .map(|l| modern_flags(l) + "\n")
        .collect()
}

/// Adds an endpoint with flags iproute2 6.1 cannot spell, straight over netlink.
fn add_endpoint_raw(ns: &TestNs, addr: [u8; 4], flags: u32) {
    ns.on_thread(move || {
        let mut pm = PmConn::open().unwrap();
        let a = PmAttr::Addr(vec![
            AddrAttr::Family(libc::AF_INET as u16),
            AddrAttr::Addr4(addr.into()),
            AddrAttr::Flags(flags),
        ]);
        match pm.command(MPTCP_PM_CMD_ADD_ADDR, &[a], false, "add_addr") {
            Ok(_) => {}
            Err(e) => panic!("adding a raw endpoint: {e}"),
        }
    });
}

fn collect(ns: &TestNs) -> Report {
    let out = bin()
        .args(["--netns", &ns.name])
        .args(["--only", "endpoints,limits,sysctl,iproute2"])
        .args(["--format", "json", "--no-archive", "-q", "--no-redact"])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    serde_json::from_slice(&out.stdout).expect("stdout is the report JSON")
}

fn artifact<'a>(r: &'a Report, collector: &str, ns: &TestNs) -> &'a str {
    let sec = r
        .sections
        .iter()
        .find(|s| s.collector == collector && s.netns.as_deref() == Some(&ns.name))
        .unwrap_or_else(|| panic!("no {collector} section for {}", ns.name));
    assert_eq!(sec.status, Status::Ok, "{collector}");
    &sec.artifacts[0].content
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn endpoints_limits_and_sysctl_match_iproute2_in_a_namespace() {
    let Some(a) = TestNs::new() else { return };
    let Some(b) = TestNs::new() else { return };
    a.ip("link add va type veth peer name vb");
    a.ip(&format!("link set vb netns {}", b.name));
    a.ip("link set va up");
    a.ip("addr add 192.0.2.1/24 dev va");
    a.ip("addr add 2001:db8::1/64 dev va nodad");
    a.ip("link add vc type veth peer name vd");
    a.ip("addr add 198.51.100.1/24 dev vc");
    a.ip("mptcp endpoint add 192.0.2.1 dev va subflow backup");
    a.ip("mptcp endpoint add 192.0.2.1 port 10123 signal");
    a.ip("mptcp endpoint add 2001:db8::1 dev va subflow fullmesh");
    a.ip("mptcp endpoint add ::10.1.2.3 signal");
    a.ip("mptcp endpoint add ::ffff:10.1.2.4 signal backup");
    a.ip("mptcp endpoint add 198.51.100.1 dev vc subflow");
    add_endpoint_raw(&a, [192, 0, 2, 9], MPTCP_PM_ADDR_FLAG_LAMINAR);
    // The device of the last endpoint goes away: iproute2 then prints its index as `if<N>`.
    a.ip("link del vc");
    a.ip("mptcp limits set subflows 4 add_addr_accepted 3");

    let report = collect(&a);
    let expected = ip_show(&a, "endpoint");
    assert_eq!(expected.lines().count(), 7, "{expected}");
    assert!(expected.contains(" laminar "), "{expected}");
    assert!(expected.contains(" dev if"), "{expected}");
    assert_eq!(artifact(&report, "endpoints", &a), expected);
    let eps = report.endpoints(Some(&a.name)).unwrap();
    assert_eq!(render_endpoints(eps), expected);
    let removed = eps.iter().find(|e| e.addr.to_string() == "198.51.100.1");
    assert_eq!(removed.unwrap().dev, None);
    assert!(removed.unwrap().ifindex.is_some());

    assert_eq!(artifact(&report, "limits", &a), ip_show(&a, "limits"));
    let limits = report.limits(Some(&a.name)).unwrap();
    assert_eq!(
        (limits.subflows, limits.add_addr_accepted),
        (Some(4), Some(3))
    );

    assert_eq!(
        artifact(&report, "sysctl", &a),
        a.exec(&["sysctl", "net.mptcp"])
    );

    // The raw outputs, from one `ip -force -batch -` process, split back per command: exactly what
    // the installed iproute2 prints for each command run alone.
    let raw = report
        .sections
        .iter()
        .find(|s| s.collector == "iproute2" && s.netns.as_deref() == Some(&a.name))
        .unwrap();
    assert_eq!(raw.status, Status::Ok);
    assert_eq!(raw.artifacts.len(), 2);
    assert_eq!(raw.artifacts[0].name, "ip_mptcp_endpoint_show.txt");
    assert_eq!(raw.artifacts[0].content, a.ip("mptcp endpoint show"));
    assert_eq!(raw.artifacts[1].name, "ip_mptcp_limits_show.txt");
    assert_eq!(raw.artifacts[1].content, a.ip("mptcp limits show"));
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn fresh_namespace_has_no_endpoints_and_default_limits() {
    let Some(ns) = TestNs::new() else { return };
    let (eps, limits) = ns.on_thread(|| (LivePm.endpoints(), LivePm.limits()));
    assert_eq!(eps, Ok(vec![]));
    assert_eq!(render_endpoints(&eps.unwrap()), ip_show(&ns, "endpoint"));
    let limits = limits.unwrap();
    assert_eq!(render_limits(&limits), ip_show(&ns, "limits"));
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn kernel_errors_carry_the_kernel_reason_not_a_dump() {
    let Some(ns) = TestNs::new() else { return };
    // GET_ADDR for an id that does not exist: the kernel says why in its extended ACK.
    let err = ns.on_thread(|| {
        let mut pm = PmConn::open().unwrap();
        let a = PmAttr::Addr(vec![AddrAttr::Id(42)]);
        pm.command(MPTCP_PM_CMD_GET_ADDR, &[a], false, "mptcp_pm get_addr")
            .unwrap_err()
    });
    let PmError::Other(msg) = err else {
        panic!("unexpected {err:?}")
    };
    assert!(msg.starts_with("mptcp_pm get_addr: "), "{msg}");
    assert!(!msg.contains('{') && !msg.contains("Nlmsg"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn missing_family_is_a_clean_error() {
    let Some(ns) = TestNs::new() else { return };
    let err = ns.on_thread(|| {
        mptcp_get_debug::netlink::genl::GenlSocket::open()
            .unwrap()
            .family("mgd_no_family")
            .unwrap_err()
    });
    assert_eq!(err, PmError::FamilyMissing);
    assert_eq!(
        err.to_string(),
        "MPTCP netlink family not available (kernel without CONFIG_MPTCP?)"
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn counters_are_read_per_namespace() {
    let Some(ns) = TestNs::new() else { return };
    let out = bin()
        .args([
            "--netns",
            &ns.name,
            "--only",
            "mib",
            "--format",
            "json",
            "--no-archive",
        ])
        .ok_stdout();
    let report: Report = serde_json::from_slice(&out).unwrap();
    let mib = report.mib(Some(&ns.name)).unwrap();
    // A fresh namespace has had no MPTCP traffic at all, whatever the host has seen.
    assert!(
        mib.groups["MPTcpExt"].iter().all(|c| c.value == 0),
        "{:?}",
        mib.groups["MPTcpExt"]
    );
}

/// Offload features asked with compact bitsets (named from the features string set, asked once) are
/// the features the verbose answers name, interface by interface, and the dumps over every interface
/// answer what each interface's own request does.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn compact_and_dumped_feature_bitsets_name_the_same_features_as_verbose_ones() {
    use mptcp_get_debug::netlink::ethtool::Ethtool;
    let ns = TestNs::new().expect("needs root and network namespaces (run by .ci/run)");
    ns.ip("link add ca type veth peer name cb");
    ns.exec(&["ip", "link", "set", "ca", "up"]);
    let indexes: Vec<i32> = ["lo", "ca", "cb"]
        .iter()
        .map(|n| {
            ns.exec(&["cat", &format!("/sys/class/net/{n}/ifindex")])
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    let (pairs, dumped, modes) = ns.on_thread(move || {
        let mut e = Ethtool::open().expect("the ethtool family");
        let pairs = indexes
            .iter()
            .map(|&i| (e.features(i).unwrap(), e.features_verbose(i).unwrap()))
            .collect::<Vec<_>>();
        // The dumps of every interface answer what each interface's own request does.
        let all = e.features_all().unwrap();
        let dumped: Vec<_> = indexes.iter().map(|i| all.get(i).cloned()).collect();
        let modes_all = e.linkmodes_all().unwrap();
        let modes: Vec<_> = indexes[1..]
            .iter()
            .map(|&i| (modes_all.get(&i).cloned(), e.linkmodes(i).ok()))
            .collect();
        (pairs, dumped, modes)
    });
    for ((compact, verbose), dumped) in pairs.into_iter().zip(dumped) {
        assert_eq!(dumped.as_ref(), Some(&compact));
        assert_eq!(compact, verbose);
        assert!(
            verbose.active.iter().any(|f| f.starts_with("tx-")),
            "{verbose:?}"
        );
        assert!(
            !compact.hw.iter().any(|f| f.starts_with("bit ")),
            "{compact:?}"
        );
    }
    // The veth pair's link modes (10000 Mb/s, full duplex) in the dump and asked alone.
    for (dumped, alone) in modes {
        assert_eq!(dumped, alone);
        assert_eq!(dumped.unwrap().speed, Some(10000));
    }
}
