//! Parts whose length grows with the namespaces: the automatic checks (one finding per rule and
//! namespace) and the collector table (one row per collector and namespace). Past their share they
//! fold alike entries together, then keep only what went wrong, then only the counts.

use crate::report::{Finding, Section, Severity, Status};
use serde::Serialize;

/// Evidence lines per finding at the shortened levels.
const EVIDENCE_SHOWN: usize = 3;
/// Evidence lines are clipped to this length at the shortened levels.
const EVIDENCE_MAX: usize = 300;
/// Groups of findings listed at the shortest level that still lists them.
const GROUPS_SHOWN: usize = 10;
/// Namespace names in a folded collector row.
const NAMES_SHOWN: usize = 3;

#[derive(Serialize, Clone)]
pub struct FindingItem {
    pub severity: Severity,
    /// The side a merged summary attributes it to ("both sides", "client", "server").
    pub side: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub evidence: Vec<String>,
    pub evidence_more: usize,
    /// Findings of the same rule (and side) folded into this one.
    pub alike: usize,
}

#[derive(Serialize, Clone)]
pub struct FindingsLevel {
    pub items: Vec<FindingItem>,
    /// Findings not listed at this level.
    pub more: usize,
    /// Some collectors did not give their data, so "nothing found" is about what was collected.
    pub incomplete: bool,
}

/// Levels of the checks part for findings (each with the side it belongs to, in a merged summary),
/// richest first.
pub fn findings_levels(
    findings: &[(Option<&str>, &Finding)],
    incomplete: bool,
) -> Vec<FindingsLevel> {
    let item = |(side, f): &(Option<&str>, &Finding), evidence: usize, alike: usize| {
        let shown = f.evidence.len().min(evidence);
        FindingItem {
            severity: f.severity,
            side: side.map(str::to_string),
            title: f.title.clone(),
            link: f.link.clone(),
            evidence: f.evidence[..shown]
                .iter()
                .map(|e| {
                    if evidence == usize::MAX {
                        e.clone()
                    } else {
                        super::budget::clip(e, EVIDENCE_MAX)
                    }
                })
                .collect(),
            evidence_more: f.evidence.len() - shown,
            alike,
        }
    };
    // Groups of the same rule and side, in order of first appearance.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, (side, f)) in findings.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|(first, _)| findings[*first].1.rule == f.rule && findings[*first].0 == *side)
        {
            Some((_, n)) => *n += 1,
            None => groups.push((i, 1)),
        }
    }
    let level = |items: Vec<FindingItem>, more| FindingsLevel {
        items,
        more,
        incomplete,
    };
    let folded = |evidence, limit: usize| {
        let items: Vec<FindingItem> = groups
            .iter()
            .take(limit)
            .map(|&(first, n)| item(&findings[first], evidence, n - 1))
            .collect();
        let listed: usize = groups.iter().take(limit).map(|(_, n)| n).sum();
        level(items, findings.len() - listed)
    };
    vec![
        level(findings.iter().map(|f| item(f, usize::MAX, 0)).collect(), 0),
        level(
            findings
                .iter()
                .map(|f| item(f, EVIDENCE_SHOWN, 0))
                .collect(),
            0,
        ),
        folded(1, usize::MAX),
        folded(0, GROUPS_SHOWN),
        folded(0, 0),
    ]
}

#[derive(Serialize, Clone, Default)]
pub struct Counts {
    pub ok: usize,
    pub skipped: usize,
    pub failed: usize,
    pub timed_out: usize,
}

#[derive(Serialize, Clone)]
pub struct CollectorRow {
    pub name: String,
    pub netns: String,
    pub status: String,
    pub duration_ms: String,
    /// The status detail and notes, escaped for a table cell.
    pub details: String,
}

#[derive(Serialize, Clone)]
pub struct CollectorsLevel {
    pub counts: Counts,
    pub rows: Vec<CollectorRow>,
    /// Sections not in the rows (ok ones, at the shorter levels).
    pub rows_more: usize,
}

/// Sections by status.
pub fn counts(sections: &[Section]) -> Counts {
    let mut counts = Counts::default();
    for s in sections {
        match s.status {
            Status::Ok => counts.ok += 1,
            Status::Skipped { .. } => counts.skipped += 1,
            Status::Failed { .. } => counts.failed += 1,
            Status::TimedOut { .. } => counts.timed_out += 1,
        }
    }
    counts
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn row(s: &Section) -> CollectorRow {
    let detail = s.status.detail();
    let details: Vec<&str> = std::iter::once(detail.as_str())
        .filter(|d| !d.is_empty())
        .chain(s.notes.iter().map(String::as_str))
        .collect();
    CollectorRow {
        name: s.collector.clone(),
        netns: s.netns.clone().unwrap_or_default(),
        status: s.status.label().to_string(),
        duration_ms: format!("{:.1}", s.duration_ms),
        details: cell(&details.join("; ")),
    }
}

/// Levels of the collector table, richest first: every section; sections alike in all but their
/// namespace folded into one row; only those that did not succeed; the counts.
pub fn collectors_levels(sections: &[Section]) -> Vec<CollectorsLevel> {
    let counts = counts(sections);
    let rows: Vec<CollectorRow> = sections.iter().map(row).collect();
    // Folded: (row, namespaces, slowest duration).
    let mut folded: Vec<(CollectorRow, Vec<String>, f64)> = Vec::new();
    for (r, s) in rows.iter().zip(sections) {
        let same = |(f, _, _): &&mut (CollectorRow, Vec<String>, f64)| {
            f.name == r.name && f.status == r.status && f.details == r.details
        };
        match folded.iter_mut().find(|f| same(f)) {
            Some((_, names, ms)) => {
                names.push(r.netns.clone());
                *ms = ms.max(s.duration_ms);
            }
            None => folded.push((r.clone(), vec![r.netns.clone()], s.duration_ms)),
        }
    }
    let folded: Vec<CollectorRow> = folded
        .into_iter()
        .map(|(r, names, ms)| {
            let netns = if names.len() == 1 {
                names[0].clone()
            } else {
                let shown: Vec<&str> = names
                    .iter()
                    .take(NAMES_SHOWN)
                    .map(|n| if n.is_empty() { "(own)" } else { n.as_str() })
                    .collect();
                let more = names.len().saturating_sub(NAMES_SHOWN);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!("{}{more}", shown.join(", "))
            };
            CollectorRow {
                netns: cell(&netns),
                duration_ms: format!("{ms:.1}"),
                ..r
            }
        })
        .collect();
    let not_ok: Vec<CollectorRow> = folded
        .iter()
        .filter(|r| r.status != "ok")
        .cloned()
        .collect();
    let level = |rows: Vec<CollectorRow>, shown: usize| CollectorsLevel {
        counts: counts.clone(),
        rows,
        rows_more: sections.len() - shown,
    };
    let not_ok_sections = sections.iter().filter(|s| s.status != Status::Ok).count();
    vec![
        level(rows, sections.len()),
        level(folded, sections.len()),
        level(not_ok, not_ok_sections),
        level(Vec::new(), 0),
    ]
}
