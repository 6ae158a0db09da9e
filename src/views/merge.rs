//! The merged summary of one bug's reports (`mptcp-get-debug merge`): a view model rendered through
//! templates/merge.md.j2. Two archives are the client and the server, in that order; more (a fleet)
//! are labelled by their side or host pseudonym. Its "System info" block holds every host, labelled as
//! the bug form's placeholder shows, and its checks put the cross-side findings with each host's own.

use super::form::{self, Host};
use super::sysinfo;
use crate::report::{Finding, Report, Role, Severity};
use serde::Serialize;
use std::collections::BTreeSet;

pub const MERGE_TEMPLATE: &str = include_str!("../../templates/merge.md.j2");

#[derive(Serialize)]
struct SideView {
    label: String,
    tool: String,
    version: String,
    started_at: String,
    archive: Option<String>,
    kernel: Option<String>,
    /// How the archive labelled itself, when that says something ("labelled server", "guessed client").
    side_note: Option<String>,
}

#[derive(Serialize)]
struct FindingView<'a> {
    /// "both sides", a host's label, or "client + server" for a cross-side check of a fleet.
    side: String,
    #[serde(flatten)]
    finding: &'a Finding,
}

#[derive(Serialize)]
struct View<'a> {
    title: String,
    sides: Vec<SideView>,
    system_info: String,
    form: form::Form,
    findings: &'a [FindingView<'a>],
    /// The findings within the summary's budget (the `checks_part` macro).
    checks: minijinja::Value,
    problems: usize,
    labels: Vec<String>,
    /// (counter, one value per host) for every MPTcpExt counter non-zero on any host.
    counters: Vec<(String, Vec<String>)>,
}

fn side_view(host: &Host) -> SideView {
    let r = host.report;
    let side_note = r.meta.side.as_ref().and_then(|s| {
        if s.guessed {
            Some(format!(
                "guessed {} from counters, sockets and endpoints",
                s.role
            ))
        } else if Some(s.role) != host.side {
            Some(format!("labelled {} with --side", s.role))
        } else {
            None
        }
    });
    SideView {
        label: host.label.clone(),
        tool: r.tool.name.clone(),
        version: r.tool.version.clone(),
        started_at: r
            .meta
            .started_at
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        archive: r.meta.archive.clone(),
        kernel: r.kernel().map(|k| k.release.clone()),
        side_note,
    }
}

/// MPTcpExt counters of the first namespace that has them.
fn counters(r: &Report) -> Vec<(String, u64)> {
    crate::triage::namespaces(r)
        .into_iter()
        .find_map(|ns| r.mib(ns).and_then(|m| m.groups.get("MPTcpExt")))
        .map(|c| c.iter().map(|c| (c.name.clone(), c.value)).collect())
        .unwrap_or_default()
}

fn counter_rows(hosts: &[Host]) -> Vec<(String, Vec<String>)> {
    let all: Vec<Vec<(String, u64)>> = hosts.iter().map(|h| counters(h.report)).collect();
    let get = |list: &[(String, u64)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map_or("-".to_string(), |(_, v)| v.to_string())
    };
    // Kernel order of the first host, then counters only later hosts' kernels have.
    let mut seen = BTreeSet::new();
    all.iter()
        .flatten()
        .filter(|(n, v)| *v != 0 && seen.insert(n.clone()))
        .map(|(n, _)| (n.clone(), all.iter().map(|l| get(l, n)).collect()))
        .collect()
}

/// Labels for the archives of a merge: client and server for two; otherwise each report's own side
/// (given with --side) or host pseudonym, numbered where two would read the same.
pub fn hosts<'a>(reports: &[&'a Report]) -> Vec<Host<'a>> {
    if let [client, server] = reports {
        return vec![
            Host {
                label: "client".into(),
                side: Some(Role::Client),
                report: client,
            },
            Host {
                label: "server".into(),
                side: Some(Role::Server),
                report: server,
            },
        ];
    }
    let own: Vec<(String, Option<Role>)> = reports
        .iter()
        .map(|r| match r.meta.side.as_ref().filter(|s| !s.guessed) {
            Some(s) => (s.role.to_string(), Some(s.role)),
            None => (r.meta.hostname.clone(), None),
        })
        .collect();
    own.iter()
        .zip(reports)
        .enumerate()
        .map(|(i, ((label, side), report))| {
            let same = own.iter().filter(|(l, _)| l == label).count();
            let label = if same > 1 {
                let nth = own[..=i].iter().filter(|(l, _)| l == label).count();
                format!("{label} #{nth}")
            } else {
                label.clone()
            };
            Host {
                label,
                side: *side,
                report,
            }
        })
        .collect()
}

pub fn render_merged(client: &Report, server: &Report) -> anyhow::Result<String> {
    render_hosts(&hosts(&[client, server]))
}

pub fn render_hosts(hosts: &[Host]) -> anyhow::Result<String> {
    let mut findings: Vec<FindingView> = Vec::new();
    let mut cross = Vec::new();
    for c in hosts.iter().filter(|h| h.side == Some(Role::Client)) {
        for s in hosts.iter().filter(|h| h.side == Some(Role::Server)) {
            let label = if hosts.len() == 2 {
                "both sides".to_string()
            } else {
                format!("{} + {}", c.label, s.label)
            };
            cross.push((label, crate::triage::cross_side(c.report, s.report)));
        }
    }
    for (label, list) in &cross {
        findings.extend(list.iter().map(|f| FindingView {
            side: label.clone(),
            finding: f,
        }));
    }
    for h in hosts {
        findings.extend(h.report.findings.iter().map(|f| FindingView {
            side: h.label.clone(),
            finding: f,
        }));
    }
    // Problems first; stable, so cross-side findings lead within a severity.
    findings.sort_by_key(|f| f.finding.severity);
    let labels: Vec<String> = hosts.iter().map(|h| h.label.clone()).collect();
    let title = if labels == ["client", "server"] {
        "client and server".to_string()
    } else {
        format!("{} hosts", hosts.len())
    };
    let system_info = sysinfo::labelled(hosts.iter().map(|h| (h.label.as_str(), h.report)));
    let problems = findings
        .iter()
        .filter(|f| f.finding.severity == Severity::Problem)
        .count();
    let counters = counter_rows(hosts);
    let labelled: Vec<(Option<&str>, &Finding)> = findings
        .iter()
        .map(|f| (Some(f.side.as_str()), f.finding))
        .collect();
    let parts = [super::budget::Part::new(
        "checks_part",
        1.0,
        super::budget_lists::findings_levels(&labelled, false),
    )];
    let view = |v: &[minijinja::Value]| {
        minijinja::Value::from_serialize(View {
            title: title.clone(),
            sides: hosts.iter().map(side_view).collect(),
            system_info: system_info.clone(),
            form: form::for_hosts(hosts),
            findings: &findings,
            checks: v[0].clone(),
            problems,
            labels: labels.clone(),
            counters: counters.clone(),
        })
    };
    // The one place this view is made terminal-safe.
    super::budget::fit(
        "merge",
        MERGE_TEMPLATE,
        MERGE_TEMPLATE,
        &parts,
        super::budget::SUMMARY_BUDGET,
        view,
    )
    .map(|s| crate::sys::escape::escape(&s).into_owned())
}

/// `merge --format json`: each side (archive, side label, its own findings) and the cross-side
/// findings.
/// `merge --format json`: each archive's findings, and the cross-side findings of every client/server
/// pair with rule ids. With exactly two archives, `client` and `server` name them too.
pub fn merged_json(hosts: &[super::form::Host], paths: &[std::path::PathBuf]) -> String {
    let entry = |h: &super::form::Host, p: &std::path::Path| {
        serde_json::json!({
            "label": h.label,
            "archive": p.display().to_string(),
            "side": h.report.meta.side,
            "findings": h.report.findings,
        })
    };
    let mut pairs = Vec::new();
    let mut cross = Vec::new();
    for c in hosts.iter().filter(|h| h.side == Some(Role::Client)) {
        for s in hosts.iter().filter(|h| h.side == Some(Role::Server)) {
            let found = crate::triage::cross_side(c.report, s.report);
            pairs
                .push(serde_json::json!({"client": c.label, "server": s.label, "findings": found}));
            cross.extend(found);
        }
    }
    let listed: Vec<serde_json::Value> =
        hosts.iter().zip(paths).map(|(h, p)| entry(h, p)).collect();
    let mut v = serde_json::json!({
        "hosts": listed,
        "pairs": pairs,
        "cross_side": cross,
    });
    if let ([c, s], [cp, sp]) = (hosts, paths) {
        v["client"] = entry(c, cp);
        v["server"] = entry(s, sp);
    }
    serde_json::to_string_pretty(&v).expect("plain JSON values") + "\n"
}
