//! NetworkManager connection keyfiles, read safely: which files NetworkManager itself would load as
//! profiles, and the allowlist reader (keyfiles hold Wi-Fi keys, VPN passwords and private keys, so only
//! a handful of harmless keys ever leave the file).

/// Where the keyfile plugin looks for profiles, and whether a file there needs the `.nmconnection`
/// extension: NetworkManager only accepts extension-less (legacy) names under /etc
/// (nms-keyfile-plugin.c `_ignore_filename`).
pub const PROFILE_DIRS: &[(&str, bool)] = &[
    ("/etc/NetworkManager/system-connections", false),
    ("/run/NetworkManager/system-connections", true),
    ("/usr/lib/NetworkManager/system-connections", true),
];

/// Editor backups, package-manager leftovers and temp files that NetworkManager skips
/// (libnm-core `nm_keyfile_utils_ignore_filename`), plus its `.nmmeta` shadowing markers.
const SKIP_SUFFIXES: &[&str] = &[
    "~",
    ".bak",
    ".swp",
    ".swpx",
    ".tmp",
    ".orig",
    ".rej",
    ".rpmnew",
    ".rpmsave",
    ".rpmorig",
    ".dpkg-old",
    ".dpkg-new",
    ".dpkg-dist",
    ".dpkg-bak",
    ".dpkg-tmp",
    ".pacnew",
    ".pacsave",
    ".nmmeta",
];

/// Whether NetworkManager would load this file name from a profile directory.
pub fn is_profile_name(name: &str, require_extension: bool) -> bool {
    if name.starts_with('.') || SKIP_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    !require_extension || name.ends_with(".nmconnection")
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
    // The network's name: kept so the redaction learns it and replaces it everywhere (logs name it).
    ("wifi", &["ssid", "mode"]),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_drops_secrets() {
        let k = "[connection]\nid=Home\nuuid=u1\nmptcp-flags=0x22\npermissions=x\n[wifi-security]\npsk=hunter2\n[802-1x]\npassword=p\n[ipv4]\nmethod=auto\naddress1=10.0.0.2/24\n";
        let v = allowlisted_keyfile(k.as_bytes()).unwrap();
        assert_eq!(
            v,
            "[connection]\nid=Home\nuuid=u1\nmptcp-flags=0x22\n[ipv4]\nmethod=auto\n"
        );
    }

    #[test]
    fn profile_names_like_networkmanager() {
        // Legacy extension-less names count under /etc only.
        assert!(is_profile_name("Wired connection 1", false));
        assert!(!is_profile_name("Wired connection 1", true));
        assert!(is_profile_name("home.nmconnection", true));
        for skipped in [
            "home.nmconnection~",
            "home.nmconnection.bak",
            "home.swp",
            "home.tmp",
            ".home.nmconnection",
            "home.nmconnection.rpmsave",
            "0b4f5d8a-1d6c-4b1e-9d55-0f7f6c4e8a11.nmmeta",
        ] {
            assert!(!is_profile_name(skipped, false), "{skipped}");
        }
    }
}
