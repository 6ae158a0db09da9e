//! IPv4 in free text: dotted quads, told apart from the version strings that look like them, and the
//! dashed forms found inside host names (`ip-10-1-2-3`) plus dashed MACs (`aa-bb-cc-dd-ee-ff`).
//!
//! The rule, safety first: four decimal octets (0-255, no leading zeros) are an address wherever they
//! stand, glued to words (`peer_10.1.2.3_x`, `eth0-10.1.2.3`, `10.1.2.3-eth0`, `v10.1.2.3`) or after
//! words like `version` or `kernel`: leaking an address is worse than encrypting a four-part version.
//! They are not an address when
//! - more dotted numbers follow or precede (`1.3.6.1.4.1`, OIDs, `10.0.19041.1`), except that exactly
//!   one more number up to 65535 is tcpdump's `address.port` (`10.1.2.3.443`): the port stays;
//! - a package revision follows: `+` or `~` and a word (`1.2.3.4+deb12u1`, `1.2.3.4~rc1`), or `-`, a
//!   number and a letter, `.`, `+` or `~` (`1.2.3.4-1ubuntu2`, `2.6.32.1-2.el6`). A bare number after
//!   `-` is a range (`10.1.2.1-254`) and stays an address, like `10.0.0.1-10.0.0.9`.
//!
//! Versions in MPTCP reports have three parts (kernel `6.18.0`, iproute2 `6.1.0`): untouched.

use super::scan::{hw, is, push_v4, through, Sink, Writer, ALNUM, CLASS, DIGIT, HEX};
use std::net::{IpAddr, Ipv4Addr};

/// Four decimal octets, 0-255, no leading zeros.
pub fn parse_v4(t: &[u8], sep: u8) -> Option<Ipv4Addr> {
    let mut o = [0u8; 4];
    let mut parts = t.split(|&c| c == sep);
    for x in o.iter_mut() {
        *x = octet(parts.next()?)?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(o))
}

fn octet(p: &[u8]) -> Option<u8> {
    if p.is_empty()
        || p.len() > 3
        || !p.iter().all(u8::is_ascii_digit)
        || (p.len() > 1 && p[0] == b'0')
    {
        return None;
    }
    u8::try_from(p.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'))).ok()
}

/// A piece `p..q` of a run (no `:` inside, at least three dots): the dotted quad in it, if any.
pub(super) fn v4<S: Sink>(w: &mut Writer, p: usize, q: usize, sink: &mut S) {
    let b = w.text.as_bytes();
    // Hex letters glued in front (`abc10.1.2.3`) are a word, not part of the address.
    let mut p = p;
    while p < q && CLASS[b[p] as usize] & DIGIT == 0 {
        if b[p] == b'.' {
            return;
        }
        p += 1;
    }
    // The dotted numbers from p: at most six parts are looked at.
    let mut ends = [0usize; 6];
    let mut n = 0;
    let mut i = p;
    while n < 6 {
        let s = i;
        while i < q && b[i].is_ascii_digit() && i - s < 6 {
            i += 1;
        }
        if i == s {
            break;
        }
        ends[n] = i;
        n += 1;
        if i + 1 < q && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
        } else {
            break;
        }
    }
    if !(4..=5).contains(&n) || is(b, ends[n - 1], DIGIT) {
        return;
    }
    let quad_end = ends[3];
    let Some(a) = parse_v4(&b[p..quad_end], b'.') else {
        return;
    };
    if n == 5 {
        let port = &b[ends[3] + 1..ends[4]];
        if port.len() > 5
            || (port.len() > 1 && port[0] == b'0')
            || port.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0')) > 65535
        {
            return;
        }
    }
    if revision_after(b, ends[n - 1]) {
        return;
    }
    let new = match n {
        4 => through(b, quad_end, IpAddr::V4(a), sink),
        _ => sink.ip(IpAddr::V4(a)),
    };
    let Some(IpAddr::V4(new)) = new else {
        return;
    };
    push_v4(w.put(p, quad_end), new);
}

/// A package revision right after a version at `q`: `+word`, `~word`, `-1ubuntu2`, `-2.el6`.
fn revision_after(b: &[u8], q: usize) -> bool {
    match b.get(q) {
        Some(b'+' | b'~') => is(b, q + 1, ALNUM),
        Some(b'-') => {
            let d = b[q + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if d == 0 {
                return false;
            }
            let rest = &b[q + 1..];
            let tail = rest[d..].first().copied();
            match tail {
                Some(c) if c.is_ascii_alphabetic() || c == b'+' || c == b'~' => true,
                // `-2.el6` is a revision; `-10.0.0.9` is the end of a range.
                Some(b'.') => {
                    let len = rest
                        .iter()
                        .position(|&c| !(c.is_ascii_digit() || c == b'.'))
                        .unwrap_or(rest.len());
                    let range = &rest[..len];
                    let range = range.strip_suffix(b".").unwrap_or(range);
                    parse_v4(range, b'.').is_none()
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// A run of hex digits at `s` followed by `-`: a dashed MAC (`aa-bb-cc-dd-ee-ff`) or `ip-10-1-2-3`
/// (an address inside a host name, after a word and `-`).
pub(super) fn dashed<S: Sink>(w: &mut Writer, s: usize, to: usize, sink: &mut S) {
    if hw::dashed(w, s, to, sink) {
        return;
    }
    let b = w.text.as_bytes();
    if !(s >= 2 && b[s - 1] == b'-' && b[s - 2].is_ascii_alphabetic()) {
        return;
    }
    // The word before must not be a two-digit group of a longer dashed sequence (`aa-aa-10-1-2-3`).
    let ws = b[..s - 1]
        .iter()
        .rposition(|c| !c.is_ascii_alphanumeric())
        .map_or(0, |p| p + 1);
    if s - 1 - ws == 2
        && ws > 0
        && b[ws - 1] == b'-'
        && b[ws..s - 1].iter().all(u8::is_ascii_hexdigit)
    {
        return;
    }
    let window = &b[s..to.min(s + 15)];
    let len = window
        .iter()
        .position(|&c| !(CLASS[c as usize] & HEX != 0 || c == b'-'))
        .unwrap_or(window.len());
    let tok = &window[..len];
    let digits = tok
        .iter()
        .position(|&c| !(c.is_ascii_digit() || c == b'-'))
        .unwrap_or(tok.len());
    let mut t = &tok[..digits];
    while t.ends_with(b"-") {
        t = &t[..t.len() - 1];
    }
    let e = s + t.len();
    // More groups behind (`-5`, `-a0-0a`): a longer dashed sequence, not an address.
    let group_after = is(b, e + 1, HEX) && is(b, e + 2, HEX) && !is(b, e + 3, ALNUM);
    if is(b, e, ALNUM) || (b.get(e) == Some(&b'-') && (is(b, e + 1, DIGIT) || group_after)) {
        return;
    }
    if let Some(a) = parse_v4(t, b'-') {
        if let Some(IpAddr::V4(n)) = sink.ip(IpAddr::V4(a)) {
            w.put(s, e).push_str(&n.to_string().replace('.', "-"));
        }
    }
}
