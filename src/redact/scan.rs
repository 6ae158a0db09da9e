//! The byte scanner that finds IP and hardware addresses in free text, in every notation iproute2, ss,
//! nstat, tcpdump, netfilter, NetworkManager and config files use, without mistaking version strings,
//! counters, MPTCP tokens, sequence numbers, times, code or PCI slots for addresses.
//!
//! It jumps from one `:`, `.`, `-` or `enx` to the next (one table lookup per byte in between), takes
//! the maximal run of `[0-9A-Fa-f:.]` around it, then decides per run (rules in the submodules):
//! - a key glued in front (`mac:aa:..`, `src:fe80::1`, `addr:`) is cut off first: a run glued to a
//!   letter or digit loses its first `:` group, a lone leading `:` is a separator;
//! - hardware addresses (hw.rs): 6, 8 or 20 two-digit groups joined by `:` (`-` and Cisco's
//!   `5e3a.1122.3348` too), netfilter's 14-byte `MAC=` link header, `enx` interface names;
//! - IPv6 (v6.rs): two or more `:`, parsed by std after cutting a `:port` or tcpdump `.port` behind,
//!   and shaped like an address (not `a::b`, `std::map`, `12:34:56`, hex words);
//! - IPv4 (dotted.rs): four decimal octets, also glued to words and tcpdump's `10.1.2.3.443`, unless a
//!   package revision (`1.2.3.4-1ubuntu2`) or a longer dotted sequence says "version".
//!
//! Token boundaries: a detector never fires inside a longer word or hex blob (a letter or digit glued
//! to its edge, or more groups of the same shape), and fires when glued by `_ - = ( [ / , ' "`.

pub(super) mod hw;
mod v6;

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
pub(super) const ALNUM: u8 = 16; // [0-9A-Za-z]: what makes a longer word (`_` and `-` glue, they do not)
const TRIGGER: u8 = 32; // [:.\-x]: where a notation can be

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
        if c.is_ascii_alphanumeric() {
            v |= ALNUM;
        }
        if digit {
            v |= DIGIT;
        }
        if c == b':' || c == b'.' || c == b'-' || c == b'x' {
            v |= TRIGGER;
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

/// The output being built: `text` up to `copied` is in `out` (rewritten where needed).
pub(super) struct Writer<'a> {
    pub text: &'a str,
    copied: usize,
    out: &'a mut String,
}

impl Writer<'_> {
    /// Replaces `text[s..e]` (s >= every earlier replacement's end): copies what lies before, then
    /// hands `out` over for the replacement.
    pub fn put(&mut self, s: usize, e: usize) -> &mut String {
        debug_assert!(s >= self.copied && e >= s);
        self.out.push_str(&self.text[self.copied..s]);
        self.copied = e;
        self.out
    }
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
    let copied = replace(text, from, to, sink, out);
    // Every replacement moved `copied` past `from`.
    let changed = copied != from;
    out.push_str(&text[copied..to]);
    changed
}

/// The whole `text` with every address rewritten, or None when nothing changed: an unchanged text
/// (most of a large one, on a host with loopback addresses only) is then not copied at all.
pub fn rewrite_whole<S: Sink>(text: &str, sink: &mut S) -> Option<String> {
    let mut out = String::new();
    let copied = replace(text, 0, text.len(), sink, &mut out);
    (copied != 0 || !out.is_empty()).then(|| out + &text[copied..])
}

/// Writes into `out` what comes before each address of `text[from..to]` and its replacement;
/// returns how far `text` is in `out` (`from` when nothing was replaced).
fn replace<S: Sink>(text: &str, from: usize, to: usize, sink: &mut S, out: &mut String) -> usize {
    let b = text.as_bytes();
    let mut w = Writer {
        text,
        copied: from,
        out,
    };
    let mut i = from;
    // Every notation holds a `:`, `.` or `-`, or follows `enx`: jump from one of these to the next
    // (a tight loop over the bytes between), then look at the run of `[0-9A-Fa-f:.]` around it.
    while let Some(p) = b[i..to]
        .iter()
        .position(|&c| CLASS[c as usize] & TRIGGER != 0)
    {
        let t = i + p;
        match b[t] {
            b'x' => {
                if t >= i + 2 && b[t - 2] == b'e' && b[t - 1] == b'n' && t + 13 <= to {
                    hw::enx(&mut w, t + 1, sink);
                }
                i = t + 1;
            }
            b'-' => {
                // The hex run ending here (no `:` or `.` in it: those would have come first).
                let mut s = t;
                while s > i && CLASS[b[s - 1] as usize] & HEX != 0 {
                    s -= 1;
                }
                if s < t {
                    super::dotted::dashed(&mut w, s, to, sink);
                }
                i = t + 1;
            }
            _ => {
                let mut s = t;
                while s > i && CLASS[b[s - 1] as usize] & RUN != 0 {
                    s -= 1;
                }
                let (mut colons, mut dots) = (0usize, 0usize);
                let mut e = t;
                while e < to && CLASS[b[e] as usize] & RUN != 0 {
                    colons += usize::from(b[e] == b':');
                    dots += usize::from(b[e] == b'.');
                    e += 1;
                }
                run(&mut w, s, e, colons, dots, sink);
                i = e;
            }
        }
        // A dashed match may end beyond this point.
        i = i.max(w.copied);
    }
    w.copied
}

/// One run of `[0-9A-Fa-f:.]` holding a `:` or a `.`.
fn run<S: Sink>(w: &mut Writer, s: usize, mut e: usize, colons: usize, dots: usize, sink: &mut S) {
    let b = w.text.as_bytes();
    let mut dots = dots;
    // A dot ending a sentence belongs to no address.
    while e > s && b[e - 1] == b'.' {
        e -= 1;
        dots -= 1;
    }
    let mut a = s;
    if b[s] == b':' && b.get(s + 1) != Some(&b':') {
        a = s + 1;
    } else if colons > 0 && before_is(b, s, ALNUM) {
        // `mac:aa:..`, `src:2a01::1`: the run's first group ends the word it is glued to.
        let c = b[s..e].iter().position(|&c| c == b':' || c == b'.');
        if let Some(c) = c.filter(|&c| b[s + c] == b':') {
            a = s + c + 1;
        }
    }
    if a >= e {
        return;
    }
    let (colons, dots) = if a == s {
        (colons, dots)
    } else {
        let cut = &b[s..a];
        (
            colons - cut.iter().filter(|&&c| c == b':').count(),
            dots - cut.iter().filter(|&&c| c == b'.').count(),
        )
    };
    if dots == 0 && colons >= 5 && hw::colon(w, a, e, sink) {
        return;
    }
    if colons == 0 && dots == 2 && hw::cisco(w, a, e, sink) {
        return;
    }
    if colons >= 2 && v6::v6(w, a, e, sink) {
        return;
    }
    if dots < 3 {
        return;
    }
    // IPv4 pieces between colons.
    let mut p = a;
    while p < e {
        let q = b[p..e].iter().position(|&c| c == b':').map_or(e, |o| p + o);
        if q - p >= 7 {
            super::dotted::v4(w, p, q, sink);
        }
        p = q + 1;
    }
}

/// Writes an IPv4 address the way `Display` does, without the formatting machinery.
pub(super) fn push_v4(out: &mut String, a: Ipv4Addr) {
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if o >= 100 {
            out.push((b'0' + o / 100) as char);
        }
        if o >= 10 {
            out.push((b'0' + o / 10 % 10) as char);
        }
        out.push((b'0' + o % 10) as char);
    }
}
