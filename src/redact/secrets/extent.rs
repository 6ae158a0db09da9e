//! Where a secret value ends: one word, a quoted string, the rest of a line whose key starts it, or
//! the line(s) after `password:` (a prompt's answer, a YAML plain or block scalar).

use super::{key_char, line_end};

pub(super) fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

pub(super) fn skip_blanks(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && blank(b[i]) {
        i += 1;
    }
    i
}

pub(super) fn trim_end(b: &[u8], s: usize, mut e: usize) -> usize {
    while e > s && (b[e - 1].is_ascii_whitespace() || b[e - 1] == b',') {
        e -= 1;
    }
    e
}

/// Whether the key at `ks` starts its line: then it owns the rest of the line (`psk=two words`,
/// `  PrivateKey = x`, `export TOKEN=x`, `- password: x`); a later key (`mount -o
/// user=bob,password=x quiet`, `{"pin": 1, ..}`) owns one word. Looks back only over blanks and
/// one list, comment or `export` marker.
pub(super) fn starts_line(b: &[u8], ks: usize) -> bool {
    let blanks = |mut i: usize| {
        while i > 0 && blank(b[i - 1]) {
            i -= 1;
        }
        i
    };
    let mut i = blanks(ks);
    if let Some(m) = ["export", "//", "-", "*", "<", ">", "#", ";"]
        .iter()
        .find(|m| b[..i].ends_with(m.as_bytes()))
    {
        i = blanks(i - m.len());
    }
    i == 0 || b[i - 1] == b'\n'
}

/// The end of the word at `vs` (whitespace or one of `stops`).
pub(super) fn word_end(b: &[u8], vs: usize, stops: &[u8]) -> usize {
    (vs..b.len())
        .find(|&i| b[i].is_ascii_whitespace() || stops.contains(&b[i]))
        .unwrap_or(b.len())
}

/// A quoted value at `q` (the quote): what lies between the quotes on this line.
pub(super) fn quoted(b: &[u8], q: usize) -> (usize, usize) {
    let mut i = q + 1;
    while i < b.len() && b[i] != b[q] && b[i] != b'\n' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    (q + 1, i.min(b.len()))
}

/// A line that starts a new key (`user: bob`, `host=x`, `"id": 1`) rather than holding a value.
pub(super) fn key_line(t: &[u8]) -> bool {
    let t = t.strip_prefix(b"\"").unwrap_or(t);
    let k = t.iter().take_while(|&&c| key_char(c)).count();
    let rest = &t[k..];
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let s = rest.iter().take_while(|&&c| blank(c)).count();
    k > 0
        && (rest.get(s) == Some(&b'=')
            || (rest.get(s) == Some(&b':') && rest.get(s + 1).is_none_or(|c| blank(*c))))
}

/// The value of `password:` written on the line(s) after it (the key line is `ls..le`): a YAML block
/// (`|`, `>`) is every following line indented deeper than the key; otherwise the next line when it
/// is indented deeper (YAML) or is one word (a prompt and its answer).
pub(super) fn next_lines(b: &[u8], ls: usize, le: usize, block: bool) -> Option<(usize, usize)> {
    let indent = |s: usize| b[s..].iter().take_while(|&&c| blank(c)).count();
    let key_indent = indent(ls);
    let ns = le + 1;
    if ns >= b.len() {
        return None;
    }
    let ne = line_end(b, ns);
    let ind = indent(ns);
    let cs = ns + ind;
    let ce = trim_end(b, cs, ne);
    if ce <= cs {
        return None;
    }
    if block {
        if ind <= key_indent {
            return None;
        }
        let (mut end, mut l) = (ce, ne);
        while l < b.len() {
            let s = l + 1;
            let e = line_end(b, s);
            let i = indent(s);
            let te = trim_end(b, s + i, e);
            if te > s + i {
                if i <= key_indent {
                    break;
                }
                end = te;
            }
            l = e;
        }
        return Some((cs, end));
    }
    let t = &b[cs..ce];
    if key_line(t)
        || matches!(t[0], b'#' | b';' | b'[')
        || t.starts_with(b"---")
        || t.starts_with(b"- ")
    {
        return None;
    }
    (ind > key_indent || !t.iter().any(|&c| blank(c))).then_some((cs, ce))
}
