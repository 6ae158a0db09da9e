//! IPv4 in free text: dotted quads, told apart from the version strings that look like them, and the
//! dashed forms found inside host names (`ip-10-1-2-3`) plus dashed MACs (`aa-bb-cc-dd-ee-ff`).

use super::scan::{before_is, hw, hw_groups, is, through, Sink, CLASS, DIGIT, HEX, RUN, WORD};
use std::net::{IpAddr, Ipv4Addr};

/// Four decimal octets, 0-255, no leading zeros.
pub fn parse_v4(t: &[u8], sep: u8) -> Option<Ipv4Addr> {
    let mut o = [0u8; 4];
    let mut parts = t.split(|&c| c == sep);
    for x in o.iter_mut() {
        let p = parts.next()?;
        if p.is_empty()
            || p.len() > 3
            || !p.iter().all(u8::is_ascii_digit)
            || (p.len() > 1 && p[0] == b'0')
        {
            return None;
        }
        let v = p.iter().fold(0u32, |a, &d| a * 10 + (d - b'0') as u32);
        *x = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(o))
}

pub(super) fn v4<S: Sink>(
    text: &str,
    p: usize,
    mut q: usize,
    sink: &mut S,
) -> Option<(usize, usize, String)> {
    let b = text.as_bytes();
    if b[q - 1] == b'.' && !is(b, q, DIGIT) {
        q -= 1; // end of a sentence
    }
    let a = parse_v4(&b[p..q], b'.')?;
    // Context: glued letters, or a word joined by -, +, ~, means a version string.
    if before_is(b, p, WORD) && !before_is(b, p, RUN) {
        return None;
    }
    if p >= 2
        && matches!(b[p - 1], b'-' | b'+' | b'~')
        && CLASS[b[p - 2] as usize] & WORD != 0
        && !b[p - 2].is_ascii_digit()
    {
        return None;
    }
    if b.get(q) == Some(&b'.') && is(b, q + 1, DIGIT) {
        return None;
    }
    if is(b, q, WORD) || after_version_word(b, p) {
        return None;
    }
    if matches!(b.get(q), Some(b'-' | b'+' | b'~')) && is(b, q + 1, WORD) {
        let rest = &b[q + 1..];
        let len = rest
            .iter()
            .position(|&c| !(c.is_ascii_digit() || c == b'.'))
            .unwrap_or(rest.len());
        if b[q] != b'-' || parse_v4(&rest[..len], b'.').is_none() {
            return None;
        }
    }
    let IpAddr::V4(n) = through(b, q, IpAddr::V4(a), sink)? else {
        return None;
    };
    Some((p, q, n.to_string()))
}

/// `kernel 2.6.32.1`, `version: 1.2.3.4`, `firmware-version=1.2.3.4`: a dotted quad right after a word
/// that announces a version.
fn after_version_word(b: &[u8], p: usize) -> bool {
    let mut e = p;
    while e > 0 && matches!(b[e - 1], b' ' | b'\t' | b':' | b'=' | b'"') && p - e < 4 {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && b[s - 1].is_ascii_alphabetic() && e - s < 12 {
        s -= 1;
    }
    let w = b[s..e].to_ascii_lowercase();
    matches!(
        w.as_slice(),
        b"version"
            | b"ver"
            | b"kernel"
            | b"linux"
            | b"release"
            | b"firmware"
            | b"driver"
            | b"rev"
            | b"revision"
            | b"build"
    )
}

/// `ip-10-1-2-3` (an address inside a host name) and `aa-bb-cc-dd-ee-ff`.
pub(super) fn dashed<S: Sink>(
    text: &str,
    s: usize,
    to: usize,
    sink: &mut S,
    reps: &mut Vec<(usize, usize, String)>,
) {
    let b = text.as_bytes();
    let window = &b[s..to.min(s + 17)];
    let len = window
        .iter()
        .position(|&c| !(CLASS[c as usize] & HEX != 0 || c == b'-'))
        .unwrap_or(window.len());
    let tok = &window[..len];
    let glued = s > 0 && (CLASS[b[s - 1] as usize] & WORD != 0 || b[s - 1] == b'-');
    if !glued
        && tok.len() == 17
        && hw_groups(tok, b'-')
        && !is(b, s + 17, WORD)
        && b.get(s + 17) != Some(&b'-')
    {
        if let Some(r) = hw(tok, b'-', sink) {
            reps.push((s, s + 17, r));
        }
        return;
    }
    if s >= 2 && b[s - 1] == b'-' && b[s - 2].is_ascii_alphabetic() {
        let digits = tok
            .iter()
            .position(|&c| !(c.is_ascii_digit() || c == b'-'))
            .unwrap_or(tok.len());
        let mut t = &tok[..digits];
        while t.ends_with(b"-") {
            t = &t[..t.len() - 1];
        }
        let e = s + t.len();
        if is(b, e, WORD) || (b.get(e) == Some(&b'-') && is(b, e + 1, DIGIT)) {
            return;
        }
        if let Some(a) = parse_v4(t, b'-') {
            if let Some(IpAddr::V4(n)) = sink.ip(IpAddr::V4(a)) {
                reps.push((s, e, n.to_string().replace('.', "-")));
            }
        }
    }
}
