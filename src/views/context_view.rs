//! The summary's "Additional context" parts built from the typed report, each at a few levels of
//! detail for the budget (see budget.rs): non-zero counters, interfaces, the MPTCP kernel log (its
//! splats and latest lines) and the self-test, so the template stays free of logic.

use super::budget::{clip, fence_for};
use crate::report::{Interfaces, Report, SelfTest};
use crate::views::formats::kmsg::{ends_splat, starts_splat};
use serde::Serialize;
use std::ops::Range;

/// Kernel log lines are clipped to this length in the summary (the archive has them whole).
const LOG_LINE_MAX: usize = 500;
/// Latest kernel log lines shown at each shortened level.
const LOG_TAILS: [usize; 6] = [200, 100, 50, 20, 10, 5];
/// Counters kept when the table is shortened (the largest values).
const COUNTERS_SHOWN: usize = 10;
/// Links kept when the interface list is shortened.
const LINKS_SHOWN: usize = 20;

/// One line per link, e.g. `eth0 UP mtu 1500 10.0.0.5/24 rp_filter=2`.
fn link_lines(i: &Interfaces) -> Vec<String> {
    i.links
        .iter()
        .map(|l| {
            let mut s = l.name.clone();
            if !l.state.is_empty() {
                s.push_str(&format!(" {}", l.state));
            }
            if let Some(m) = l.mtu {
                s.push_str(&format!(" mtu {m}"));
            }
            for a in &l.addrs {
                s.push_str(&format!(" {a}"));
            }
            if let Some(r) = l.rp_filter {
                s.push_str(&format!(" rp_filter={r}"));
            }
            s
        })
        .collect()
}

/// rp_filter all/default and default routes.
fn interface_footer(i: &Interfaces) -> Vec<String> {
    let opt = |v: Option<u8>| v.map_or("?".to_string(), |v| v.to_string());
    let yn = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    vec![
        format!(
            "rp_filter all={} default={}",
            opt(i.rp_filter_all),
            opt(i.rp_filter_default)
        ),
        format!(
            "default route (main table): IPv4 {}, IPv6 {}",
            yn(i.default_route_v4),
            yn(i.default_route_v6)
        ),
    ]
}

/// Every link, then rp_filter all/default and default routes.
pub fn interface_lines(i: &Interfaces) -> Vec<String> {
    let mut lines = link_lines(i);
    lines.extend(interface_footer(i));
    lines
}

#[derive(Serialize, Clone)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum InterfacesLevel {
    Missing {
        why: String,
    },
    Lines {
        fence: String,
        lines: Vec<String>,
        more: usize,
    },
}

pub fn interfaces_levels(report: &Report, ns: Option<&str>) -> Vec<InterfacesLevel> {
    let Some(i) = report.interfaces(ns) else {
        let why = why_not(report, "routing", ns);
        return vec![InterfacesLevel::Missing { why }];
    };
    let links = link_lines(i);
    let level = |n: usize| {
        let mut lines: Vec<String> = links.iter().take(n).cloned().collect();
        lines.extend(interface_footer(i));
        InterfacesLevel::Lines {
            fence: fence_for(&lines.concat()),
            lines,
            more: links.len().saturating_sub(n),
        }
    };
    let mut out = vec![level(links.len())];
    if links.len() > LINKS_SHOWN {
        out.push(level(LINKS_SHOWN));
    }
    if !links.is_empty() {
        out.push(level(0));
    }
    out
}

#[derive(Serialize, Clone)]
pub struct CountersLevel {
    pub rows: Vec<(String, u64)>,
    /// Non-zero counters not in the rows.
    pub more: usize,
    /// Where every counter is.
    pub raw: String,
}

/// Non-zero MPTcpExt counters: all; the largest few (in kernel order); only how many.
pub fn counters_levels(report: &Report, ns: Option<&str>) -> Vec<CountersLevel> {
    let nonzero: Vec<(String, u64)> = report
        .mib(ns)
        .and_then(|m| m.groups.get("MPTcpExt"))
        .map(|c| {
            c.iter()
                .filter(|c| c.value != 0)
                .map(|c| (c.name.clone(), c.value))
                .collect()
        })
        .unwrap_or_default();
    let raw = raw_of(report, "mib", ns);
    let level = |rows: Vec<(String, u64)>| CountersLevel {
        more: nonzero.len() - rows.len(),
        rows,
        raw: raw.clone(),
    };
    let mut out = vec![level(nonzero.clone())];
    if nonzero.len() > COUNTERS_SHOWN {
        // The largest values (kernel order on ties), shown in kernel order.
        let mut order: Vec<usize> = (0..nonzero.len()).collect();
        order.sort_by(|&a, &b| nonzero[b].1.cmp(&nonzero[a].1).then(a.cmp(&b)));
        let mut top = order[..COUNTERS_SHOWN].to_vec();
        top.sort_unstable();
        out.push(level(top.iter().map(|&i| nonzero[i].clone()).collect()));
    }
    if !nonzero.is_empty() {
        out.push(level(Vec::new()));
    }
    out
}

/// The archive path of a collector's first artifact in a namespace, else report.json.
pub fn raw_of(report: &Report, collector: &str, ns: Option<&str>) -> String {
    report
        .sections
        .iter()
        .find(|s| s.collector == collector && s.netns.as_deref() == ns)
        .and_then(|s| s.artifacts.first())
        .map(|a| crate::report::raw_path(ns, collector, &a.name))
        .unwrap_or_else(|| "report.json".into())
}

pub fn self_test_line(t: &SelfTest) -> String {
    format!("{}: {} ({:.1} ms)", t.result, t.detail, t.duration_ms)
}

#[derive(Serialize, Clone)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum KernelLogLevel {
    Missing {
        why: String,
    },
    Lines {
        source: String,
        count: usize,
        splats: usize,
        /// Lines shown (the others are in `raw`).
        shown: usize,
        fence: String,
        /// The lines shown, with `[… N lines]` where some are left out.
        text: String,
        raw: String,
    },
}

/// Where each WARNING/BUG splat is among the kept lines (a "cut here" line starts the splat its
/// WARNING line continues; "---[ end trace" ends it).
fn splat_spans(lines: &[String]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !starts_splat(&lines[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < lines.len()
            && !ends_splat(&lines[i])
            && !(starts_splat(&lines[i]) && i > start + 1)
        {
            i += 1;
        }
        if i < lines.len() && ends_splat(&lines[i]) {
            i += 1;
        }
        spans.push(start..i);
    }
    spans
}

/// The chosen lines in order, a marker line for every gap.
fn excerpt(lines: &[String], keep: &[bool]) -> String {
    let mut out = String::new();
    let mut gap = 0;
    for (line, &k) in lines.iter().zip(keep) {
        if !k {
            gap += 1;
            continue;
        }
        if gap > 0 {
            out.push_str(&format!("[… {gap} lines]\n"));
            gap = 0;
        }
        out.push_str(&clip(line, LOG_LINE_MAX));
        out.push('\n');
    }
    if gap > 0 {
        out.push_str(&format!("[… {gap} lines]\n"));
    }
    out
}

/// The kernel log part: every line; then the first and the latest splats with the latest lines;
/// then the latest splat with fewer lines; then only the counts.
pub fn kernel_log_levels(report: &Report) -> Vec<KernelLogLevel> {
    let Some(k) = report.kernel_log() else {
        let why = why_not(report, "kmsg", None);
        return vec![KernelLogLevel::Missing { why }];
    };
    let n = k.lines.len();
    let spans = splat_spans(&k.lines);
    let raw = raw_of(report, "kmsg", None);
    let level = |keep: Vec<bool>| {
        let text = excerpt(&k.lines, &keep);
        KernelLogLevel::Lines {
            source: k.source.clone(),
            count: n,
            splats: k.splats,
            shown: keep.iter().filter(|&&k| k).count(),
            fence: fence_for(&text),
            text: if keep.iter().any(|&k| k) {
                text
            } else {
                String::new()
            },
            raw: raw.clone(),
        }
    };
    let mut out = Vec::new();
    let total: usize = k.lines.iter().map(|l| l.len().min(LOG_LINE_MAX) + 1).sum();
    if total < super::budget::SUMMARY_BUDGET {
        out.push(level(vec![true; n]));
    }
    for (i, &tail) in LOG_TAILS.iter().enumerate() {
        if tail >= n && !out.is_empty() {
            continue;
        }
        let mut keep = vec![false; n];
        // The first splat while there is room for two, and always the latest one.
        let chosen: Vec<&Range<usize>> = match (spans.first(), spans.last()) {
            (Some(a), Some(b)) if i < 4 && a != b => vec![a, b],
            (_, Some(b)) => vec![b],
            _ => vec![],
        };
        for s in chosen {
            keep[s.clone()].iter_mut().for_each(|k| *k = true);
        }
        keep[n.saturating_sub(tail)..]
            .iter_mut()
            .for_each(|k| *k = true);
        out.push(level(keep));
    }
    out.push(level(vec![false; n]));
    out
}

/// Why a collector gave no data here (its status detail), for the "not collected" lines.
pub fn why_not(report: &Report, collector: &str, ns: Option<&str>) -> String {
    report
        .sections
        .iter()
        .find(|s| s.collector == collector && s.netns.as_deref() == ns)
        .map(|s| s.status.detail())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{collector} did not run"))
}

#[cfg(test)]
#[path = "context_view_tests.rs"]
mod tests;
