//! Triage rules: pure functions from a Report to findings, one per rule, each with a severity, a
//! one-line title, the exact values that triggered it and a docs link. A rule whose data was not
//! collected says nothing: no false alarms from missing data.

mod config;
mod counters;
mod cross;
mod daemons;
mod interfaces;
mod kernel;
pub mod throughput;

pub use config::roles;
pub use cross::cross_side;

use crate::report::{Finding, Report, Severity};

pub const DOCS_PM: &str = "https://www.mptcp.dev/pm.html";
pub const DOCS_SETUP: &str = "https://www.mptcp.dev/setup.html";
pub const DOCS_FAQ: &str = "https://www.mptcp.dev/faq.html";
pub const DOCS_DEBUGGING: &str = "https://www.mptcp.dev/debugging.html";

/// A triage rule.
pub type Rule = fn(&Report) -> Vec<Finding>;

/// Every rule, once.
pub static RULES: &[(&str, Rule)] = &[
    ("mptcp-off", config::mptcp_off),
    ("no-endpoints", config::no_endpoints),
    ("subflows-limit-zero", config::subflows_limit_zero),
    ("add-addr-dropped", config::add_addr_dropped),
    ("endpoint-roles", config::endpoint_roles),
    (
        "userspace-pm-no-daemon",
        daemons::userspace_pm_without_daemon,
    ),
    ("nm-and-mptcpd", daemons::nm_and_mptcpd),
    ("endpoint-interface", interfaces::endpoint_interface),
    ("strict-rp-filter", interfaces::strict_rp_filter),
    ("fallback", counters::fallback),
    ("blackhole", counters::blackhole),
    ("join-failures", counters::join_failures),
    ("self-test", config::self_test),
    ("kernel-eol", kernel::kernel_eol),
    ("kernel-splat", kernel::kernel_splat),
    ("throughput", throughput::all),
];

/// Every finding for a report, problems first (stable within a severity).
pub fn evaluate(report: &Report) -> Vec<Finding> {
    let mut all: Vec<Finding> = RULES.iter().flat_map(|(_, r)| r(report)).collect();
    all.sort_by_key(|f| f.severity);
    all
}

/// The namespaces per-namespace data was collected in (None = the tool's own).
pub fn namespaces(report: &Report) -> Vec<Option<&str>> {
    let mut out: Vec<Option<&str>> = Vec::new();
    for s in report
        .sections
        .iter()
        .filter(|s| s.collector == "sysctl" || s.collector == "endpoints" || s.collector == "mib")
    {
        if !out.contains(&s.netns.as_deref()) {
            out.push(s.netns.as_deref());
        }
    }
    out
}

/// " (netns X)" for findings outside the tool's own namespace.
pub fn where_(ns: Option<&str>) -> String {
    ns.map(|n| format!(" (netns {n})")).unwrap_or_default()
}

pub fn finding(
    rule: &str,
    severity: Severity,
    title: String,
    evidence: Vec<String>,
    link: &str,
) -> Finding {
    Finding {
        rule: rule.into(),
        severity,
        title,
        evidence,
        link: Some(link.into()),
    }
}
