//! Daemon rules: a userspace path manager that nobody drives, and NetworkManager and mptcpd both
//! configuring endpoints. They speak from what the NetworkManager/mptcpd collectors saw (mptcpd not
//! installed at all counts) or from the kernel's own counters; "unknown" (no systemd, nmcli missing)
//! is never turned into "not running".

use super::facts::{counter_line, mptcp_counter, userspace_pm};
use super::{finding, namespaces, where_, DOCS_PM};
use crate::report::{Finding, NetworkManager, NmConnection, Report, Severity, Status};

/// NetworkManager's `connection.mptcp-flags` bit for "disabled" (libnm NM_MPTCP_FLAGS_DISABLED).
const NM_MPTCP_FLAGS_DISABLED: u32 = 0x1;

/// A flags value as NetworkManager writes it: a number (decimal or 0x hex), or words from nmcli.
fn nm_flags(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => raw.parse().ok(),
    }
}

/// Whether a flags value turns MPTCP off; None when it is "0"/absent (the default applies).
fn flags_disable(raw: Option<&str>) -> Option<bool> {
    let raw = raw?.trim();
    match nm_flags(raw) {
        Some(0) => None,
        Some(v) => Some(v & NM_MPTCP_FLAGS_DISABLED != 0),
        None if raw.is_empty() || raw == "default" => None,
        None => Some(raw.split([',', '|', ' ']).any(|w| w.trim() == "disabled")),
    }
}

/// NetworkManager 1.40 is the first release that configures MPTCP endpoints.
fn nm_handles_mptcp(nm: &NetworkManager) -> bool {
    let Some(v) = nm.version.as_deref() else {
        return true;
    };
    let mut it = v.split('.').map(|p| p.trim().parse::<u32>().ok());
    match (it.next().flatten(), it.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 40),
        _ => true,
    }
}

/// Connections for which NetworkManager configures endpoints: not known to be inactive, and whose own
/// flags (else the global default, else NM's default "enabled,subflow") do not disable MPTCP.
fn nm_managed(nm: &NetworkManager) -> Vec<&NmConnection> {
    let global = flags_disable(nm.global_mptcp_flags.as_deref());
    nm.connections
        .iter()
        .filter(|c| c.active != Some(false))
        .filter(|c| {
            let own = flags_disable(c.mptcp_flags.as_deref());
            !own.or(global).unwrap_or(false)
        })
        .collect()
}

fn connection_line(nm: &NetworkManager, c: &NmConnection) -> String {
    let own = match &c.mptcp_flags {
        Some(raw) => format!("{raw} ({})", c.mptcp_flags_decoded),
        None => c.mptcp_flags_decoded.clone(),
    };
    // 0 or absent: the global default decides, and is what the reader needs to see.
    let flags = match (&nm.global_mptcp_flags, c.default_applies) {
        (Some(g), true) => format!(
            "{} -> global default {g} ({})",
            c.mptcp_flags.as_deref().unwrap_or("not set"),
            nm.global_mptcp_flags_decoded.as_deref().unwrap_or("?")
        ),
        _ => own,
    };
    let active = match c.active {
        Some(true) => ", active",
        _ => "",
    };
    format!(
        "NetworkManager connection {:?}: mptcp-flags {flags}{active}",
        c.id
    )
}

pub fn nm_and_mptcpd(r: &Report) -> Vec<Finding> {
    let (Some(nm), Some(mptcpd)) = (r.network_manager(), r.mptcpd()) else {
        return Vec::new();
    };
    if nm.running != Some(true)
        || !nm_handles_mptcp(nm)
        || mptcpd.service_state.as_deref() != Some("active")
    {
        return Vec::new();
    }
    let managed = nm_managed(nm);
    if managed.is_empty() {
        return Vec::new();
    }
    let mut ev = vec![format!(
        "NetworkManager {}: running",
        nm.version.as_deref().unwrap_or("(version unknown)")
    )];
    if let Some(g) = &nm.global_mptcp_flags {
        ev.push(format!(
            "NetworkManager connection.mptcp-flags default = {g}"
        ));
    }
    ev.extend(managed.iter().take(4).map(|c| connection_line(nm, c)));
    if managed.len() > 4 {
        ev.push(format!("... and {} more connections", managed.len() - 4));
    }
    ev.push("mptcp.service: active".into());
    for key in ["path-manager", "addr-flags"] {
        // What mptcpd runs with: the unit's command line overrides mptcpd.conf.
        if let Some(v) = mptcpd.cmdline.get(key) {
            ev.push(format!("mptcp.service ExecStart --{key}={v}"));
        } else if let Some(v) = mptcpd.config.get(key) {
            ev.push(format!("mptcpd.conf {key}={v}"));
        }
    }
    vec![finding("nm-and-mptcpd", Severity::Problem, "NetworkManager and mptcpd both manage MPTCP endpoints: they conflict (endpoints flushed or duplicated); keep one".into(), ev, DOCS_PM)]
}

/// What is known about mptcpd on this host: Some((absent, evidence line)); None when nobody knows
/// (no systemd to ask, or the collector did not run). A skipped collector that found no trace of
/// mptcpd at all (binary, config, unit, mptcpize) counts as "not installed".
fn mptcpd_state(r: &Report) -> Option<(bool, String)> {
    if let Some(m) = r.mptcpd() {
        if !m.installed {
            return Some((true, "mptcpd: not installed".into()));
        }
        return match m.service_state.as_deref() {
            Some("active") => Some((false, "mptcp.service: active".into())),
            Some(state) => Some((true, format!("mptcp.service: {state}"))),
            None => None,
        };
    }
    r.sections_with(crate::report::Facts::Mptcpd)
        .find_map(|s| match &s.status {
            Status::Skipped { reason } if reason.contains("not installed") => {
                Some((true, "mptcpd: not installed".into()))
            }
            _ => None,
        })
}

/// The userspace path manager selected and nothing driving it: no mptcpd (not installed, or its
/// service not active), or the kernel's own proof, AddAddrDrop rising (6.18 pm.c: with the
/// userspace path manager an announcement is dropped when no process listens to the path-manager
/// events). mptcp.service running says nothing about other namespaces than the tool's own.
pub fn userspace_pm_without_daemon(r: &Report) -> Vec<Finding> {
    let state = mptcpd_state(r);
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let Some(pm) = userspace_pm(r, ns) else {
            continue;
        };
        let drops = mptcp_counter(r, ns, "AddAddrDrop").filter(|&d| d > 0);
        let absent = matches!(state, Some((true, _)));
        if !absent && drops.is_none() {
            continue;
        }
        let mut ev = vec![pm.to_string()];
        if let Some((_, line)) = &state {
            ev.push(line.clone());
        }
        for name in ["AddAddrDrop", "MPJoinRejected"] {
            if let Some(v) = mptcp_counter(r, ns, name).filter(|&v| v > 0) {
                ev.push(counter_line(name, v));
            }
        }
        let sev = if absent {
            Severity::Problem
        } else {
            Severity::Warning
        };
        out.push(finding(
            "userspace-pm-no-daemon",
            sev,
            format!(
                "Userspace path manager but no daemon drives it{}: no subflows and no announcements at all (start mptcpd, or set net.mptcp.path_manager=kernel)",
                where_(ns)
            ),
            ev,
            DOCS_PM,
        ));
    }
    out
}

#[cfg(test)]
#[path = "daemons_tests.rs"]
mod tests;
