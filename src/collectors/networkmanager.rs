//! NetworkManager: installed/version/running, the global default and per-profile `mptcp-flags`
//! (keyfiles read through an allowlist so secrets never leave the host) and the active connections.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Artifact, Data, NetworkManager as NmData, NmConnection, Source};

pub struct NetworkManager;

const DEFAULT_DECODED: &str =
    "default (enabled,subflow when the sysctl is on and a default route exists; NetworkManager >= 1.40)";

/// NM_MPTCP_FLAGS_* bits (libnm), in display order.
const FLAG_BITS: &[(u32, &str)] = &[
    (0x1, "disabled"),
    (0x2, "enabled"),
    (0x4, "also-without-sysctl"),
    (0x8, "also-without-default-route"),
    (0x10, "signal"),
    (0x20, "subflow"),
    (0x40, "backup"),
    (0x80, "fullmesh"),
];

/// Decodes an `mptcp-flags` value (decimal or 0x hex). Err(note) on garbage.
pub fn decode_mptcp_flags(raw: Option<&str>) -> std::result::Result<String, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_DECODED.into());
    };
    let parsed = match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => raw.parse::<u32>(),
    };
    let v = parsed.map_err(|_| format!("mptcp-flags value {raw:?} is not a number"))?;
    if v == 0 {
        return Ok(DEFAULT_DECODED.into());
    }
    let mut names: Vec<String> = FLAG_BITS
        .iter()
        .filter(|(b, _)| v & b != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let known: u32 = FLAG_BITS.iter().map(|(b, _)| b).sum();
    if v & !known != 0 {
        names.push(format!("0x{:x}", v & !known));
    }
    Ok(names.join(","))
}

/// Keys kept from a keyfile, per section. Everything else (psk, password, ...) is dropped unread.
const ALLOW: &[(&str, &[&str])] = &[
    (
        "connection",
        &[
            "id",
            "uuid",
            "type",
            "interface-name",
            "mptcp-flags",
            "autoconnect",
        ],
    ),
    ("ipv4", &["method"]),
    ("ipv6", &["method"]),
];

/// The allowlisted view of a keyfile: `[section]` headers and kept `key=value` lines only. Read line
/// by line into one reused buffer: a line that is not allowlisted (a PSK, a password) is dropped as soon
/// as its key is seen and never kept.
pub fn allowlisted_keyfile(mut r: impl std::io::BufRead) -> std::io::Result<String> {
    let mut out = String::new();
    let mut section = String::new();
    let mut header_written = true;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if line.starts_with('[') && line.ends_with(']') {
            section = line[1..line.len() - 1].trim().to_string();
            header_written = false;
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        let kept = ALLOW
            .iter()
            .any(|(s, keys)| *s == section && keys.contains(&k));
        if kept {
            if !header_written {
                out.push_str(&format!("[{section}]\n"));
                header_written = true;
            }
            out.push_str(&format!("{k}={}\n", v.trim()));
        }
    }
    buf.fill(0);
    Ok(out)
}

/// The first field of an `nmcli -t` line, whose `:` and `\` inside values are escaped with `\`.
pub fn nmcli_first_field(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            ':' => break,
            c => out.push(c),
        }
    }
    out
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

const CONF_GLOBS: &[&str] = &[
    "/usr/lib/NetworkManager/conf.d/*.conf",
    "/run/NetworkManager/conf.d/*.conf",
    "/etc/NetworkManager/NetworkManager.conf",
    "/etc/NetworkManager/conf.d/*.conf",
];
const KEYFILE_GLOBS: &[&str] = &[
    "/etc/NetworkManager/system-connections/*.nmconnection",
    "/run/NetworkManager/system-connections/*.nmconnection",
];

impl Builtin for NetworkManager {
    fn name(&self) -> &'static str {
        "networkmanager"
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let fs = ctx.fs();
        let runner = &ctx.env.runner;
        let has_nm = runner.has("NetworkManager");
        let has_nmcli = runner.has("nmcli");
        let mut nm = NmData {
            installed: has_nm || has_nmcli || fs.exists("/usr/sbin/NetworkManager"),
            ..Default::default()
        };
        if !nm.installed {
            return Err(Stop::Skipped("NetworkManager is not installed".into()));
        }
        if ctx.env.live {
            let ver = if has_nm {
                ctx.run_kept(&["NetworkManager", "--version"], out)
            } else {
                ctx.run_kept(&["nmcli", "--version"], out)
            };
            if ver.success() {
                nm.version = ver.stdout.split_whitespace().last().map(str::to_string);
            }
            if has_nmcli {
                let g = ctx.run_kept(&["nmcli", "-t", "-f", "RUNNING,VERSION", "general"], out);
                if g.success() {
                    let line = g.stdout.lines().next().unwrap_or("");
                    let mut parts = line.split(':');
                    nm.running = parts.next().map(|r| r.trim() == "running");
                    if let Some(v) = parts.next().filter(|v| !v.is_empty()) {
                        nm.version.get_or_insert_with(|| v.trim().to_string());
                    }
                } else {
                    nm.running = Some(false);
                }
            }
        }
        // Global default: merged config first, then the conf files in NetworkManager's order.
        if ctx.env.live && has_nm {
            let pc = ctx.run_kept(&["NetworkManager", "--print-config"], out);
            if pc.success() {
                nm.global_mptcp_flags =
                    ini_value(&pc.stdout, "connection", "connection.mptcp-flags");
            }
        }
        if nm.global_mptcp_flags.is_none() {
            for g in CONF_GLOBS {
                for p in fs.glob(g) {
                    if let Ok(t) = fs.read_to_string(&p) {
                        if let Some(v) = ini_value(&t, "connection", "connection.mptcp-flags") {
                            nm.global_mptcp_flags = Some(v);
                        }
                    }
                }
            }
        }
        let mut active: Vec<String> = Vec::new();
        let mut active_known = false;
        if ctx.env.live && has_nmcli {
            let argv = [
                "nmcli",
                "-t",
                "-f",
                "NAME,TYPE,DEVICE",
                "connection",
                "show",
                "--active",
            ];
            let a = ctx.run_kept(&argv, out);
            if a.success() {
                active_known = true;
                active = a.stdout.lines().map(nmcli_first_field).collect();
            }
        }
        for g in KEYFILE_GLOBS {
            for p in fs.glob(g) {
                let read = std::fs::File::open(fs.path(&p))
                    .and_then(|f| allowlisted_keyfile(std::io::BufReader::new(f)));
                let Ok(view) = read else {
                    nm.notes.push(format!("{p}: unreadable"));
                    continue;
                };
                let flags = ini_value(&view, "connection", "mptcp-flags");
                let decoded = match decode_mptcp_flags(flags.as_deref()) {
                    Ok(d) => d,
                    Err(e) => {
                        nm.notes.push(format!("{p}: {e}"));
                        "unknown".into()
                    }
                };
                let id = ini_value(&view, "connection", "id").unwrap_or_else(|| p.clone());
                out.artifacts.push(Artifact {
                    name: format!(
                        "system-connections/{}.allowlisted",
                        p.rsplit('/').next().unwrap_or("keyfile")
                    ),
                    source: Source::File { path: p.clone() },
                    original_size: view.len() as u64,
                    content: view.clone(),
                    truncated: false,
                });
                nm.connections.push(NmConnection {
                    active: active_known.then(|| active.contains(&id)),
                    uuid: ini_value(&view, "connection", "uuid"),
                    kind: ini_value(&view, "connection", "type"),
                    interface: ini_value(&view, "connection", "interface-name"),
                    mptcp_flags: flags,
                    mptcp_flags_decoded: decoded,
                    file: Some(p),
                    id,
                });
            }
        }
        out.data.push(Data::NetworkManager(nm));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_flags() {
        assert_eq!(decode_mptcp_flags(Some("0x22")).unwrap(), "enabled,subflow");
        assert_eq!(decode_mptcp_flags(Some("34")).unwrap(), "enabled,subflow");
        assert_eq!(decode_mptcp_flags(Some("1")).unwrap(), "disabled");
        assert_eq!(
            decode_mptcp_flags(Some("0x192")).unwrap(),
            "enabled,signal,fullmesh,0x100"
        );
        assert!(decode_mptcp_flags(Some("0"))
            .unwrap()
            .starts_with("default ("));
        assert!(decode_mptcp_flags(None).unwrap().starts_with("default ("));
        assert!(decode_mptcp_flags(Some("zz"))
            .unwrap_err()
            .contains("not a number"));
        assert!(decode_mptcp_flags(Some("0x")).is_err());
    }

    #[test]
    fn allowlist_drops_secrets() {
        let k = "[connection]\nid=Home\nuuid=u1\nmptcp-flags=0x22\npermissions=x\n[wifi-security]\npsk=hunter2\n[802-1x]\npassword=p\n[ipv4]\nmethod=auto\naddress1=10.0.0.2/24\n";
        let v = allowlisted_keyfile(k.as_bytes()).unwrap();
        assert_eq!(
            v,
            "[connection]\nid=Home\nuuid=u1\nmptcp-flags=0x22\n[ipv4]\nmethod=auto\n"
        );
        assert_eq!(
            ini_value(&v, "connection", "mptcp-flags").as_deref(),
            Some("0x22")
        );
    }

    #[test]
    fn nmcli_escaped_colons_stay_in_the_name() {
        assert_eq!(nmcli_first_field("Work\\:VPN:vpn:tun0"), "Work:VPN");
        assert_eq!(
            nmcli_first_field("back\\\\slash:wifi:wlp2s0"),
            "back\\slash"
        );
        assert_eq!(nmcli_first_field("plain:ethernet:eth0"), "plain");
    }
}
