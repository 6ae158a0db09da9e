//! Triage rules: the exact set of findings per rule fixture (and none for a healthy host), per
//! namespace, nothing from missing data, and the cross-side rules. The Report builders here are shared
//! with triage_commands.

use mptcp_get_debug::report::*;
use mptcp_get_debug::triage::evaluate;
use std::collections::BTreeMap;

pub(crate) fn section(collector: &str, data: Data) -> Section {
    Section::ok(collector, vec![data])
}

pub(crate) fn sysctls(pairs: &[(&str, &str)]) -> Data {
    Data::Sysctls(
        pairs
            .iter()
            .map(|(n, v)| Sysctl {
                name: format!("net.mptcp.{n}"),
                value: v.to_string(),
            })
            .collect(),
    )
}

pub(crate) fn ep(addr: &str, id: u8, flags: u32, dev: Option<&str>) -> Endpoint {
    Endpoint {
        id,
        addr: addr.parse().unwrap(),
        port: 0,
        flags,
        ifindex: dev.map(|_| 2),
        dev: dev.map(str::to_string),
        unknown_attrs: Vec::new(),
    }
}

pub(crate) fn mib(counters: &[(&str, u64)]) -> Data {
    let mut groups = BTreeMap::new();
    groups.insert(
        "MPTcpExt".to_string(),
        counters
            .iter()
            .map(|(n, v)| Counter {
                name: n.to_string(),
                value: *v,
            })
            .collect(),
    );
    Data::Mib(Mib {
        groups,
        ..Default::default()
    })
}

pub(crate) fn link(name: &str, state: &str, addr: &str, rp: u8) -> Link {
    Link {
        name: name.into(),
        index: 2,
        state: state.into(),
        flags: if state == "UP" {
            vec!["BROADCAST".into(), "UP".into(), "LOWER_UP".into()]
        } else {
            vec![]
        },
        mtu: Some(1500),
        addrs: vec![addr.into()],
        rp_filter: Some(rp),
    }
}

/// A healthy client: MPTCP on, a subflow endpoint on an UP interface, limits allowing it, it initiates.
pub(crate) fn healthy() -> Vec<Section> {
    vec![
        section(
            "kernel",
            Data::Kernel(KernelInfo {
                release: "6.18.44".into(),
                uname: "Linux h 6.18.44".into(),
                ..Default::default()
            }),
        ),
        section(
            "sysctl",
            sysctls(&[
                ("enabled", "1"),
                ("path_manager", "kernel"),
                ("pm_type", "0"),
            ]),
        ),
        section(
            "endpoints",
            Data::Endpoints(vec![ep("10.0.2.1", 1, 2, Some("eth1"))]),
        ),
        section(
            "limits",
            Data::Limits(Limits {
                add_addr_accepted: Some(2),
                subflows: Some(2),
            }),
        ),
        section(
            "mib",
            mib(&[
                ("MPCapableSYNTX", 5),
                ("MPCapableSYNACKRX", 5),
                ("MPJoinSynTx", 5),
                ("MPJoinSynAckRx", 5),
                ("AddAddrDrop", 0),
            ]),
        ),
        section(
            "routing",
            Data::Interfaces(Interfaces {
                links: vec![
                    link("eth0", "UP", "10.0.1.1/24", 2),
                    link("eth1", "UP", "10.0.2.1/24", 2),
                ],
                rp_filter_all: Some(0),
                rp_filter_default: Some(0),
                default_route_v4: Some(true),
                default_route_v6: None,
            }),
        ),
    ]
}

pub(crate) fn report(sections: Vec<Section>) -> Report {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    Report::new(Meta::new(now, "h"), sections)
}

/// The healthy sections with one replaced (by collector name) or added.
pub(crate) fn with(changes: Vec<Section>) -> Report {
    let mut s = healthy();
    for c in changes {
        match s.iter_mut().find(|x| x.collector == c.collector) {
            Some(x) => *x = c,
            None => s.push(c),
        }
    }
    report(s)
}

pub(crate) fn rules(r: &Report) -> Vec<String> {
    let mut v: Vec<String> = evaluate(r)
        .into_iter()
        .map(|f| format!("{:?}:{}", f.severity, f.rule))
        .collect();
    v.sort();
    v
}

#[test]
fn healthy_host_has_no_findings() {
    assert_eq!(
        rules(&report(healthy())),
        Vec::<String>::new(),
        "{:#?}",
        evaluate(&report(healthy()))
    );
}

/// The summary always has its "Automatic checks" section, saying so when nothing was found.
#[test]
fn summary_says_when_nothing_was_found() {
    let mut r = report(healthy());
    r.findings = evaluate(&r);
    let md = mptcp_get_debug::views::render_summary(&r, &Default::default()).unwrap();
    assert!(
        md.contains("## Automatic checks\n\nNothing found.\n"),
        "{md}"
    );
}

/// Evidence is the exact values that triggered a rule, every finding links to mptcp.dev, and
/// problems come first.
#[test]
fn evidence_is_exact_and_problems_come_first() {
    let r = with(vec![
        section(
            "limits",
            Data::Limits(Limits {
                add_addr_accepted: Some(0),
                subflows: Some(0),
            }),
        ),
        section(
            "mib",
            mib(&[
                ("MPCapableSYNTX", 5),
                ("MPCapableFallbackSYNACK", 2),
                ("MPJoinSynTxBindErr", 3),
            ]),
        ),
    ]);
    let found = evaluate(&r);
    let summary: Vec<(Severity, &str, Vec<&str>)> = found
        .iter()
        .map(|f| {
            (
                f.severity,
                f.rule.as_str(),
                f.evidence.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Severity::Problem,
                "subflows-limit-zero",
                vec!["10.0.2.1 id 1 subflow dev eth1", "limits: subflows 0"]
            ),
            (
                Severity::Warning,
                "fallback",
                vec!["MPTcpExt MPCapableFallbackSYNACK = 2"]
            ),
            (
                Severity::Warning,
                "join-failures",
                vec!["MPTcpExt MPJoinSynTxBindErr = 3"]
            ),
        ]
    );
    for f in &found {
        assert!(
            f.link
                .as_deref()
                .is_some_and(|l| l.starts_with("https://www.mptcp.dev/")),
            "{f:?}"
        );
        assert!(!f.title.contains('\n'), "one-line title: {f:?}");
    }
}

/// Each collected namespace is checked on its own, and findings say which namespace they are about.
#[test]
fn every_namespace_is_checked() {
    let mut sections = healthy();
    for (collector, data) in [
        ("sysctl", sysctls(&[("enabled", "0")])),
        ("mib", mib(&[("MPCapableSYNTX", 1), ("Blackhole", 1)])),
    ] {
        sections.push(Section {
            netns: Some("blue".into()),
            ..section(collector, data)
        });
    }
    let mut r = report(sections);
    r.meta.netns = vec![String::new(), "blue".into()];
    let found = evaluate(&r);
    let titles: Vec<&str> = found.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(found.len(), 2, "{titles:#?}");
    assert!(
        titles.iter().all(|t| t.contains(" (netns blue)")),
        "{titles:#?}"
    );
    assert_eq!(rules(&r), ["Problem:blackhole", "Problem:mptcp-off"]);
}

/// Collectors that failed or were skipped leave no data, and no data raises no finding.
#[test]
fn missing_data_raises_nothing() {
    let failed = |collector: &str| Section {
        status: Status::Failed {
            error: "permission denied".into(),
        },
        data: vec![],
        ..section(collector, sysctls(&[]))
    };
    let names = [
        "kernel",
        "sysctl",
        "endpoints",
        "limits",
        "mib",
        "sockets",
        "routing",
    ];
    let r = report(names.iter().map(|n| failed(n)).collect());
    assert_eq!(rules(&r), Vec::<String>::new());
    // Endpoints and limits without counters or sockets: no role is guessed, so no role finding, and
    // a client-only rule (no endpoints) stays quiet on a host that may be a server.
    let mut s = healthy();
    s.retain(|x| x.collector != "mib");
    s.iter_mut()
        .find(|x| x.collector == "endpoints")
        .unwrap()
        .data = vec![Data::Endpoints(vec![])];
    assert_eq!(rules(&report(s)), Vec::<String>::new());
}

#[test]
fn cross_side_findings_and_key_mismatch() {
    let mut client = with(vec![section(
        "limits",
        Data::Limits(Limits {
            add_addr_accepted: Some(0),
            subflows: Some(2),
        }),
    )]);
    let mut server = with(vec![
        section(
            "endpoints",
            Data::Endpoints(vec![ep("10.0.2.1", 1, 1, Some("eth1"))]),
        ),
        section(
            "limits",
            Data::Limits(Limits {
                add_addr_accepted: Some(0),
                subflows: Some(0),
            }),
        ),
    ]);
    client.redaction = Some(RedactionSummary {
        enabled: true,
        key_id: Some("aaaa".into()),
        ..Default::default()
    });
    server.redaction = Some(RedactionSummary {
        enabled: true,
        key_id: Some("bbbb".into()),
        ..Default::default()
    });
    let mut ids: Vec<String> = mptcp_get_debug::triage::cross_side(&client, &server)
        .into_iter()
        .map(|f| f.rule)
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["cross-add-addr", "cross-redaction-keys", "cross-subflows"]
    );
    let found = mptcp_get_debug::triage::cross_side(&client, &server);
    let add_addr = found.iter().find(|f| f.rule == "cross-add-addr").unwrap();
    assert_eq!(
        add_addr.evidence,
        [
            "server: 10.0.2.1 id 1 signal dev eth1",
            "client: limits add_addr_accepted 0"
        ]
    );
    let subflows = found.iter().find(|f| f.rule == "cross-subflows").unwrap();
    assert_eq!(
        subflows.evidence,
        [
            "client: 10.0.2.1 id 1 subflow dev eth1",
            "server: limits subflows 0"
        ]
    );

    // Healthy both ways, same key: nothing.
    let (mut a, mut b) = (report(healthy()), report(healthy()));
    for r in [&mut a, &mut b] {
        r.redaction = Some(RedactionSummary {
            enabled: true,
            key_id: Some("aaaa".into()),
            ..Default::default()
        });
    }
    assert!(mptcp_get_debug::triage::cross_side(&a, &b).is_empty());

    // One side not redacted; archives given in the wrong order.
    b.redaction.as_mut().unwrap().enabled = false;
    a.meta.side = Some(Side {
        role: Role::Server,
        guessed: false,
    });
    let mut ids: Vec<String> = mptcp_get_debug::triage::cross_side(&a, &b)
        .into_iter()
        .map(|f| f.rule)
        .collect();
    ids.sort();
    assert_eq!(ids, ["cross-redaction-keys", "cross-sides-swapped"]);
    // A guessed side is not enough to call the order wrong.
    a.meta.side.as_mut().unwrap().guessed = true;
    b.redaction.as_mut().unwrap().enabled = true;
    assert!(mptcp_get_debug::triage::cross_side(&a, &b).is_empty());
}

/// A report with several namespaces: the cross-side rules read the namespace that played the role
/// (the one whose counters show it initiating), not the first one, and say which it was.
#[test]
fn cross_side_reads_the_namespace_that_played_the_role() {
    let in_ns = |mut s: Section, ns: &str| {
        s.netns = Some(ns.into());
        s
    };
    let limits = |accepted: u32| {
        Data::Limits(Limits {
            add_addr_accepted: Some(accepted),
            subflows: Some(2),
        })
    };
    let client = report(vec![
        in_ns(section("limits", limits(2)), "idle"),
        in_ns(section("mib", mib(&[("MPCapableSYNTX", 0)])), "idle"),
        in_ns(section("limits", limits(0)), "app"),
        in_ns(section("mib", mib(&[("MPCapableSYNTX", 3)])), "app"),
    ]);
    let server = with(vec![section(
        "endpoints",
        Data::Endpoints(vec![ep("10.0.2.1", 1, 1, Some("eth1"))]),
    )]);
    let found = mptcp_get_debug::triage::cross_side(&client, &server);
    let add_addr = found
        .iter()
        .find(|f| f.rule == "cross-add-addr")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(
        add_addr.evidence,
        [
            "server: 10.0.2.1 id 1 signal dev eth1",
            "client (netns app): limits add_addr_accepted 0"
        ]
    );
    // With the idle namespace accepting addresses too, nothing is wrong.
    let ok = report(vec![
        in_ns(section("limits", limits(0)), "idle"),
        in_ns(section("limits", limits(2)), "app"),
        in_ns(section("mib", mib(&[("MPCapableSYNTX", 3)])), "app"),
    ]);
    assert!(mptcp_get_debug::triage::cross_side(&ok, &server)
        .iter()
        .all(|f| f.rule != "cross-add-addr"));
}
