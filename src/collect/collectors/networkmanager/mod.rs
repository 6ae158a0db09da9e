//! NetworkManager: installed/version/running, the global default and per-profile `mptcp-flags`
//! (keyfiles read through an allowlist so secrets never leave the host; profiles without a keyfile asked
//! from nmcli) and which profiles are active. The spec runs the independent queries; the builtin runs
//! `nmcli --version` only when `NetworkManager --version` gave nothing, and asks nmcli for the flags of
//! the profiles that have no keyfile, which only the profile list names.

pub mod conf;
pub mod flags;
pub mod keyfile;
pub mod present;

use super::nm_conf::{self, ini_value, GlobalDefault};
use super::nm_flags::{decode_mptcp_flags, flags_default};
use super::nm_keyfile::{allowlisted_keyfile, is_profile_name, PROFILE_DIRS};
use super::{Builtin, Ctx, Output, Result};
use crate::report::{
    Artifact, Data, Entry, Facts, NetworkManager as NmData, NmConnection, Section, Source,
};

pub struct NetworkManager;

/// Profiles without a keyfile whose flags are asked from nmcli (in one call), at most.
const MAX_ASKED: usize = 16;

/// The fields of an `nmcli -t` line, whose `:` and `\` inside values are escaped with `\`.
pub fn nmcli_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        let cur = fields.last_mut().expect("never empty");
        match c {
            '\\' => cur.extend(chars.next()),
            ':' => fields.push(String::new()),
            c => cur.push(c),
        }
    }
    fields
}

/// The value of an `nmcli -t` `connection.mptcp-flags` line, e.g.
/// `connection.mptcp-flags:0x22 (enabled,subflow)`: the number alone when there is one, so that it
/// reads like a keyfile's value; the text as is otherwise.
pub fn nmcli_flags_value(stdout: &str) -> Option<String> {
    let line = stdout.lines().map(str::trim).find(|l| !l.is_empty())?;
    let v = line
        .strip_prefix("connection.mptcp-flags:")
        .unwrap_or(line)
        .trim();
    let first = v.split_whitespace().next()?;
    let numeric = first.starts_with(|c: char| c.is_ascii_digit());
    Some(if numeric { first } else { v }.to_string())
}

/// `(uuid, flags)` from `nmcli -t -f connection.uuid,connection.mptcp-flags connection show U1 U2 ...`:
/// each profile's uuid line, then its flags line (blank lines between profiles are skipped).
pub fn nmcli_flags_by_uuid(stdout: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut uuid: Option<String> = None;
    for line in stdout.lines().map(str::trim) {
        if let Some(u) = line.strip_prefix("connection.uuid:") {
            uuid = Some(u.trim().to_string());
        } else if line.starts_with("connection.mptcp-flags:") {
            if let (Some(u), Some(v)) = (uuid.take(), nmcli_flags_value(line)) {
                out.push((u, v));
            }
        }
    }
    out
}

impl Builtin for NetworkManager {
    fn name(&self) -> &'static str {
        "networkmanager"
    }

    fn own_thread(&self) -> bool {
        true
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::NetworkManager)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        match section.data.iter().find_map(|d| match d {
            Data::NetworkManager(nm) => Some(nm),
            _ => None,
        }) {
            Some(nm) => super::nm_present::present(nm),
            None => Vec::new(),
        }
    }

    /// Runs when NetworkManager or nmcli is installed (the spec's triggers).
    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let mut nm = NmData {
            installed: true,
            ..Default::default()
        };
        let answered = |out: &Output, id: &str| out.ran(id).filter(|r| r.success()).cloned();
        let mut version = answered(out, "version");
        if version.is_none() && ctx.env.live() && ctx.can_run("nmcli_version") {
            version = Some(ctx.run_declared("nmcli_version", &[], out)).filter(|r| r.success());
        }
        if let Some(ver) = version {
            nm.version = ver.stdout.split_whitespace().last().map(str::to_string);
        }
        match out.ran("general") {
            Some(g) if g.success() => {
                let fields = nmcli_fields(g.stdout.lines().next().unwrap_or(""));
                nm.running = Some(fields[0].trim() == "running");
                if let Some(v) = fields.get(1).filter(|v| !v.is_empty()) {
                    nm.version.get_or_insert_with(|| v.trim().to_string());
                }
            }
            Some(_) => nm.running = Some(false),
            None => {}
        }
        let printed = answered(out, "config");
        global_default(ctx, &mut nm, printed.as_ref().map(|r| r.stdout.as_str()));
        let mut conns = read_keyfiles(ctx, out, &mut nm);
        if let Some(r) = answered(out, "profiles") {
            let rows: Vec<Vec<String>> = r.stdout.lines().map(nmcli_fields).collect();
            merge_nmcli(ctx, out, &mut conns, &rows);
        }
        for c in &mut conns {
            c.default_applies = flags_default(c.mptcp_flags.as_deref());
            c.mptcp_flags_decoded = match decode_mptcp_flags(c.mptcp_flags.as_deref()) {
                Ok(d) => d,
                Err(e) => {
                    let from = c
                        .file
                        .clone()
                        .unwrap_or_else(|| format!("{:?} (nmcli)", c.id));
                    nm.notes.push(format!("{from}: {e}"));
                    "unknown".into()
                }
            };
        }
        nm.connections = conns;
        out.data.push(Data::NetworkManager(nm));
        Ok(())
    }
}

/// The global default: the merged config from `NetworkManager --print-config` when it answered, else
/// the conf files merged the way NetworkManager does.
fn global_default(ctx: &Ctx, nm: &mut NmData, printed_config: Option<&str>) {
    let g = match printed_config {
        Some(text) => {
            let mut g = GlobalDefault::default();
            nm_conf::apply(&mut g, "NetworkManager --print-config", text);
            g
        }
        None => nm_conf::global_from_files(ctx.fs()),
    };
    nm.global_mptcp_flags_decoded = g
        .value
        .as_deref()
        .map(|v| decode_mptcp_flags(Some(v)).unwrap_or_else(|e| e));
    nm.global_mptcp_flags = g.value;
    nm.global_mptcp_flags_source = g.source;
    nm.conf_files = g.files;
    nm.notes.extend(g.notes);
}

/// Every profile keyfile NetworkManager would load, through the allowlist; each allowlisted view is
/// kept as an artifact.
fn read_keyfiles(ctx: &Ctx, out: &mut Output, nm: &mut NmData) -> Vec<NmConnection> {
    let fs = ctx.fs();
    let mut conns = Vec::new();
    for (dir, require_extension) in PROFILE_DIRS {
        let Ok(names) = fs.list_dir(dir) else {
            continue;
        };
        for name in names
            .iter()
            .filter(|n| is_profile_name(n, *require_extension))
        {
            let p = format!("{dir}/{name}");
            if !fs.is_file(&p) {
                continue;
            }
            let read = fs
                .open_allowlisted(&p)
                .and_then(|f| allowlisted_keyfile(std::io::BufReader::new(f)));
            let view = match read {
                Ok(view) => view,
                Err(e) => {
                    nm.notes.push(format!("{p}: {e}"));
                    continue;
                }
            };
            // /etc keeps the historical artifact names; the other directories get their own folder.
            let folder = match dir.split('/').nth(1) {
                Some("run") => "system-connections/run",
                Some("usr") => "system-connections/usr-lib",
                _ => "system-connections",
            };
            out.artifacts.push(Artifact {
                name: format!("{folder}/{name}.allowlisted"),
                source: Source::File { path: p.clone() },
                original_size: view.len() as u64,
                content: view.clone(),
                truncated: false,
                spool: None,
                in_raw: false,
            });
            conns.push(NmConnection {
                id: ini_value(&view, "connection", "id").unwrap_or_else(|| p.clone()),
                uuid: ini_value(&view, "connection", "uuid"),
                kind: ini_value(&view, "connection", "type"),
                interface: ini_value(&view, "connection", "interface-name"),
                mptcp_flags: ini_value(&view, "connection", "mptcp-flags"),
                file: Some(p),
                ..Default::default()
            });
        }
    }
    conns
}

/// Matches nmcli's profiles (NAME, UUID, TYPE, DEVICE, ACTIVE) to the keyfiles: by uuid, else by name
/// for a keyfile without a uuid (two profiles may share a name; never a uuid). Profiles with no keyfile
/// here (ifcfg-rh, in-memory) are added, with their flags asked from nmcli.
fn merge_nmcli(ctx: &Ctx, out: &mut Output, conns: &mut Vec<NmConnection>, rows: &[Vec<String>]) {
    for c in conns.iter_mut() {
        c.active = Some(false);
    }
    let mut matched = vec![false; conns.len()];
    // Profiles without a keyfile whose flags nmcli is asked for, all in one call.
    let mut ask: Vec<String> = Vec::new();
    for f in rows.iter().filter(|f| f.len() >= 5) {
        let (name, uuid, kind, device, active) = (&f[0], &f[1], &f[2], &f[3], &f[4]);
        let device = Some(device.clone()).filter(|d| !d.is_empty());
        let found = conns
            .iter()
            .position(|c| c.uuid.as_deref() == Some(uuid.as_str()))
            .or_else(|| {
                conns
                    .iter()
                    .enumerate()
                    .position(|(i, c)| !matched[i] && c.uuid.is_none() && &c.id == name)
            });
        let c = match found {
            Some(i) => {
                matched[i] = true;
                &mut conns[i]
            }
            None => {
                let c = NmConnection {
                    id: name.clone(),
                    uuid: Some(uuid.clone()).filter(|u| !u.is_empty()),
                    kind: Some(kind.clone()).filter(|k| !k.is_empty()),
                    ..Default::default()
                };
                if ask.len() < MAX_ASKED && !uuid.is_empty() {
                    ask.push(uuid.clone());
                }
                conns.push(c);
                matched.push(true);
                conns.last_mut().expect("just pushed")
            }
        };
        c.active = Some(active.trim() == "yes");
        c.device = device;
    }
    if ask.is_empty() {
        return;
    }
    let uuids: Vec<&str> = ask.iter().map(String::as_str).collect();
    let r = ctx.run_declared("flags", &[("uuids", &uuids)], out);
    if r.success() {
        for (uuid, flags) in nmcli_flags_by_uuid(&r.stdout) {
            if let Some(c) = conns.iter_mut().find(|c| c.uuid.as_deref() == Some(&uuid)) {
                c.mptcp_flags = Some(flags);
                c.flags_from_nmcli = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmcli_escaped_colons_stay_in_the_field() {
        assert_eq!(
            nmcli_fields("Work\\:VPN:u-1:vpn:tun0:yes"),
            ["Work:VPN", "u-1", "vpn", "tun0", "yes"]
        );
        assert_eq!(nmcli_fields("back\\\\slash:wifi")[0], "back\\slash");
        assert_eq!(nmcli_fields("plain::no"), ["plain", "", "no"]);
    }

    #[test]
    fn nmcli_flags_values() {
        let v = |s: &str| nmcli_flags_value(s);
        assert_eq!(
            v("connection.mptcp-flags:0x22 (enabled,subflow)\n").as_deref(),
            Some("0x22")
        );
        assert_eq!(v("connection.mptcp-flags:0").as_deref(), Some("0"));
        assert_eq!(
            v("connection.mptcp-flags:default\n").as_deref(),
            Some("default")
        );
        assert_eq!(v("34\n").as_deref(), Some("34"));
        assert_eq!(v("connection.mptcp-flags:\n"), None);
        assert_eq!(
            nmcli_flags_by_uuid(
                "connection.uuid:aaa\nconnection.mptcp-flags:0x62 (enabled,subflow,backup)\n\nconnection.uuid:bbb\nconnection.mptcp-flags:default\n"
            ),
            [
                ("aaa".to_string(), "0x62".to_string()),
                ("bbb".to_string(), "default".to_string())
            ]
        );
        assert_eq!(v(""), None);
    }
}
