//! The "System info" block of the MPTCP bug form: `$ command` lines each followed by its output, for
//! `uname -a`, `cat /etc/os-release`, `sysctl net.mptcp`, `ip mptcp endpoint show` and
//! `ip mptcp limits show`. One function builds it for the summary, `merge` and `--issue-url`.

use crate::report::{Facts, Report, Status};
use std::fmt::Write;

pub(super) fn not_collected(report: &Report, facts: Facts, netns: Option<&str>) -> String {
    let sec = report.section(facts, netns);
    match sec.map(|s| &s.status) {
        Some(Status::Ok) => format!(
            "# not collected ({} gave nothing)\n",
            sec.map_or("", |s| s.collector.as_str())
        ),
        None => "# not collected (its collector did not run)\n".into(),
        Some(st) => format!("# not collected: {}\n", st.detail()),
    }
}

/// Namespaces shown: the tool's own, then each other one; the own one is left out when only other
/// namespaces were collected.
pub fn namespaces(report: &Report) -> Vec<Option<&str>> {
    let mut names: Vec<Option<&str>> = vec![None];
    for s in &report.sections {
        if let Some(n) = s.netns.as_deref() {
            if !names.contains(&Some(n)) {
                names.push(Some(n));
            }
        }
    }
    if names.len() > 1 && report.section(Facts::Sysctls, None).is_none() {
        names.remove(0);
    }
    names
}

pub(super) fn block(out: &mut String, command: &str, output: &str) {
    let _ = write!(out, "$ {command}\n{output}");
    if !output.is_empty() && !output.ends_with('\n') {
        out.push('\n');
    }
}

/// The block for one report's summary and its bug-form link: labelled `- client:` / `- server:` as the
/// form's placeholder shows when the side was given with `--side` (a guess is not written into it).
pub fn system_info(report: &Report) -> String {
    match report.meta.side.as_ref().filter(|s| !s.guessed) {
        Some(side) => format!("- {}:\n{}", side.role, host_block(report)),
        None => host_block(report),
    }
}

/// One host's commands and outputs, unlabelled, ending with a newline, within the host's share of
/// the summary (see budget_sysinfo.rs).
pub fn host_block(report: &Report) -> String {
    host_block_within(report, super::budget::HOST_SYSINFO_MAX)
}

/// `host_block` within `cap` bytes (for a summary holding several hosts).
pub fn host_block_within(report: &Report, cap: usize) -> String {
    super::budget_sysinfo::host_block(report, cap)
}

/// Both sides of a connection, labelled (and a blank line apart) as the bug form's placeholder shows.
pub fn system_info_two_sides(client: &Report, server: &Report) -> String {
    labelled([("client", client), ("server", server)])
}

/// Several hosts' blocks, each after `- LABEL:`, a blank line apart (the form's placeholder layout);
/// the hosts share the summary's System info room (budget::host_share).
pub fn labelled<'a>(hosts: impl IntoIterator<Item = (&'a str, &'a Report)>) -> String {
    let hosts: Vec<(&str, &Report)> = hosts.into_iter().collect();
    let cap = super::budget::host_share(hosts.len());
    hosts
        .into_iter()
        .map(|(label, r)| format!("- {label}:\n{}", host_block_within(r, cap)))
        .collect::<Vec<_>>()
        .join("\n")
}
