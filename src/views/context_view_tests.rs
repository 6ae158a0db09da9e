//! Levels of the Additional context's entries: a log keeps its marked spans and latest lines, a
//! table its largest rows in table order, a list its first items; headings and "not collected".

use super::*;
use crate::report::{Column, Entry, Facts, Section, Span, Status};

fn section(entries: Vec<Entry>, artifacts: Vec<Artifact>) -> Section {
    Section {
        artifacts,
        entries,
        ..Section::ok("kmsg", vec![])
    }
}

fn file(name: &str, content: String) -> Artifact {
    Artifact {
        name: name.into(),
        source: Source::File { path: name.into() },
        original_size: content.len() as u64,
        content,
        truncated: false,
        spool: None,
        in_raw: false,
    }
}

#[test]
fn a_log_keeps_its_marked_spans_and_the_latest_lines() {
    let mut lines: Vec<String> = (0..30).map(|i| format!("[{i}] mptcp early {i}")).collect();
    lines.push("[40] ------------[ cut here ]------------".into());
    lines.push("[40] WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1 x".into());
    lines.push("[40]  mptcp_sendmsg+0x3ab/0x7c0".into());
    lines.push("[40] ---[ end trace 0000000000000000 ]---".into());
    lines.extend((0..3000).map(|i| format!("[{}] mptcp later {i}", 100 + i)));
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let e = Entry::new(Body::Artifact {
        name: "log.txt".into(),
        format: Format::Log,
        marks: vec![Span { start: 30, end: 34 }],
    })
    .all_in(Some("log.txt"));
    let s = section(vec![e.clone()], vec![file("log.txt", text)]);
    let levels = levels(&s, &e);
    // Every level keeps the splat and the latest line; each is smaller than the one before.
    let mut last = usize::MAX;
    for l in &levels[..levels.len() - 1] {
        let EntryLevel::Code { text, at, .. } = l else {
            panic!()
        };
        assert!(text.contains("WARNING: CPU: 1 PID: 42"), "{text}");
        assert!(text.contains("mptcp later 2999\n"));
        assert!(text.len() < last);
        assert_eq!(at, "raw/kmsg/log.txt");
        last = text.len();
    }
    let EntryLevel::Code {
        text, shown, count, ..
    } = levels.last().unwrap()
    else {
        panic!()
    };
    assert_eq!((text.as_str(), *shown, *count), ("", 0, 3034));
}

#[test]
fn a_ranked_table_shortens_to_its_largest_rows_in_table_order() {
    let rows: Vec<Vec<String>> = (0..30)
        .map(|i| {
            vec![
                format!("C{i}"),
                (if i % 2 == 0 { i } else { 0 }).to_string(),
            ]
        })
        .filter(|r| r[1] != "0")
        .collect();
    let mut e = Entry::table(vec![Column::text("counter"), Column::number("value")], rows)
        .counted_as("non-zero counters");
    if let Body::Table { rank, .. } = &mut e.body {
        *rank = Some(1);
    }
    let s = section(vec![e.clone()], vec![]);
    let levels = levels(&s, &e);
    assert_eq!(levels.len(), 3);
    let EntryLevel::Table {
        rows, more, align, ..
    } = &levels[1]
    else {
        panic!()
    };
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        names,
        ["C10", "C12", "C14", "C16", "C18", "C20", "C22", "C24", "C26", "C28"]
    );
    assert_eq!((*more, align.as_slice()), (4, &["---", "---:"][..]));
    let EntryLevel::Table { rows, more, at, .. } = &levels[2] else {
        panic!()
    };
    assert_eq!((rows.len(), *more, at.as_str()), (0, 14, "report.json"));
}

#[test]
fn headings_come_from_the_entry_the_section_or_the_collector() {
    let mut s = section(
        vec![
            Entry::text("first"),
            Entry::text("more of it"),
            Entry::text("own").titled("Own heading"),
            Entry::text("text only").only(&[View::Text]),
        ],
        vec![],
    );
    let headings = |s: &Section, v| -> Vec<Option<String>> {
        entries_of(s, v).into_iter().map(|(h, _)| h).collect()
    };
    assert_eq!(
        headings(&s, View::Summary),
        [Some("kmsg".to_string()), None, Some("Own heading".into())]
    );
    s.title = Some("Kernel log".into());
    assert_eq!(
        headings(&s, View::Summary)[0].as_deref(),
        Some("Kernel log")
    );
    assert_eq!(headings(&s, View::Text).len(), 4);
}

#[test]
fn a_titled_section_that_gave_nothing_says_why_and_lists_shorten() {
    let mut s = section(vec![Entry::new(Body::Missing)], vec![]);
    s.status = Status::Skipped {
        reason: "not the live system (--root)".into(),
    };
    s.facts = Some(Facts::KernelLog);
    let EntryLevel::Missing { why } = &levels(&s, &s.entries[0])[0] else {
        panic!()
    };
    assert_eq!(why, "not the live system (--root)");
    let mut r: Report = serde_json::from_value(serde_json::json!({
        "schema_version": 3,
        "tool": {"name": "mptcp-get-debug", "version": "0"},
        "meta": {"started_at": "2026-11-25T07:00:00Z", "finished_at": "2026-11-25T07:00:00Z",
                 "mode": "collect", "hostname": "h", "uid": 0, "privileged": true, "args": [],
                 "root": "/", "netns": [""]},
        "sections": []
    }))
    .unwrap();
    r.sections.push(s);
    assert_eq!(
        why_not(&r, Facts::KernelLog, None),
        "not the live system (--root)"
    );
    assert_eq!(
        why_not(&r, Facts::Sockets, None),
        "its collector did not run"
    );
    let items: Vec<String> = (0..25).map(|i| format!("profile {i}")).collect();
    let e = Entry::list(items).counted_as("connection profiles");
    let l = levels(&section(vec![], vec![]), &e);
    let sizes: Vec<(usize, usize)> = l
        .iter()
        .map(|l| match l {
            EntryLevel::List { items, more, .. } => (items.len(), *more),
            _ => panic!(),
        })
        .collect();
    assert_eq!(sizes, [(25, 0), (20, 5), (0, 25)]);
}

#[test]
fn marks_and_ranks_from_an_archive_cannot_panic() {
    let text: String = (0..300).map(|i| format!("line {i}\n")).collect();
    let e = Entry::new(Body::Code {
        text,
        format: Format::Log,
        marks: vec![
            Span {
                start: 250,
                end: 10,
            },
            Span {
                start: 9_999,
                end: usize::MAX,
            },
        ],
    });
    let s = section(vec![e.clone()], vec![]);
    assert!(levels(&s, &e).len() > 2);
    let mut t = Entry::table(vec![Column::text("a")], vec![vec![]; 20]);
    if let Body::Table { rank, .. } = &mut t.body {
        *rank = Some(7);
    }
    assert_eq!(levels(&s, &t).len(), 3);
}
