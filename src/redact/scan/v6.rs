//! IPv6 in free text: what std parses as an address, once a `:port` (old ss), a tcpdump `.port` or a
//! separator behind it is cut off, and only when it is shaped like an address rather than code, times
//! or hex words:
//! - a first group of four digits in the global unicast, ULA or link-local ranges (`2a01::`,
//!   `fdab:cdef::ab`, `febf::abcd`), or else at least two groups and a decimal digit: `a::b`,
//!   `dead::beef`, `cafe::babe`, `a1::` are not addresses (`::1`, `::ffff:..` are);
//! - not glued to a letter or digit behind (`fe80::1st`); `_`, `-`, `%`, `]`, `/` end it.

use super::{is, through, Sink, Writer, ALNUM};
use std::fmt::Write;
use std::net::{IpAddr, Ipv6Addr};

/// Looks for an address at `vs..e` (a run with a key glued in front already cut); true when the run
/// was an address (rewritten, or kept by the sink).
pub(super) fn v6<S: Sink>(w: &mut Writer, vs: usize, e: usize, sink: &mut S) -> bool {
    let b = w.text.as_bytes();
    let mut ve = e;
    if ve > vs + 1 && b[ve - 1] == b':' && b[ve - 2] != b':' {
        ve -= 1;
    }
    for _ in 0..3 {
        let cand = &w.text[vs..ve];
        if cand.bytes().filter(|&c| c == b':').count() < 2 {
            return false;
        }
        let glued_after = ve == e && is(b, e, ALNUM);
        if !glued_after {
            if let Ok(a) = cand.parse::<Ipv6Addr>() {
                return shaped(cand) && emit(w, vs, ve, a, sink);
            }
            // tcpdump: `2001:db8::1.443`, one dot in the last group.
            let last = cand.rfind(':').unwrap_or(0);
            if let Some(dot) = cand[last..].find('.').map(|d| last + d) {
                let port = &cand[dot + 1..];
                if !cand[dot + 1..].contains('.')
                    && (1..=5).contains(&port.len())
                    && port.bytes().all(|c| c.is_ascii_digit())
                {
                    if let Ok(a) = cand[..dot].parse::<Ipv6Addr>() {
                        return shaped(&cand[..dot]) && emit(w, vs, vs + dot, a, sink);
                    }
                }
            }
        }
        // Maybe a `:port` behind (old ss output): cut it and retry.
        let Some(cut) = cand.rfind(':') else {
            return false;
        };
        if cut == 0 || b[vs + cut - 1] == b':' {
            return false;
        }
        ve = vs + cut;
    }
    false
}

/// Whether a parsed candidate looks like an address (see the module comment).
fn shaped(cand: &str) -> bool {
    if cand.starts_with("::") {
        return cand.len() > 2;
    }
    let first = cand.split(':').next().unwrap_or("");
    let plausible = first.len() == 4
        && u16::from_str_radix(first, 16).is_ok_and(|g| {
            (0x2000..=0x3fff).contains(&g)
                || (0xfc00..=0xfdff).contains(&g)
                || (0xfe80..=0xfebf).contains(&g)
        });
    let groups = cand.split(':').filter(|g| !g.is_empty()).count();
    plausible || (groups >= 2 && cand.bytes().any(|c| c.is_ascii_digit()))
}

fn emit<S: Sink>(w: &mut Writer, vs: usize, ve: usize, a: Ipv6Addr, sink: &mut S) -> bool {
    let cand = &w.text[vs..ve];
    match a.to_ipv4_mapped() {
        Some(v4) if cand.contains('.') => {
            // `::ffff:10.1.2.3` stays written that way.
            if let Some(IpAddr::V4(n)) = sink.ip(IpAddr::V4(v4)) {
                let head = cand.rfind(':').map_or(0, |c| c + 1);
                let out = w.put(vs + head, ve);
                super::push_v4(out, n);
            }
        }
        _ => {
            if let Some(n) = through(w.text.as_bytes(), ve, IpAddr::V6(a), sink) {
                let _ = write!(w.put(vs, ve), "{n}");
            }
        }
    }
    true
}
