//! The issue-form summary: a view model built from the Report, rendered through a minijinja template
//! (templates/summary.md.j2, embedded; `--template FILE` overrides it) within the summary's budget.
//! The template decides layout; this file decides what the facts are and offers each part that can
//! grow (checks, every entry of the Additional context, namespaces, collectors, ...) at a few levels
//! of detail for the planner in budget.rs. The Additional context is every section's entries in the
//! specs' order (context_view.rs); only the System info block and the checks are built here by hand,
//! with the cross-section parts (other namespaces, the machine and links, the reproduction window).

use super::budget::{self, Part, FEW_NAMESPACES, SUMMARY_BUDGET};
use super::budget_lists::{collectors_levels, counts, findings_levels};
use super::context_view;
use super::{budget_namespaces, sysinfo};
use crate::report::{Body, Entry, Format, NetworkManager, Report, Status, View as ViewKind};
use minijinja::Value;
use serde::Serialize;

pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/summary.md.j2");

/// Events per namespace in the shortened reproduction window.
const EVENTS_SHORT: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// Where the archive was written (shown in the summary).
    pub archive: Option<String>,
    /// Template text overriding the embedded one.
    pub template: Option<String>,
}

/// One entry of the Additional context: its heading (None: under the one before) and its part.
struct ContextPart {
    heading: Option<String>,
    netns: Option<String>,
    part: usize,
}

#[derive(Serialize)]
struct ContextView {
    heading: Option<String>,
    /// The namespace its section was collected in (None: host-wide or the tool's own).
    netns: Option<String>,
    part: Value,
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
    /// Every entry of the Additional context, in the specs' order (the `entry_part` macro).
    context: Vec<ContextView>,
    checks: Value,
    collectors: Value,
    other_namespaces: Option<Value>,
    reproduce: Option<Value>,
    /// Machine, interface table and per-path throughput (markdown), or a line saying it was left out.
    performance: Option<Value>,
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

/// A part's share of the room: `ss` output weighs most, a log next; split between the sections of
/// the same collector (one per namespace shown).
fn weight(entry: &Entry, alike: usize) -> f64 {
    let base = match &entry.body {
        Body::Code { format, .. } | Body::Artifact { format, .. } => match format {
            Format::Sockets => 6.0,
            Format::Log => 2.0,
            Format::Plain => 1.0,
        },
        _ => 1.0,
    };
    base / alike.max(1) as f64
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
    // Every entry of the sections shown here: host-wide ones and those of the first namespaces (the
    // others are summarized by how they differ).
    let shown: Vec<&crate::report::Section> = report
        .sections
        .iter()
        .filter(|s| s.netns.is_none() || detailed.contains(&s.netns.as_deref()))
        .collect();
    let mut context: Vec<ContextPart> = Vec::new();
    for s in &shown {
        let alike = shown.iter().filter(|o| o.collector == s.collector).count();
        for (heading, e) in context_view::entries_of(s, ViewKind::Summary) {
            let levels = context_view::levels(s, e);
            context.push(ContextPart {
                heading,
                netns: s.netns.clone(),
                part: add(Part::new("entry_part", weight(e, alike), levels)),
            });
        }
    }
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
    let kc = report.kernel_config();
    let form = super::form::for_report(report);
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
        side_field: form
            .fields
            .iter()
            .find(|f| f.id.starts_with("system-"))
            .map(|f| f.label.clone()),
        form,
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
            context: context
                .iter()
                .map(|c| ContextView {
                    heading: c.heading.clone(),
                    netns: c.netns.clone(),
                    part: v[c.part].clone(),
                })
                .collect(),
            checks: v[checks].clone(),
            collectors: v[collectors].clone(),
            other_namespaces: other.map(|i| v[i].clone()),
            reproduce: reproduce.map(|i| v[i].clone()),
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
