//! The reproduce part of the summary, rendered through the real template.

use super::*;
use crate::report::{CommandRun, EndedBy, Snapshot};
use crate::report::{Counter, Meta, MptcpSocket, Report, Tool};
use crate::report::{EventKind, PmEvent};
use crate::views::formats::iproute::{parse_endpoints, parse_limits};
use chrono::DateTime;

fn counters(list: &[(&str, u64)]) -> Vec<Counter> {
    list.iter()
        .map(|(n, v)| Counter {
            name: n.to_string(),
            value: *v,
        })
        .collect()
}

fn snap(c: &[(&str, u64)], eps: &str, sockets: usize) -> Snapshot {
    Snapshot {
        taken_at: DateTime::UNIX_EPOCH,
        counters: counters(c),
        endpoints: Some(parse_endpoints(eps).unwrap()),
        limits: Some(parse_limits("add_addr_accepted 0 subflows 2 \n").unwrap()),
        sockets: Some(vec![MptcpSocket::default(); sockets].into()),
        notes: vec![],
    }
}

fn event(kind: EventKind, sport: u16) -> PmEvent {
    let mut e = PmEvent::new(DateTime::UNIX_EPOCH, kind);
    e.token = Some(0x1f0cdd34);
    e.saddr = Some("10.1.1.1".parse().unwrap());
    e.daddr = Some("10.1.1.2".parse().unwrap());
    e.sport = Some(sport);
    e.dport = Some(10001);
    e
}

fn report() -> Report {
    let client: Vec<PmEvent> = (0..25)
        .map(|i| event(EventKind::Created, 40000 + i))
        .collect();
    let reproduce = Reproduce {
        started_at: DateTime::UNIX_EPOCH,
        ended_at: DateTime::UNIX_EPOCH,
        duration_ms: 1534.2,
        ended_by: EndedBy::Command,
        requested_duration_ms: None,
        command: Some(CommandRun {
            argv: vec![
                "mptcp_pair".into(),
                "--addr".into(),
                "10.1.1.2:10001".into(),
                "a b".into(),
            ],
            netns: Some("cli".into()),
            exit_code: Some(0),
            duration_ms: 1520.0,
            ..Default::default()
        }),
        namespaces: vec![
            NsWindow {
                netns: Some("cli".into()),
                subscribed: true,
                subscribe_error: None,
                events: client,
                events_total: 25,
                events_lost: 3,
                events_malformed: 0,
                before: snap(
                    &[
                        ("MPCapableSYNTX", 0),
                        ("MPJoinSynTx", 0),
                        ("MPCurrEstab", 1),
                    ],
                    "10.1.2.1 id 1 subflow dev va2 \n",
                    0,
                ),
                after: snap(
                    &[
                        ("MPCapableSYNTX", 25),
                        ("MPJoinSynTx", 25),
                        ("MPCurrEstab", 0),
                    ],
                    "10.1.2.1 id 1 subflow backup dev va2 \n",
                    1,
                ),
                samples: None,
            },
            NsWindow {
                netns: Some("srv".into()),
                subscribed: false,
                subscribe_error: Some(
                    "events cannot be subscribed without CAP_NET_ADMIN (run as root)".into(),
                ),
                events: vec![],
                events_total: 0,
                events_lost: 0,
                events_malformed: 0,
                before: snap(&[("MPCapableSYNRX", 0)], "", 0),
                after: snap(&[("MPCapableSYNRX", 0)], "", 0),
                samples: None,
            },
        ],
    };
    Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool {
            name: "mptcp-get-debug".into(),
            version: "0".into(),
        },
        meta: Meta {
            started_at: DateTime::UNIX_EPOCH,
            finished_at: DateTime::UNIX_EPOCH,
            mode: crate::report::Mode::Reproduce,
            hostname: "h".into(),
            uid: 0,
            privileged: true,
            args: vec![],
            root: "/".into(),
            sysroot: false,
            netns: vec!["cli".into(), "srv".into()],
            side: None,
            archive: None,
        },
        sections: vec![],
        findings: vec![],
        redaction: None,
        reproduce: Some(reproduce),
    }
}

/// The summary from "### Reproduction window" to the next third-level heading.
fn reproduction_part(summary: &str) -> &str {
    let start = summary
        .find("### Reproduction window")
        .expect("section present");
    let rest = &summary[start..];
    let end = rest[3..].find("\n### ").map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

#[test]
fn summary_shows_window_events_deltas_and_changes() {
    let r = report();
    let summary = crate::views::render_summary(&r, &Default::default()).unwrap();
    let part = reproduction_part(&summary);
    insta::assert_snapshot!(part);
    assert!(part.contains("**3 events lost**"));
    assert!(part.contains("- MPCapableSYNTX: 0 -> 25 (+25)"));
    assert!(part.contains("- MPCurrEstab: 1 -> 0 (-1)"));
    assert!(
        !part.contains("MPCapableSYNRX"),
        "unchanged counters are not listed"
    );
    assert_eq!(part.matches("[         CREATED]").count(), EVENTS_SHOWN);
}

#[test]
fn the_json_round_trips() {
    let r = report();
    let json = serde_json::to_string(&r).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
}
