//! Hardware addresses in their written forms: `aa:bb:cc:dd:ee:ff` (also 8-byte EUI-64 and 20-byte
//! InfiniBand), netfilter's `MAC=` link header (destination, source, ethertype: 14 groups), dashed
//! `AA-BB-CC-DD-EE-FF`, Cisco's dotted `5e3a.1122.3348` and `enx525400c47a11` interface names. The
//! replacement keeps the layout (separators, upper or lower case) of what it replaces.

use super::{is, Sink, Writer, ALNUM, HEX};

/// `hh<sep>hh<sep>...`: every group exactly two hex digits.
pub(in crate::redact) fn groups(t: &[u8], sep: u8) -> bool {
    t.len() % 3 == 2
        && t.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 {
                c == sep
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10) & 15,
    }
}

/// The bytes of a written address: its hex digits in order, separators skipped.
fn bytes(t: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = t
        .iter()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|&c| nibble(c))
        .collect();
    digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
}

/// Writes `new` in the layout of `t`: each hex digit of `t` becomes the next nibble of `new`,
/// separators stay; upper case when `t` has an upper-case digit.
fn relayout(t: &[u8], new: &[u8], out: &mut String) {
    let digits: &[u8; 16] = if t.iter().any(u8::is_ascii_uppercase) {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut n = 0;
    for &c in t {
        if c.is_ascii_hexdigit() {
            let x = new.get(n / 2).copied().unwrap_or(0);
            let v = if n % 2 == 0 { x >> 4 } else { x & 15 };
            out.push(digits[usize::from(v)] as char);
            n += 1;
        } else {
            out.push(c as char);
        }
    }
}

/// Rewrites the address written at `s..e` (all of it one address); false when the sink keeps it.
pub(in crate::redact) fn replace<S: Sink>(
    w: &mut Writer,
    s: usize,
    e: usize,
    sink: &mut S,
) -> bool {
    let t = &w.text.as_bytes()[s..e];
    let Some(new) = sink.hw(&bytes(t)) else {
        return false;
    };
    relayout(t, &new, w.put(s, e));
    true
}

/// A run of `:`-joined groups at `a..e` (a key glued in front already cut): one hardware address, or
/// a netfilter link header (two addresses and the ethertype, which stays).
pub(super) fn colon<S: Sink>(w: &mut Writer, a: usize, mut e: usize, sink: &mut S) -> bool {
    let b = w.text.as_bytes();
    if is(b, e, ALNUM) {
        return false;
    }
    // `ether 52:54:00:ab:cd:ef: up`: a separator after the address.
    if e - a > 2 && b[e - 1] == b':' && b[e - 2] != b':' {
        e -= 1;
    }
    if !groups(&b[a..e], b':') {
        return false;
    }
    match (e - a + 1) / 3 {
        6 | 8 | 20 => {
            replace(w, a, e, sink);
        }
        14 => {
            replace(w, a, a + 17, sink);
            replace(w, a + 18, a + 35, sink);
        }
        _ => return false,
    }
    true
}

/// Cisco's `5e3a.1122.3348` at `a..e` (a run with two dots and no colon).
pub(super) fn cisco<S: Sink>(w: &mut Writer, a: usize, e: usize, sink: &mut S) -> bool {
    let b = w.text.as_bytes();
    let t = &b[a..e];
    let shaped = t.len() == 14
        && t.iter().enumerate().all(|(i, &c)| {
            if i % 5 == 4 {
                c == b'.'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if !shaped || is(b, e, ALNUM) || (a > 0 && is(b, a - 1, ALNUM)) {
        return false;
    }
    replace(w, a, e, sink);
    true
}

/// `enx525400c47a11`: systemd's interface name made of the MAC; the run `s..s+12` follows `enx`.
pub(super) fn enx<S: Sink>(w: &mut Writer, s: usize, sink: &mut S) {
    let b = w.text.as_bytes();
    let e = s + 12;
    if s >= 3
        && &b[s - 3..s] == b"enx"
        && !(s > 3 && is(b, s - 4, ALNUM))
        && !is(b, e, ALNUM)
        && b[s..e]
            .iter()
            .all(|&c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    {
        replace(w, s, e, sink);
    }
}

/// A dashed MAC starting at `s` (a run of hex digits followed by `-`); true when it is one.
pub(in crate::redact) fn dashed<S: Sink>(
    w: &mut Writer,
    s: usize,
    to: usize,
    sink: &mut S,
) -> bool {
    let b = w.text.as_bytes();
    let e = s + 17;
    if e > to || !groups(&b[s..e], b'-') || is(b, e, ALNUM) {
        return false;
    }
    // Glued after: more groups (`..-ee-ff-01`) make a longer sequence, not a MAC.
    if b.get(e) == Some(&b'-') && is(b, e + 1, HEX) {
        return false;
    }
    // Glued before: a letter or digit, or a two-digit group and `-` (the tail of a longer sequence).
    if s > 0 && is(b, s - 1, ALNUM) {
        return false;
    }
    if s >= 3
        && b[s - 1] == b'-'
        && is(b, s - 2, HEX)
        && is(b, s - 3, HEX)
        && !is(b, s.wrapping_sub(4), ALNUM)
    {
        return false;
    }
    replace(w, s, e, sink);
    true
}
