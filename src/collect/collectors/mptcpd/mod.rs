//! mptcpd, the MPTCP path-manager daemon: installed/version, the mptcp.service state, the `[core]` keys
//! of mptcpd.conf, the plugins present, the last journal lines, and whether `mptcpize` exists. The
//! spec's commands are deferred: they run only when the mptcpd binary was found, and its version is
//! asked from wherever it was found.

pub mod present;
pub mod unit;

use super::mptcpd_unit::{self, UNIT, UNIT_DIRS};
use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Entry, Facts, Mptcpd as MptcpdData, Section};
use std::collections::BTreeMap;

pub struct Mptcpd;

/// The `[core]` keys of mptcpd.conf: the same names as the command-line options that override them.
const CORE_KEYS: &[&str] = super::mptcpd_unit::VALUE_OPTIONS;
const BIN_DIRS: &[&str] = &[
    "/usr/libexec/mptcpd",
    "/usr/lib/mptcpd",
    "/usr/local/libexec/mptcpd",
];
const CONF_FILES: &[&str] = &[
    "/etc/mptcpd/mptcpd.conf",
    "/usr/local/etc/mptcpd/mptcpd.conf",
];
const NOT_INSTALLED: &str =
    "mptcpd is not installed (no mptcpd binary, mptcpd.conf, mptcp.service or mptcpize)";
const PLUGIN_DIRS: &[&str] = &[
    "/usr/lib/mptcpd",
    "/usr/lib64/mptcpd",
    "/usr/local/lib/mptcpd",
];

/// Values mptcpd accepts where the set is closed (mptcpd(8), mptcpd.conf); lists are comma-separated.
const KNOWN_VALUES: &[(&str, &[&str])] = &[
    ("log", &["stderr", "syslog", "journal", "null"]),
    ("addr-flags", &["subflow", "signal", "backup", "fullmesh"]),
    (
        "notify-flags",
        &[
            "existing",
            "skip_link_local",
            "skip_loopback",
            "check_route",
        ],
    ),
];
/// The path-manager plugins mptcpd ships; used when no plugin directory was found to list.
const SHIPPED_PLUGINS: &[&str] = &["addr_adv", "sspi"];

/// One note per value mptcpd would not accept: unknown flags or log type, and plugins (path-manager,
/// load-plugins) that are neither in the plugin directory nor, when none was found, shipped with
/// mptcpd. `from` names where a key's value came from.
pub fn check_values(
    values: &BTreeMap<String, String>,
    plugins: &[String],
    from: impl Fn(&str) -> String,
) -> Vec<String> {
    let stems: Vec<&str> = plugins
        .iter()
        .filter_map(|p| p.rsplit('/').next()?.strip_suffix(".so"))
        .collect();
    let (known_plugins, plugin_where) = if stems.is_empty() {
        (SHIPPED_PLUGINS.to_vec(), "shipped with mptcpd")
    } else {
        (stems, "found")
    };
    let mut notes = Vec::new();
    for (key, value) in values {
        let items = value.split(',').map(str::trim).filter(|s| !s.is_empty());
        if let Some((_, known)) = KNOWN_VALUES.iter().find(|(k, _)| k == key) {
            for item in items.filter(|i| !known.contains(i)) {
                notes.push(format!(
                    "{}: {key}: unknown value {item:?} (known: {})",
                    from(key),
                    known.join(", ")
                ));
            }
        } else if key == "path-manager" || key == "load-plugins" {
            for item in items.filter(|i| !known_plugins.contains(i)) {
                notes.push(format!(
                    "{}: {key}: no plugin {item:?} ({plugin_where}: {})",
                    from(key),
                    known_plugins.join(", ")
                ));
            }
        }
    }
    notes
}

/// Parses mptcpd.conf: the core keys of `[core]`, plus one note per malformed line.
pub fn parse_conf(text: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut keys = BTreeMap::new();
    let mut notes = Vec::new();
    let mut section = String::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            match line.strip_suffix(']') {
                Some(s) => section = s[1..].trim().to_string(),
                None => notes.push(format!("line {}: unterminated section header", n + 1)),
            }
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            notes.push(format!("line {}: not `key=value`: {line:?}", n + 1));
            continue;
        };
        let k = k.trim();
        if k.is_empty() {
            notes.push(format!("line {}: empty key", n + 1));
        } else if section == "core" && CORE_KEYS.contains(&k) {
            keys.insert(k.to_string(), v.trim().to_string());
        } else if section == "core" {
            notes.push(format!("line {}: unknown key {k:?} in [core]", n + 1));
        }
    }
    (keys, notes)
}

impl Builtin for Mptcpd {
    fn name(&self) -> &'static str {
        "mptcpd"
    }

    fn own_thread(&self) -> bool {
        true
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Mptcpd)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        match section.data.iter().find_map(|d| match d {
            Data::Mptcpd(m) => Some(m),
            _ => None,
        }) {
            Some(m) => super::mptcpd_present::present(m),
            None => Vec::new(),
        }
    }

    /// Any trace of mptcpd (its binary, mptcpize, mptcpd.conf, mptcp.service or a drop-in for it):
    /// without one there is nothing to collect, and `list` says so as the report does.
    fn applies(&self, ctx: &Ctx) -> std::result::Result<(), String> {
        let fs = ctx.fs();
        let runner = &ctx.env.runner;
        let traces = BIN_DIRS
            .iter()
            .any(|dir| fs.is_file(&format!("{dir}/mptcpd")))
            || runner.has("mptcpd")
            || runner.has("mptcpize")
            || CONF_FILES.iter().any(|p| fs.is_file(p))
            || UNIT_DIRS.iter().any(|dir| {
                fs.is_file(&format!("{dir}/{UNIT}")) || fs.exists(&format!("{dir}/{UNIT}.d"))
            });
        match traces {
            true => Ok(()),
            false => Err(NOT_INSTALLED.into()),
        }
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let fs = ctx.fs();
        let runner = &ctx.env.runner;
        let mut d = MptcpdData {
            binary: BIN_DIRS
                .iter()
                .map(|dir| format!("{dir}/mptcpd"))
                .find(|p| fs.is_file(p)),
            ..Default::default()
        };
        if d.binary.is_none() && runner.has("mptcpd") {
            d.binary = Some("mptcpd".into());
        }
        d.installed = d.binary.is_some();
        d.mptcpize = runner.has("mptcpize");
        if ctx.env.live() && d.installed {
            // Independent queries (journalctl can take tens of milliseconds): all at once.
            let bin = d.binary.clone().unwrap_or_default();
            let binary: [&str; 1] = [bin.as_str()];
            let fill: [(&str, &[&str]); 1] = [("binary", &binary)];
            let mut runs: Vec<super::Run> = vec![("version", &fill)];
            runs.extend(
                ["is_active", "show", "journal"]
                    .into_iter()
                    .filter(|id| ctx.can_run(id))
                    .map(|id| (id, &[][..])),
            );
            let results = ctx.run_declared_all(&runs, out);
            if results[0].success() {
                d.version = results[0]
                    .stdout
                    .lines()
                    .next()
                    .map(|l| l.trim().to_string());
            }
            if let Some(a) = runs
                .iter()
                .position(|(id, _)| *id == "is_active")
                .map(|i| &results[i])
            {
                let state = a.stdout.trim();
                if !state.is_empty() && !a.missing {
                    d.service_state = Some(state.to_string());
                }
            }
        }
        for path in CONF_FILES {
            if let Ok(text) = ctx.read_kept(path, out) {
                let (keys, notes) = parse_conf(&text);
                d.notes
                    .extend(notes.into_iter().map(|n| format!("{path}: {n}")));
                d.config = keys;
                d.config_file = Some(path.to_string());
                break;
            }
        }
        read_unit(ctx, out, &mut d);
        d.effective = d.config.clone();
        d.effective
            .extend(d.cmdline.iter().map(|(k, v)| (k.clone(), v.clone())));
        let dirs: Vec<String> = match d.effective.get("plugin-dir") {
            Some(p) => vec![p.clone()],
            None => PLUGIN_DIRS.iter().map(|s| s.to_string()).collect(),
        };
        for dir in dirs {
            // plugin-dir comes from the system's own files: listed only where the spec says this
            // collector reads (an image's config must not make it list any directory it names).
            if ctx
                .spec
                .is_some_and(|s| !s.declares_read(&format!("{dir}/x.so")))
            {
                d.notes.push(format!(
                    "plugin-dir {dir} is not listed: outside the plugin directories this collector reads"
                ));
                continue;
            }
            if let Ok(names) = fs.list_dir(&dir) {
                d.plugins.extend(
                    names
                        .into_iter()
                        .filter(|n| n.ends_with(".so"))
                        .map(|n| format!("{dir}/{n}")),
                );
            }
        }
        let conf = d.config_file.clone().unwrap_or_default();
        let cmdline = d.cmdline.clone();
        d.notes.extend(check_values(&d.effective, &d.plugins, |k| {
            if cmdline.contains_key(k) {
                "ExecStart".to_string()
            } else {
                conf.clone()
            }
        }));
        if !d.installed && d.config_file.is_none() && !d.mptcpize && d.unit_files.is_empty() {
            return Err(Stop::Skipped(NOT_INSTALLED.into()));
        }
        out.data.push(Data::Mptcpd(d));
        Ok(())
    }
}

/// The unit file and its drop-ins (kept as artifacts), the ExecStart left, and its options.
fn read_unit(ctx: &Ctx, out: &mut Output, d: &mut MptcpdData) {
    let fs = ctx.fs();
    let dirs: Vec<(&str, bool, Vec<String>)> = UNIT_DIRS
        .iter()
        .map(|dir| {
            let has_unit = fs.is_file(&format!("{dir}/{UNIT}"));
            let drop_ins = fs.list_dir(&format!("{dir}/{UNIT}.d")).unwrap_or_default();
            (*dir, has_unit, drop_ins)
        })
        .collect();
    let mut texts = Vec::new();
    for file in mptcpd_unit::unit_files(&dirs) {
        match ctx.read_kept(&file, out) {
            Ok(t) => {
                texts.push(t);
                d.unit_files.push(file);
            }
            Err(e) => d.notes.push(format!("{file}: {e}")),
        }
    }
    let execs = mptcpd_unit::exec_starts(texts.iter().map(String::as_str));
    if execs.len() > 1 {
        d.notes.push(format!(
            "{UNIT}: {} ExecStart= lines after the drop-ins: systemd refuses to start such a service (a drop-in must reset it with an empty ExecStart= first)",
            execs.len()
        ));
    }
    if let Some(exec) = execs.last() {
        let (opts, notes) = mptcpd_unit::options(exec);
        d.cmdline = opts;
        d.notes.extend(notes);
        d.exec_start = Some(exec.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_core_keys() {
        let (k, n) = parse_conf(
            "# c\n[core]\nlog=journal\npath-manager = addr_adv\naddr-flags=subflow,signal\nother=x\n[plugin]\nlog=no\n",
        );
        assert_eq!(n, ["line 6: unknown key \"other\" in [core]"]);
        assert_eq!(k.len(), 3);
        assert_eq!(k["log"], "journal");
        assert_eq!(k["path-manager"], "addr_adv");
        assert_eq!(k["addr-flags"], "subflow,signal");
    }

    #[test]
    fn malformed_lines_become_notes() {
        let (k, n) = parse_conf("[core\nlog\n=x\n[core]\nload-plugins=sspi\n\u{0}\u{fffd}\n");
        assert_eq!(k["load-plugins"], "sspi");
        assert_eq!(n.len(), 4, "{n:?}");
        assert!(n[0].starts_with("line 1: unterminated"));
        assert!(n[1].starts_with("line 2: not `key=value`"));
        assert!(n[2].starts_with("line 3: empty key"));
    }

    #[test]
    fn unknown_values_become_notes() {
        let values: BTreeMap<String, String> = [
            ("log", "journal"),
            ("addr-flags", "subflow,sigal"),
            ("notify-flags", "existing,check_route"),
            ("path-manager", "addr_adv"),
            ("load-plugins", "sspi,mine"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let from = |k: &str| {
            if k == "path-manager" {
                "ExecStart".into()
            } else {
                "c.conf".to_string()
            }
        };
        let n = check_values(&values, &[], from);
        assert_eq!(
            n,
            [
                "c.conf: addr-flags: unknown value \"sigal\" (known: subflow, signal, backup, fullmesh)",
                "c.conf: load-plugins: no plugin \"mine\" (shipped with mptcpd: addr_adv, sspi)",
            ]
        );
        // With a plugin directory listed, its plugins are the known ones.
        let n = check_values(&values, &["/usr/lib/mptcpd/mine.so".into()], from);
        assert_eq!(
            n[1..],
            [
                "c.conf: load-plugins: no plugin \"sspi\" (found: mine)",
                "ExecStart: path-manager: no plugin \"addr_adv\" (found: mine)",
            ]
        );
    }
}
