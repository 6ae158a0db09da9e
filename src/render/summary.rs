//! The issue-form summary: a view model built from the Report, rendered through a minijinja template
//! (templates/summary.md.j2, embedded; `--template FILE` overrides it). The template decides layout;
//! this file decides what the facts are.

use crate::collectors::sysctl;
use crate::netlink::iproute;
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
struct Block {
    command: String,
    output: String,
}

#[derive(Serialize)]
struct NsView {
    /// "" for the tool's own namespace.
    name: String,
    system_info: Vec<Block>,
    counters: Vec<(String, u64)>,
    sockets: Option<String>,
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
    archive: Option<&'a str>,
    host_info: Vec<Block>,
    namespaces: Vec<NsView>,
    kernel_config: Vec<(String, String)>,
    kernel_config_source: Option<&'a str>,
    taint: Vec<String>,
    collectors: Vec<CollectorRow>,
    counts: Counts,
    findings: &'a [crate::report::Finding],
    redaction: Option<&'a crate::report::RedactionSummary>,
    reproduce: Option<super::reproduce_view::ReproduceView>,
    network_manager: Option<&'a crate::report::NetworkManager>,
    mptcpd: Option<&'a crate::report::Mptcpd>,
}

#[derive(Serialize, Default)]
struct Counts {
    ok: usize,
    skipped: usize,
    failed: usize,
    timed_out: usize,
}

fn not_collected(report: &Report, collector: &str, netns: Option<&str>) -> String {
    let sec = report
        .sections
        .iter()
        .find(|s| s.collector == collector && s.netns.as_deref() == netns);
    match sec.map(|s| &s.status) {
        Some(Status::Ok) | None => format!("# not collected ({collector} did not run)\n"),
        Some(st) => format!("# not collected: {}\n", st.detail()),
    }
}

fn ns_view(report: &Report, ns: Option<&str>) -> NsView {
    let mut system_info = Vec::new();
    let sysctl_out = match report.sysctls(ns) {
        Some(list) => sysctl::render(list),
        None => not_collected(report, "sysctl", ns),
    };
    system_info.push(Block {
        command: "sysctl net.mptcp".into(),
        output: sysctl_out,
    });
    let eps = match report.endpoints(ns) {
        Some(e) => iproute::render_endpoints(e),
        None => not_collected(report, "endpoints", ns),
    };
    system_info.push(Block {
        command: "ip mptcp endpoint show".into(),
        output: eps,
    });
    let limits = match report.limits(ns) {
        Some(l) => iproute::render_limits(l),
        None => not_collected(report, "limits", ns),
    };
    system_info.push(Block {
        command: "ip mptcp limits show".into(),
        output: limits,
    });
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
        system_info,
        counters,
        sockets,
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
    let mut host_info = Vec::new();
    let uname = match report.kernel() {
        Some(k) => format!("{}\n", k.uname),
        None => not_collected(report, "kernel", None),
    };
    host_info.push(Block {
        command: "uname -a".into(),
        output: uname,
    });
    let osr = match report.distro() {
        Some(d) => {
            let mut raw = d.raw.clone();
            if !raw.ends_with('\n') {
                raw.push('\n');
            }
            raw
        }
        None => not_collected(report, "distro", None),
    };
    host_info.push(Block {
        command: "cat /etc/os-release".into(),
        output: osr,
    });
    let mut names: Vec<Option<&str>> = vec![None];
    for s in &report.sections {
        if let Some(n) = s.netns.as_deref() {
            if !names.contains(&Some(n)) {
                names.push(Some(n));
            }
        }
    }
    // When only other namespaces were asked for, the tool's own has no per-netns sections.
    if names.len() > 1
        && !report
            .sections
            .iter()
            .any(|s| s.netns.is_none() && s.collector == "sysctl")
    {
        names.remove(0);
    }
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
        archive: opts.archive.as_deref(),
        host_info,
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
    };
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    let tpl = opts.template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
    env.add_template("summary", tpl)
        .map_err(|e| anyhow::anyhow!("summary template: {e}"))?;
    let out = env
        .get_template("summary")
        .and_then(|t| t.render(&view))
        .map_err(|e| anyhow::anyhow!("summary template: {e}"))?;
    Ok(out)
}
