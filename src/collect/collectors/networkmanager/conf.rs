//! NetworkManager.conf and its conf.d snippets: the order NetworkManager merges them in, and the global
//! `connection.mptcp-flags` default that results. Used when `NetworkManager --print-config` (which
//! prints the merged result) cannot be run: a --root image, or no NetworkManager binary on PATH.

use crate::sys::Fs;

pub const MAIN_CONF: &str = "/etc/NetworkManager/NetworkManager.conf";
const LIB_CONF_D: &str = "/usr/lib/NetworkManager/conf.d";
const RUN_CONF_D: &str = "/run/NetworkManager/conf.d";
const ETC_CONF_D: &str = "/etc/NetworkManager/conf.d";

/// The files NetworkManager reads, first to last (later keys win), given each conf.d directory's
/// entries. As NetworkManager.conf(5) and nm-config.c `read_entire_config` do it:
/// 1. /usr/lib/NetworkManager/conf.d, minus names also present in /run or /etc conf.d;
/// 2. /run/NetworkManager/conf.d, minus names also present in /etc conf.d;
/// 3. the main file /etc/NetworkManager/NetworkManager.conf;
/// 4. /etc/NetworkManager/conf.d.
///
/// So a vendor snippet loses to the main file, and a same-named file in a later directory masks
/// (even when empty) the earlier one. Within a directory: `*.conf` not starting with `.`, by name.
/// Not read here: /var/lib/NetworkManager/NetworkManager-intern.conf (values set over D-Bus, rarely
/// mptcp-flags) and the `--config`/`--config-dir` overrides of a customised unit.
pub fn conf_order(lib: &[String], run: &[String], etc: &[String], main: bool) -> Vec<String> {
    let confs = |names: &[String]| -> Vec<String> {
        let mut v: Vec<String> = names
            .iter()
            .filter(|n| n.ends_with(".conf") && !n.starts_with('.'))
            .cloned()
            .collect();
        v.sort();
        v
    };
    let (lib, run, etc) = (confs(lib), confs(run), confs(etc));
    let mut order: Vec<String> = lib
        .iter()
        .filter(|n| !run.contains(n) && !etc.contains(n))
        .map(|n| format!("{LIB_CONF_D}/{n}"))
        .collect();
    order.extend(
        run.iter()
            .filter(|n| !etc.contains(n))
            .map(|n| format!("{RUN_CONF_D}/{n}")),
    );
    if main {
        order.push(MAIN_CONF.to_string());
    }
    order.extend(etc.iter().map(|n| format!("{ETC_CONF_D}/{n}")));
    order
}

/// The global default as the conf files give it.
#[derive(Debug, Default, PartialEq)]
pub struct GlobalDefault {
    /// The raw value of the last `[connection] connection.mptcp-flags=`.
    pub value: Option<String>,
    /// The file it came from.
    pub source: Option<String>,
    /// Every file read, in merge order.
    pub files: Vec<String>,
    /// `[connection-*]` sections that set mptcp-flags for matching devices only.
    pub notes: Vec<String>,
}

/// Reads the conf files in NetworkManager's order; the last `[connection]` assignment wins.
pub fn global_from_files(fs: &Fs) -> GlobalDefault {
    let list = |d: &str| fs.list_dir(d).unwrap_or_default();
    let order = conf_order(
        &list(LIB_CONF_D),
        &list(RUN_CONF_D),
        &list(ETC_CONF_D),
        fs.is_file(MAIN_CONF),
    );
    let mut g = GlobalDefault::default();
    for file in order {
        let Ok(text) = fs.read_to_string(&file) else {
            continue;
        };
        apply(&mut g, &file, &text);
        g.files.push(file);
    }
    g
}

/// Takes the `connection.mptcp-flags` assignments of one conf text (or of `--print-config`).
pub fn apply(g: &mut GlobalDefault, source: &str, text: &str) {
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.trim().to_string();
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != "connection.mptcp-flags" {
            continue;
        }
        let v = v.trim().to_string();
        if section == "connection" {
            g.value = Some(v);
            g.source = Some(source.to_string());
        } else if section.starts_with("connection") {
            g.notes.push(format!(
                "{source}: [{section}] sets connection.mptcp-flags={v} for the devices it matches only"
            ));
        }
    }
}

/// `key` under `[section]` of an INI-like text (last one wins, as NetworkManager merges).
pub fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut cur = String::new();
    let mut found = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') && line.ends_with(']') {
            cur = line[1..line.len() - 1].trim().to_string();
        } else if cur == section {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == key {
                    found = Some(v.trim().to_string());
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn merge_order_follows_networkmanager_conf_5() {
        let order = conf_order(
            &names(&["20-vendor.conf", "10-mptcp.conf", "05-run.conf", "README"]),
            &names(&["05-run.conf", "30-boot.conf"]),
            &names(&["10-mptcp.conf", "99-local.conf", ".hidden.conf"]),
            true,
        );
        assert_eq!(
            order,
            [
                // /usr/lib minus the names /run and /etc shadow
                "/usr/lib/NetworkManager/conf.d/20-vendor.conf",
                "/run/NetworkManager/conf.d/05-run.conf",
                "/run/NetworkManager/conf.d/30-boot.conf",
                // the main file after the vendor and runtime snippets, before /etc's
                "/etc/NetworkManager/NetworkManager.conf",
                "/etc/NetworkManager/conf.d/10-mptcp.conf",
                "/etc/NetworkManager/conf.d/99-local.conf",
            ]
        );
        assert_eq!(
            conf_order(&[], &[], &[], false),
            Vec::<String>::new(),
            "no main file, no snippets"
        );
    }

    #[test]
    fn last_connection_section_wins_and_device_sections_are_notes() {
        let mut g = GlobalDefault::default();
        apply(
            &mut g,
            "a.conf",
            "[connection]\nconnection.mptcp-flags=0x1\n",
        );
        apply(
            &mut g,
            "b.conf",
            "[main]\nconnection.mptcp-flags=9\n[connection]\n#connection.mptcp-flags=5\nconnection.mptcp-flags = 0x22\n[connection-wifi]\nmatch-device=type:wifi\nconnection.mptcp-flags=0x1\n",
        );
        assert_eq!(g.value.as_deref(), Some("0x22"));
        assert_eq!(g.source.as_deref(), Some("b.conf"));
        assert_eq!(g.notes.len(), 1);
        assert!(
            g.notes[0].starts_with("b.conf: [connection-wifi]"),
            "{:?}",
            g.notes
        );
    }
}
