//! The secret scrubber, a safety net that runs over everything, even with `--no-redact`. A keyword
//! found by the pattern table (text.rs) asks `value_span` what to replace with `[REDACTED]`:
//! - the value of a key naming a secret (psk, password, *-password, private-key, pin, secret, *token*,
//!   cookie, mka-cak, wep-key0, credentials, ...) written `key=value`, `key = value`, `key: value`,
//!   `"key": "value"`, `key => value`, or on the next line(s) after `password:` (a prompt, a YAML
//!   block); `--password VALUE`-style flags; the bare words `password VALUE`, `token VALUE`,
//!   `psk "VALUE"` (netrc, nmcli, ipsec.secrets) when the value does not read as prose;
//! - shapes that are secrets wherever they stand (shapes.rs): crypt(3) and LDAP password hashes,
//!   PEM private key bodies, URL userinfo passwords, JWTs, GitHub/GitLab/Slack/Google tokens;
//! - `-p VALUE` and its kin only in the command line of a tool known to take a password that way
//!   (argv.rs): elsewhere `-p` is a port, a pid or "print".
//!
//! The key stays, so readers see what was there. The MPTCP connection token (`token:2fa43e04` in ss,
//! `token=..` in `ip mptcp monitor`, `token 0x..`) is evidence, not a secret: a value of the key
//! `token` that is a 32-bit number stays. `*-flags` keys (`psk-flags=0`) are settings.

mod argv;
mod extent;
mod keyed;
mod shapes;
#[cfg(test)]
mod tests;

/// Replacement for a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Keywords that start a look at the surrounding text (matched case-insensitively, `_` as `.`).
pub const KEYWORDS: &[&str] = &[
    // Keys naming a secret.
    "pass",
    "secret",
    "psk",
    "private",
    "preshared",
    "pre-shared",
    "pin",
    "token",
    "credential",
    ".pwd",
    "-pwd",
    "cookie",
    "apikey",
    "api-key",
    "api.key",
    "auth-key",
    "auth.key",
    "authorization",
    "fastopen",
    "mka-c",
    "wep-key",
    "wep.key",
    // Shapes.
    "-----begin",
    "://",
    "$1$",
    "$2a$",
    "$2b$",
    "$2x$",
    "$2y$",
    "$3$",
    "$5$",
    "$6$",
    "$7$",
    "$y$",
    "$gy$",
    "$md5$",
    "$sha1$",
    "$argon2",
    "$pbkdf2",
    "$scrypt$",
    "{ssha",
    "{sha",
    "{smd5}",
    "{md5}",
    "{crypt}",
    "{pbkdf2",
    "{argon2",
    "eyj",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "aiza",
    // Options that take a password in some commands (argv.rs), and one command.
    "-p",
    "-a",
    "-u",
    "--user",
    "--proxy-user",
    "/p:",
    "wpa_passphrase",
];

/// Whether a key (as written) names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let flag = key.starts_with('-');
    let n: String = key
        .trim_start_matches('-')
        .chars()
        .map(|c| match c {
            '_' | '.' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    // Kernel config symbols (`CONFIG_SECRETMEM=y`) are build facts; `pin-sha256:` pins a public key;
    // a bare `token` is the MPTCP one unless it is a flag (`--token`).
    if n.is_empty()
        || n.starts_with("config-")
        || n.starts_with("pin-sha")
        || (n == "token" && !flag)
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
        "passcode",
        "secret",
        "psk",
        "credential",
        "privatekey",
        "presharedkey",
        "apikey",
        "authkey",
        "authorization",
        "fastopenkey",
        "mkacak",
        "mkackn",
    ]
    .iter()
    .any(|w| compact.contains(w))
        // `access_token`, `X-Auth-Token`, `refreshTokens`; not the kernel's `MPTCP token hash table
        // entries: 8192` boot line, where `token` qualifies other words.
        || compact.ends_with("token")
        || compact.ends_with("tokens")
        || compact.starts_with("wepkey")
        // `Cookie`, `Set-Cookie`, NetworkManager's vpn `cookie`; not `tcp_syncookies`.
        || ((compact.ends_with("cookie") || compact.ends_with("cookies"))
            && !compact.contains("syncookie"))
        || parts().any(|p| p == "pass" || p == "pin" || p == "pwd")
}

pub(super) fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// How far back a key is looked for (a keyword in a long line costs at most this much).
pub(super) const LOOK_BACK: usize = 512;

/// Start of the line holding `at` (or a point `LOOK_BACK` before it).
pub(super) fn line_start(b: &[u8], at: usize) -> usize {
    let low = at.saturating_sub(LOOK_BACK);
    b[low..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(low, |p| low + p + 1)
}

pub(super) fn line_end(b: &[u8], at: usize) -> usize {
    b[at..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| at + p)
}

/// Given a keyword found at `at`, the byte range of the secret value to replace, if there is one.
/// The range never starts before `at`.
pub fn value_span(text: &str, at: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let span = match b[at] {
        b'-' if b[at..].starts_with(b"-----") => shapes::pem_body(text, at),
        b'-' | b'/' => argv::option(b, at).or_else(|| keyed::value(b, at)),
        b':' => shapes::url_password(b, at + 3),
        b'$' => shapes::crypt_hash(b, at),
        b'{' => shapes::ldap_hash(b, at),
        _ => shapes::token(b, at)
            .or_else(|| argv::wpa_passphrase(b, at))
            .or_else(|| keyed::value(b, at)),
    };
    // A value holding the replacement was scrubbed before (the output fed back in).
    span.filter(|&(s, e)| {
        s >= at
            && e > s
            && !b[s..e]
                .windows(REDACTED.len())
                .any(|w| w == REDACTED.as_bytes())
    })
}
