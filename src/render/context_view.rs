//! Short readable lines for the summary's "Additional context": interfaces, the MPTCP kernel log
//! and the self-test, built from the typed report so the template stays free of logic.

use crate::report::{Interfaces, KernelLog, Report, SelfTest};
use serde::Serialize;

/// Lines of the kernel log shown in the summary (the archive has up to 200).
const LOG_TAIL: usize = 10;

/// One line per link, e.g. `eth0 UP mtu 1500 10.0.0.5/24 rp_filter=2`, then rp_filter all/default and
/// default routes.
pub fn interface_lines(i: &Interfaces) -> Vec<String> {
    let mut lines: Vec<String> = i
        .links
        .iter()
        .map(|l| {
            let mut s = l.name.clone();
            if !l.state.is_empty() {
                s.push_str(&format!(" {}", l.state));
            }
            if let Some(m) = l.mtu {
                s.push_str(&format!(" mtu {m}"));
            }
            for a in &l.addrs {
                s.push_str(&format!(" {a}"));
            }
            if let Some(r) = l.rp_filter {
                s.push_str(&format!(" rp_filter={r}"));
            }
            s
        })
        .collect();
    let opt = |v: Option<u8>| v.map_or("?".to_string(), |v| v.to_string());
    lines.push(format!(
        "rp_filter all={} default={}",
        opt(i.rp_filter_all),
        opt(i.rp_filter_default)
    ));
    let yn = |v: Option<bool>| match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    lines.push(format!(
        "default route (main table): IPv4 {}, IPv6 {}",
        yn(i.default_route_v4),
        yn(i.default_route_v6)
    ));
    lines
}

pub fn self_test_line(t: &SelfTest) -> String {
    format!("{}: {} ({:.1} ms)", t.result, t.detail, t.duration_ms)
}

#[derive(Serialize)]
pub struct KernelLogView {
    pub source: String,
    pub count: usize,
    pub splats: usize,
    pub last: Vec<String>,
}

pub fn kernel_log(report: &Report) -> Option<KernelLogView> {
    let k: &KernelLog = report.kernel_log()?;
    Some(KernelLogView {
        source: k.source.clone(),
        count: k.lines.len(),
        splats: k.splats,
        last: k.lines[k.lines.len().saturating_sub(LOG_TAIL)..].to_vec(),
    })
}

/// Why a collector gave no data here (its status detail), for the "not collected" lines.
pub fn why_not(report: &Report, collector: &str, ns: Option<&str>) -> String {
    report
        .sections
        .iter()
        .find(|s| s.collector == collector && s.netns.as_deref() == ns)
        .map(|s| s.status.detail())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{collector} did not run"))
}
