//! Throughput rules: facts that explain "two links, no aggregation" or "slower than TCP" — subflow
//! interfaces with very different MTUs, an interface dropping or erroring, segmentation or receive
//! offload off on a subflow interface, one CPU doing everything, and every additional path being a
//! backup. Each is silent when its data was not collected.

#[path = "throughput_paths.rs"]
mod paths;

use super::{finding, where_, DOCS_FAQ, DOCS_PM};
use crate::report::{Endpoint, Finding, LinkCounters, LinkDetail, Report, Severity};
pub use paths::subflow_interfaces;
use paths::{detail, ip_of, mtu, namespaces};

/// MTUs this far apart (larger / smaller) are "very different": 1500 vs 1200, 9000 vs 1500.
const MTU_RATIO: f64 = 1.25;
/// Load per online CPU above which a single CPU is busy.
const BUSY_LOAD: f64 = 0.9;

pub fn mtu_mismatch(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let with_mtu: Vec<(String, String, u32)> = subflow_interfaces(r, ns)
            .into_iter()
            .filter_map(|(n, why)| Some((n.clone(), why, mtu(r, ns, &n)?)))
            .collect();
        let (Some(lo), Some(hi)) = (
            with_mtu.iter().min_by_key(|x| x.2),
            with_mtu.iter().max_by_key(|x| x.2),
        ) else {
            continue;
        };
        if (hi.2 as f64) < lo.2 as f64 * MTU_RATIO {
            continue;
        }
        out.push(finding(
            "subflow-mtu-mismatch",
            Severity::Warning,
            format!(
                "Subflow interfaces have very different MTUs{}: {} bytes on {} and {} on {}; subflows with a much smaller MSS carry less per packet and can hold back the faster path",
                where_(ns), lo.2, lo.0, hi.2, hi.0
            ),
            with_mtu.iter().map(|(n, why, m)| format!("{n}: mtu {m} ({why})")).collect(),
            DOCS_FAQ,
        ));
    }
    out
}

/// The loss counters of a link that are not zero, as `name value`.
fn loss(c: &LinkCounters) -> Vec<String> {
    [
        ("rx_errors", c.rx_errors),
        ("rx_dropped", c.rx_dropped),
        ("rx_fifo_errors", c.rx_fifo_errors),
        ("rx_missed_errors", c.rx_missed_errors),
        ("tx_errors", c.tx_errors),
        ("tx_dropped", c.tx_dropped),
        ("tx_fifo_errors", c.tx_fifo_errors),
    ]
    .iter()
    .filter(|(_, v)| *v > 0)
    .map(|(n, v)| format!("{n} {v}"))
    .collect()
}

/// How the drop and error counters of `name` changed during a reproduce window, if it was sampled.
fn window_change(r: &Report, ns: Option<&str>, name: &str) -> Option<String> {
    let w = r
        .reproduce
        .as_ref()?
        .namespaces
        .iter()
        .find(|w| w.netns.as_deref() == ns)?;
    let series = &w.samples.as_ref()?.series;
    let at = |s: &crate::report::Sample| s.links.iter().find(|l| l.name == name).cloned();
    let (a, b) = (
        series.iter().find_map(at)?,
        series.iter().rev().find_map(at)?,
    );
    let d = [
        ("rx_errors", b.rx_errors.saturating_sub(a.rx_errors)),
        ("rx_dropped", b.rx_dropped.saturating_sub(a.rx_dropped)),
        ("tx_errors", b.tx_errors.saturating_sub(a.tx_errors)),
        ("tx_dropped", b.tx_dropped.saturating_sub(a.tx_dropped)),
    ];
    let words: Vec<String> = d.iter().map(|(n, v)| format!("{n} +{v}")).collect();
    Some(format!(
        "{name} during the reproduce window: {}",
        words.join(", ")
    ))
}

pub fn interface_loss(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let Some(links) = r.links(ns) else { continue };
        let subflow: Vec<String> = subflow_interfaces(r, ns)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        // With MPTCP interfaces known, only they matter; else every interface but loopback may.
        let (watched, severity): (Vec<&LinkDetail>, Severity) = if subflow.is_empty() {
            (
                links.iter().filter(|l| l.name != "lo").collect(),
                Severity::Info,
            )
        } else {
            (
                links.iter().filter(|l| subflow.contains(&l.name)).collect(),
                Severity::Warning,
            )
        };
        for l in watched {
            let Some(c) = &l.counters else { continue };
            let lost = loss(c);
            if lost.is_empty() {
                continue;
            }
            let mut evidence = vec![format!(
                "{}: {} (since it was created; rx_packets {}, tx_packets {})",
                l.name,
                lost.join(", "),
                c.rx_packets,
                c.tx_packets
            )];
            evidence.extend(window_change(r, ns, &l.name));
            out.push(finding(
                "interface-loss",
                severity,
                format!(
                    "Interface {} drops or errors packets{}{}",
                    l.name,
                    where_(ns),
                    if severity == Severity::Warning {
                        ": losses on a subflow's path cut its throughput"
                    } else {
                        ""
                    }
                ),
                evidence,
                DOCS_FAQ,
            ));
        }
    }
    out
}

pub fn offloads_off(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        for (name, why) in subflow_interfaces(r, ns) {
            let Some(l) = detail(r, ns, &name) else {
                continue;
            };
            let Some(o) = &l.offloads else { continue };
            // A veth receives its peer's packets unsegmented, so GRO (off there by default) does not
            // matter on it.
            let checks: &[(&str, &str)] = if l.kind.as_deref() == Some("veth") {
                &[
                    ("tx-tcp-segmentation", "tso"),
                    ("tx-generic-segmentation", "gso"),
                ]
            } else {
                &[
                    ("rx-gro", "gro"),
                    ("tx-tcp-segmentation", "tso"),
                    ("tx-generic-segmentation", "gso"),
                ]
            };
            let off: Vec<String> = checks
                .iter()
                .filter(|(f, _)| !o.is_on(f))
                .map(|(f, short)| {
                    if o.off.iter().any(|x| x == f) {
                        format!("{name}: {f} off (`ethtool -K {name} {short} on` turns it on)")
                    } else {
                        format!("{name}: {f} off (fixed by the driver)")
                    }
                })
                .collect();
            if off.is_empty() {
                continue;
            }
            let mut evidence = off;
            evidence.push(format!("{name} carries MPTCP traffic: {why}"));
            evidence.push(format!("read with {}", o.source));
            out.push(finding(
                "offload-off",
                Severity::Warning,
                format!(
                    "Segmentation or receive offload is off on subflow interface {name}{}: every packet costs CPU, which limits throughput",
                    where_(ns)
                ),
                evidence,
                DOCS_FAQ,
            ));
        }
    }
    out
}

pub fn single_cpu(r: &Report) -> Vec<Finding> {
    let Some(h) = r.host() else { return Vec::new() };
    if h.cpus_online != 1 || h.load_1 <= BUSY_LOAD {
        return Vec::new();
    }
    vec![finding(
        "single-busy-cpu",
        Severity::Warning,
        "One CPU online and it is busy: the CPU, not the paths, may limit throughput (every subflow is processed on it)".into(),
        vec![
            format!("CPUs online: {}{}", h.cpus_online, h.cpu_model.as_ref().map(|m| format!(" ({m})")).unwrap_or_default()),
            format!("load average: {:.2} {:.2} {:.2}", h.load_1, h.load_5, h.load_15),
        ],
        DOCS_FAQ,
    )]
}

pub fn backup_only(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let Some(eps) = r.endpoints(ns) else { continue };
        let paths: Vec<_> = eps
            .iter()
            .filter(|e| e.has(Endpoint::FLAG_SUBFLOW | Endpoint::FLAG_SIGNAL))
            .collect();
        if paths.is_empty() {
            continue;
        }
        // The initial subflow's address is not an additional path (one walk of the sockets,
        // holding nothing per socket).
        let mut initial = vec![false; paths.len()];
        let established = r.sockets(ns).into_iter().flat_map(|s| s.heads());
        for ip in established
            .filter(|s| s.state == "ESTAB")
            .filter_map(|s| ip_of(&s.local))
        {
            for (k, e) in paths.iter().enumerate() {
                initial[k] |= e.addr == ip;
            }
        }
        let extra: Vec<_> = paths
            .into_iter()
            .zip(initial)
            .filter_map(|(e, initial)| (!initial).then_some(e))
            .collect();
        if extra.is_empty() || extra.iter().any(|e| !e.has(Endpoint::FLAG_BACKUP)) {
            continue;
        }
        let mut evidence: Vec<String> = extra
            .iter()
            .map(|e| e.iproute_line().trim_end().to_string())
            .collect();
        let windows = r.reproduce.iter().flat_map(|rep| &rep.namespaces);
        for w in windows.filter(|w| w.netns.as_deref() == ns) {
            let paths = w.samples.iter().flat_map(|s| &s.paths);
            let total: u64 = paths.clone().map(|p| p.bytes()).sum();
            for p in paths.filter(|p| p.backup && total > 0) {
                evidence.push(format!(
                    "backup subflow {} -> {} carried {}% of the window's bytes",
                    p.local,
                    p.remote,
                    p.bytes() * 100 / total
                ));
            }
        }
        out.push(finding(
            "backup-only-paths",
            Severity::Info,
            format!(
                "Every additional path is a backup{}: the kernel sends on backup subflows only when no other is usable, so there is no aggregation (drop `backup` from the endpoints if you expected it)",
                where_(ns)
            ),
            evidence,
            DOCS_PM,
        ));
    }
    out
}

#[cfg(test)]
#[path = "throughput_tests.rs"]
mod tests;
