//! `mptcp-get-debug diff A B`: what changed between two reports (before/after a change, or two hosts),
//! area by area. An area is an entry heading (report/present.rs): every section's entries for `diff`,
//! in the specs' order, whatever collector made them; the same heading from several namespaces (or
//! collectors) is one area. A table compares row by row (its first cell is the key; numbers say by
//! how much they changed), text, code, lists and artifacts line by line.

use super::context_view::{code_text, entries_of};
use crate::report::{Body, Report, View};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Lines listed per area and side before the rest is only counted.
const LINES_LISTED: usize = 50;

#[derive(Default)]
struct Area {
    /// Row key -> value.
    facts: BTreeMap<String, String>,
    /// Keys whose values are numbers: a change says by how much.
    numeric: BTreeSet<String>,
    /// Lines of text, code, lists and artifacts, each with where it is.
    lines: BTreeSet<String>,
}

/// Areas in display order.
fn areas(r: &Report, label_ns: bool) -> Vec<(String, Area)> {
    let mut out: Vec<(String, Area)> = Vec::new();
    let mut versions = Area::default();
    versions.facts.insert("tool".into(), r.tool.version.clone());
    out.push(("versions".into(), versions));
    for s in &r.sections {
        let at = match s.netns.as_deref() {
            Some(n) if label_ns => format!("[netns {n}] "),
            _ => String::new(),
        };
        let mut area: Option<usize> = None;
        for (heading, e) in entries_of(s, View::Diff) {
            // A section that gave nothing names no area: "collected in A only" then.
            if matches!(e.body, Body::Missing) {
                area = None;
                continue;
            }
            if let Some(h) = heading {
                area = Some(match out.iter().position(|(n, _)| *n == h) {
                    Some(i) => i,
                    None => {
                        out.push((h, Area::default()));
                        out.len() - 1
                    }
                });
            }
            let Some(i) = area else { continue };
            let a = &mut out[i].1;
            let prefix = match &e.caption {
                Some(c) => format!("{at}{c}: "),
                None => at.clone(),
            };
            match &e.body {
                Body::Table { columns, rows, .. } => {
                    let numeric = columns.len() == 2 && columns[1].numeric;
                    for row in rows.iter().filter(|r| !r.is_empty()) {
                        let key = format!("{prefix}{}", row[0]);
                        if numeric {
                            a.numeric.insert(key.clone());
                        }
                        a.facts.insert(key, row[1..].join(" "));
                    }
                }
                Body::List { items } => {
                    a.lines.extend(items.iter().map(|i| format!("{prefix}{i}")));
                }
                Body::Text { text } => {
                    a.lines.extend(text.lines().map(|l| format!("{prefix}{l}")));
                }
                Body::Code { .. } | Body::Artifact { .. } => {
                    // A spooled text is compared whole (diff is asked for, not the default run).
                    let whole =
                        super::context_view::spool_of(s, &e.body).and_then(|sp| sp.read_all().ok());
                    let text = whole
                        .as_deref()
                        .unwrap_or_else(|| code_text(s, &e.body).map_or("", |(t, _)| t));
                    a.lines.extend(
                        text.lines()
                            .filter(|l| !l.trim().is_empty())
                            .map(|l| format!("{prefix}{l}")),
                    );
                }
                Body::Missing => {}
            }
        }
    }
    out
}

/// What changed in one area present in both reports.
fn changes(fa: &Area, fb: &Area) -> String {
    let mut lines = String::new();
    let keys: BTreeSet<&String> = fa.facts.keys().chain(fb.facts.keys()).collect();
    for k in keys {
        let (va, vb) = (fa.facts.get(k), fb.facts.get(k));
        if va == vb {
            continue;
        }
        let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(absent)".into());
        let delta = match (
            va.and_then(|v| v.parse::<i128>().ok()),
            vb.and_then(|v| v.parse::<i128>().ok()),
        ) {
            (Some(x), Some(y)) if fa.numeric.contains(k) || fb.numeric.contains(k) => {
                format!(" ({:+})", y - x)
            }
            _ => String::new(),
        };
        let _ = writeln!(lines, "- {k}: {} -> {}{delta}", show(va), show(vb));
    }
    for (side, only) in [
        ("A", fa.lines.difference(&fb.lines).collect::<Vec<_>>()),
        ("B", fb.lines.difference(&fa.lines).collect::<Vec<_>>()),
    ] {
        for l in only.iter().take(LINES_LISTED) {
            let _ = writeln!(lines, "- only in {side}: {l}");
        }
        if only.len() > LINES_LISTED {
            let _ = writeln!(
                lines,
                "- … {} more lines only in {side} (all in its report.json and raw/)",
                only.len() - LINES_LISTED
            );
        }
    }
    lines
}

/// What differs between `a` and `b`, one `## area` heading per area that changed.
pub fn diff_reports(a: &Report, b: &Report) -> String {
    // Two single-namespace reports (two hosts, or `--netns X` before and `--netns Y` after) compare
    // namespace to namespace whatever their names.
    let single = |r: &Report| crate::triage::namespaces(r).len() <= 1;
    let label_ns = !(single(a) && single(b));
    let (aa, ab) = (areas(a, label_ns), areas(b, label_ns));
    let mut names: Vec<&String> = aa.iter().map(|(n, _)| n).collect();
    for (n, _) in &ab {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let find = |list: &'_ [(String, Area)], n: &str| -> Option<usize> {
        list.iter().position(|(m, _)| m == n)
    };
    let mut o = String::new();
    for name in names {
        let lines = match (find(&aa, name), find(&ab, name)) {
            (None, None) => String::new(),
            (Some(_), None) => "- collected in A only\n".into(),
            (None, Some(_)) => "- collected in B only\n".into(),
            (Some(i), Some(j)) => changes(&aa[i].1, &ab[j].1),
        };
        if !lines.is_empty() {
            if !o.is_empty() {
                o.push('\n');
            }
            let _ = write!(o, "## {name}\n\n{lines}");
        }
    }
    if o.is_empty() {
        o.push_str("No differences in what the two reports show.\n");
    }
    o
}
