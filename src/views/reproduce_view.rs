//! The summary's view of a reproduce window: how long and how it ended, the command, and per
//! namespace the first events (as `ip mptcp monitor` prints them), what was lost, the MPTcpExt
//! counters that changed, endpoint/limit changes and the socket counts before and after.

use crate::report::{NsWindow, Reproduce};
use crate::views::changes::changes;
use crate::views::formats::monitor::render_event;
use serde::Serialize;

/// Events shown in the summary per namespace (all are in the archive).
pub const EVENTS_SHOWN: usize = 20;

#[derive(Serialize)]
pub struct ReproduceView {
    duration: String,
    ended_by: &'static str,
    command: Option<CommandView>,
    namespaces: Vec<NsReproduceView>,
    events_lost: u64,
}

#[derive(Serialize)]
struct CommandView {
    argv: String,
    netns: Option<String>,
    status: String,
    duration: String,
    stopped: bool,
}

#[derive(Serialize)]
struct NsReproduceView {
    name: String,
    /// Where this namespace's files are in the archive.
    dir: String,
    subscribed: bool,
    problem: Option<String>,
    events_total: u64,
    events_shown: Vec<String>,
    events_more: u64,
    lost: u64,
    malformed: u64,
    deltas: Vec<String>,
    changes: Vec<String>,
    sockets_before: String,
    sockets_after: String,
    notes: Vec<String>,
}

fn seconds(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// Shell-like quoting, only where needed, so the command reads as typed.
fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn ns_view(w: &NsWindow) -> NsReproduceView {
    let count = |s: &Option<crate::report::SocketList>| {
        s.as_ref()
            .map_or("not collected".to_string(), |v| v.len().to_string())
    };
    let mut notes: Vec<String> = w
        .before
        .notes
        .iter()
        .map(|n| format!("before: {n}"))
        .collect();
    notes.extend(w.after.notes.iter().map(|n| format!("after: {n}")));
    let name = w.netns.clone().unwrap_or_default();
    NsReproduceView {
        dir: if name.is_empty() {
            "reproduce".into()
        } else {
            format!("reproduce/netns-{name}")
        },
        name,
        subscribed: w.subscribed,
        problem: w.subscribe_error.clone(),
        events_total: w.events_total,
        events_shown: w
            .events
            .iter()
            .take(EVENTS_SHOWN)
            .map(|e| render_event(e).trim_end().to_string())
            .collect(),
        events_more: w.events_total.saturating_sub(EVENTS_SHOWN as u64),
        lost: w.events_lost,
        malformed: w.events_malformed,
        deltas: w
            .changed_counters()
            .iter()
            .map(|d| format!("{}: {} -> {} ({:+})", d.name, d.before, d.after, d.delta))
            .collect(),
        changes: changes(&w.before, &w.after),
        sockets_before: count(&w.before.sockets),
        sockets_after: count(&w.after.sockets),
        notes,
    }
}

pub fn build(r: &Reproduce) -> ReproduceView {
    ReproduceView {
        duration: seconds(r.duration_ms),
        ended_by: r.ended_by.describe(),
        command: r.command.as_ref().map(|c| CommandView {
            argv: shell_join(&c.argv),
            netns: c.netns.clone(),
            status: c.status(),
            duration: seconds(c.duration_ms),
            stopped: c.stopped,
        }),
        namespaces: r.namespaces.iter().map(ns_view).collect(),
        events_lost: r.namespaces.iter().map(|w| w.events_lost).sum(),
    }
}

#[cfg(test)]
#[path = "reproduce_view_tests.rs"]
mod tests;
