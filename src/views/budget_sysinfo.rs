//! One host's System info block within its budget. The block is the form's own evidence, so it is
//! never cut by the summary's planner: it is built here, whole, by fixed rules. While everything fits,
//! it is exactly what `uname -a`, `cat /etc/os-release`, `sysctl net.mptcp`, `ip mptcp endpoint show`
//! and `ip mptcp limits show` print, for every namespace. On a system too big for that, the first few
//! namespaces keep their blocks (shortening a long endpoint list past its share) and a comment line
//! says where the others are; an outsized os-release keeps its first lines. Comment lines start with
//! `#`, as the form renders the field as shell.

use super::budget::FEW_NAMESPACES;
use super::context_view::raw_of;
use super::sysinfo::{block, namespaces, not_collected};
use crate::report::{Facts, Report};
use crate::views::formats::{iproute, sysctl};
use std::fmt::Write;

/// The most of /etc/os-release shown (a real one is under 1,000 bytes).
const OS_RELEASE_MAX: usize = 8_000;
/// Room kept for the line about the namespaces not shown.
const TRAILER: usize = 200;

/// `text`'s first lines within `max` bytes, then a comment saying how many lines are in `raw`.
fn first_lines(text: &str, max: usize, what: &str, raw: &str) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut lines = text.split_inclusive('\n');
    for line in lines.by_ref() {
        if out.len() + line.len() > max {
            let more = 1 + lines.count();
            let _ = writeln!(out, "# … {more} more {what} (all in {raw})");
            return out;
        }
        out.push_str(line);
    }
    out
}

/// One namespace's sysctls, endpoints and limits; the endpoint list shortened when the whole would
/// exceed `max` bytes.
fn namespace_block(report: &Report, ns: Option<&str>, max: usize) -> String {
    let mut head = String::new();
    if let Some(n) = ns {
        let _ = writeln!(head, "# network namespace: {n}");
    }
    let sysctls = report.sysctls(ns).map_or_else(
        || not_collected(report, Facts::Sysctls, ns),
        |l| sysctl::render(l),
    );
    block(&mut head, "sysctl net.mptcp", &sysctls);
    let mut tail = String::new();
    let limits = report.limits(ns).map_or_else(
        || not_collected(report, Facts::Limits, ns),
        iproute::render_limits,
    );
    block(&mut tail, "ip mptcp limits show", &limits);
    let eps = report.endpoints(ns).map_or_else(
        || not_collected(report, Facts::Endpoints, ns),
        |e| iproute::render_endpoints(e),
    );
    let room = max.saturating_sub(head.len() + tail.len() + "$ ip mptcp endpoint show\n".len());
    let eps = first_lines(
        &eps,
        room,
        "endpoints",
        &raw_of(report, Facts::Endpoints, ns),
    );
    block(&mut head, "ip mptcp endpoint show", &eps);
    head + &tail
}

/// One host's commands and outputs, unlabelled, ending with a newline, within `cap` bytes (unless
/// the first namespace alone, without its endpoints, is larger).
pub fn host_block(report: &Report, cap: usize) -> String {
    let mut out = String::new();
    let uname = report.kernel().map_or_else(
        || not_collected(report, Facts::Kernel, None),
        |k| format!("{}\n", k.uname),
    );
    block(&mut out, "uname -a", &uname);
    let osr = report.distro().map_or_else(
        || not_collected(report, Facts::Distro, None),
        |d| {
            let raw = raw_of(report, Facts::Distro, None);
            first_lines(&d.raw, OS_RELEASE_MAX, "lines", &raw)
        },
    );
    block(&mut out, "cat /etc/os-release", &osr);
    let names = namespaces(report);
    let blocks: Vec<String> = names
        .iter()
        .map(|ns| namespace_block(report, *ns, usize::MAX))
        .collect();
    if out.len() + blocks.iter().map(String::len).sum::<usize>() <= cap {
        return out + &blocks.concat();
    }
    // The first few namespaces, each within an equal share of what is left.
    let few = names.len().min(FEW_NAMESPACES);
    let mut left = cap.saturating_sub(out.len() + TRAILER);
    let mut shown = 0;
    for i in 0..few {
        let share = left / (few - i);
        let b = if blocks[i].len() <= share {
            blocks[i].clone()
        } else {
            namespace_block(report, names[i], share)
        };
        if shown > 0 && b.len() > left {
            break;
        }
        left = left.saturating_sub(b.len());
        out.push_str(&b);
        shown += 1;
    }
    if shown < names.len() {
        let _ = writeln!(
            out,
            "# … {} more network namespaces: summary.md says how they differ; report.json and raw/netns-*/ have them all",
            names.len() - shown
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_lines_stop_at_a_line_and_say_how_many_are_left() {
        let text = "a=1\nb=2\nc=3\n";
        assert_eq!(first_lines(text, 100, "lines", "raw/x"), text);
        assert_eq!(
            first_lines(text, 9, "lines", "raw/x"),
            "a=1\nb=2\n# … 1 more lines (all in raw/x)\n"
        );
        assert_eq!(
            first_lines(text, 0, "endpoints", "raw/x"),
            "# … 3 more endpoints (all in raw/x)\n"
        );
    }
}
