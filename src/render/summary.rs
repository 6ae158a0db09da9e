//! The issue-form summary: a view model built from the Report, rendered through a minijinja template
//! (templates/summary.md.j2, embedded; `--template FILE` overrides it). The template decides layout;
//! this file decides what the facts are.

use super::context_view;
use super::sysinfo;
use crate::report::{Report, Section, Status};
use serde::Serialize;

pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/summary.md.j2");

#[derive(Debug, Clone, Default)]
pub struct SummaryOptions {
    /// Where the archive was written (shown in the summary).
    pub archive: Option<String>,
    /// Template text overriding the embedded one.
    pub template: Option<String>,
}

#[derive(Serialize)]
struct NsView {
    /// "" for the tool's own namespace.
    name: String,
    counters: Vec<(String, u64)>,
    sockets: Option<String>,
    /// Interface lines, or None (see `interfaces_missing`).
    interfaces: Option<Vec<String>>,
    interfaces_missing: String,
    self_test: Option<String>,
    self_test_missing: String,
}

#[derive(Serialize)]
struct CollectorRow {
    name: String,
    netns: String,
    status: String,
    detail: String,
    duration_ms: String,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct View<'a> {
    tool: &'a str,
    version: &'a str,
    mode: &'a str,
    started_at: String,
    privileged: bool,
    uid: u32,
    root: &'a str,
    sysroot: bool,
    archive: Option<&'a str>,
    /// The block that pastes into the form's "System info" field.
    system_info: String,
    /// The bug form's fields: the per-side one (when the side was given) and the narrative skeleton.
    form: super::form::Form,
    /// "System info: Client" / "System info: Server" when the side was given.
    side_field: Option<String>,
    side: Option<String>,
    namespaces: Vec<NsView>,
    kernel_config: Vec<(String, String)>,
    kernel_config_source: Option<&'a str>,
    taint: Vec<String>,
    collectors: Vec<CollectorRow>,
    counts: Counts,
    findings: &'a [crate::report::Finding],
    redaction: Option<&'a crate::report::RedactionSummary>,
    reproduce: Option<super::reproduce_view::ReproduceView>,
    kernel_log: Option<context_view::KernelLogView>,
    kernel_log_missing: String,
    /// What an unprivileged run could not collect (see render::privilege), and how to get it.
    missing: Vec<String>,
    missing_how: &'static str,
    network_manager: Option<&'a crate::report::NetworkManager>,
    mptcpd: Option<&'a crate::report::Mptcpd>,
    /// Machine, interface table and per-path throughput (markdown), when collected.
    performance: Option<String>,
}

#[derive(Serialize, Default)]
struct Counts {
    ok: usize,
    skipped: usize,
    failed: usize,
    timed_out: usize,
}

fn ns_view(report: &Report, ns: Option<&str>) -> NsView {
    let counters = report
        .mib(ns)
        .and_then(|m| m.groups.get("MPTcpExt"))
        .map(|c| {
            c.iter()
                .filter(|c| c.value != 0)
                .map(|c| (c.name.clone(), c.value))
                .collect()
        })
        .unwrap_or_default();
    let sockets = report
        .sections
        .iter()
        .find(|s| s.collector == "sockets" && s.netns.as_deref() == ns)
        .and_then(|s| s.artifacts.first())
        .map(|a| a.content.clone());
    NsView {
        name: ns.unwrap_or("").to_string(),
        counters,
        sockets,
        interfaces: report.interfaces(ns).map(context_view::interface_lines),
        interfaces_missing: context_view::why_not(report, "routing", ns),
        self_test: report.self_test(ns).map(context_view::self_test_line),
        self_test_missing: context_view::why_not(report, "selftest", ns),
    }
}

fn row(s: &Section) -> CollectorRow {
    CollectorRow {
        name: s.collector.clone(),
        netns: s.netns.clone().unwrap_or_default(),
        status: s.status.label().to_string(),
        detail: s.status.detail(),
        duration_ms: format!("{:.1}", s.duration_ms),
        notes: s.notes.clone(),
    }
}

pub fn render_summary(report: &Report, opts: &SummaryOptions) -> anyhow::Result<String> {
    let names = sysinfo::namespaces(report);
    let mut counts = Counts::default();
    for s in &report.sections {
        match s.status {
            Status::Ok => counts.ok += 1,
            Status::Skipped { .. } => counts.skipped += 1,
            Status::Failed { .. } => counts.failed += 1,
            Status::TimedOut { .. } => counts.timed_out += 1,
        }
    }
    let kc = report.kernel_config();
    let view = View {
        tool: &report.tool.name,
        version: &report.tool.version,
        mode: &report.meta.mode,
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
        side: report.meta.side.as_ref().map(|s| {
            if s.guessed {
                format!(
                    "{} (guessed from counters, sockets and endpoints; `--side` says it for sure)",
                    s.role
                )
            } else {
                s.role.clone()
            }
        }),
        network_manager: report.network_manager(),
        mptcpd: report.mptcpd(),
        namespaces: names.into_iter().map(|n| ns_view(report, n)).collect(),
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
        collectors: report.sections.iter().map(row).collect(),
        counts,
        findings: &report.findings,
        redaction: report.redaction.as_ref(),
        reproduce: report.reproduce.as_ref().map(super::reproduce_view::build),
        kernel_log: context_view::kernel_log(report),
        kernel_log_missing: context_view::why_not(report, "kmsg", None),
        missing: super::privilege::missing_without_root(report),
        missing_how: super::privilege::HOW,
        performance: super::perf_view::render(report),
    };
    let tpl = opts.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    // The one place this view is made terminal-safe (summary.md is pasted and printed).
    super::render_template("summary", tpl, &view).map(|s| super::escape::escape(&s).into_owned())
}
