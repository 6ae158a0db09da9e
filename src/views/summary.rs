//! The issue-form summary: a view model built from the Report, rendered through a minijinja template
//! (templates/summary.md.j2, embedded; `--template FILE` overrides it) within the summary's budget.
//! The template decides layout; this file decides what the facts are and offers each part that can
//! grow (sockets, checks, kernel log, namespaces, collectors, ...) at a few levels of detail for the
//! planner in budget.rs.

use super::budget::{self, Part, FEW_NAMESPACES, SUMMARY_BUDGET};
use super::budget_lists::{collectors_levels, counts, findings_levels};
use super::budget_sockets::{self, SocketsLevel};
use super::{budget_namespaces, context_view, sysinfo};
use crate::report::{NetworkManager, NmConnection, Report, Status};
use minijinja::Value;
use serde::Serialize;

pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/summary.md.j2");

/// NetworkManager connection profiles listed when they are shortened.
const NM_SHOWN: usize = 20;
/// Events per namespace in the shortened reproduction window.
const EVENTS_SHORT: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// Where the archive was written (shown in the summary).
    pub archive: Option<String>,
    /// Template text overriding the embedded one.
    pub template: Option<String>,
}

/// The parts of one namespace shown section by section: indexes into the part list.
struct NsParts<'a> {
    name: Option<&'a str>,
    counters: usize,
    sockets: usize,
    interfaces: usize,
}

#[derive(Serialize)]
struct NsView {
    /// "" for the tool's own namespace.
    name: String,
    counters: Value,
    sockets: Value,
    interfaces: Value,
    self_test: Option<String>,
    self_test_missing: String,
}

/// What the template shows as is (never shortened).
#[derive(Serialize)]
struct Fixed<'a> {
    tool: &'a str,
    version: &'a str,
    mode: &'a str,
    started_at: String,
    privileged: bool,
    uid: u32,
    root: &'a str,
    sysroot: bool,
    archive: Option<&'a str>,
    /// The block that pastes into the form's "System info" field (bounded on its own, never cut).
    system_info: String,
    /// The bug form's fields: the per-side one (when the side was given) and the narrative skeleton.
    form: super::form::Form,
    /// "System info: Client" / "System info: Server" when the side was given.
    side_field: Option<String>,
    side: Option<String>,
    kernel_config: Vec<(String, String)>,
    kernel_config_source: Option<&'a str>,
    taint: Vec<String>,
    counts: super::budget_lists::Counts,
    findings: &'a [crate::report::Finding],
    redaction: Option<&'a crate::report::RedactionSummary>,
    /// What an unprivileged run could not collect (see render::privilege), and how to get it.
    missing: Vec<String>,
    missing_how: &'static str,
    network_manager: Option<&'a NetworkManager>,
    mptcpd: Option<&'a crate::report::Mptcpd>,
}

#[derive(Serialize)]
struct View<'a> {
    #[serde(flatten)]
    fixed: &'a Fixed<'a>,
    namespaces: Vec<NsView>,
    checks: Value,
    kernel_log: Value,
    collectors: Value,
    other_namespaces: Option<Value>,
    reproduce: Option<Value>,
    nm_connections: Option<Value>,
    /// Machine, interface table and per-path throughput (markdown), or a line saying it was left out.
    performance: Option<Value>,
}

#[derive(Serialize)]
struct NmLevel<'a> {
    nm: &'a NetworkManager,
    connections: &'a [NmConnection],
    more: usize,
}

fn nm_levels(nm: &NetworkManager) -> Vec<NmLevel<'_>> {
    let level = |n: usize| NmLevel {
        nm,
        connections: &nm.connections[..n],
        more: nm.connections.len() - n,
    };
    let mut out = vec![level(nm.connections.len())];
    if nm.connections.len() > NM_SHOWN {
        out.push(level(NM_SHOWN));
    }
    if !nm.connections.is_empty() {
        out.push(level(0));
    }
    out
}

/// The reproduction window: as built; the first namespaces with their first events; none of them.
fn reproduce_levels(r: &crate::report::Reproduce) -> Vec<serde_json::Value> {
    let full = serde_json::to_value(super::reproduce_view::build(r)).unwrap_or_default();
    let events_total: u64 = r.namespaces.iter().map(|w| w.events_total).sum();
    let cut = |namespaces: usize, events: usize| {
        let mut v = full.clone();
        let total = v["namespaces"].as_array().map_or(0, Vec::len);
        if let Some(list) = v["namespaces"].as_array_mut() {
            list.truncate(namespaces);
            for ns in list {
                if let Some(e) = ns["events_shown"].as_array_mut() {
                    e.truncate(events);
                }
            }
        }
        v["namespaces_more"] = total.saturating_sub(namespaces).into();
        v["events_total"] = events_total.into();
        v
    };
    vec![
        cut(usize::MAX, usize::MAX),
        cut(FEW_NAMESPACES, EVENTS_SHORT),
        cut(0, 0),
    ]
}

fn sockets_levels(report: &Report, ns: Option<&str>) -> Vec<SocketsLevel> {
    let artifact = report
        .sections
        .iter()
        .find(|s| s.collector == "sockets" && s.netns.as_deref() == ns)
        .and_then(|s| s.artifacts.first());
    let Some(a) = artifact else {
        let why = context_view::why_not(report, "sockets", ns);
        return vec![SocketsLevel::Missing { why }];
    };
    let note = a.truncated.then(|| {
        format!(
            "The output was {} bytes: only its last {} were kept.",
            a.original_size,
            a.content.len()
        )
    });
    let raw = crate::report::raw_path(ns, "sockets", &a.name);
    // A truncated output starts in the middle of a line: begin at the next one.
    let text = match a.truncated {
        true => a.content.split_once('\n').map_or("", |(_, rest)| rest),
        false => &a.content,
    };
    let typed = report.sockets(ns).map_or(&[][..], Vec::as_slice);
    budget_sockets::levels(text, typed, &raw, note, SUMMARY_BUDGET)
}

fn side_line(report: &Report) -> Option<String> {
    report.meta.side.as_ref().map(|s| {
        if s.guessed {
            format!(
                "{} (guessed from counters, sockets and endpoints; `--side` says it for sure)",
                s.role
            )
        } else {
            s.role.to_string()
        }
    })
}

pub fn render_summary(report: &Report, opts: &SummaryOptions) -> anyhow::Result<String> {
    let names = sysinfo::namespaces(report);
    let (detailed, rest) = names.split_at(names.len().min(FEW_NAMESPACES));
    let incomplete = report.sections.iter().any(|s| s.status != Status::Ok);
    let findings: Vec<(Option<&str>, &crate::report::Finding)> =
        report.findings.iter().map(|f| (None, f)).collect();
    let mut parts: Vec<Part> = Vec::new();
    let mut add = |p: Part| {
        parts.push(p);
        parts.len() - 1
    };
    let checks = add(Part::new(
        "checks_part",
        3.0,
        findings_levels(&findings, incomplete),
    ));
    let kernel_log = add(Part::new(
        "kernel_log_part",
        2.0,
        context_view::kernel_log_levels(report),
    ));
    let collectors = add(Part::new(
        "collectors_part",
        1.0,
        collectors_levels(&report.sections),
    ));
    let first = detailed.first().copied().flatten();
    let ns_levels = budget_namespaces::levels(report, first, rest);
    let other = (!ns_levels.is_empty()).then(|| add(Part::new("namespaces_part", 2.0, ns_levels)));
    let reproduce = report
        .reproduce
        .as_ref()
        .map(|r| add(Part::new("reproduce_part", 3.0, reproduce_levels(r))));
    let nm = report
        .network_manager()
        .map(|n| add(Part::new("nm_part", 1.0, nm_levels(n))));
    let performance = super::perf_view::render(report).map(|text| {
        add(Part::new(
            "performance_part",
            1.5,
            vec![
                serde_json::json!({ "text": text }),
                serde_json::json!({ "omitted": true }),
            ],
        ))
    });
    // Sockets weigh most; a namespace's share shrinks as more are shown.
    let k = detailed.len().max(1) as f64;
    let ns_parts: Vec<NsParts> = detailed
        .iter()
        .map(|&ns| NsParts {
            name: ns,
            counters: add(Part::new(
                "counters_part",
                1.0 / k,
                context_view::counters_levels(report, ns),
            )),
            sockets: add(Part::new(
                "sockets_part",
                6.0 / k,
                sockets_levels(report, ns),
            )),
            interfaces: add(Part::new(
                "interfaces_part",
                1.0 / k,
                context_view::interfaces_levels(report, ns),
            )),
        })
        .collect();
    let kc = report.kernel_config();
    let fixed = Fixed {
        tool: &report.tool.name,
        version: &report.tool.version,
        mode: report.meta.mode.as_str(),
        started_at: report
            .meta
            .started_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        privileged: report.meta.privileged,
        uid: report.meta.uid,
        root: &report.meta.root,
        sysroot: report.meta.sysroot,
        archive: opts.archive.as_deref(),
        system_info: sysinfo::system_info(report),
        form: super::form::for_report(report),
        side_field: super::form::for_report(report)
            .fields
            .iter()
            .find(|f| f.id.starts_with("system-"))
            .map(|f| f.label.clone()),
        side: side_line(report),
        kernel_config: kc
            .map(|k| {
                k.symbols
                    .iter()
                    .map(|(a, b)| (a.clone(), b.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        kernel_config_source: kc.map(|k| k.source.as_str()),
        taint: report
            .kernel()
            .map(|k| k.taint_flags.clone())
            .unwrap_or_default(),
        counts: counts(&report.sections),
        findings: &report.findings,
        redaction: report.redaction.as_ref(),
        missing: super::privilege::missing_without_root(report),
        missing_how: super::privilege::HOW,
        network_manager: report.network_manager(),
        mptcpd: report.mptcpd(),
    };
    let view = |v: &[Value]| {
        Value::from_serialize(View {
            fixed: &fixed,
            namespaces: ns_parts
                .iter()
                .map(|p| NsView {
                    name: p.name.unwrap_or("").to_string(),
                    counters: v[p.counters].clone(),
                    sockets: v[p.sockets].clone(),
                    interfaces: v[p.interfaces].clone(),
                    self_test: report.self_test(p.name).map(context_view::self_test_line),
                    self_test_missing: context_view::why_not(report, "selftest", p.name),
                })
                .collect(),
            checks: v[checks].clone(),
            kernel_log: v[kernel_log].clone(),
            collectors: v[collectors].clone(),
            other_namespaces: other.map(|i| v[i].clone()),
            reproduce: reproduce.map(|i| v[i].clone()),
            nm_connections: nm.map(|i| v[i].clone()),
            performance: performance.map(|i| v[i].clone()),
        })
    };
    let tpl = opts.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    // The one place this view is made terminal-safe (summary.md is pasted and printed).
    budget::fit(
        "summary",
        tpl,
        DEFAULT_TEMPLATE,
        &parts,
        SUMMARY_BUDGET,
        view,
    )
    .map(|s| crate::sys::escape::escape(&s).into_owned())
}
