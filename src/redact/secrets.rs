//! The secret scrubber: a safety net run over everything, even with --no-redact. Collectors read
//! secret-bearing files through allowlists; this catches what slips through anyway (a config copied
//! whole, a password in a command line, a PEM block).

/// Whether a key names a secret. MPTCP's `token` (connection id) is evidence, not a secret.
/// Called for every `key=`/`key:` in the output, so it allocates nothing.
pub fn is_secret_key(key: &str) -> bool {
    let k = key
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '-')
        .as_bytes();
    let k = match k.iter().rposition(|&b| b == b'.' || b == b' ') {
        Some(p) => &k[p + 1..],
        None => k,
    };
    if k.len() < 3 || k.len() > 64 {
        return false;
    }
    let mut buf = [0u8; 64];
    let k = {
        for (d, s) in buf.iter_mut().zip(k) {
            *d = s.to_ascii_lowercase();
        }
        &buf[..k.len()]
    };
    let has = |w: &[u8]| k.windows(w.len()).any(|x| x == w);
    if k == b"token" || k.ends_with(b"-flags") || k.ends_with(b"_flags") {
        return false;
    }
    const EXACT: &[&[u8]] = &[
        b"psk",
        b"pin",
        b"passwd",
        b"private-key",
        b"private_key",
        b"privatekey",
        b"preshared-key",
        b"preshared_key",
        b"api_key",
        b"apikey",
    ];
    EXACT.contains(&k)
        || has(b"password")
        || has(b"secret")
        || has(b"passphrase")
        || [
            &b"-psk"[..],
            b"_psk",
            b"-token",
            b"_token",
            b"-pin",
            b"_pin",
        ]
        .iter()
        .any(|s| k.ends_with(s))
        || k.starts_with(b"token-")
        || k.starts_with(b"token_")
}

pub const REDACTED: &str = "[REDACTED]";

/// Scrubs one text. Returns None when nothing changed.
pub fn scrub(text: &str) -> Option<String> {
    // Cheap pre-check: nearly all collected text has none of these shapes.
    let lower_hit = ["pass", "psk", "secret", "key", "pin", "token", "PRIVATE"]
        .iter()
        .any(|w| text.contains(w))
        || ["PASS", "PSK", "SECRET", "KEY", "PIN", "TOKEN"]
            .iter()
            .any(|w| text.contains(w));
    if !lower_hit {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut in_pem = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let nl = &line[body.len()..];
        if body.contains("-----BEGIN") && body.contains("PRIVATE KEY") {
            in_pem = true;
            out.push_str(REDACTED);
            out.push_str(nl);
            changed = true;
            continue;
        }
        if in_pem {
            if body.contains("-----END") {
                in_pem = false;
            }
            continue;
        }
        match scrub_line(body) {
            Some(l) => {
                out.push_str(&l);
                changed = true;
            }
            None => out.push_str(body),
        }
        out.push_str(nl);
    }
    changed.then_some(out)
}

/// `key=value`, `key = value`, `key: value`, `"key": "value"`, `--key value` on one line.
fn scrub_line(line: &str) -> Option<String> {
    for (i, c) in line.char_indices() {
        if c != '=' && c != ':' {
            continue;
        }
        let key_part = &line[..i];
        let trimmed = key_part.trim_end();
        // The word before the separator, found bytewise (this runs for every `:` of every line).
        let start = trimmed
            .bytes()
            .rposition(|b| matches!(b, b' ' | b'\t' | b'{' | b',' | b';' | b'('))
            .map_or(0, |p| p + 1);
        let key = &trimmed[start..];
        if !key
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'"' || b == b'\'')
            || !is_secret_key(key)
        {
            continue;
        }
        let rest = &line[i + 1..];
        let value = rest.trim_start();
        if value.is_empty()
            || value.starts_with(REDACTED)
            || value.trim_matches(['"', ',', '\'']).is_empty()
        {
            return None;
        }
        let lead = &rest[..rest.len() - value.len()];
        // A JSON value ends at its closing quote; keep what follows (`,`).
        let tail = if let Some(v) = value.strip_prefix('"') {
            v.find('"').map(|e| &v[e + 1..]).unwrap_or("")
        } else {
            ""
        };
        let quoted = value.starts_with('"');
        return Some(format!(
            "{}{}{lead}{}{tail}",
            key_part,
            c,
            if quoted {
                format!("\"{REDACTED}\"")
            } else {
                REDACTED.into()
            }
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_keyfile_ini_and_json_shapes() {
        let t = "[wifi-security]\nkey-mgmt=wpa-psk\npsk=hunter2secret\npsk-flags=0\n[vpn-secrets]\npassword=Pa55w0rd!\n[wireguard]\nprivate-key=yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n";
        let s = scrub(t).unwrap();
        for secret in [
            "hunter2secret",
            "Pa55w0rd!",
            "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
        ] {
            assert!(!s.contains(secret), "{s}");
        }
        assert!(
            s.contains("key-mgmt=wpa-psk") && s.contains("psk-flags=0"),
            "{s}"
        );
        let j = scrub("{\"password\": \"x1\", \"id\": \"a\"}").unwrap();
        assert_eq!(j, "{\"password\": \"[REDACTED]\", \"id\": \"a\"}");
        assert_eq!(scrub("api_token: abc").unwrap(), "api_token: [REDACTED]");
        assert_eq!(
            scrub("  password = x y\n").unwrap(),
            "  password = [REDACTED]\n"
        );
    }

    #[test]
    fn mptcp_tokens_and_counters_stay() {
        for t in [
            "subflows:1 token:1f0cdd34 write_seq:9",
            "[CREATED] token=1f0cdd34 remid=0",
            "MPJoinNoTokenFound 0",
            "key-mgmt=wpa-psk\n",
        ] {
            assert_eq!(scrub(t), None, "{t}");
        }
    }

    #[test]
    fn pem_blocks_go() {
        let s =
            scrub("a\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\nb\n").unwrap();
        assert_eq!(s, "a\n[REDACTED]\nb\n");
    }
}
