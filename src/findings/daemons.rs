//! Daemon rules: a userspace path manager that nobody drives, and NetworkManager and mptcpd both
//! configuring endpoints. Both only speak when the NetworkManager/mptcpd collectors saw the daemon's
//! state: "unknown" (no systemd, nmcli missing) is never turned into "not running".

use super::{finding, namespaces, where_, DOCS_PM};
use crate::report::{Finding, Mptcpd};
use crate::report::{NetworkManager, NmConnection, Report, Severity};

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

/// Why no mptcpd drives the path manager, with how sure we are; None when it runs or nobody knows.
fn mptcpd_absent(m: &Mptcpd) -> Option<(Severity, String)> {
    if !m.installed {
        // Another daemon may drive the userspace PM, but mptcpd is the usual one.
        return Some((Severity::Warning, "mptcpd: not installed".into()));
    }
    match m.service_state.as_deref() {
        Some("active") | None => None,
        Some(state) => Some((Severity::Problem, format!("mptcp.service: {state}"))),
    }
}

pub fn userspace_pm_without_daemon(r: &Report) -> Vec<Finding> {
    let Some((sev, why)) = r.mptcpd().and_then(mptcpd_absent) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let ev = match (r.sysctl(ns, "path_manager"), r.sysctl(ns, "pm_type")) {
            (Some("userspace"), _) => "net.mptcp.path_manager = userspace",
            (None, Some("1")) => "net.mptcp.pm_type = 1",
            _ => continue,
        };
        out.push(finding(
            "userspace-pm-no-daemon",
            sev,
            format!(
                "Userspace path manager but no mptcpd running{}: unless another daemon drives it, no subflows and no announcements at all",
                where_(ns)
            ),
            vec![ev.into(), why.clone()],
            DOCS_PM,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nm_flag_values() {
        assert_eq!(flags_disable(None), None);
        assert_eq!(flags_disable(Some("0")), None);
        assert_eq!(flags_disable(Some("0x22")), Some(false));
        assert_eq!(flags_disable(Some("34")), Some(false));
        assert_eq!(flags_disable(Some("0x1")), Some(true));
        assert_eq!(flags_disable(Some("disabled")), Some(true));
        assert_eq!(flags_disable(Some("enabled,subflow")), Some(false));
        let nm = |v: &str| NetworkManager {
            version: Some(v.into()),
            ..Default::default()
        };
        assert!(nm_handles_mptcp(&nm("1.40.0")));
        assert!(nm_handles_mptcp(&nm("1.52.1")));
        assert!(!nm_handles_mptcp(&nm("1.36.6")));
        assert!(nm_handles_mptcp(&nm("weird")));
    }

    #[test]
    fn evidence_shows_the_global_default_for_unset_profiles() {
        let nm = NetworkManager {
            global_mptcp_flags: Some("0x22".into()),
            global_mptcp_flags_decoded: Some("enabled,subflow".into()),
            ..Default::default()
        };
        let c = |flags: Option<&str>, default_applies| NmConnection {
            id: "Office".into(),
            mptcp_flags: flags.map(str::to_string),
            mptcp_flags_decoded: "decoded".into(),
            default_applies,
            ..Default::default()
        };
        assert_eq!(
            connection_line(&nm, &c(Some("0"), true)),
            "NetworkManager connection \"Office\": mptcp-flags 0 -> global default 0x22 (enabled,subflow)"
        );
        assert_eq!(
            connection_line(&nm, &c(None, true)),
            "NetworkManager connection \"Office\": mptcp-flags not set -> global default 0x22 (enabled,subflow)"
        );
        assert_eq!(
            connection_line(&nm, &c(Some("0x12"), false)),
            "NetworkManager connection \"Office\": mptcp-flags 0x12 (decoded)"
        );
    }
}
