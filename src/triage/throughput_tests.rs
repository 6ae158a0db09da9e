//! Each throughput rule: the report that triggers it, the evidence it gives, and the near misses and
//! missing data that must keep it quiet.

use super::super::testkit::*;
use super::*;

/// An interface of the routing collector with this MTU and a /24 address.
fn iface(name: &str, mtu: u32, addr: &str) -> Link {
    Link {
        mtu: Some(mtu),
        ..link(name, &[&format!("{addr}/24")], 0)
    }
}

fn detail(name: &str, mtu: u32, kind: Option<&str>, active: &[&str], off: &[&str]) -> LinkDetail {
    LinkDetail {
        name: name.into(),
        mtu: Some(mtu),
        kind: kind.map(String::from),
        offloads: Some(Offloads {
            source: "ethtool netlink".into(),
            active: active.iter().map(|s| s.to_string()).collect(),
            off: off.iter().map(|s| s.to_string()).collect(),
        }),
        counters: Some(LinkCounters {
            rx_packets: 1000,
            tx_packets: 900,
            ..Default::default()
        }),
        ..Default::default()
    }
}

const ALL_ON: &[&str] = &["rx-gro", "tx-tcp-segmentation", "tx-generic-segmentation"];

/// A client with eth0 10.0.1.1 (initial path) and eth1 10.0.2.1 (`subflow` endpoint).
fn client(eth1_mtu: u32, links: Vec<LinkDetail>, ep_flags: u32) -> Report {
    report(vec![
        section(
            "endpoints",
            Data::Endpoints(vec![ep("10.0.2.1", 2, ep_flags, Some("eth1"))]),
        ),
        section(
            "sockets",
            Data::Sockets(
                vec![MptcpSocket {
                    state: "ESTAB".into(),
                    local: "10.0.1.1:40000".into(),
                    peer: "10.0.9.9:443".into(),
                    ..Default::default()
                }]
                .into(),
            ),
        ),
        section(
            "routing",
            Data::Interfaces(Interfaces {
                links: vec![
                    iface("lo", 65536, "127.0.0.1"),
                    iface("eth0", 1500, "10.0.1.1"),
                    iface("eth1", eth1_mtu, "10.0.2.1"),
                ],
                ..Default::default()
            }),
        ),
        section("links", Data::Links(links)),
    ])
}

#[test]
fn subflow_interfaces_come_from_endpoints_sockets_and_samples() {
    let r = client(1500, vec![], Endpoint::FLAG_SUBFLOW);
    let names: Vec<String> = subflow_interfaces(&r, None)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["eth1", "eth0"]);
    assert_eq!(subflow_interfaces(&r, Some("other")), vec![]);
}

#[test]
fn subflow_mtu_mismatch_between_very_different_mtus() {
    let r = client(9000, vec![], Endpoint::FLAG_SUBFLOW);
    assert_eq!(says(mtu_mismatch, &r), ["Warning:subflow-mtu-mismatch"]);
    let f = mtu_mismatch(&r);
    assert!(
        f[0].title.contains("1500 bytes on eth0 and 9000 on eth1"),
        "{}",
        f[0].title
    );
    assert_eq!(
        f[0].evidence[0],
        "eth1: mtu 9000 (endpoint 10.0.2.1 id 2 subflow dev eth1)"
    );
    assert_eq!(
        f[0].evidence[1],
        "eth0: mtu 1500 (MPTCP connection 10.0.1.1:40000 -> 10.0.9.9:443)"
    );
    // The links collector's MTU wins over the routing collector's.
    let links = vec![detail("eth1", 1500, None, ALL_ON, &[])];
    assert!(mtu_mismatch(&client(9000, links, Endpoint::FLAG_SUBFLOW)).is_empty());
    // Near miss: 1500 vs 1280 (a tunnel) is not "very" different.
    assert!(mtu_mismatch(&client(1280, vec![], Endpoint::FLAG_SUBFLOW)).is_empty());
    // One interface only: nothing to compare.
    let mut r = client(9000, vec![], Endpoint::FLAG_SUBFLOW);
    r.sections.retain(|s| s.collector != "sockets");
    assert!(mtu_mismatch(&r).is_empty());
}

#[test]
fn interface_loss_with_the_numbers() {
    let mut eth1 = detail("eth1", 1500, None, ALL_ON, &[]);
    eth1.counters = Some(LinkCounters {
        rx_packets: 5000,
        tx_packets: 4000,
        rx_dropped: 17,
        tx_errors: 2,
        ..Default::default()
    });
    let mut eth9 = detail("eth9", 1500, None, ALL_ON, &[]);
    eth9.counters.as_mut().unwrap().rx_dropped = 3;
    let r = client(
        1500,
        vec![detail("eth0", 1500, None, ALL_ON, &[]), eth1, eth9.clone()],
        Endpoint::FLAG_SUBFLOW,
    );
    // eth9 carries no MPTCP traffic.
    assert_eq!(says(interface_loss, &r), ["Warning:interface-loss"]);
    let f = interface_loss(&r);
    assert_eq!(f[0].evidence, ["eth1: rx_dropped 17, tx_errors 2 (since it was created; rx_packets 5000, tx_packets 4000)"]);
    // No MPTCP interface known: every interface is looked at, as information only.
    let r = report(vec![section("links", Data::Links(vec![eth9]))]);
    assert_eq!(says(interface_loss, &r), ["Info:interface-loss"]);
    // Clean counters, or none at all: quiet.
    let mut no_counters = detail("eth1", 1500, None, ALL_ON, &[]);
    no_counters.counters = None;
    assert!(interface_loss(&client(1500, vec![no_counters], Endpoint::FLAG_SUBFLOW)).is_empty());
}

#[test]
fn interface_loss_during_the_window_is_evidence() {
    let mut eth1 = detail("eth1", 1500, None, ALL_ON, &[]);
    eth1.counters.as_mut().unwrap().rx_dropped = 40;
    let mut r = client(1500, vec![eth1], Endpoint::FLAG_SUBFLOW);
    let ls = |t, d| Sample {
        t_ms: t,
        links: vec![LinkSample {
            name: "eth1".into(),
            rx_dropped: d,
            ..Default::default()
        }],
        ..Default::default()
    };
    r.reproduce = Some(window(Samples {
        series: vec![ls(0, 10), ls(100, 40)],
        ..Default::default()
    }));
    let f = interface_loss(&r);
    assert_eq!(f[0].evidence[1], "eth1 during the reproduce window: rx_errors +0, rx_dropped +30, tx_errors +0, tx_dropped +0");
}

#[test]
fn offload_off_on_a_subflow_interface() {
    let links = vec![
        detail("eth0", 1500, None, ALL_ON, &[]),
        detail(
            "eth1",
            1500,
            None,
            &["tx-generic-segmentation"],
            &["rx-gro"],
        ),
    ];
    let r = client(1500, links, Endpoint::FLAG_SUBFLOW);
    assert_eq!(says(offloads_off, &r), ["Warning:offload-off"]);
    let f = offloads_off(&r);
    assert_eq!(
        f[0].evidence[..2],
        [
            "eth1: rx-gro off (`ethtool -K eth1 gro on` turns it on)",
            "eth1: tx-tcp-segmentation off (fixed by the driver)"
        ]
    );
    // GRO off on a veth is its default and harmless; TSO on: quiet.
    let veth = vec![detail(
        "eth1",
        1500,
        Some("veth"),
        &["tx-tcp-segmentation", "tx-generic-segmentation"],
        &["rx-gro"],
    )];
    assert!(offloads_off(&client(1500, veth, Endpoint::FLAG_SUBFLOW)).is_empty());
    // Off on an interface without MPTCP traffic, or offloads unknown: quiet.
    let mut unknown = detail("eth1", 1500, None, &[], &[]);
    unknown.offloads = None;
    let other = detail("eth7", 1500, None, &[], &[]);
    assert!(offloads_off(&client(1500, vec![unknown, other], Endpoint::FLAG_SUBFLOW)).is_empty());
}

#[test]
fn single_busy_cpu() {
    let host = |cpus, load| {
        report(vec![section(
            "host",
            Data::Host(Host {
                cpus_online: cpus,
                load_1: load,
                load_5: 0.8,
                load_15: 0.5,
                cpu_model: Some("ARM Cortex-A53".into()),
                ..Default::default()
            }),
        )])
    };
    assert_eq!(
        says(single_cpu, &host(1, 0.97)),
        ["Warning:single-busy-cpu"]
    );
    let f = single_cpu(&host(1, 0.97));
    assert_eq!(
        f[0].evidence,
        [
            "CPUs online: 1 (ARM Cortex-A53)",
            "load average: 0.97 0.80 0.50"
        ]
    );
    assert!(single_cpu(&host(1, 0.5)).is_empty());
    assert!(single_cpu(&host(4, 3.9)).is_empty());
    assert!(single_cpu(&report(vec![])).is_empty());
}

fn window(samples: Samples) -> Reproduce {
    let snap = Snapshot {
        taken_at: chrono::Utc::now(),
        counters: vec![],
        endpoints: None,
        limits: None,
        sockets: None,
        notes: vec![],
    };
    Reproduce {
        started_at: chrono::Utc::now(),
        ended_at: chrono::Utc::now(),
        duration_ms: 1000.0,
        ended_by: EndedBy::Duration,
        requested_duration_ms: None,
        command: None,
        namespaces: vec![NsWindow {
            netns: None,
            subscribed: true,
            subscribe_error: None,
            events: vec![],
            events_total: 0,
            events_lost: 0,
            events_malformed: 0,
            before: snap.clone(),
            after: snap,
            samples: Some(samples),
        }],
    }
}

#[test]
fn backup_only_paths_when_every_additional_path_is_a_backup() {
    let backup = Endpoint::FLAG_SUBFLOW | Endpoint::FLAG_BACKUP;
    let mut r = client(1500, vec![], backup);
    let path = |local: &str, backup, bytes| PathTotal {
        local: local.into(),
        remote: "10.0.9.9:443".into(),
        backup,
        bytes_acked: bytes,
        ..Default::default()
    };
    r.reproduce = Some(window(Samples {
        paths: vec![
            path("10.0.1.1:40000", false, 990),
            path("10.0.2.1:40001", true, 10),
        ],
        ..Default::default()
    }));
    assert_eq!(says(backup_only, &r), ["Info:backup-only-paths"]);
    let f = backup_only(&r);
    assert_eq!(
        f[0].evidence,
        [
            "10.0.2.1 id 2 subflow backup dev eth1",
            "backup subflow 10.0.2.1:40001 -> 10.0.9.9:443 carried 1% of the window's bytes"
        ]
    );
    // One additional path that is not a backup: aggregation is possible.
    let mut r = client(1500, vec![], backup);
    if let Some(Data::Endpoints(e)) = r.sections[0].data.first_mut() {
        e.push(ep("10.0.3.1", 3, Endpoint::FLAG_SUBFLOW, Some("eth2")));
    }
    assert!(backup_only(&r).is_empty());
    // An endpoint on the initial path's address is not an additional path: the only one left is a
    // backup.
    let mut r = client(1500, vec![], backup);
    if let Some(Data::Endpoints(e)) = r.sections[0].data.first_mut() {
        e.push(ep("10.0.1.1", 1, Endpoint::FLAG_SUBFLOW, Some("eth0")));
    }
    assert_eq!(says(backup_only, &r), ["Info:backup-only-paths"]);
    // No endpoints, or endpoints without subflow/signal: quiet.
    assert!(backup_only(&report(vec![])).is_empty());
    assert!(backup_only(&client(1500, vec![], Endpoint::FLAG_BACKUP)).is_empty());
}
