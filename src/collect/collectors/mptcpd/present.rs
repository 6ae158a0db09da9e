//! The mptcpd collector's part in every view: what is installed and running, what the unit's
//! ExecStart overrides, the effective core settings and plugins, the notes; and the facts `diff`
//! compares.

use crate::report::{Entry, Mptcpd, View};

/// `path-manager addr_adv (from ExecStart; mptcpd.conf says sspi)`.
fn effective(m: &Mptcpd, key: &str, unset: &str) -> String {
    let value = m
        .effective
        .get(key)
        .or_else(|| m.config.get(key))
        .filter(|v| !v.is_empty())
        .map_or(unset, String::as_str);
    let mut s = format!("{key} {value}");
    if let Some(cmd) = m.cmdline.get(key).filter(|v| !v.is_empty()) {
        let conf = m.config.get(key).filter(|c| !c.is_empty() && *c != cmd);
        let says = conf
            .map(|c| format!("; mptcpd.conf says {c}"))
            .unwrap_or_default();
        s.push_str(&format!(" (from ExecStart{says})"));
    }
    s
}

pub fn present(m: &Mptcpd) -> Vec<Entry> {
    let mut lines = Vec::new();
    let installed = match (&m.binary, m.installed) {
        (Some(b), true) => format!("Installed ({b})"),
        _ => "Not installed".into(),
    };
    let version = m
        .version
        .as_ref()
        .map(|v| format!(", version {v}"))
        .unwrap_or_default();
    lines.push(format!(
        "{installed}{version}; mptcp.service: {}; mptcpize: {}.",
        m.service_state.as_deref().unwrap_or("unknown"),
        if m.mptcpize { "present" } else { "absent" }
    ));
    if let Some(exec) = &m.exec_start {
        lines.push(format!(
            "Unit {}: `ExecStart={exec}` (its options override mptcpd.conf).",
            m.unit_files.join(" + ")
        ));
    }
    lines.push(format!(
        "Config {}{}: {}, {}, {}, {}.",
        m.config_file.as_deref().unwrap_or("none"),
        if m.cmdline.is_empty() {
            ""
        } else {
            " + command line"
        },
        effective(m, "path-manager", "default"),
        effective(m, "addr-flags", "none"),
        effective(m, "notify-flags", "none"),
        effective(m, "load-plugins", "all")
    ));
    lines.push(format!(
        "Plugins: {}.",
        if m.plugins.is_empty() {
            "none found".to_string()
        } else {
            m.plugins.join(", ")
        }
    ));
    let views = [View::Summary, View::Text];
    let mut out = vec![Entry::text(lines.join("\n")).titled("mptcpd").only(&views)];
    if !m.notes.is_empty() {
        let notes = m.notes.iter().map(|n| format!("note: {n}")).collect();
        out.push(Entry::list(notes).counted_as("notes").only(&views));
    }
    let mut facts = vec![
        ("installed".to_string(), m.installed.to_string()),
        ("version".into(), m.version.clone().unwrap_or("-".into())),
        (
            "mptcp.service".into(),
            m.service_state.clone().unwrap_or("unknown".into()),
        ),
    ];
    for (k, v) in &m.config {
        facts.push((format!("mptcpd.conf {k}"), v.clone()));
    }
    facts.push(("plugins".into(), m.plugins.join(" ")));
    out.push(Entry::facts("mptcpd", facts));
    out
}
