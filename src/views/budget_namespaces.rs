//! The summary's part for the namespaces beyond the first few: a table of how each differs from the
//! first one (sysctls, endpoints, limits) and what happened in it (MPTCP sockets, non-zero counters,
//! collectors that failed), namespaces without anything to say folded into one line.

use super::budget_sockets;
use crate::report::{Report, Status};
use crate::views::formats::iproute;
use serde::Serialize;

/// Rows of a table level that keeps only some of them.
const ROWS_SHOWN: usize = 20;
/// Names listed on the line of namespaces with nothing to say.
const QUIET_NAMES: usize = 20;

#[derive(Serialize, Clone, Debug)]
pub struct Row {
    pub name: String,
    pub differs: String,
    pub sockets: String,
    pub counters: String,
    pub problems: String,
    #[serde(skip)]
    quiet: bool,
}

#[derive(Serialize, Clone, Debug)]
pub struct NamespacesLevel {
    /// The namespace the others are compared with ("" for the tool's own).
    pub first: String,
    pub total: usize,
    pub rows: Vec<Row>,
    /// Rows left out of this level (all of them are in report.json).
    pub rows_more: usize,
    pub quiet: usize,
    pub quiet_names: Vec<String>,
    pub quiet_more: usize,
    /// Only the counts (the minimal level).
    pub counts_only: bool,
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn differences(report: &Report, first: Option<&str>, ns: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    match (report.sysctls(first), report.sysctls(ns)) {
        (Some(a), Some(b)) => {
            for s in b {
                match a.iter().find(|x| x.name == s.name) {
                    Some(x) if x.value == s.value => {}
                    _ => out.push(format!(
                        "{} = {}",
                        s.name.trim_start_matches("net.mptcp."),
                        s.value
                    )),
                }
            }
            for s in a.iter().filter(|x| !b.iter().any(|y| y.name == x.name)) {
                out.push(format!(
                    "{} absent",
                    s.name.trim_start_matches("net.mptcp.")
                ));
            }
        }
        (_, None) => out.push("sysctls not collected".into()),
        (None, Some(_)) => {}
    }
    let eps = |n| report.endpoints(n).map(|e| iproute::render_endpoints(e));
    match (eps(first), report.endpoints(ns)) {
        (a, Some(b)) if a.as_deref() != Some(iproute::render_endpoints(b).as_str()) => {
            let flags: Vec<String> = [
                ("signal", 1u32),
                ("subflow", 2),
                ("backup", 4),
                ("fullmesh", 8),
            ]
            .iter()
            .map(|(name, bit)| (name, b.iter().filter(|e| e.flags & bit != 0).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", flags.join(", "))
            };
            out.push(format!("endpoints: {}{flags}", b.len()));
        }
        (_, None) => out.push("endpoints not collected".into()),
        _ => {}
    }
    match (report.limits(first), report.limits(ns)) {
        (a, Some(b)) if a != Some(b) => {
            out.push(format!("limits: {}", iproute::render_limits(b).trim()))
        }
        _ => {}
    }
    out
}

fn row(report: &Report, first: Option<&str>, ns: Option<&str>) -> Row {
    let differs = differences(report, first, ns);
    let (sockets, busy) = match report
        .section(crate::report::Facts::Sockets, ns)
        .and_then(|s| s.artifacts.first())
    {
        None => ("not collected".to_string(), false),
        Some(a) => {
            let text = match &a.spool {
                Some(sp) => budget_sockets::SsText::Spool(sp),
                None => budget_sockets::SsText::Str(&a.content),
            };
            let by_state = budget_sockets::by_state_of(text);
            let list: Vec<String> = by_state.iter().map(|(s, n)| format!("{s} {n}")).collect();
            match by_state.iter().map(|(_, n)| n).sum::<usize>() {
                0 => ("none".to_string(), false),
                n => (format!("{n} ({})", list.join(", ")), true),
            }
        }
    };
    let nonzero = report
        .mib(ns)
        .and_then(|m| m.groups.get("MPTcpExt"))
        .map(|c| c.iter().filter(|c| c.value != 0).count());
    let counters = match nonzero {
        None => "not collected".to_string(),
        Some(0) => "all zero".to_string(),
        Some(n) => format!("{n} non-zero"),
    };
    let problems: Vec<String> = report
        .sections
        .iter()
        .filter(|s| s.netns.as_deref() == ns)
        .filter(|s| matches!(s.status, Status::Failed { .. } | Status::TimedOut { .. }))
        .map(|s| format!("{} {}", s.collector, s.status.label()))
        .collect();
    Row {
        name: ns.unwrap_or("").to_string(),
        quiet: differs.is_empty() && !busy && nonzero.unwrap_or(0) == 0 && problems.is_empty(),
        differs: cell(&if differs.is_empty() {
            "same".to_string()
        } else {
            differs.join("; ")
        }),
        sockets: cell(&sockets),
        counters,
        problems: cell(&problems.join(", ")),
    }
}

/// Levels of the part for `rest` (the namespaces not shown section by section), richest first; none
/// when there is no such namespace.
pub fn levels(report: &Report, first: Option<&str>, rest: &[Option<&str>]) -> Vec<NamespacesLevel> {
    if rest.is_empty() {
        return Vec::new();
    }
    let rows: Vec<Row> = rest.iter().map(|ns| row(report, first, *ns)).collect();
    let (busy, quiet): (Vec<Row>, Vec<Row>) = rows.iter().cloned().partition(|r| !r.quiet);
    let base = NamespacesLevel {
        first: first.unwrap_or("").to_string(),
        total: rest.len(),
        rows: Vec::new(),
        rows_more: 0,
        quiet: quiet.len(),
        quiet_names: quiet
            .iter()
            .take(QUIET_NAMES)
            .map(|r| r.name.clone())
            .collect(),
        quiet_more: quiet.len().saturating_sub(QUIET_NAMES),
        counts_only: false,
    };
    let all = NamespacesLevel {
        rows,
        quiet: 0,
        quiet_names: Vec::new(),
        quiet_more: 0,
        ..base.clone()
    };
    let folded = NamespacesLevel {
        rows: busy.clone(),
        ..base.clone()
    };
    let some = NamespacesLevel {
        rows: busy.iter().take(ROWS_SHOWN).cloned().collect(),
        rows_more: busy.len().saturating_sub(ROWS_SHOWN),
        ..base.clone()
    };
    let counts = NamespacesLevel {
        rows_more: busy.len(),
        quiet_names: Vec::new(),
        quiet_more: quiet.len(),
        counts_only: true,
        ..base
    };
    vec![all, folded, some, counts]
}
