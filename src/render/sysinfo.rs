//! The "System info" block of the MPTCP bug form: `$ command` lines each followed by its output, for
//! `uname -a`, `cat /etc/os-release`, `sysctl net.mptcp`, `ip mptcp endpoint show` and
//! `ip mptcp limits show`. One function builds it for the summary, `merge` and `--issue-url`.

use crate::collectors::sysctl;
use crate::netlink::iproute;
use crate::report::{Report, Status};
use std::fmt::Write;

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
    if names.len() > 1
        && !report
            .sections
            .iter()
            .any(|s| s.netns.is_none() && s.collector == "sysctl")
    {
        names.remove(0);
    }
    names
}

fn block(out: &mut String, command: &str, output: &str) {
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

/// One host's commands and outputs, unlabelled, ending with a newline.
pub fn host_block(report: &Report) -> String {
    let mut out = String::new();
    let uname = report.kernel().map_or_else(
        || not_collected(report, "kernel", None),
        |k| format!("{}\n", k.uname),
    );
    block(&mut out, "uname -a", &uname);
    let osr = report
        .distro()
        .map_or_else(|| not_collected(report, "distro", None), |d| d.raw.clone());
    block(&mut out, "cat /etc/os-release", &osr);
    for ns in namespaces(report) {
        if let Some(n) = ns {
            let _ = writeln!(out, "# network namespace: {n}");
        }
        let sysctls = report.sysctls(ns).map_or_else(
            || not_collected(report, "sysctl", ns),
            |l| sysctl::render(l),
        );
        block(&mut out, "sysctl net.mptcp", &sysctls);
        let eps = report.endpoints(ns).map_or_else(
            || not_collected(report, "endpoints", ns),
            |e| iproute::render_endpoints(e),
        );
        block(&mut out, "ip mptcp endpoint show", &eps);
        let limits = report.limits(ns).map_or_else(
            || not_collected(report, "limits", ns),
            iproute::render_limits,
        );
        block(&mut out, "ip mptcp limits show", &limits);
    }
    out
}

/// Both sides of a connection, labelled (and a blank line apart) as the bug form's placeholder shows.
pub fn system_info_two_sides(client: &Report, server: &Report) -> String {
    labelled([("client", client), ("server", server)])
}

/// Several hosts' blocks, each after `- LABEL:`, a blank line apart (the form's placeholder layout).
pub fn labelled<'a>(hosts: impl IntoIterator<Item = (&'a str, &'a Report)>) -> String {
    hosts
        .into_iter()
        .map(|(label, r)| format!("- {label}:\n{}", host_block(r)))
        .collect::<Vec<_>>()
        .join("\n")
}
