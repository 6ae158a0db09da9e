//! Secrets recognised by their shape wherever they stand, whatever key (if any) precedes them: crypt(3)
//! and LDAP password hashes, PEM private key bodies, the password of URL userinfo, JWTs and the
//! prefixed tokens of GitHub, GitLab, Slack and Google. What names the kind (`$6$`, `{SSHA}`, `ghp_`,
//! `eyJ`, the PEM header) stays visible.

use super::line_end;

fn base64ish(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'.' | b'_' | b'-')
}

fn glued_before(b: &[u8], at: usize) -> bool {
    at > 0 && b[at - 1].is_ascii_alphanumeric()
}

/// crypt(3) method ids (`$id$`): md5crypt, bcrypt, NT, sha256/512crypt, scrypt, yescrypt,
/// gost-yescrypt, SunMD5, sha1crypt, and the PHC names of argon2, scrypt and PBKDF2.
const CRYPT_IDS: &[&[u8]] = &[
    b"1",
    b"2a",
    b"2b",
    b"2x",
    b"2y",
    b"3",
    b"5",
    b"6",
    b"7",
    b"y",
    b"gy",
    b"md5",
    b"sha1",
    b"argon2i",
    b"argon2d",
    b"argon2id",
    b"scrypt",
    b"pbkdf2",
    b"pbkdf2-sha1",
    b"pbkdf2-sha256",
    b"pbkdf2-sha512",
];

/// `$6$salt$hash` (shadow, `$y$j9T$..`, `$2b$12$..`, `$argon2id$v=19$m=..$..`): what follows the id.
pub(super) fn crypt_hash(b: &[u8], at: usize) -> Option<(usize, usize)> {
    if glued_before(b, at) || (at > 0 && b[at - 1] == b'$') {
        return None;
    }
    let id_end = (at + 1..b.len().min(at + 16)).find(|&i| b[i] == b'$')?;
    if !CRYPT_IDS.contains(&&b[at + 1..id_end]) {
        return None;
    }
    let vs = id_end + 1;
    let n = b[vs..]
        .iter()
        .take_while(|&&c| base64ish(c) || matches!(c, b'$' | b','))
        .count();
    let body = &b[vs..vs + n];
    (n >= 12 && body.contains(&b'$')).then_some((vs, vs + n))
}

/// `{SSHA}base64`, `{CRYPT}$6$..`, `{PBKDF2-SHA256}..` (LDAP userPassword, Dovecot): what follows `}`.
pub(super) fn ldap_hash(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let close = (at + 1..b.len().min(at + 24)).find(|&i| b[i] == b'}')?;
    if !b[at + 1..close]
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-')
    {
        return None;
    }
    let vs = close + 1;
    let n = b[vs..]
        .iter()
        .take_while(|&&c| base64ish(c) || c == b'$')
        .count();
    (n >= 8).then_some((vs, vs + n))
}

/// Tokens known by their prefix, with the least length of what follows.
const PREFIXED: &[(&[u8], usize)] = &[
    (b"ghp_", 20),
    (b"gho_", 20),
    (b"ghu_", 20),
    (b"ghs_", 20),
    (b"ghr_", 20),
    (b"github_pat_", 20),
    (b"glpat-", 20),
    (b"xoxb-", 10),
    (b"xoxp-", 10),
    (b"xoxa-", 10),
    (b"xoxr-", 10),
    (b"xoxs-", 10),
    (b"AIza", 30),
];

fn token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// A prefixed token or a JWT (`eyJ..`.`eyJ..`.`..`) starting at `at`: what follows the prefix.
pub(super) fn token(b: &[u8], at: usize) -> Option<(usize, usize)> {
    if glued_before(b, at) {
        return None;
    }
    let run = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|&&c| token_char(c))
            .count()
    };
    for &(prefix, least) in PREFIXED {
        if b[at..].starts_with(prefix) {
            let vs = at + prefix.len();
            let n = run(vs);
            return (n >= least).then_some((vs, vs + n));
        }
    }
    if !b[at..].starts_with(b"eyJ") {
        return None;
    }
    let head = run(at);
    let payload = at + head + 1;
    if head < 10 || b.get(at + head) != Some(&b'.') || !b[payload..].starts_with(b"eyJ") {
        return None;
    }
    let p = run(payload);
    let mut end = payload + p;
    if b.get(end) == Some(&b'.') {
        end += 1 + run(end + 1);
    }
    (p >= 10).then_some((at + 3, end))
}

/// Whether `b[s..e]` holds a secret of a known shape (a token, a hash): a user name that is one
/// (`https://ghp_..:x-oauth-basic@github.com`, `curl -u ghp_..:x`) goes with the password.
pub(super) fn holds_shape(b: &[u8], s: usize, e: usize) -> bool {
    (s..e.min(s + 256)).any(|p| {
        let found = match b[p] {
            b'$' => crypt_hash(b, p),
            b'{' => ldap_hash(b, p),
            _ => token(b, p),
        };
        found.is_some_and(|(_, end)| end <= e)
    })
}

/// `scheme://user:PASSWORD@host`: the password, with the user when that is a token (`from` is just
/// past `://`).
pub(super) fn url_password(b: &[u8], from: usize) -> Option<(usize, usize)> {
    if from < 4 || !b[from - 4].is_ascii_alphanumeric() {
        return None;
    }
    let end = (from..b.len())
        .find(|&i| b[i].is_ascii_whitespace() || matches!(b[i], b'/' | b'"' | b'\'' | b'>' | b'<'))
        .unwrap_or(b.len());
    let at = (from..end).rfind(|&i| b[i] == b'@')?;
    let colon = (from..at).find(|&i| b[i] == b':')?;
    if holds_shape(b, from, colon) {
        return Some((from, at));
    }
    (at > colon + 1).then_some((colon + 1, at))
}

/// `-----BEGIN ... PRIVATE KEY-----` (also ENCRYPTED, OpenVPN static keys) up to `-----END`: the
/// body, on the following lines or, escaped (`\n` in JSON), on the same line.
pub(super) fn pem_body(text: &str, at: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    if at > 0 && (b[at - 1].is_ascii_alphanumeric() || matches!(b[at - 1], b'-' | b'_')) {
        return None;
    }
    let label_start = at + "-----begin".len();
    let close = (label_start..b.len().min(label_start + 80))
        .find(|&i| b[i..].starts_with(b"-----") || b[i] == b'\n')?;
    if b[close] == b'\n' {
        return None;
    }
    let label = text[label_start..close].to_ascii_lowercase();
    if !["private key", "encrypted", "static key"]
        .iter()
        .any(|k| label.contains(k))
    {
        return None;
    }
    let body = close + 5;
    let le = line_end(b, body);
    let end_marker =
        |from: usize, to: usize| text[from..to].find("-----END").map_or(to, |p| from + p);
    if b[body..le].iter().any(|c| !c.is_ascii_whitespace()) {
        // On one line: up to the end marker, else the closing quote or the line's end.
        let mut end = end_marker(body, le);
        if end == le {
            end = (body..le)
                .find(|&i| matches!(b[i], b'"' | b'\''))
                .unwrap_or(le);
        }
        return (end > body).then_some((body, end));
    }
    if le >= b.len() {
        return None;
    }
    let start = le + 1;
    let mut end = end_marker(start, b.len());
    if end > start && b[end - 1] == b'\n' {
        end -= 1;
    }
    (end > start).then_some((start, end))
}
