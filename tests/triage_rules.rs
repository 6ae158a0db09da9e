//! One Report per triage rule that triggers it (built in code from a healthy client), and the exact
//! set of findings each one gives; the near misses that must stay quiet sit next to them.

use crate::triage::{ep, healthy, link, mib, report, rules, section, sysctls, with};
use mptcp_get_debug::report::*;
use mptcp_get_debug::triage::evaluate;

/// MPTCP off, endpoints and limits, roles, NetworkManager and mptcpd, self-test, kernel age.
#[test]
fn configuration_and_daemon_rules() {
    let nm = |running| NetworkManager {
        installed: true,
        version: Some("1.46.0".into()),
        running: Some(running),
        connections: vec![NmConnection {
            id: "c".into(),
            mptcp_flags_decoded: "default".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mptcpd = |state: &str| Mptcpd {
        installed: true,
        service_state: Some(state.into()),
        ..Default::default()
    };
    let cases: Vec<(&str, Report, Vec<&str>)> = vec![
        (
            "disabled",
            with(vec![section("sysctl", sysctls(&[("enabled", "0")]))]),
            vec!["Problem:mptcp-off"],
        ),
        (
            "absent",
            with(vec![Section {
                status: Status::Skipped {
                    reason: "/proc/sys/net/mptcp does not exist: kernel without MPTCP".into(),
                },
                data: vec![],
                ..section("sysctl", sysctls(&[]))
            }]),
            vec!["Problem:mptcp-off"],
        ),
        (
            "no endpoints",
            with(vec![section("endpoints", Data::Endpoints(vec![]))]),
            vec!["Warning:no-endpoints"],
        ),
        (
            "subflows 0",
            with(vec![section(
                "limits",
                Data::Limits(Limits {
                    add_addr_accepted: Some(0),
                    subflows: Some(0),
                }),
            )]),
            vec!["Problem:subflows-limit-zero"],
        ),
        (
            // What a 6.18 client counts when add_addr_accepted is 0: AddAddr and EchoAddTx rise,
            // AddAddrDrop does not.
            "add_addr ignored",
            with(vec![
                section(
                    "limits",
                    Data::Limits(Limits {
                        add_addr_accepted: Some(0),
                        subflows: Some(2),
                    }),
                ),
                section(
                    "mib",
                    mib(&[
                        ("MPCapableSYNTX", 5),
                        ("AddAddr", 3),
                        ("EchoAddTx", 3),
                        ("AddAddrDrop", 0),
                    ]),
                ),
            ]),
            vec!["Warning:add-addr-ignored"],
        ),
        (
            // With the in-kernel path manager a drop means it was busy: information.
            "add_addr dropped",
            with(vec![section(
                "mib",
                mib(&[
                    ("MPCapableSYNTX", 5),
                    ("MPJoinSynTx", 5),
                    ("MPJoinSynAckRx", 5),
                    ("AddAddr", 3),
                    ("AddAddrDrop", 1),
                ]),
            )]),
            vec!["Info:add-addr-dropped"],
        ),
        (
            "signal on a client",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![ep("10.0.2.1", 1, 1, Some("eth1"))]),
            )]),
            vec!["Warning:endpoint-roles"],
        ),
        (
            "subflow on a server",
            with(vec![section("mib", mib(&[("MPCapableSYNRX", 5)]))]),
            vec!["Warning:endpoint-roles"],
        ),
        (
            "nm and mptcpd",
            with(vec![
                section("networkmanager", Data::NetworkManager(nm(true))),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec!["Problem:nm-and-mptcpd"],
        ),
        (
            "nm with MPTCP disabled on its connection, and mptcpd",
            with(vec![
                section(
                    "networkmanager",
                    Data::NetworkManager(NetworkManager {
                        connections: vec![NmConnection {
                            id: "c".into(),
                            mptcp_flags: Some("0x1".into()),
                            mptcp_flags_decoded: "disabled".into(),
                            ..Default::default()
                        }],
                        ..nm(true)
                    }),
                ),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec![],
        ),
        (
            "nm disabled by the global default, and mptcpd",
            with(vec![
                section(
                    "networkmanager",
                    Data::NetworkManager(NetworkManager {
                        global_mptcp_flags: Some("1".into()),
                        ..nm(true)
                    }),
                ),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec![],
        ),
        (
            "nm too old to manage MPTCP, and mptcpd",
            with(vec![
                section(
                    "networkmanager",
                    Data::NetworkManager(NetworkManager {
                        version: Some("1.36.6".into()),
                        ..nm(true)
                    }),
                ),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec![],
        ),
        (
            "nm not running, mptcpd active",
            with(vec![
                section("networkmanager", Data::NetworkManager(nm(false))),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec![],
        ),
        (
            "userspace pm, no daemon",
            with(vec![
                section(
                    "sysctl",
                    sysctls(&[
                        ("enabled", "1"),
                        ("path_manager", "userspace"),
                        ("pm_type", "1"),
                    ]),
                ),
                section("mptcpd", Data::Mptcpd(mptcpd("inactive"))),
            ]),
            vec!["Problem:userspace-pm-no-daemon"],
        ),
        (
            "userspace pm (pm_type, before 6.15), mptcpd not installed",
            with(vec![
                section("sysctl", sysctls(&[("enabled", "1"), ("pm_type", "1")])),
                section("mptcpd", Data::Mptcpd(Mptcpd::default())),
            ]),
            vec!["Problem:userspace-pm-no-daemon"],
        ),
        (
            // No systemd: nobody knows whether mptcpd runs, so nothing is claimed.
            "userspace pm, mptcpd state unknown",
            with(vec![
                section(
                    "sysctl",
                    sysctls(&[("enabled", "1"), ("path_manager", "userspace")]),
                ),
                section(
                    "mptcpd",
                    Data::Mptcpd(Mptcpd {
                        installed: true,
                        ..Default::default()
                    }),
                ),
            ]),
            vec![],
        ),
        (
            "userspace pm, mptcpd active",
            with(vec![
                section(
                    "sysctl",
                    sysctls(&[("enabled", "1"), ("path_manager", "userspace")]),
                ),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec![],
        ),
        (
            "old kernel",
            with(vec![section(
                "kernel",
                Data::Kernel(KernelInfo {
                    release: "5.4.0-216-generic".into(),
                    ..Default::default()
                }),
            )]),
            vec!["Warning:kernel-eol"],
        ),
        (
            "end-of-life non-LTS series",
            with(vec![section(
                "kernel",
                Data::Kernel(KernelInfo {
                    release: "6.14.2-arch1-1".into(),
                    ..Default::default()
                }),
            )]),
            vec!["Warning:kernel-eol"],
        ),
    ];
    for (name, r, want) in cases {
        assert_eq!(rules(&r), want, "case {name}: {:#?}", evaluate(&r));
    }
}

/// Interfaces, reverse-path filtering, MIB counters, the local self-test and the kernel log.
#[test]
fn interface_and_counter_rules() {
    let cases: Vec<(&str, Report, Vec<&str>)> = vec![
        (
            "address on no interface",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![ep("10.0.9.9", 1, 2, Some("eth1"))]),
            )]),
            vec!["Problem:endpoint-interface"],
        ),
        (
            "interface down",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![link("eth1", "DOWN", "10.0.2.1/24", 2)],
                    ..Default::default()
                }),
            )]),
            vec!["Warning:endpoint-interface"],
        ),
        (
            "operstate lagging behind the flags",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![Link {
                        state: "DOWN".into(),
                        flags: vec!["NO-CARRIER".into(), "UP".into(), "LOWER_UP".into()],
                        ..link("eth1", "DOWN", "10.0.2.1/24", 2)
                    }],
                    ..Default::default()
                }),
            )]),
            vec![],
        ),
        (
            "up without carrier",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![Link {
                        flags: vec!["NO-CARRIER".into(), "BROADCAST".into(), "UP".into()],
                        ..link("eth1", "UP", "10.0.2.1/24", 2)
                    }],
                    ..Default::default()
                }),
            )]),
            vec!["Warning:endpoint-interface"],
        ),
        (
            "no dev",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![ep("10.0.2.1", 1, 2, None)]),
            )]),
            vec!["Info:endpoint-interface"],
        ),
        (
            "no dev, interface holding the address is down",
            with(vec![
                section(
                    "endpoints",
                    Data::Endpoints(vec![ep("10.0.2.1", 1, 2, None)]),
                ),
                section(
                    "routing",
                    Data::Interfaces(Interfaces {
                        links: vec![
                            link("eth0", "UP", "10.0.1.1/24", 2),
                            link("eth1", "DOWN", "10.0.2.1/24", 2),
                        ],
                        ..Default::default()
                    }),
                ),
            ]),
            vec!["Warning:endpoint-interface"],
        ),
        (
            "device removed",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![Endpoint {
                    ifindex: Some(7),
                    dev: None,
                    ..ep("10.0.2.1", 1, 2, None)
                }]),
            )]),
            vec!["Problem:endpoint-interface"],
        ),
        (
            "strict rp_filter",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![
                        link("eth0", "UP", "10.0.1.1/24", 2),
                        link("eth1", "UP", "10.0.2.1/24", 1),
                    ],
                    rp_filter_all: Some(0),
                    ..Default::default()
                }),
            )]),
            vec!["Warning:strict-rp-filter"],
        ),
        (
            "strict rp_filter through conf/all",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![
                        link("eth0", "UP", "10.0.1.1/24", 0),
                        link("eth1", "UP", "10.0.2.1/24", 0),
                    ],
                    rp_filter_all: Some(1),
                    ..Default::default()
                }),
            )]),
            vec!["Warning:strict-rp-filter"],
        ),
        (
            // One IPv4 interface: the reverse path is always that interface.
            "strict rp_filter, single-homed",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![link("eth1", "UP", "10.0.2.1/24", 1)],
                    rp_filter_all: Some(1),
                    ..Default::default()
                }),
            )]),
            vec![],
        ),
        (
            // rp_filter is IPv4 only.
            "strict rp_filter, IPv6 endpoint",
            with(vec![
                section(
                    "endpoints",
                    Data::Endpoints(vec![ep("2001:db8:2::1", 1, 2, Some("eth1"))]),
                ),
                section(
                    "routing",
                    Data::Interfaces(Interfaces {
                        links: vec![
                            link("eth0", "UP", "10.0.1.1/24", 1),
                            link("eth1", "UP", "2001:db8:2::1/64", 1),
                        ],
                        rp_filter_all: Some(1),
                        ..Default::default()
                    }),
                ),
            ]),
            vec![],
        ),
        (
            "fallback",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPCapableFallbackSYNACK", 2)]),
            )]),
            vec!["Warning:fallback"],
        ),
        (
            "blackhole",
            with(vec![section(
                "mib",
                mib(&[
                    ("MPCapableSYNTX", 5),
                    ("Blackhole", 1),
                    ("MPCapableSYNTXDrop", 4),
                ]),
            )]),
            vec!["Problem:blackhole"],
        ),
        (
            // Retransmitted SYN+MPC alone: more often a peer that did not answer than a blackhole.
            "SYN+MPC drops only",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPCapableSYNTXDrop", 2)]),
            )]),
            vec!["Info:blackhole"],
        ),
        (
            "join token",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPJoinNoTokenFound", 7)]),
            )]),
            vec!["Problem:join-failures"],
        ),
        (
            "join bind",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPJoinSynTxBindErr", 1)]),
            )]),
            vec!["Warning:join-failures"],
        ),
        (
            "join rejected",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPJoinRejected", 2)]),
            )]),
            vec!["Warning:join-failures"],
        ),
        (
            "self-test fallback",
            with(vec![section(
                "selftest",
                Data::SelfTest(SelfTest {
                    result: SelfTestResult::Fallback,
                    detail: "MPTCP_INFO says fallback".into(),
                    duration_ms: 1.0,
                }),
            )]),
            vec!["Warning:self-test"],
        ),
        (
            "kernel splat",
            with(vec![section(
                "kernellog",
                Data::KernelLog(KernelLog {
                    source: "/dev/kmsg".into(),
                    lines: vec![
                        "[ 12.3] WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1000 __mptcp_clean_una+0x1/0x2".into(),
                        "[ 12.3] Call Trace:".into(),
                    ],
                    splats: 1,
                }),
            )]),
            vec!["Problem:kernel-splat"],
        ),
        (
            "kernel log with MPTCP lines but no splat",
            with(vec![section(
                "kernellog",
                Data::KernelLog(KernelLog {
                    source: "/dev/kmsg".into(),
                    lines: vec!["[ 1.0] MPTCP token hash table entries: 8192".into()],
                    splats: 0,
                }),
            )]),
            vec![],
        ),
    ];
    for (name, r, want) in cases {
        assert_eq!(rules(&r), want, "case {name}: {:#?}", evaluate(&r));
    }
    // Missing data says nothing: no interfaces collected, no interface findings.
    let mut s = healthy();
    s.retain(|x| x.collector != "routing");
    s.iter_mut()
        .find(|x| x.collector == "endpoints")
        .unwrap()
        .data = vec![Data::Endpoints(vec![ep("10.0.9.9", 1, 2, Some("eth1"))])];
    assert_eq!(rules(&report(s)), Vec::<String>::new());
}

/// The nm-and-mptcpd evidence shows what mptcpd runs with: the unit's command line over mptcpd.conf,
/// and the global default for a connection whose own flags leave it to the default.
#[test]
fn nm_and_mptcpd_evidence_uses_effective_values() {
    let nm = NetworkManager {
        installed: true,
        version: Some("1.52.0".into()),
        running: Some(true),
        global_mptcp_flags: Some("0x22".into()),
        global_mptcp_flags_decoded: Some("enabled,subflow".into()),
        connections: vec![NmConnection {
            id: "Office".into(),
            mptcp_flags: Some("0".into()),
            mptcp_flags_decoded: "default".into(),
            default_applies: true,
            active: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    };
    let conf = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let mptcpd = Mptcpd {
        installed: true,
        service_state: Some("active".into()),
        config: conf(&[("path-manager", "addr_adv"), ("addr-flags", "subflow")]),
        cmdline: conf(&[("path-manager", "sspi")]),
        ..Default::default()
    };
    let r = with(vec![
        section("networkmanager", Data::NetworkManager(nm)),
        section("mptcpd", Data::Mptcpd(mptcpd)),
    ]);
    let f = evaluate(&r)
        .into_iter()
        .find(|f| f.rule == "nm-and-mptcpd")
        .expect("nm-and-mptcpd");
    let ev = f.evidence.join("\n");
    assert!(
        ev.contains("NetworkManager connection \"Office\": mptcp-flags 0 -> global default 0x22 (enabled,subflow), active"),
        "{ev}"
    );
    assert!(
        ev.contains("mptcp.service ExecStart --path-manager=sspi"),
        "{ev}"
    );
    assert!(!ev.contains("mptcpd.conf path-manager"), "{ev}");
    assert!(ev.contains("mptcpd.conf addr-flags=subflow"), "{ev}");
}
