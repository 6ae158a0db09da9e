//! Plain-text view: the same facts as the summary, for terminals and logs (no markdown).

use crate::report::Report;
use crate::views::formats::{iproute, sysctl};
use std::fmt::Write;

/// The widest a padded column gets.
const MAX_WIDTH: usize = 60;
/// Findings listed one by one; past this many, folded by rule.
const FINDINGS_LISTED: usize = 20;

pub fn render_text(report: &Report) -> String {
    // The one place this view is made terminal-safe.
    crate::sys::escape::escape(&text(report)).into_owned()
}

fn text(report: &Report) -> String {
    let mut o = String::new();
    let m = &report.meta;
    let _ = writeln!(
        o,
        "{} {} ({}), {}",
        report.tool.name,
        report.tool.version,
        m.mode,
        m.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(
        o,
        "privileged: {}   uid: {}   root: {}",
        if m.privileged { "yes" } else { "no" },
        m.uid,
        m.root
    );
    let missing = super::privilege::missing_without_root(report);
    if !missing.is_empty() {
        let _ = writeln!(o, "not collected without root; {}:", super::privilege::HOW);
        for m in missing {
            let _ = writeln!(o, "  - {m}");
        }
    }
    if let Some(k) = report.kernel() {
        let _ = writeln!(o, "\n== kernel\n{}", k.uname);
        if !k.taint_flags.is_empty() {
            let _ = writeln!(o, "taint: {}", k.taint_flags.join("; "));
        }
    }
    if let Some(d) = report.distro() {
        let name = d
            .fields
            .get("PRETTY_NAME")
            .or_else(|| d.fields.get("NAME"))
            .cloned()
            .unwrap_or_default();
        let _ = writeln!(o, "\n== distribution\n{name}");
    }
    let mut namespaces: Vec<Option<&str>> = Vec::new();
    for s in &report.sections {
        if !namespaces.contains(&s.netns.as_deref()) {
            namespaces.push(s.netns.as_deref());
        }
    }
    for ns in namespaces {
        let label = ns.map(|n| format!(" (netns {n})")).unwrap_or_default();
        if let Some(s) = report.sysctls(ns) {
            let _ = write!(o, "\n== sysctl net.mptcp{label}\n{}", sysctl::render(s));
        }
        if let Some(e) = report.endpoints(ns) {
            let body = iproute::render_endpoints(e);
            let _ = write!(
                o,
                "\n== endpoints{label}\n{}",
                if body.is_empty() {
                    "(none)\n".into()
                } else {
                    body
                }
            );
        }
        if let Some(l) = report.limits(ns) {
            let _ = write!(o, "\n== limits{label}\n{}", iproute::render_limits(l));
        }
        if let Some(c) = report.mib(ns).and_then(|m| m.groups.get("MPTcpExt")) {
            let nz: Vec<_> = c.iter().filter(|c| c.value != 0).collect();
            let _ = writeln!(o, "\n== non-zero MPTcpExt counters{label}");
            if nz.is_empty() {
                let _ = writeln!(o, "(all zero)");
            }
            // Column widths are bounded: a format width past u16::MAX panics, and names come from archives.
            let w = nz
                .iter()
                .map(|c| c.name.len())
                .max()
                .unwrap_or(0)
                .min(MAX_WIDTH);
            for c in nz {
                let _ = writeln!(o, "{:<w$}  {}", c.name, c.value);
            }
        }
        if let Some(s) = report.sockets(ns) {
            sockets_text(&mut o, &label, s);
        }
    }
    if !report.findings.is_empty() {
        let _ = writeln!(o, "\n== automatic checks");
        // Many findings (one per namespace and rule) are folded by rule, as in the summary.
        let all: Vec<_> = report.findings.iter().map(|f| (None, f)).collect();
        let mut levels = super::budget_lists::findings_levels(&all, false);
        let level = levels.swap_remove(if all.len() > FINDINGS_LISTED { 2 } else { 0 });
        for f in &level.items {
            let alike = match f.alike {
                0 => String::new(),
                n => format!(" (and {n} more like it)"),
            };
            let _ = writeln!(o, "{:?}: {}{alike}", f.severity, f.title);
            for e in &f.evidence {
                let _ = writeln!(o, "    {e}");
            }
            if f.evidence_more > 0 {
                let _ = writeln!(o, "    ... {} more", f.evidence_more);
            }
        }
    }
    if let Some(rep) = &report.reproduce {
        reproduce_text(&mut o, rep);
    }
    let _ = writeln!(o, "\n== collectors");
    let w = report
        .sections
        .iter()
        .map(|s| s.collector.len() + s.netns.as_ref().map_or(0, |n| n.len() + 3))
        .max()
        .unwrap_or(0)
        .min(MAX_WIDTH);
    for s in &report.sections {
        let name = match &s.netns {
            Some(n) => format!("{} [{n}]", s.collector),
            None => s.collector.clone(),
        };
        let detail = s.status.detail();
        let line = format!("{name:<w$}  {:<9}  {}", s.status.label(), detail);
        let _ = writeln!(o, "{}", line.trim_end());
    }
    o
}

/// Sockets listed while there are few; past that, counted by state and the first ones listed (a
/// terminal view, like the summary, stays readable whatever the system; report.json has them all).
fn sockets_text(o: &mut String, label: &str, socks: &[crate::report::MptcpSocket]) {
    const LISTED: usize = 50;
    const FIRST: usize = 20;
    let _ = writeln!(o, "\n== MPTCP sockets{label}: {}", socks.len());
    let shown = if socks.len() <= LISTED {
        socks.len()
    } else {
        FIRST
    };
    if shown < socks.len() {
        let mut states: std::collections::BTreeMap<&str, usize> = Default::default();
        for s in socks {
            *states.entry(s.state.as_str()).or_default() += 1;
        }
        let states: Vec<String> = states.iter().map(|(s, n)| format!("{s} {n}")).collect();
        let _ = writeln!(o, "by state: {}; the first {shown}:", states.join(", "));
    }
    for s in &socks[..shown] {
        let _ = writeln!(o, "{} {} -> {}", s.state, s.local, s.peer);
    }
    if shown < socks.len() {
        let _ = writeln!(
            o,
            "... {} more (all in report.json and raw/)",
            socks.len() - shown
        );
    }
}

/// The reproduction window: how it ended, events (as `ip mptcp monitor` prints them) and counter changes.
fn reproduce_text(o: &mut String, rep: &crate::report::Reproduce) {
    let _ = writeln!(
        o,
        "\n== reproduction window: {:.1} s, ended by {}",
        rep.duration_ms / 1000.0,
        rep.ended_by.describe()
    );
    if let Some(c) = &rep.command {
        let _ = writeln!(o, "command: {} ({})", c.argv.join(" "), c.status());
    }
    for w in &rep.namespaces {
        let label = w
            .netns
            .as_deref()
            .map(|n| format!(" (netns {n})"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "events{label}: {} received, {} lost",
            w.events_total, w.events_lost
        );
        if let Some(e) = &w.subscribe_error {
            let _ = writeln!(o, "    not subscribed: {e}");
        }
        for line in crate::views::formats::monitor::render_events(&w.events)
            .lines()
            .take(20)
        {
            let _ = writeln!(o, "    {line}");
        }
        for d in w.changed_counters() {
            let _ = writeln!(
                o,
                "    {} {} -> {} ({:+})",
                d.name, d.before, d.after, d.delta
            );
        }
    }
}
