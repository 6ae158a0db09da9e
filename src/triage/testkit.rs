//! Report builders for the rules' unit tests: a healthy client (MPTCP on, a `subflow` endpoint on the
//! second of two up interfaces, limits allowing it, counters showing it initiated and joined) to which
//! each test applies the one change that triggers, or nearly triggers, its rule. Each rule has a test
//! in its module named after the rule id that asserts both (`says` gives `"Severity:rule-id"`, a near
//! miss is `.is_empty()`); rule_tests.rs fails when one is missing.

pub use crate::report::*;
use std::collections::BTreeMap;

pub fn section(collector: &str, data: Data) -> Section {
    Section::ok(collector, vec![data])
}

pub fn sysctls(pairs: &[(&str, &str)]) -> Data {
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

pub fn ep(addr: &str, id: u8, flags: u32, dev: Option<&str>) -> Endpoint {
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

pub fn endpoints(eps: Vec<Endpoint>) -> Section {
    section("endpoints", Data::Endpoints(eps))
}

pub fn limits(add_addr_accepted: u32, subflows: u32) -> Section {
    section(
        "limits",
        Data::Limits(Limits {
            add_addr_accepted: Some(add_addr_accepted),
            subflows: Some(subflows),
        }),
    )
}

/// MPTcpExt counters, plus TcpExt ones given as `TcpExt:Name`.
pub fn mib(counters: &[(&str, u64)]) -> Section {
    let mut groups: BTreeMap<String, Vec<Counter>> = BTreeMap::new();
    groups.insert("MPTcpExt".into(), vec![]);
    for (n, v) in counters {
        let (g, n) = n.split_once(':').unwrap_or(("MPTcpExt", n));
        groups.entry(g.into()).or_default().push(Counter {
            name: n.into(),
            value: *v,
        });
    }
    section(
        "mib",
        Data::Mib(Mib {
            groups,
            ..Default::default()
        }),
    )
}

pub fn link(name: &str, addrs: &[&str], rp: u8) -> Link {
    Link {
        name: name.into(),
        index: 2,
        state: "UP".into(),
        flags: vec!["BROADCAST".into(), "UP".into(), "LOWER_UP".into()],
        mtu: Some(1500),
        addrs: addrs.iter().map(|a| a.to_string()).collect(),
        rp_filter: Some(rp),
    }
}

/// The routing section: links, and optionally the route/rule texts as the collector keeps them.
pub fn routing_section(links: Vec<Link>, rp_all: u8, texts: &[(&[&str], &str)]) -> Section {
    let mut s = section(
        "routing",
        Data::Interfaces(Interfaces {
            links,
            rp_filter_all: Some(rp_all),
            rp_filter_default: Some(rp_all),
            default_route_v4: Some(true),
            default_route_v6: None,
        }),
    );
    s.artifacts = texts
        .iter()
        .map(|(argv, text)| Artifact {
            name: artifact_name_for(argv),
            source: Source::File { path: "-".into() },
            content: text.to_string(),
            truncated: false,
            original_size: text.len() as u64,
            spool: None,
            in_raw: false,
        })
        .collect();
    s
}

pub fn sockets(lines: &[(&str, &str, &str)]) -> Section {
    section(
        "sockets",
        Data::Sockets(
            lines
                .iter()
                .map(|(state, local, peer)| MptcpSocket {
                    state: (*state).into(),
                    local: (*local).into(),
                    peer: (*peer).into(),
                    ..Default::default()
                })
                .collect(),
        ),
    )
}

pub fn healthy() -> Vec<Section> {
    vec![
        section(
            "kernel",
            Data::Kernel(KernelInfo {
                release: "6.18.44".into(),
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
        endpoints(vec![ep("10.0.2.1", 1, 2, Some("eth1"))]),
        limits(2, 2),
        mib(&[
            ("MPCapableSYNTX", 5),
            ("MPCapableSYNACKRX", 5),
            ("MPJoinSynTx", 5),
            ("MPJoinSynAckRx", 5),
        ]),
        routing_section(
            vec![
                link("eth0", &["10.0.1.1/24"], 2),
                link("eth1", &["10.0.2.1/24"], 2),
            ],
            0,
            &[],
        ),
    ]
}

pub fn report(sections: Vec<Section>) -> Report {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    Report::new(Meta::new(now, "h"), sections)
}

/// The healthy client with sections replaced (by collector name) or added.
pub fn with(changes: Vec<Section>) -> Report {
    let mut s = healthy();
    for c in changes {
        match s.iter_mut().find(|x| x.collector == c.collector) {
            Some(x) => *x = c,
            None => s.push(c),
        }
    }
    report(s)
}

/// The healthy client without these collectors' sections.
pub fn without(collectors: &[&str]) -> Report {
    let mut s = healthy();
    s.retain(|x| !collectors.contains(&x.collector.as_str()));
    report(s)
}

/// `severity:rule` of what one rule says about a report.
pub fn says(rule: super::Rule, r: &Report) -> Vec<String> {
    rule(r)
        .into_iter()
        .map(|f| format!("{:?}:{}", f.severity, f.rule))
        .collect()
}

/// The cross-side findings of a client and a server report, as sorted `Severity:rule` strings.
pub fn cross_ids(client: &Report, server: &Report) -> Vec<String> {
    let mut v: Vec<String> = super::cross_side(client, server)
        .into_iter()
        .map(|f| format!("{:?}:{}", f.severity, f.rule))
        .collect();
    v.sort();
    v
}
