//! The NetworkManager collector's part in every view: its state and global default, one line per
//! connection profile (what its mptcp-flags come to), the notes; and the facts `diff` compares.

use crate::report::{Entry, NetworkManager as NmData, NmConnection, View};

/// The state line, one item per connection profile, the notes; and the facts `diff` compares.
pub fn present(nm: &NmData) -> Vec<Entry> {
    let global = match &nm.global_mptcp_flags {
        Some(raw) => format!(
            "{raw} = {}",
            nm.global_mptcp_flags_decoded.as_deref().unwrap_or("?")
        ),
        None => "not set".into(),
    };
    let running = match nm.running {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    let from = nm
        .global_mptcp_flags_source
        .as_ref()
        .map(|s| format!(" (from {s})"))
        .unwrap_or_default();
    let version = nm
        .version
        .as_ref()
        .map(|v| format!(", version {v}"))
        .unwrap_or_default();
    let views = [View::Summary, View::Text];
    let mut out = vec![Entry::text(format!(
        "Installed{version}; running: {running}. Global default `connection.mptcp-flags`: {global}{from}."
    ))
    .titled("NetworkManager")
    .only(&views)];
    let items: Vec<String> = nm
        .connections
        .iter()
        .map(|c| connection_line(c, &global, nm))
        .collect();
    if !items.is_empty() {
        out.push(
            Entry::list(items)
                .counted_as("connection profiles")
                .only(&views),
        );
    }
    if !nm.notes.is_empty() {
        let notes = nm.notes.iter().map(|n| format!("note: {n}")).collect();
        out.push(Entry::list(notes).counted_as("notes").only(&views));
    }
    let mut facts = vec![
        ("installed".to_string(), nm.installed.to_string()),
        ("version".into(), nm.version.clone().unwrap_or("-".into())),
        (
            "running".into(),
            nm.running.map_or("unknown".into(), |b| b.to_string()),
        ),
        (
            "default connection.mptcp-flags".into(),
            nm.global_mptcp_flags.clone().unwrap_or("-".into()),
        ),
    ];
    for c in &nm.connections {
        let flags = match &c.mptcp_flags {
            Some(raw) => format!("{raw} ({})", c.mptcp_flags_decoded),
            None => c.mptcp_flags_decoded.clone(),
        };
        facts.push((format!("connection {:?} mptcp-flags", c.id), flags));
        let active = c.active.map_or("unknown".into(), |b| b.to_string());
        facts.push((format!("connection {:?} active", c.id), active));
    }
    out.push(Entry::facts("NetworkManager", facts));
    out
}

/// `Wired (ethernet) on eth0: mptcp-flags 0x22 = enabled,subflow, active`.
fn connection_line(c: &NmConnection, global: &str, nm: &NmData) -> String {
    let mut s = c.id.clone();
    if let Some(k) = &c.kind {
        s.push_str(&format!(" ({k})"));
    }
    if let Some(on) = c.interface.as_ref().or(c.device.as_ref()) {
        s.push_str(&format!(" on {on}"));
    }
    s.push_str(&format!(
        ": mptcp-flags {}",
        c.mptcp_flags.as_deref().unwrap_or("not set")
    ));
    if c.flags_from_nmcli {
        s.push_str(" (nmcli, no keyfile)");
    } else if c.file.is_none() {
        s.push_str(" (no keyfile; not asked)");
    }
    if c.default_applies && nm.global_mptcp_flags.is_some() {
        s.push_str(&format!(", so the global default applies: {global}"));
    } else {
        s.push_str(&format!(" = {}", c.mptcp_flags_decoded));
    }
    match c.active {
        Some(true) => s.push_str(", active"),
        Some(false) => s.push_str(", inactive"),
        None => {}
    }
    s
}
