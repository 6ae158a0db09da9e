//! Secrets named by their key: `key=value` and its spellings, the value on the next line(s), command
//! line flags with a separate value, and bare words (`password VALUE`). Where each value ends is
//! extent.rs's business.

use super::extent::{blank, next_lines, quoted, skip_blanks, starts_line, trim_end, word_end};
use super::{is_secret_key, key_char, line_end, line_start, LOOK_BACK};

/// Keys that take their value after a plain space (netrc, nmcli, ipsec.secrets, `token VALUE`).
const BARE: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "psk",
];

/// Flag words after which a secret-named flag takes no secret (`--passwd-on-stdin`,
/// `--password-file PATH`, `--ask-pass`, `--no-password`, `--with-token`).
const NOT_A_VALUE: &[&str] = &[
    "stdin", "prompt", "fd", "file", "files", "command", "cmd", "env", "path", "dir", "agent",
    "store", "helper",
];
const NOT_A_VALUE_FIRST: &[&str] = &["ask", "no", "with", "use", "show", "prompt", "read", "save"];

/// A 32-bit number at `i` (`2fa43e04`, `0x3a8e1f0c`, `4026531839`, quoted or not) ending a word:
/// the shape of an MPTCP token.
pub(super) fn mptcp_token(b: &[u8], mut i: usize) -> bool {
    if matches!(b.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    let hex_prefix = b.len() > i + 1 && b[i] == b'0' && (b[i + 1] | 0x20) == b'x';
    if hex_prefix {
        i += 2;
    }
    let n = b[i.min(b.len())..]
        .iter()
        .take(11)
        .take_while(|c| c.is_ascii_hexdigit())
        .count();
    let digits = &b[i..i + n];
    let fits = if hex_prefix || digits.iter().any(|c| !c.is_ascii_digit()) {
        n <= 8
    } else {
        n <= 10
            && digits
                .iter()
                .fold(0u64, |a, &d| a * 10 + u64::from(d - b'0'))
                <= u64::from(u32::MAX)
    };
    n > 0 && fits && !b.get(i + n).is_some_and(|&c| key_char(c))
}

/// The value of the secret key at `ks..ke` whose separator ends at `after`. Scans stop at the end of
/// the value (or of its line): a keyword in a long line costs no more than its value.
fn after_separator(b: &[u8], ks: usize, ke: usize, after: usize) -> Option<(usize, usize)> {
    let name = String::from_utf8_lossy(&b[ks..ke]).to_ascii_lowercase();
    let name = name.trim_start_matches('-');
    let whole = starts_line(b, ks);
    let ls = || line_start(b, ks);
    let header = name.ends_with("authorization") || name.ends_with("cookie");
    let vs = skip_blanks(b, after, b.len());
    let we = word_end(b, vs, b"");
    let then_eol = |i: usize| {
        let j = skip_blanks(b, i, b.len());
        j == b.len() || b[j] == b'\n' || b[j] == b'\r'
    };
    let token = name == "token";
    if then_eol(vs) {
        return next_lines(b, ls(), line_end(b, vs), false)
            .filter(|s| !(token && mptcp_token(b, s.0)));
    }
    if matches!(&b[vs..we], b"|" | b"|-" | b"|+" | b">" | b">-" | b">+") && then_eol(we) {
        return next_lines(b, ls(), line_end(b, we), true);
    }
    if token && mptcp_token(b, vs) {
        return None;
    }
    if b[vs] == b'"' || b[vs] == b'\'' {
        return Some(quoted(b, vs));
    }
    let ve = if header && ks > 0 && matches!(b[ks - 1], b'"' | b'\'') {
        // `-H 'Authorization: Bearer xyz'`: up to the closing quote.
        (vs..b.len())
            .find(|&i| b[i] == b[ks - 1] || b[i] == b'\n')
            .unwrap_or(b.len())
    } else if whole || header {
        // (`Authorization: Bearer xyz`, `Cookie: a=1; b=2` are one value with spaces.)
        trim_end(b, vs, line_end(b, vs))
    } else {
        // One word; a `'` ending it closes a quote around the key and value (`'user=a pass=b'`).
        let mut e = word_end(b, vs, b",;&\"");
        while e > vs && b[e - 1] == b'\'' {
            e -= 1;
        }
        e
    };
    Some((vs, ve))
}

/// `--password VALUE`, `--token VALUE`, `-password VALUE`: the next word, unless it is another flag.
fn flag(b: &[u8], ks: usize, ke: usize) -> Option<(usize, usize)> {
    let name = String::from_utf8_lossy(&b[ks..ke])
        .trim_start_matches('-')
        .to_ascii_lowercase();
    let mut parts = name.split(['-', '_']);
    if name.len() < 2
        || !(is_secret_key(&name) || name == "token")
        || parts.next().is_some_and(|p| NOT_A_VALUE_FIRST.contains(&p))
        || name
            .rsplit(['-', '_'])
            .next()
            .is_some_and(|p| NOT_A_VALUE.contains(&p))
    {
        return None;
    }
    let vs = skip_blanks(b, ke, b.len());
    if vs >= b.len()
        || matches!(b[vs], b'-' | b'\n' | b'\r')
        || (name == "token" && mptcp_token(b, vs))
    {
        return None;
    }
    if matches!(b[vs], b'"' | b'\'') {
        return Some(quoted(b, vs));
    }
    Some((vs, word_end(b, vs, b"\"';|&")))
}

/// Prose after a bare key (`password for user`, `token hash table`, `password requisite`): one
/// word of letters, lower case or capitalised.
fn prose(w: &[u8]) -> bool {
    let w = match w.iter().rposition(|c| c.is_ascii_alphanumeric()) {
        Some(e) => &w[..=e],
        None => return true,
    };
    w.iter().all(u8::is_ascii_alphabetic) && w[1..].iter().all(u8::is_ascii_lowercase)
}

/// `password VALUE` (netrc, `nmcli ... password VALUE`, `wifi-sec.psk VALUE`), `PSK "VALUE"`
/// (ipsec.secrets), `token VALUE`. A value starting with punctuation, prose and MPTCP tokens stay.
fn bare(b: &[u8], ls: usize, ks: usize, ke: usize) -> Option<(usize, usize)> {
    let key = String::from_utf8_lossy(&b[ks..ke]).to_ascii_lowercase();
    let last = key.rsplit('.').next().unwrap_or("");
    if !(BARE.contains(&key.as_str()) || (key.contains('.') && BARE.contains(&last))) {
        return None;
    }
    let vs = skip_blanks(b, ke, b.len());
    if vs >= b.len() || b[vs].is_ascii_whitespace() || (last == "token" && mptcp_token(b, vs)) {
        return None;
    }
    if matches!(b[vs], b'"' | b'\'') {
        return Some(quoted(b, vs));
    }
    let ve = word_end(b, vs, b",;\"'");
    let line = String::from_utf8_lossy(&b[ls..ks]).to_ascii_lowercase();
    let sure = line.contains("nmcli") || line.contains("machine ") || line.contains("login ");
    // Paths, `[options]`, `$VARIABLES`, `-flags`, `<placeholders>` and prose are no secrets.
    if !b[vs].is_ascii_alphanumeric() || (!sure && prose(&b[vs..ve])) {
        return None;
    }
    Some((vs, ve))
}

/// A key written with spaces that names a secret: words of letters, digits, `-`, `_`, `@`, `()`,
/// after an optional `[tag]` (`[sudo] password for bob`); not a command line or a config line whose
/// `=` belongs to a later word (`password requisite pam_pwquality.so retry=3`).
fn spaced_key(k: &[u8]) -> bool {
    let t = k.trim_ascii_start();
    let tag = t.strip_prefix(b"[").map_or(0, |r| {
        let n = r.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
        if r.get(n) == Some(&b']') {
            n + 2
        } else {
            0
        }
    });
    let t = &t[tag..];
    let words = || {
        t.split(|c| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
    };
    t.iter().all(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b' ' | b'\t' | b'-' | b'_' | b'@' | b'(' | b')')
    }) && words().count() <= 5
        && !words().any(|w| w[0] == b'-')
        && is_secret_key(&String::from_utf8_lossy(k))
}

/// `=`, `:`, `=>` after a key at `i` (past a closing quote and blanks); where the value may start.
fn separator(b: &[u8], mut i: usize) -> Option<usize> {
    if matches!(b.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    while b.get(i).is_some_and(|&c| blank(c)) {
        i += 1;
    }
    match b.get(i) {
        Some(b'=') => Some(i + 1 + usize::from(b.get(i + 1) == Some(&b'>'))),
        Some(b':') if b.get(i + 1) != Some(&b':') => Some(i + 1),
        _ => None,
    }
}

/// The value named by the key around the keyword at `at`, if that key names a secret.
pub(super) fn value(b: &[u8], at: usize) -> Option<(usize, usize)> {
    // Fast path for the MPTCP `token:`/`token=` of ss and monitor lines (evidence, many per report).
    if b.len() > at + 5
        && b[at..at + 5].eq_ignore_ascii_case(b"token")
        && matches!(b[at + 5], b':' | b'=')
        && (at == 0 || !key_char(b[at - 1]))
        && mptcp_token(b, at + 6)
    {
        return None;
    }
    let low = at.saturating_sub(LOOK_BACK);
    let mut ks = at;
    while ks > low && key_char(b[ks - 1]) {
        ks -= 1;
    }
    let mut ke = at;
    while ke < b.len() && key_char(b[ke]) {
        ke += 1;
    }
    if let Some(after) = separator(b, ke) {
        let key = String::from_utf8_lossy(&b[ks..ke]);
        // (A `token` key whose value is no 32-bit number is no MPTCP token.)
        return if is_secret_key(&key) || key.eq_ignore_ascii_case("token") {
            after_separator(b, ks, ke, after)
        } else {
            None
        };
    }
    let ls = line_start(b, at);
    if b.get(ke).is_some_and(|&c| blank(c)) {
        if b[ks] == b'-' {
            return flag(b, ks, ke);
        }
        if let Some(span) = bare(b, ls, ks, ke) {
            return Some(span);
        }
    }
    // `private key: ...` (wg show), `Pre-shared Key = ...`, `[sudo] password for bob:`: a key with
    // spaces at the line start.
    let limit = b.len().min(ls + 49);
    let first = (ls..limit).find(|&i| matches!(b[i], b'=' | b':' | b'\n'))?;
    if first < at
        || b[first] == b'\n'
        || b[first..].starts_with(b"::")
        || !spaced_key(&b[ls..first])
    {
        return None;
    }
    let after = first + 1 + usize::from(b.get(first + 1) == Some(&b'>'));
    // `... token: 1f0cdd34`: a spaced key ending in `token` is the MPTCP one when its value is.
    let key = b[ls..first].trim_ascii_end();
    let ks = match key.rsplit(|c| c.is_ascii_whitespace()).next() {
        Some(w) if w.eq_ignore_ascii_case(b"token") => ls + key.len() - 5,
        _ => ls,
    };
    after_separator(b, ks, ls + key.len(), after)
}
