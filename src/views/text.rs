//! Plain-text view: the same facts as the summary, for terminals and logs (no markdown). Every
//! section's entries (report/present.rs) in the specs' order, whatever collector made them, each
//! bounded so the view stays readable whatever the system; then the checks, the reproduction window
//! and the collector table.

use super::budget_sockets::SsText;
use super::context_view::{all_at, code_text, entries_of, spool_of};
use crate::report::{Body, Entry, Format, Report, Section, View};
use std::fmt::Write;

/// The widest a padded column gets.
const MAX_WIDTH: usize = 60;
/// Findings listed one by one; past this many, folded by rule.
const FINDINGS_LISTED: usize = 20;
/// Lines of preformatted text, rows and items shown of one entry.
const LINES_SHOWN: usize = 200;
const ITEMS_SHOWN: usize = 50;

pub fn render_text(report: &Report) -> String {
    // The one place this view is made terminal-safe.
    crate::sys::escape::escape(&text(report)).into_owned()
}

fn text(report: &Report) -> String {
    let mut o = String::new();
    let m = &report.meta;
    let _ = writeln!(
        o,
        "{} {} ({}), {}",
        report.tool.name,
        report.tool.version,
        m.mode,
        m.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(
        o,
        "privileged: {}   uid: {}   root: {}",
        if m.privileged { "yes" } else { "no" },
        m.uid,
        m.root
    );
    let missing = super::privilege::missing_without_root(report);
    if !missing.is_empty() {
        let _ = writeln!(o, "not collected without root; {}:", super::privilege::HOW);
        for m in missing {
            let _ = writeln!(o, "  - {m}");
        }
    }
    for sec in &report.sections {
        let label = sec
            .netns
            .as_deref()
            .map(|n| format!(" (netns {n})"))
            .unwrap_or_default();
        for (heading, e) in entries_of(sec, View::Text) {
            if let Some(h) = heading {
                let _ = writeln!(o, "\n== {h}{label}");
            }
            entry_text(&mut o, sec, e);
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(o, "\n== automatic checks");
        // Many findings (one per namespace and rule) are folded by rule, as in the summary.
        let all: Vec<_> = report.findings.iter().map(|f| (None, f)).collect();
        let mut levels = super::budget_lists::findings_levels(&all, false);
        let level = levels.swap_remove(if all.len() > FINDINGS_LISTED { 2 } else { 0 });
        for f in &level.items {
            let alike = match f.alike {
                0 => String::new(),
                n => format!(" (and {n} more like it)"),
            };
            let _ = writeln!(o, "{:?}: {}{alike}", f.severity, f.title);
            for e in &f.evidence {
                let _ = writeln!(o, "    {e}");
            }
            if f.evidence_more > 0 {
                let _ = writeln!(o, "    ... {} more", f.evidence_more);
            }
        }
    }
    if let Some(rep) = &report.reproduce {
        reproduce_text(&mut o, rep);
    }
    let _ = writeln!(o, "\n== collectors");
    let w = report
        .sections
        .iter()
        .map(|s| s.collector.len() + s.netns.as_ref().map_or(0, |n| n.len() + 3))
        .max()
        .unwrap_or(0)
        .min(MAX_WIDTH);
    for s in &report.sections {
        let name = match &s.netns {
            Some(n) => format!("{} [{n}]", s.collector),
            None => s.collector.clone(),
        };
        let detail = s.status.detail();
        let line = format!("{name:<w$}  {:<9}  {}", s.status.label(), detail);
        let _ = writeln!(o, "{}", line.trim_end());
    }
    o
}

/// One entry as plain text, bounded.
fn entry_text(o: &mut String, sec: &Section, e: &Entry) {
    if let Some(c) = &e.caption {
        let _ = writeln!(o, "{c}:");
    }
    let empty = e.empty.as_deref().unwrap_or("(none)");
    let noun = e.noun.as_deref().unwrap_or("lines");
    let at = all_at(sec, e);
    match &e.body {
        Body::Text { text } => {
            let _ = writeln!(o, "{text}");
        }
        Body::Missing => {
            let _ = writeln!(o, "not collected: {}", sec.status.detail());
        }
        Body::List { items } if items.is_empty() => {
            let _ = writeln!(o, "{empty}");
        }
        Body::List { items } => {
            for i in items.iter().take(ITEMS_SHOWN) {
                let _ = writeln!(o, "- {i}");
            }
            if items.len() > ITEMS_SHOWN {
                let _ = writeln!(
                    o,
                    "... {} more {noun} (all in {at})",
                    items.len() - ITEMS_SHOWN
                );
            }
        }
        Body::Table { rows, .. } if rows.is_empty() => {
            let _ = writeln!(o, "{empty}");
        }
        Body::Table { columns, rows, .. } => {
            // Key and value alone need no header; wider tables name their columns.
            let header: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
            let mut shown: Vec<&Vec<String>> = rows.iter().take(LINES_SHOWN).collect();
            if columns.len() > 2 {
                shown.insert(0, &header);
            }
            table(o, &shown);
            if rows.len() > LINES_SHOWN {
                let _ = writeln!(
                    o,
                    "... {} more {noun} (all in {at})",
                    rows.len() - LINES_SHOWN
                );
            }
        }
        Body::Code { format, .. } | Body::Artifact { format, .. } => {
            if let (Format::Sockets, Some(sp)) = (format, spool_of(sec, &e.body)) {
                sockets_text(o, SsText::Spool(sp));
                return;
            }
            let Some((text, note)) = code_text(sec, &e.body) else {
                let _ = writeln!(o, "(not in the report)");
                return;
            };
            if text.trim().is_empty() {
                let _ = writeln!(o, "{empty}");
            } else if *format == Format::Sockets {
                sockets_text(o, SsText::Str(text));
            } else {
                let lines: Vec<&str> = text.lines().collect();
                let n = lines.len();
                let (skip, take) = match (*format == Format::Log, n > LINES_SHOWN) {
                    (_, false) => (0, n),
                    (true, true) => (n - LINES_SHOWN, LINES_SHOWN),
                    (false, true) => (0, LINES_SHOWN),
                };
                if skip > 0 {
                    let _ = writeln!(o, "... {skip} earlier {noun} (all in {at})");
                }
                for l in &lines[skip..skip + take] {
                    let _ = writeln!(o, "{l}");
                }
                if skip + take < n {
                    let _ = writeln!(o, "... {} more {noun} (all in {at})", n - take);
                }
            }
            if let Some(note) = note {
                let _ = writeln!(o, "{note}");
            }
        }
    }
}

/// Rows with every column but the last padded to its width (bounded: names come from archives, and
/// a format width past u16::MAX panics).
fn table(o: &mut String, rows: &[&Vec<String>]) {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|v| v.chars().count())
                .max()
                .unwrap_or(0)
                .min(MAX_WIDTH)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (c, v) in r.iter().enumerate() {
            if c + 1 < r.len() {
                let w = widths[c];
                let _ = write!(line, "{v:<w$}  ");
            } else {
                line.push_str(v);
            }
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
}

/// `ss -ManiH` output: whole while there are few sockets; past that, counted by state and the first
/// ones listed (report.json and raw/ have them all).
fn sockets_text(o: &mut String, text: SsText) {
    const LISTED: usize = 50;
    const FIRST: usize = 20;
    // One walk: the count by state, and the first records (all of them when few).
    let mut states: std::collections::BTreeMap<String, usize> = Default::default();
    let (mut total, mut first) = (0usize, Vec::new());
    text.for_each_record(|r| {
        total += 1;
        *states.entry(r.state.to_string()).or_default() += 1;
        if first.len() < LISTED {
            first.push(r.text.to_string());
        }
    });
    let _ = writeln!(o, "{total} MPTCP sockets");
    let shown = if total <= LISTED { total } else { FIRST };
    if shown < total {
        let states: Vec<String> = super::budget_sockets::most_first(states)
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(o, "by state: {}; the first {shown}:", states.join(", "));
    }
    for r in &first[..shown] {
        o.push_str(r);
    }
    if shown < total {
        let _ = writeln!(
            o,
            "... {} more (all in report.json and raw/)",
            total - shown
        );
    }
}

/// The reproduction window: how it ended, events (as `ip mptcp monitor` prints them) and counter changes.
fn reproduce_text(o: &mut String, rep: &crate::report::Reproduce) {
    let _ = writeln!(
        o,
        "\n== reproduction window: {:.1} s, ended by {}",
        rep.duration_ms / 1000.0,
        rep.ended_by.describe()
    );
    if let Some(c) = &rep.command {
        let _ = writeln!(o, "command: {} ({})", c.argv.join(" "), c.status());
    }
    for w in &rep.namespaces {
        let label = w
            .netns
            .as_deref()
            .map(|n| format!(" (netns {n})"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "events{label}: {} received, {} lost",
            w.events_total, w.events_lost
        );
        if let Some(e) = &w.subscribe_error {
            let _ = writeln!(o, "    not subscribed: {e}");
        }
        for line in crate::views::formats::monitor::render_events(&w.events)
            .lines()
            .take(20)
        {
            let _ = writeln!(o, "    {line}");
        }
        for d in w.changed_counters() {
            let _ = writeln!(
                o,
                "    {} {} -> {} ({:+})",
                d.name, d.before, d.after, d.delta
            );
        }
    }
}
