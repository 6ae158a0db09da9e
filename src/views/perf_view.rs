//! The summary's "Machine and links" block for throughput reports: one line about the machine, one
//! compact table of interfaces (capped; raw/links keeps everything) and, after a reproduce window,
//! each path's share of the bytes, so "no aggregation" shows at a glance. Self-contained markdown, so
//! the template only places it.

use crate::report::{Host, LinkDetail, Report};
use crate::triage::throughput::subflow_interfaces;

/// Interface rows in the summary, over every namespace.
pub const MAX_LINK_ROWS: usize = 40;
/// Path lines per namespace.
pub const MAX_PATH_LINES: usize = 8;
/// Namespaces whose throughput is shown.
pub const MAX_WINDOWS: usize = 4;

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

/// 12.3 MB, decimal units as network tools print them.
pub fn bytes(n: u64) -> String {
    let units = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    units
        .iter()
        .find(|(_, u)| n as f64 >= *u)
        .map_or(format!("{n} B"), |(name, u)| {
            format!("{:.1} {name}", n as f64 / u)
        })
}

fn duration(secs: u64) -> String {
    let (d, h, m) = (secs / 86400, secs % 86400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

pub fn host_line(h: &Host) -> String {
    let mut cpu = format!(
        "{} CPU{} online",
        h.cpus_online,
        if h.cpus_online == 1 { "" } else { "s" }
    );
    let about: Vec<String> = h
        .cpu_model
        .iter()
        .cloned()
        .chain(
            h.physical_cores
                .map(|c| format!("{c} physical core{}", if c == 1 { "" } else { "s" })),
        )
        .chain(h.arch.iter().cloned())
        .collect();
    if !about.is_empty() {
        cpu.push_str(&format!(" ({})", about.join(", ")));
    }
    let swap = if h.swap_total_bytes == 0 {
        "no swap".to_string()
    } else {
        format!(
            "swap {} ({} free)",
            gib(h.swap_total_bytes),
            gib(h.swap_free_bytes)
        )
    };
    let boot = h
        .boot_time
        .map(|b| format!(", booted {}", b.format("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    format!(
        "Machine: {cpu}; memory {} ({} available), {swap}; load average {:.2} {:.2} {:.2}; up {}{boot}.",
        gib(h.memory_total_bytes),
        gib(h.memory_available_bytes),
        h.load_1,
        h.load_5,
        h.load_15,
        duration(h.uptime_seconds),
    )
}

/// Markdown table cells must not break the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn on_off(l: &LinkDetail, feature: &str) -> &'static str {
    match &l.offloads {
        Some(o) if o.is_on(feature) => "on",
        Some(_) => "off",
        None => "?",
    }
}

fn row(l: &LinkDetail, ns: Option<&str>, with_ns: bool, mptcp: bool) -> String {
    let driver = match (&l.driver, &l.bus, &l.kind) {
        (Some(d), Some(b), _) => format!("{d} ({b})"),
        (Some(d), None, _) => d.clone(),
        (None, _, Some(k)) => k.clone(),
        (None, _, None) => "-".into(),
    };
    let speed = l.speed_mbps.map_or("-".into(), |s| {
        format!(
            "{s} Mb/s{}",
            l.duplex
                .as_ref()
                .map(|d| format!(" {d}"))
                .unwrap_or_default()
        )
    });
    let loss = |errors: u64, dropped: u64, extra: &[(&str, u64)]| {
        let more: Vec<String> = extra
            .iter()
            .filter(|(_, v)| *v > 0)
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        if more.is_empty() {
            format!("{errors}/{dropped}")
        } else {
            format!("{errors}/{dropped} ({})", more.join(", "))
        }
    };
    let (rx, tx) = match &l.counters {
        Some(c) => (
            loss(
                c.rx_errors,
                c.rx_dropped,
                &[("fifo", c.rx_fifo_errors), ("missed", c.rx_missed_errors)],
            ),
            loss(c.tx_errors, c.tx_dropped, &[("fifo", c.tx_fifo_errors)]),
        ),
        None => ("?".into(), "?".into()),
    };
    format!(
        "|{} {}{} | {} | {} | {} | {} | {}/{}/{} | {} | {} |",
        if with_ns {
            format!(" {} |", cell(ns.unwrap_or("-")))
        } else {
            String::new()
        },
        cell(&l.name),
        if mptcp { " *" } else { "" },
        cell(&driver),
        speed,
        l.mtu.map_or("-".into(), |m| m.to_string()),
        cell(l.qdisc.as_deref().unwrap_or("-")),
        on_off(l, "rx-gro"),
        on_off(l, "tx-generic-segmentation"),
        on_off(l, "tx-tcp-segmentation"),
        rx,
        tx,
    )
}

/// A namespace name as the archive's directories spell it.
fn safe(n: &str) -> String {
    n.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn raw_path(ns: Option<&str>) -> String {
    match ns {
        None => "raw/links/links.txt".into(),
        Some(n) => format!("raw/netns-{}/links/links.txt", safe(n)),
    }
}

/// One table of every namespace's interfaces (loopback left out), MPTCP ones first, capped at
/// MAX_LINK_ROWS; None when the links collector gave nothing.
pub fn links_table(r: &Report) -> Option<String> {
    let sets: Vec<(Option<&str>, &Vec<LinkDetail>)> = r
        .sections_with(crate::report::Facts::Links)
        .filter_map(|s| Some((s.netns.as_deref(), r.links(s.netns.as_deref())?)))
        .collect();
    if sets.is_empty() {
        return None;
    }
    let with_ns = sets.len() > 1;
    let mut out = String::new();
    out.push_str(if with_ns {
        "| netns | interface"
    } else {
        "| interface"
    });
    out.push_str(" | driver (bus) | speed | MTU | qdisc | GRO/GSO/TSO | rx errors/dropped | tx errors/dropped |\n");
    out.push_str(if with_ns { "|---|---" } else { "|---" });
    out.push_str("|---|---:|---:|---|---|---:|---:|\n");
    let mut rows = 0;
    let mut left: Vec<String> = Vec::new();
    let mut any_mptcp = false;
    for (ns, links) in sets {
        let mptcp: Vec<String> = subflow_interfaces(r, ns)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let mut shown: Vec<&LinkDetail> = links.iter().filter(|l| l.name != "lo").collect();
        shown.sort_by_key(|l| !mptcp.contains(&l.name));
        let room = MAX_LINK_ROWS.saturating_sub(rows);
        for l in shown.iter().take(room) {
            let m = mptcp.contains(&l.name);
            any_mptcp |= m;
            out.push_str(&row(l, ns, with_ns, m));
            out.push('\n');
            rows += 1;
        }
        if shown.len() > room {
            left.push(format!("{} more in `{}`", shown.len() - room, raw_path(ns)));
        }
    }
    if !left.is_empty() {
        out.push_str(&format!("\n… {}\n", left.join("; ")));
    }
    if any_mptcp {
        out.push_str("\n`*` carries an MPTCP endpoint, connection or subflow.\n");
    }
    Some(out)
}

/// The whole block, or None when there is nothing to show.
pub fn render(r: &Report) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(h) = r.host() {
        parts.push(host_line(h));
    }
    if let Some(t) = links_table(r) {
        parts.push(t.trim_end().to_string());
    }
    parts.extend(paths::windows(r));
    (!parts.is_empty()).then(|| parts.join("\n\n") + "\n")
}

#[path = "perf_view_paths.rs"]
mod paths;
pub use paths::path_lines;

#[cfg(test)]
#[path = "perf_view_tests.rs"]
mod tests;
