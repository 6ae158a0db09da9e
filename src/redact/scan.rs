//! The byte scanner that finds IP and hardware addresses in free text, in every notation iproute2, ss,
//! nstat and config files use, without mistaking version strings, counters, tokens, sequence numbers,
//! times or PCI slots for addresses.
//!
//! It walks maximal runs of `[0-9A-Fa-f:.]` (one table lookup per byte; most runs are rejected at once
//! because they hold neither `:` nor `.`), then decides per run:
//! - 6, 8 or 20 groups of two hex digits joined by `:` is a hardware address (also `-`-joined MACs);
//! - two or more `:` may be IPv6 (`fe80::1%eth0`, `[2001:db8::1]:443`, `::ffff:10.0.0.1`, `addr:fe80::1`),
//!   parsed by std after cutting a `key:` glued in front and a `:port` behind;
//! - otherwise each `:`-separated piece with exactly four dot-separated decimal octets (0-255, no
//!   leading zeros) is IPv4 unless its context says "version": a letter or `_` glued before or after
//!   (`v1.2.3.4`, `libfoo-1.2.3.4`), a longer dotted sequence (`2.6.32.1.5`, OIDs), or `-`/`+`/`~` and a
//!   word behind it (`1.2.3.4-1ubuntu`), or a word such as `kernel` or `version` just before it.
//!   Ranges (`10.0.0.1-10.0.0.9`) stay addresses;
//! - `ip-10-1-2-3` (an address inside a host name, after a word and `-`) is IPv4 too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the scanner asks for each address it finds.
pub trait Sink {
    /// Replacement address, or None to keep it.
    fn ip(&mut self, ip: IpAddr) -> Option<IpAddr>;
    /// Replacement hardware address (same length), or None to keep it.
    fn hw(&mut self, addr: &[u8]) -> Option<Vec<u8>>;
    /// A network written `addr/len` whose host bits are zero: its replacement keeps zero host bits
    /// (`10.77.0.0/16` reads as a network after encryption too).
    fn net(&mut self, ip: IpAddr, len: u8) -> Option<IpAddr> {
        self.ip(ip).map(|n| mask(n, len))
    }
}

/// `ip` with the bits after the first `len` cleared.
pub fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let m = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

/// The address through the sink, as a network when `/len` follows at `q` and its host bits are zero.
pub(super) fn through<S: Sink>(b: &[u8], q: usize, ip: IpAddr, sink: &mut S) -> Option<IpAddr> {
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if b.get(q) == Some(&b'/') {
        let d = b[q + 1..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if (1..=3).contains(&d) && !is(b, q + 1 + d, WORD) {
            let len = b[q + 1..q + 1 + d]
                .iter()
                .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
            if len < max && mask(ip, len as u8) == ip {
                return sink.net(ip, len as u8);
            }
        }
    }
    sink.ip(ip)
}

pub(super) const RUN: u8 = 1; // [0-9A-Fa-f:.]
pub(super) const WORD: u8 = 2; // [0-9A-Za-z_]
pub(super) const DIGIT: u8 = 4;
pub(super) const HEX: u8 = 8;

pub(super) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let digit = c.is_ascii_digit();
        let hex = c.is_ascii_hexdigit();
        let mut v = 0;
        if hex || c == b':' || c == b'.' {
            v |= RUN;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            v |= WORD;
        }
        if digit {
            v |= DIGIT;
        }
        if hex {
            v |= HEX;
        }
        t[i] = v;
        i += 1;
    }
    t
};

pub(super) fn is(b: &[u8], i: usize, class: u8) -> bool {
    i < b.len() && CLASS[b[i] as usize] & class != 0
}

pub(super) fn before_is(b: &[u8], i: usize, class: u8) -> bool {
    i > 0 && CLASS[b[i - 1] as usize] & class != 0
}

/// Appends `text[from..to]` to `out` with every address rewritten through `sink`; returns whether
/// anything changed. Context outside `from..to` is looked at but never rewritten.
pub fn rewrite<S: Sink>(
    text: &str,
    from: usize,
    to: usize,
    sink: &mut S,
    out: &mut String,
) -> bool {
    let b = text.as_bytes();
    let mut copied = from;
    let mut changed = false;
    let mut i = from;
    while i < to {
        if CLASS[b[i] as usize] & RUN == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let (mut colons, mut dots) = (0usize, 0usize);
        while i < to && CLASS[b[i] as usize] & RUN != 0 {
            colons += (b[i] == b':') as usize;
            dots += (b[i] == b'.') as usize;
            i += 1;
        }
        let end = i;
        let mut reps: Vec<(usize, usize, String)> = Vec::new();
        if colons == 0 && dots == 0 {
            if end < to && b[end] == b'-' {
                super::dotted::dashed(text, start, to, sink, &mut reps);
            }
        } else {
            run(text, start, end, colons, sink, &mut reps);
        }
        for (s, e, r) in reps {
            out.push_str(&text[copied..s]);
            out.push_str(&r);
            copied = e;
            changed = true;
        }
        // A dashed match may end beyond this run.
        i = i.max(copied);
    }
    out.push_str(&text[copied..to]);
    changed
}

/// One run of `[0-9A-Fa-f:.]` holding a `:` or a `.`.
fn run<S: Sink>(
    text: &str,
    s: usize,
    e: usize,
    colons: usize,
    sink: &mut S,
    reps: &mut Vec<(usize, usize, String)>,
) {
    let b = text.as_bytes();
    if matches!(colons, 5 | 7 | 19)
        && hw_groups(&b[s..e], b':')
        && !before_is(b, s, WORD)
        && !is(b, e, WORD)
    {
        if let Some(r) = hw(&b[s..e], b':', sink) {
            reps.push((s, e, r));
        }
        return;
    }
    if colons >= 2 {
        if let Some(rep) = v6(text, s, e, sink) {
            reps.push(rep);
            return;
        }
    }
    // IPv4 pieces between colons.
    let mut p = s;
    while p < e {
        let q = b[p..e].iter().position(|&c| c == b':').map_or(e, |o| p + o);
        if q - p >= 7 {
            if let Some(rep) = super::dotted::v4(text, p, q, sink) {
                reps.push(rep);
            }
        }
        p = q + 1;
    }
}

fn v6<S: Sink>(text: &str, s: usize, e: usize, sink: &mut S) -> Option<(usize, usize, String)> {
    let b = text.as_bytes();
    let mut vs = s;
    if before_is(b, s, WORD) || (b[s] == b':' && b.get(s + 1) != Some(&b':')) {
        // `addr:fe80::1`, `token:1f0cdd34`: a key glued in front.
        vs = s + b[s..e].iter().position(|&c| c == b':')? + 1;
    }
    let mut ve = e;
    while ve > vs && b[ve - 1] == b'.' {
        ve -= 1;
    }
    if ve > vs + 1 && b[ve - 1] == b':' && b[ve - 2] != b':' {
        ve -= 1;
    }
    for _ in 0..3 {
        let cand = &text[vs..ve];
        // Addresses hold a digit somewhere; `a::b`, `dead::beef` are code, not addresses.
        if cand.bytes().filter(|&c| c == b':').count() < 2
            || !cand.bytes().any(|c| c.is_ascii_digit())
        {
            return None;
        }
        let glued_after = ve == e && is(b, e, WORD);
        if !glued_after {
            if let Ok(a) = cand.parse::<Ipv6Addr>() {
                let new = match a.to_ipv4_mapped() {
                    Some(v4) if cand.contains('.') => {
                        let IpAddr::V4(n) = sink.ip(IpAddr::V4(v4))? else {
                            return None;
                        };
                        let head = &cand[..cand.rfind(':')? + 1];
                        format!("{head}{n}")
                    }
                    _ => through(b, ve, IpAddr::V6(a), sink)?.to_string(),
                };
                return Some((vs, ve, new));
            }
        }
        // Maybe a `:port` behind (old ss output): cut it and retry.
        let cut = cand.rfind(':')?;
        if cut == 0 || b[vs + cut - 1] == b':' {
            return None;
        }
        ve = vs + cut;
    }
    None
}

/// `hh<sep>hh<sep>...`: every group exactly two hex digits.
pub(super) fn hw_groups(t: &[u8], sep: u8) -> bool {
    t.len() % 3 == 2
        && t.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 {
                c == sep
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

pub(super) fn hw<S: Sink>(t: &[u8], sep: u8, sink: &mut S) -> Option<String> {
    let bytes: Vec<u8> = t
        .chunks(3)
        .map(|g| u8::from_str_radix(std::str::from_utf8(&g[..2]).unwrap_or("x"), 16).unwrap_or(0))
        .collect();
    let new = sink.hw(&bytes)?;
    let digits: &[u8; 16] = if t.iter().any(u8::is_ascii_uppercase) {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut s = String::with_capacity(t.len());
    for (i, x) in new.iter().enumerate() {
        if i > 0 {
            s.push(sep as char);
        }
        s.push(digits[usize::from(x >> 4)] as char);
        s.push(digits[usize::from(x & 15)] as char);
    }
    Some(s)
}
