//! The archive's `reproduce/` directory, derived from `Report.reproduce` (already redacted): the
//! window, the command's output, and per namespace the events (JSON lines and `ip mptcp monitor`
//! text), the throughput samples (JSON lines), the counters before and after, every delta (and the
//! counters that moved as `nstat` prints them), and the endpoints/limits on both sides.

use crate::archive::Member;
use crate::report::Report;
use crate::report::{NsWindow, Reproduce, Snapshot, SocketList};
use crate::views::changes::changes;
use crate::views::formats::iproute::{render_endpoints, render_limits};
use crate::views::formats::monitor::render_events;

fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).expect("serialisable");
    s.push('\n');
    s.into_bytes()
}

fn dir_of(w: &NsWindow) -> String {
    match &w.netns {
        None => "reproduce".into(),
        Some(n) => {
            let safe: String = n
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            format!("reproduce/netns-{safe}")
        }
    }
}

fn snapshot_members(dir: &str, side: &str, s: &Snapshot, out: &mut Vec<Member>) {
    out.push(Member {
        path: format!("{dir}/counters-{side}.json"),
        data: json(&s.counters),
    });
    if let Some(e) = &s.endpoints {
        out.push(Member {
            path: format!("{dir}/endpoints-{side}.txt"),
            data: render_endpoints(e).into_bytes(),
        });
    }
    if let Some(l) = &s.limits {
        out.push(Member {
            path: format!("{dir}/limits-{side}.txt"),
            data: render_limits(l).into_bytes(),
        });
    }
}

/// Each snapshot's sockets, for `reproduce/…/sockets-{before,after}.json`: streamed into the archive
/// from the list (a busy server's are spooled), never whole in memory.
pub fn socket_lists(report: &Report) -> Vec<(String, &SocketList)> {
    let mut out = Vec::new();
    for w in report.reproduce.iter().flat_map(|r| &r.namespaces) {
        let dir = dir_of(w);
        for (side, s) in [("before", &w.before), ("after", &w.after)] {
            if let Some(sk) = &s.sockets {
                out.push((format!("{dir}/sockets-{side}.json"), sk));
            }
        }
    }
    out
}

fn window_json(r: &Reproduce) -> serde_json::Value {
    serde_json::json!({
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "duration_ms": r.duration_ms,
        "ended_by": r.ended_by,
        "requested_duration_ms": r.requested_duration_ms,
        "command": r.command.as_ref().map(|c| serde_json::json!({
            "argv": c.argv,
            "netns": c.netns,
            "exit_code": c.exit_code,
            "signal": c.signal,
            "duration_ms": c.duration_ms,
            "stopped": c.stopped,
            "error": c.error,
            "output_truncated": c.truncated,
        })),
        "namespaces": r.namespaces.iter().map(|w| serde_json::json!({
            "netns": w.netns,
            "subscribed": w.subscribed,
            "subscribe_error": w.subscribe_error,
            "events": w.events_total,
            "events_kept": w.events.len(),
            "events_lost": w.events_lost,
            "events_malformed": w.events_malformed,
        })).collect::<Vec<_>>(),
    })
}

/// Every `reproduce/` member; none for a plain collect.
pub fn archive_members(report: &Report) -> Vec<Member> {
    let Some(r) = &report.reproduce else {
        return Vec::new();
    };
    let mut out = vec![Member {
        path: "reproduce/window.json".into(),
        data: json(&window_json(r)),
    }];
    if let Some(c) = &r.command {
        out.push(Member {
            path: "reproduce/command.stdout".into(),
            data: c.stdout_tail.clone().into_bytes(),
        });
        out.push(Member {
            path: "reproduce/command.stderr".into(),
            data: c.stderr_tail.clone().into_bytes(),
        });
    }
    for w in &r.namespaces {
        let dir = dir_of(w);
        let mut lines = String::new();
        for e in &w.events {
            lines.push_str(&serde_json::to_string(e).expect("serialisable"));
            lines.push('\n');
        }
        out.push(Member {
            path: format!("{dir}/events.jsonl"),
            data: lines.into_bytes(),
        });
        out.push(Member {
            path: format!("{dir}/events.txt"),
            data: render_events(&w.events).into_bytes(),
        });
        if let Some(s) = &w.samples {
            out.push(Member {
                path: format!("{dir}/samples.jsonl"),
                data: s.jsonl().into_bytes(),
            });
        }
        snapshot_members(&dir, "before", &w.before, &mut out);
        snapshot_members(&dir, "after", &w.after, &mut out);
        out.push(Member {
            path: format!("{dir}/counter-deltas.json"),
            data: json(&w.all_deltas()),
        });
        // What the script's `nstat -n` before and `nstat` after the reproduction print.
        out.push(Member {
            path: format!("{dir}/nstat.txt"),
            data: crate::views::formats::nstat::render_increments(
                &w.before.counters,
                &w.after.counters,
            )
            .into_bytes(),
        });
        let ch = changes(&w.before, &w.after);
        if !ch.is_empty() {
            out.push(Member {
                path: format!("{dir}/changes.txt"),
                data: (ch.join("\n") + "\n").into_bytes(),
            });
        }
    }
    out
}
