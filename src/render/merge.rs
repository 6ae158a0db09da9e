//! The merged summary of one bug's client and server reports (`mptcp-get-debug merge`): a view model
//! rendered through templates/merge.md.j2. Its "System info" block holds both sides, labelled as the
//! bug form's placeholder shows, and its checks put the cross-side findings with each side's own.

use super::sysinfo;
use crate::report::{Finding, Report, Severity};
use serde::Serialize;
use std::collections::BTreeSet;

pub const MERGE_TEMPLATE: &str = include_str!("../../templates/merge.md.j2");

#[derive(Serialize)]
struct SideView {
    label: &'static str,
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
    /// "both sides", "client" or "server".
    side: &'static str,
    #[serde(flatten)]
    finding: &'a Finding,
}

#[derive(Serialize)]
struct View<'a> {
    sides: Vec<SideView>,
    system_info: String,
    findings: Vec<FindingView<'a>>,
    problems: usize,
    /// (counter, client value, server value) for every MPTcpExt counter non-zero on either side.
    counters: Vec<(String, String, String)>,
}

fn side_view(label: &'static str, r: &Report) -> SideView {
    let side_note = r.meta.side.as_ref().and_then(|s| {
        if s.guessed {
            Some(format!(
                "guessed {} from counters, sockets and endpoints",
                s.role
            ))
        } else if s.role != label {
            Some(format!("labelled {} with --side", s.role))
        } else {
            None
        }
    });
    SideView {
        label,
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
    crate::findings::namespaces(r)
        .into_iter()
        .find_map(|ns| r.mib(ns).and_then(|m| m.groups.get("MPTcpExt")))
        .map(|c| c.iter().map(|c| (c.name.clone(), c.value)).collect())
        .unwrap_or_default()
}

fn counter_rows(client: &Report, server: &Report) -> Vec<(String, String, String)> {
    let (c, s) = (counters(client), counters(server));
    let get = |list: &[(String, u64)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map_or("-".to_string(), |(_, v)| v.to_string())
    };
    // Kernel order of the client, then counters only the server's kernel has.
    let mut seen = BTreeSet::new();
    c.iter()
        .chain(s.iter())
        .filter(|(n, v)| *v != 0 && seen.insert(n.clone()))
        .map(|(n, _)| (n.clone(), get(&c, n), get(&s, n)))
        .collect()
}

pub fn render_merged(client: &Report, server: &Report) -> anyhow::Result<String> {
    let cross = crate::findings::cross_side(client, server);
    let mut findings: Vec<FindingView> = cross
        .iter()
        .map(|f| ("both sides", f))
        .chain(client.findings.iter().map(|f| ("client", f)))
        .chain(server.findings.iter().map(|f| ("server", f)))
        .map(|(side, finding)| FindingView { side, finding })
        .collect();
    // Problems first; stable, so cross-side findings lead within a severity.
    findings.sort_by_key(|f| f.finding.severity);
    let view = View {
        sides: vec![side_view("client", client), side_view("server", server)],
        system_info: sysinfo::system_info_two_sides(client, server),
        problems: findings
            .iter()
            .filter(|f| f.finding.severity == Severity::Problem)
            .count(),
        findings,
        counters: counter_rows(client, server),
    };
    // The one place this view is made terminal-safe.
    super::render_template("merge", MERGE_TEMPLATE, &view)
        .map(|s| super::escape::escape(&s).into_owned())
}
