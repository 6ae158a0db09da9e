//! The "before" and "after" snapshots: the same collectors `collect` uses (MIB counters, endpoints,
//! limits, sockets), run through the engine in every namespace, reduced to what the window compares:
//! every SNMP/netstat counter as nstat names them, so the deltas cover what the script's
//! `nstat -n` ... `nstat` shows, not only MPTcpExt.

use crate::collect::collectors::Env;
use crate::collect::engine::{self, Plan};
use crate::collect::spec::Spec;
use crate::report::Snapshot;
use crate::report::{Counter, Data, Mib, Section, Status};
use crate::sys::Netns;
use std::sync::Arc;
use std::time::Duration;

/// Collectors a snapshot runs.
pub const COLLECTORS: &[&str] = &["mib", "endpoints", "limits", "sockets"];

/// Takes one snapshot per namespace (in the order given).
pub fn take(
    env: &Arc<Env>,
    specs: &[Spec],
    namespaces: &[Option<Netns>],
    timeout: Duration,
) -> Vec<Snapshot> {
    let plan = Plan {
        specs: specs
            .iter()
            .filter(|s| COLLECTORS.contains(&s.name.as_str()))
            .cloned()
            .collect(),
        namespaces: namespaces.to_vec(),
        collector_timeout: timeout,
    };
    let taken_at = chrono::Utc::now();
    let sections = engine::run(&plan, env.clone(), None);
    namespaces
        .iter()
        .map(|ns| {
            let label = ns.as_ref().map(|n| n.label.as_str());
            let mine: Vec<&Section> = sections
                .iter()
                .filter(|s| s.netns.as_deref() == label)
                .collect();
            reduce(taken_at, &mine)
        })
        .collect()
}

fn reduce(taken_at: chrono::DateTime<chrono::Utc>, sections: &[&Section]) -> Snapshot {
    let mut snap = Snapshot {
        taken_at,
        counters: Vec::new(),
        endpoints: None,
        limits: None,
        sockets: None,
        notes: Vec::new(),
    };
    for s in sections {
        if s.status != Status::Ok {
            snap.notes.push(format!(
                "{}: {} ({})",
                s.collector,
                s.status.label(),
                s.status.detail()
            ));
        }
        for d in &s.data {
            match d {
                Data::Mib(m) => snap.counters = all_counters(m),
                Data::Endpoints(e) => snap.endpoints = Some(e.clone()),
                Data::Limits(l) => snap.limits = Some(l.clone()),
                Data::Sockets(s) => snap.sockets = Some(s.clone()),
                _ => {}
            }
        }
    }
    snap
}

/// Every counter in nstat's names and order; a report without them (older, or a fixture) falls back
/// to its MPTcpExt group, named as nstat names them.
fn all_counters(m: &Mib) -> Vec<Counter> {
    if !m.nstat.is_empty() {
        return m.nstat.clone();
    }
    m.groups
        .get("MPTcpExt")
        .map(|g| {
            g.iter()
                .map(|c| Counter {
                    name: format!("MPTcpExt{}", c.name),
                    value: c.value,
                })
                .collect()
        })
        .unwrap_or_default()
}
