//! The "Machine and links" block: the machine line, the capped interface table, the per-path shares.

use super::*;
use crate::report::*;
use crate::report::{EndedBy, NsWindow, PathTotal, Reproduce, Samples, Snapshot};

fn report(sections: Vec<Section>) -> Report {
    let mut meta = Meta::new(chrono::Utc::now(), "h");
    meta.mode = crate::report::Mode::Reproduce;
    meta.netns = vec![];
    Report::new(meta, sections)
}

fn links_section(ns: Option<&str>, links: Vec<LinkDetail>) -> Section {
    Section {
        netns: ns.map(String::from),
        ..Section::ok("links", vec![Data::Links(links)])
    }
}

fn link(name: &str) -> LinkDetail {
    LinkDetail {
        name: name.into(),
        mtu: Some(1500),
        qdisc: Some("fq_codel".into()),
        driver: Some("virtio_net".into()),
        bus: Some("virtio".into()),
        speed_mbps: Some(10000),
        duplex: Some("full".into()),
        offloads: Some(Offloads {
            source: "ethtool netlink".into(),
            active: vec!["rx-gro".into(), "tx-generic-segmentation".into()],
            off: vec!["tx-tcp-segmentation".into()],
        }),
        counters: Some(LinkCounters {
            rx_dropped: 12,
            rx_missed_errors: 3,
            tx_errors: 1,
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn machine_line() {
    let h = Host {
        cpus_online: 1,
        physical_cores: Some(1),
        cpu_model: Some("ARM Cortex-A53".into()),
        arch: Some("aarch64".into()),
        memory_total_bytes: 4 << 30,
        memory_available_bytes: 3 << 30,
        swap_total_bytes: 0,
        load_1: 0.97,
        load_5: 0.5,
        load_15: 0.25,
        uptime_seconds: 3 * 86400 + 4 * 3600 + 5,
        boot_time: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        ..Default::default()
    };
    assert_eq!(
        host_line(&h),
        "Machine: 1 CPU online (ARM Cortex-A53, 1 physical core, aarch64); memory 4.0 GiB (3.0 GiB available), no swap; load average 0.97 0.50 0.25; up 3 d 4 h, booted 2023-11-14 22:13 UTC."
    );
}

#[test]
fn one_row_per_interface_mptcp_ones_first() {
    let mut r = report(vec![links_section(
        None,
        vec![link("lo"), link("eth0"), link("eth|1")],
    )]);
    r.sections.push(Section {
        collector: "endpoints".into(),
        data: vec![Data::Endpoints(vec![Endpoint {
            id: 1,
            addr: "10.0.2.1".parse().unwrap(),
            port: 0,
            flags: 2,
            ifindex: Some(3),
            dev: Some("eth|1".into()),
            unknown_attrs: Vec::new(),
        }])],
        ..links_section(None, vec![])
    });
    let t = links_table(&r).unwrap();
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "| interface | driver (bus) | speed | MTU | qdisc | GRO/GSO/TSO | rx errors/dropped | tx errors/dropped |");
    assert_eq!(lines[2], "| eth\\|1 * | virtio_net (virtio) | 10000 Mb/s full | 1500 | fq_codel | on/on/off | 0/12 (missed 3) | 1/0 |");
    assert!(lines[3].starts_with("| eth0 | "), "{t}");
    assert!(!t.contains("| lo "), "{t}");
    assert!(
        t.ends_with("`*` carries an MPTCP endpoint, connection or subflow.\n"),
        "{t}"
    );
    assert!(links_table(&report(vec![])).is_none());
}

#[test]
fn the_table_is_capped_over_all_namespaces() {
    let many = |n: usize| {
        (0..n)
            .map(|i| link(&format!("veth{i}")))
            .collect::<Vec<_>>()
    };
    let r = report(vec![
        links_section(None, many(30)),
        links_section(Some("a b"), many(25)),
        links_section(Some("c"), many(5)),
    ]);
    let t = links_table(&r).unwrap();
    let rows = t
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| netns"))
        .count();
    assert_eq!(rows, MAX_LINK_ROWS);
    assert!(t.contains("\n… 15 more in `raw/netns-a_b/links/links.txt`; 5 more in `raw/netns-c/links/links.txt`\n"), "{t}");
    assert!(t.starts_with("| netns | interface |"), "{t}");
    // Bounded whatever the number of interfaces.
    let huge = report(
        (0..50)
            .map(|i| links_section(Some(&format!("n{i}")), many(500)))
            .collect(),
    );
    assert!(render(&huge).unwrap().len() < 12_000);
}

fn window(paths: Vec<PathTotal>) -> Report {
    let snap = Snapshot {
        taken_at: chrono::Utc::now(),
        counters: vec![],
        endpoints: None,
        limits: None,
        sockets: None,
        notes: vec![],
    };
    let mut r = report(vec![]);
    r.reproduce = Some(Reproduce {
        started_at: chrono::Utc::now(),
        ended_at: chrono::Utc::now(),
        duration_ms: 2000.0,
        ended_by: EndedBy::Command,
        requested_duration_ms: None,
        command: None,
        namespaces: vec![NsWindow {
            netns: Some("cli".into()),
            subscribed: true,
            subscribe_error: None,
            events: vec![],
            events_total: 0,
            events_lost: 0,
            events_malformed: 0,
            before: snap.clone(),
            after: snap,
            samples: Some(Samples {
                interval_ms: 100,
                rounds: 21,
                kept_every: 1,
                paths,
                ..Default::default()
            }),
        }],
    });
    r
}

fn path(local: &str, remote: &str, dev: &str, acked: u64, backup: bool) -> PathTotal {
    PathTotal {
        local: local.into(),
        remote: remote.into(),
        dev: Some(dev.into()),
        bytes_acked: acked,
        retransmits: 2,
        backup,
        first_ms: 0,
        last_ms: 2000,
        ..Default::default()
    }
}

#[test]
fn share_of_bytes_per_path() {
    let r = window(vec![
        path("10.0.1.1:40000", "10.0.1.2:5201", "eth0", 26_000_000, false),
        path("10.0.2.1:40001", "10.0.2.2:5201", "eth1", 24_000_000, true),
        path("10.0.1.1:40002", "10.0.1.2:5201", "eth0", 0, false),
    ]);
    let block = render(&r).unwrap();
    assert_eq!(
        block,
        "Throughput during the window (netns cli): 21 rounds every 100 ms (series in `reproduce/netns-cli/samples.jsonl`):\n\n\
- 10.0.1.1 -> 10.0.1.2 (eth0): 52% of bytes (26.0 MB, 104.0 Mbit/s while up), 4 retransmits\n\
- 10.0.2.1 -> 10.0.2.2 (eth1): 48% of bytes (24.0 MB, 96.0 Mbit/s while up), 2 retransmits, backup\n"
    );
    // Many sampled namespaces: a few shown, the rest pointed at.
    let mut many = window(vec![path("10.0.1.1:1", "10.0.1.2:2", "eth0", 5, false)]);
    let rep = many.reproduce.as_mut().unwrap();
    let w = rep.namespaces[0].clone();
    rep.namespaces = (0..30)
        .map(|i| NsWindow {
            netns: Some(format!("n{i}")),
            ..w.clone()
        })
        .collect();
    let block = render(&many).unwrap();
    assert_eq!(
        block.matches("Throughput during the window").count(),
        MAX_WINDOWS
    );
    assert!(block.ends_with("… the throughput of 26 more namespaces is in their `reproduce/netns-*/samples.jsonl`.\n"), "{block}");
    let idle = window(vec![]);
    assert!(render(&idle)
        .unwrap()
        .ends_with("\n- no MPTCP subflow was seen\n"));
    assert!(render(&report(vec![])).is_none());
}
