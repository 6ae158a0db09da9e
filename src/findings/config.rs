//! Configuration rules: MPTCP off, endpoints and limits that cannot work, roles swapped, and the local
//! self-test.

use super::{finding, namespaces, where_, DOCS_FAQ, DOCS_PM, DOCS_SETUP};
use crate::netlink::iproute::render_endpoints;
use crate::netlink::{MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW};
use crate::report::{Finding, Report, Severity, Status};

pub fn mptcp_off(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        if r.sysctl(ns, "enabled") == Some("0") {
            out.push(finding(
                "mptcp-off",
                Severity::Problem,
                format!(
                    "MPTCP is disabled{}: applications silently fall back to TCP",
                    where_(ns)
                ),
                vec!["net.mptcp.enabled = 0".into()],
                DOCS_SETUP,
            ));
        }
        let absent = r.sections.iter().any(|s| {
            s.collector == "sysctl" && s.netns.as_deref() == ns && matches!(&s.status, Status::Skipped { reason } if reason.contains("/proc/sys/net/mptcp does not exist"))
        });
        if absent {
            let mut evidence = vec!["/proc/sys/net/mptcp does not exist".to_string()];
            if let Some(v) = r
                .kernel_config()
                .and_then(|k| k.symbols.get("CONFIG_MPTCP"))
            {
                evidence.push(format!("CONFIG_MPTCP={v}"));
            }
            out.push(finding("mptcp-off", Severity::Problem, "The kernel has no MPTCP support: socket(IPPROTO_MPTCP) fails and applications use TCP".into(), evidence, DOCS_SETUP));
        }
    }
    out
}

/// The in-kernel path manager is in use (the default; path_manager absent before 6.15).
fn kernel_pm(r: &Report, ns: Option<&str>) -> bool {
    match r.sysctl(ns, "path_manager") {
        Some(pm) => pm == "kernel",
        None => r.sysctl(ns, "pm_type").is_none_or(|t| t == "0"),
    }
}

pub fn no_endpoints(r: &Report) -> Vec<Finding> {
    namespaces(r)
        .into_iter()
        .filter(|&ns| r.sysctl(ns, "enabled") == Some("1") && kernel_pm(r, ns))
        .filter(|&ns| r.endpoints(ns).is_some_and(|e| e.is_empty()))
        // Only a client needs endpoints; a server without any is normal.
        .filter(|&ns| {
            let side = r.meta.side.as_ref().filter(|s| !s.guessed).map(|s| s.role == "client");
            side.unwrap_or_else(|| roles(r, ns).is_some_and(|(initiates, _)| initiates))
        })
        .map(|ns| {
            finding("no-endpoints", Severity::Warning, format!("The in-kernel path manager has no endpoints on this client{}: one path only, unless the peer announces addresses", where_(ns)), vec!["ip mptcp endpoint show: (empty)".into()], DOCS_PM)
        })
        .collect()
}

pub fn subflows_limit_zero(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some(limits)) = (r.endpoints(ns), r.limits(ns)) else {
            continue;
        };
        let subflow: Vec<_> = eps
            .iter()
            .filter(|e| e.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW != 0)
            .cloned()
            .collect();
        if !subflow.is_empty() && limits.subflows == Some(0) {
            let mut evidence: Vec<String> = render_endpoints(&subflow)
                .lines()
                .map(|l| l.trim_end().to_string())
                .collect();
            evidence.push("limits: subflows 0".into());
            out.push(finding("subflows-limit-zero", Severity::Problem, format!("`subflow` endpoints exist but the subflows limit is 0{}: no additional subflow is ever created", where_(ns)), evidence, DOCS_PM));
        }
    }
    out
}

pub fn add_addr_dropped(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(mib), Some(limits)) = (r.mib(ns), r.limits(ns)) else {
            continue;
        };
        let dropped = mib.get("MPTcpExt", "AddAddrDrop").unwrap_or(0);
        if dropped > 0 && limits.add_addr_accepted == Some(0) {
            out.push(finding(
                "add-addr-dropped",
                Severity::Warning,
                format!(
                    "Addresses announced by the peer are dropped{}: add_addr_accepted is 0",
                    where_(ns)
                ),
                vec![
                    format!("MPTcpExt AddAddrDrop = {dropped}"),
                    "limits: add_addr_accepted 0".into(),
                ],
                DOCS_PM,
            ));
        }
    }
    out
}

/// What the counters and sockets say this host does: (initiates, accepts).
pub fn roles(r: &Report, ns: Option<&str>) -> Option<(bool, bool)> {
    if let Some(mib) = r.mib(ns) {
        let tx = mib.get("MPTcpExt", "MPCapableSYNTX").unwrap_or(0);
        let rx = mib.get("MPTcpExt", "MPCapableSYNRX").unwrap_or(0);
        if tx + rx > 0 {
            return Some((tx > 0, rx > 0));
        }
    }
    let socks = r.sockets(ns)?;
    let listen_ports: Vec<&str> = socks
        .iter()
        .filter(|s| s.state == "LISTEN")
        .filter_map(|s| s.local.rsplit(':').next())
        .collect();
    let estab = socks.iter().filter(|s| s.state != "LISTEN");
    let (mut initiates, mut accepts) = (false, !listen_ports.is_empty());
    for s in estab {
        let port = s.local.rsplit(':').next().unwrap_or("");
        if listen_ports.contains(&port) {
            accepts = true;
        } else {
            initiates = true;
        }
    }
    (initiates || accepts).then_some((initiates, accepts))
}

pub fn endpoint_roles(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some((initiates, accepts))) = (r.endpoints(ns), roles(r, ns)) else {
            continue;
        };
        let with = |flag: u32| -> Vec<String> {
            render_endpoints(
                &eps.iter()
                    .filter(|e| e.flags & flag != 0)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect()
        };
        if initiates && !accepts && !with(MPTCP_PM_ADDR_FLAG_SIGNAL).is_empty() {
            let mut ev = with(MPTCP_PM_ADDR_FLAG_SIGNAL);
            ev.push("this host only initiates connections".into());
            out.push(finding("endpoint-roles", Severity::Warning, format!("`signal` endpoints on a host that only initiates connections{}: clients need `subflow` endpoints", where_(ns)), ev, DOCS_PM));
        }
        if accepts && !initiates && !with(MPTCP_PM_ADDR_FLAG_SUBFLOW).is_empty() {
            let mut ev = with(MPTCP_PM_ADDR_FLAG_SUBFLOW);
            ev.push("this host only accepts connections".into());
            out.push(finding("endpoint-roles", Severity::Warning, format!("`subflow` endpoints on a host that only accepts connections{}: servers need `signal` endpoints", where_(ns)), ev, DOCS_PM));
        }
    }
    out
}

pub fn self_test(r: &Report) -> Vec<Finding> {
    namespaces(r)
        .into_iter()
        .filter_map(|ns| r.self_test(ns).map(|t| (ns, t)))
        // "disabled" and "unsupported" are what mptcp-off already reports.
        .filter(|(_, t)| !matches!(t.result.as_str(), "ok" | "disabled" | "unsupported"))
        .map(|(ns, t)| {
            let sev = if t.result == "fallback" {
                Severity::Warning
            } else {
                Severity::Problem
            };
            finding(
                "self-test",
                sev,
                format!(
                    "The local MPTCP self-test did not pass{}: {}",
                    where_(ns),
                    t.result
                ),
                vec![t.detail.clone()],
                DOCS_FAQ,
            )
        })
        .collect()
}
