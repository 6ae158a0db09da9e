//! Levels of the kernel log, counters and interfaces parts.

use super::*;
use crate::report::{Counter, Data, KernelLog, Mib, Section};

fn report_with(data: Vec<Data>) -> Report {
    let mut r: Report = serde_json::from_value(serde_json::json!({
        "schema_version": 1,
        "tool": {"name": "mptcp-get-debug", "version": "0"},
        "meta": {"started_at": "2026-11-25T07:00:00Z", "finished_at": "2026-11-25T07:00:00Z",
                 "mode": "collect", "hostname": "h", "uid": 0, "privileged": true, "args": [],
                 "root": "/", "netns": [""]},
        "sections": []
    }))
    .unwrap();
    r.sections.push(Section::ok("kmsg", data));
    r
}

#[test]
fn kernel_log_keeps_splats_and_the_latest_lines() {
    let mut lines: Vec<String> = (0..30).map(|i| format!("[{i}] mptcp early {i}")).collect();
    lines.push("[40] ------------[ cut here ]------------".into());
    lines.push("[40] WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1 x".into());
    lines.push("[40]  mptcp_sendmsg+0x3ab/0x7c0".into());
    lines.push("[40] ---[ end trace 0000000000000000 ]---".into());
    lines.extend((0..3000).map(|i| format!("[{}] mptcp later {i}", 100 + i)));
    let r = report_with(vec![Data::KernelLog(KernelLog {
        source: "/dev/kmsg".into(),
        lines,
        splats: 1,
    })]);
    let levels = kernel_log_levels(&r);
    // Every level keeps the splat and the latest line; each is smaller than the one before.
    let mut last = usize::MAX;
    for l in &levels[..levels.len() - 1] {
        let KernelLogLevel::Lines { text, .. } = l else {
            panic!()
        };
        assert!(text.contains("WARNING: CPU: 1 PID: 42"), "{text}");
        assert!(text.contains("mptcp later 2999\n"));
        assert!(text.contains("[… "));
        assert!(text.len() < last);
        last = text.len();
    }
    let KernelLogLevel::Lines {
        text, shown, count, ..
    } = levels.last().unwrap()
    else {
        panic!()
    };
    assert_eq!((text.as_str(), *shown, *count), ("", 0, 3034));
}

#[test]
fn counters_shorten_to_the_largest_in_kernel_order() {
    let counters: Vec<Counter> = (0..30)
        .map(|i| Counter {
            name: format!("C{i}"),
            value: if i % 2 == 0 { i } else { 0 },
        })
        .collect();
    let r = report_with(vec![Data::Mib(Mib {
        groups: [("MPTcpExt".to_string(), counters)].into_iter().collect(),
        ..Default::default()
    })]);
    let levels = counters_levels(&r, None);
    assert_eq!(levels.len(), 3);
    assert_eq!(levels[0].rows.len(), 14);
    let names: Vec<&str> = levels[1].rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        ["C10", "C12", "C14", "C16", "C18", "C20", "C22", "C24", "C26", "C28"]
    );
    assert_eq!(levels[1].more, 4);
    assert_eq!((levels[2].rows.len(), levels[2].more), (0, 14));
}
