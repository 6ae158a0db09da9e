//! The throughput lines of the "Machine and links" block: per sampled namespace, each path's share of
//! the bytes its subflows carried during the reproduce window (capped per namespace and in number of
//! namespaces).

use super::{bytes, safe, MAX_PATH_LINES, MAX_WINDOWS};
use crate::report::Report;
use crate::report::{NsWindow, PathTotal};

/// "10.0.1.1:40000" -> "10.0.1.1" (the path, not the port).
fn host_part(s: &str) -> &str {
    match s.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h.trim_matches(['[', ']']),
        _ => s,
    }
}

/// Each path's share of the bytes a namespace's subflows carried during the window.
pub fn path_lines(w: &NsWindow) -> Option<Vec<String>> {
    let s = w.samples.as_ref()?;
    let mut paths: Vec<(String, u64, u64, u64, bool)> = Vec::new();
    let group = |p: &PathTotal| {
        let dev = p
            .dev
            .as_ref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        format!("{} -> {}{dev}", host_part(&p.local), host_part(&p.remote))
    };
    for p in &s.paths {
        let key = group(p);
        let span = p.last_ms.saturating_sub(p.first_ms);
        match paths.iter_mut().find(|x| x.0 == key) {
            Some(x) => {
                x.1 += p.bytes();
                x.2 += p.retransmits;
                x.3 = x.3.max(span);
                x.4 &= p.backup;
            }
            None => paths.push((key, p.bytes(), p.retransmits, span, p.backup)),
        }
    }
    let total: u64 = paths.iter().map(|p| p.1).sum();
    let mut lines = Vec::new();
    if total == 0 {
        lines.push(if s.paths.is_empty() {
            "no MPTCP subflow was seen".to_string()
        } else {
            "the subflows carried no data".to_string()
        });
    } else {
        paths.sort_by_key(|p| std::cmp::Reverse(p.1));
        for (key, b, retrans, span, backup) in paths.iter().take(MAX_PATH_LINES) {
            let rate = if *span > 0 {
                format!(
                    ", {:.1} Mbit/s while up",
                    *b as f64 * 8.0 / (*span as f64 * 1000.0)
                )
            } else {
                String::new()
            };
            lines.push(format!(
                "{key}: {}% of bytes ({}{rate}), {retrans} retransmits{}",
                (*b as f64 * 100.0 / total as f64).round(),
                bytes(*b),
                if *backup { ", backup" } else { "" }
            ));
        }
        if paths.len() > MAX_PATH_LINES {
            lines.push(format!(
                "… {} more paths in the series",
                paths.len() - MAX_PATH_LINES
            ));
        }
    }
    lines.extend(s.notes.iter().take(3).map(|n| format!("note: {n}")));
    Some(lines)
}

/// One paragraph per sampled namespace (at most MAX_WINDOWS, then a pointer to the rest).
pub(super) fn windows(r: &Report) -> Vec<String> {
    let mut parts = Vec::new();
    let sampled: Vec<&NsWindow> = r
        .reproduce
        .iter()
        .flat_map(|rep| &rep.namespaces)
        .filter(|w| w.samples.is_some())
        .collect();
    for (i, w) in sampled.iter().enumerate() {
        if i == MAX_WINDOWS {
            parts.push(format!(
                "… the throughput of {} more namespaces is in their `reproduce/netns-*/samples.jsonl`.",
                sampled.len() - i
            ));
            break;
        }
        let (Some(s), Some(lines)) = (w.samples.as_ref(), path_lines(w)) else {
            continue;
        };
        let series = match &w.netns {
            None => "reproduce/samples.jsonl".to_string(),
            Some(n) => format!("reproduce/netns-{}/samples.jsonl", safe(n)),
        };
        let mut p = format!(
            "Throughput during the window{}: {} rounds every {} ms (series in `{series}`{}):\n",
            w.netns
                .as_ref()
                .map(|n| format!(" (netns {n})"))
                .unwrap_or_default(),
            s.rounds,
            s.interval_ms,
            if s.kept_every > 1 {
                format!(", one round in {}", s.kept_every)
            } else {
                String::new()
            },
        );
        for l in lines {
            p.push_str(&format!("\n- {l}"));
        }
        parts.push(p);
    }
    parts
}
