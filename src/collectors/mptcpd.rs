//! mptcpd, the MPTCP path-manager daemon: installed/version, the mptcp.service state, the `[core]` keys
//! of mptcpd.conf, the plugins present, the last journal lines, and whether `mptcpize` exists.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Mptcpd as MptcpdData};
use std::collections::BTreeMap;

pub struct Mptcpd;

const CORE_KEYS: &[&str] = &[
    "log",
    "plugin-dir",
    "path-manager",
    "addr-flags",
    "notify-flags",
    "load-plugins",
];
const BIN_DIRS: &[&str] = &[
    "/usr/libexec/mptcpd",
    "/usr/lib/mptcpd",
    "/usr/local/libexec/mptcpd",
];
const CONF_FILES: &[&str] = &[
    "/etc/mptcpd/mptcpd.conf",
    "/usr/local/etc/mptcpd/mptcpd.conf",
];
const PLUGIN_DIRS: &[&str] = &[
    "/usr/lib/mptcpd",
    "/usr/lib64/mptcpd",
    "/usr/local/lib/mptcpd",
];

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
        }
    }
    (keys, notes)
}

impl Builtin for Mptcpd {
    fn name(&self) -> &'static str {
        "mptcpd"
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let fs = ctx.fs();
        let runner = &ctx.env.runner;
        let mut d = MptcpdData {
            binary: BIN_DIRS
                .iter()
                .map(|dir| format!("{dir}/mptcpd"))
                .find(|p| fs.path(p).is_file()),
            ..Default::default()
        };
        if d.binary.is_none() && runner.has("mptcpd") {
            d.binary = Some("mptcpd".into());
        }
        d.installed = d.binary.is_some();
        d.mptcpize = runner.has("mptcpize");
        if ctx.env.live && d.installed {
            if let Some(bin) = d.binary.clone() {
                let v = ctx.run_kept(&[bin.as_str(), "--version"], out);
                if v.success() {
                    d.version = v.stdout.lines().next().map(|l| l.trim().to_string());
                }
            }
            if runner.has("systemctl") {
                let a = ctx.run_kept(&["systemctl", "is-active", "mptcp.service"], out);
                let state = a.stdout.trim();
                if !state.is_empty() && !a.missing {
                    d.service_state = Some(state.to_string());
                }
                ctx.run_kept(
                    &[
                        "systemctl",
                        "show",
                        "mptcp.service",
                        "-p",
                        "ActiveState,SubState,ExecMainStatus",
                    ],
                    out,
                );
            }
            if runner.has("journalctl") {
                ctx.run_kept(
                    &[
                        "journalctl",
                        "-u",
                        "mptcp.service",
                        "-n",
                        "200",
                        "--no-pager",
                        "-o",
                        "short-iso",
                    ],
                    out,
                );
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
        let dirs: Vec<String> = match d.config.get("plugin-dir") {
            Some(p) => vec![p.clone()],
            None => PLUGIN_DIRS.iter().map(|s| s.to_string()).collect(),
        };
        for dir in dirs {
            if let Ok(names) = fs.list_dir(&dir) {
                d.plugins.extend(
                    names
                        .into_iter()
                        .filter(|n| n.ends_with(".so"))
                        .map(|n| format!("{dir}/{n}")),
                );
            }
        }
        if !d.installed && d.config_file.is_none() && !d.mptcpize {
            return Err(Stop::Skipped("mptcpd is not installed".into()));
        }
        out.data.push(Data::Mptcpd(d));
        Ok(())
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
        assert!(n.is_empty());
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
}
