//! The secret scrubber, a safety net that runs over everything, even with `--no-redact`: the value of
//! any `key=value`, `key = value`, `key: value` or `"key": "value"` whose key names a secret (psk,
//! password, *-password, private-key, pin, secret, *token*, credentials, ...) becomes `[REDACTED]`, and
//! so does the body of a PEM private key block. The key itself stays, so readers see what was there.
//!
//! The MPTCP connection `token` (ss, `ip mptcp monitor`) is evidence, not a secret, and `*-flags` keys
//! (`psk-flags=0`) are settings.

/// Replacement for a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Keywords that start a look at the surrounding key (folded: lower case, `_` as `.`).
pub const KEYWORDS: &[&str] = &[
    "pass",
    "secret",
    "psk",
    "private",
    "preshared",
    "pin",
    "token",
    "credential",
    "apikey",
    "api-key",
    "api.key",
    "auth-key",
    "auth.key",
    "-----begin",
    "authorization",
    "fastopen",
    "://",
];

/// Whether a key (as written) names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let n: String = key
        .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace())
        .chars()
        .map(|c| match c {
            '_' | '.' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    // Kernel config symbols (`CONFIG_SECRETMEM=y`) are build facts.
    if n.is_empty()
        || n.starts_with("config-")
        || n == "token"
        || ["-flags", "-flag", "-type", "-mgmt"]
            .iter()
            .any(|s| n.ends_with(s))
    {
        return false;
    }
    let compact: String = n.chars().filter(|&c| c != '-').collect();
    let parts = || n.split('-');
    [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "psk",
        "credential",
        "privatekey",
        "presharedkey",
        "apikey",
        "authkey",
        "authorization",
        "fastopenkey",
    ]
    .iter()
    .any(|w| compact.contains(w))
        // `access_token`, `X-Auth-Token`, `refreshTokens`; not the kernel's `MPTCP token hash table
        // entries: 8192` boot line, where `token` qualifies other words.
        || compact.ends_with("token")
        || compact.ends_with("tokens")
        || compact.starts_with("wepkey")
        || parts().any(|p| p == "pass" || p == "pin" || p == "pwd")
}

fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Given a keyword found at `at`, the byte range of the secret value to replace, if the keyword sits in
/// a secret key followed by a separator and a non-empty value.
pub fn value_span(text: &str, at: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    if b[at] == b'-' {
        return pem_body(text, at);
    }
    if b[at] == b':' {
        return url_password(b, at + 3);
    }
    // Fast path for the MPTCP `token:`/`token=` of ss and monitor lines (evidence, many per report).
    if b[at..].len() > 5
        && b[at..at + 5].eq_ignore_ascii_case(b"token")
        && matches!(b[at + 5], b':' | b'=')
        && (at == 0 || !key_char(b[at - 1]))
    {
        return None;
    }
    let line_start = b[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let line_end = b[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| at + p);
    let mut ks = at;
    while ks > line_start && key_char(b[ks - 1]) {
        ks -= 1;
    }
    let mut ke = at;
    while ke < line_end && key_char(b[ke]) {
        ke += 1;
    }
    let sep = |mut i: usize| -> Option<usize> {
        if i < line_end && (b[i] == b'"' || b[i] == b'\'') {
            i += 1;
        }
        while i < line_end && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        (i < line_end && (b[i] == b'=' || (b[i] == b':' && b.get(i + 1) != Some(&b':'))))
            .then_some(i + 1)
    };
    // The first key of its line (`psk=...`, `Xauth password=...`) owns the rest of the line; a later
    // one (`... user=bob password=x quiet`) owns one word.
    let at_line_start = |ks: usize| !b[line_start..ks].iter().any(|&c| c == b'=' || c == b':');
    let (key, after, whole_line) = match sep(ke) {
        Some(after) => (&text[ks..ke], after, at_line_start(ks)),
        None => {
            // `private key: ...` (wg show), `Pre-shared Key = ...`: a key with spaces at the line start.
            let first = (line_start..line_end).find(|&i| b[i] == b'=' || b[i] == b':')?;
            if first < at || first - line_start > 48 {
                return None;
            }
            (&text[line_start..first], first + 1, true)
        }
    };
    if !is_secret_key(key) {
        return None;
    }
    let mut vs = after;
    while vs < line_end && (b[vs] == b' ' || b[vs] == b'\t') {
        vs += 1;
    }
    if vs >= line_end {
        return None;
    }
    let ve = if b[vs] == b'"' || b[vs] == b'\'' {
        let q = b[vs];
        vs += 1;
        let mut i = vs;
        while i < line_end && b[i] != q {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        i.min(line_end)
    } else if whole_line || key.to_ascii_lowercase().ends_with("authorization") {
        // (`Authorization: Bearer xyz` is one value with a space.)
        let mut e = line_end;
        while e > vs && (b[e - 1].is_ascii_whitespace() || b[e - 1] == b',') {
            e -= 1;
        }
        e
    } else {
        (vs..line_end)
            .find(|&i| b[i].is_ascii_whitespace() || matches!(b[i], b',' | b';' | b'&' | b'"'))
            .unwrap_or(line_end)
    };
    (ve > vs && &text[vs..ve] != REDACTED).then_some((vs, ve))
}

/// `scheme://user:PASSWORD@host`: the password.
fn url_password(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let end = (from..b.len())
        .find(|&i| b[i].is_ascii_whitespace() || matches!(b[i], b'/' | b'"' | b'\'' | b'>'))
        .unwrap_or(b.len());
    let at = (from..end).rfind(|&i| b[i] == b'@')?;
    let colon = (from..at).find(|&i| b[i] == b':')?;
    (at > colon + 1 && &b[colon + 1..at] != REDACTED.as_bytes()).then_some((colon + 1, at))
}

/// `-----BEGIN ... PRIVATE KEY-----` ... `-----END`: the lines between.
fn pem_body(text: &str, at: usize) -> Option<(usize, usize)> {
    let line_end = text[at..].find('\n').map(|p| at + p)?;
    let header = text[at..line_end].to_ascii_lowercase();
    if !(header.contains("private key") || header.contains("encrypted")) {
        return None;
    }
    let body = line_end + 1;
    let mut end = text[body..]
        .find("-----END")
        .map_or(text.len(), |p| body + p);
    if end > body + 1 && text.as_bytes()[end - 1] == b'\n' {
        end -= 1;
    }
    (end > body).then_some((body, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrub(t: &str) -> String {
        let mut out = t.to_string();
        let mut i = 0;
        while let Some(p) = KEYWORDS
            .iter()
            .filter_map(|k| {
                out.to_ascii_lowercase().replace('_', ".")[i..]
                    .find(k)
                    .map(|p| p + i)
            })
            .min()
        {
            if let Some((s, e)) = value_span(&out, p) {
                out.replace_range(s..e, REDACTED);
                i = s + REDACTED.len();
            } else {
                i = p + 1;
            }
        }
        out
    }

    #[test]
    fn keys() {
        for k in [
            "psk",
            "password",
            "leap-password",
            "private-key",
            "PrivateKey",
            "PresharedKey",
            "pin",
            "secrets",
            "client_secret",
            "wep-key0",
            "auth-token",
            "X-Auth-Token",
            "accessToken",
            "refresh_tokens",
            "api_key",
            "net.ipv4.tcp_fastopen_key",
            "\"password\"",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "token",
            "MPTCP token hash table entries",
            "token-count",
            "psk-flags",
            "key-mgmt",
            "id",
            "ssid",
            "remote_key",
            "bypass",
            "mptcp-flags",
            "spin",
            "CONFIG_SECRETMEM",
            "net.ipv4.ping_group_range",
            "TcpExtTCPFastOpenPassive",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn shapes() {
        let t = "[wifi-security]\nkey-mgmt=wpa-psk\npsk=hunter2 secret\npsk-flags=0\n  PrivateKey = aGVsbG8=\n\"password\": \"p4\\\"ss\",\nprivate key: abc\ntoken:1f0cdd34 x auth_token=zz y\nproxy=http://bob:hunter3@proxy:3128/ http://[::1]:80/ Authorization: Bearer abc\n";
        let want = "[wifi-security]\nkey-mgmt=wpa-psk\npsk=[REDACTED]\npsk-flags=0\n  PrivateKey = [REDACTED]\n\"password\": \"[REDACTED]\",\nprivate key: [REDACTED]\ntoken:1f0cdd34 x auth_token=[REDACTED] y\nproxy=http://bob:[REDACTED]@proxy:3128/ http://[::1]:80/ Authorization: [REDACTED]\n";
        assert_eq!(scrub(t), want);
        let pem = "a\n-----BEGIN PRIVATE KEY-----\nMIIE\nabcd\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            scrub(pem),
            "a\n-----BEGIN PRIVATE KEY-----\n[REDACTED]\n-----END PRIVATE KEY-----\n"
        );
    }
}
