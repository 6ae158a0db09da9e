//! The one rewriting pass over a text: names and secret keywords are found together by the pattern
//! table, and the stretches between them go through the address scanner. Used for redaction and,
//! with the pseudonyms turned back into originals, for `unredact`.

use super::patterns::Patterns;
use super::scan::{self, Sink};
use super::secrets::{self, REDACTED};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tag {
    /// Index into `Rules::names`.
    Name(usize),
    Secret,
}

/// What to replace in text besides addresses.
#[derive(Default)]
pub struct Rules {
    pub pats: Patterns<Tag>,
    /// Replacement of each name, and whether it was used.
    pub names: Vec<(String, bool)>,
    /// Secret values scrubbed so far.
    pub secrets: usize,
}

impl Rules {
    pub fn with_secrets() -> Rules {
        let mut r = Rules::default();
        r.pats
            .add_all(secrets::KEYWORDS.iter().map(|&k| (k, Tag::Secret)));
        r
    }

    pub fn add_name(&mut self, name: &str, replacement: &str) {
        self.pats.add(name, Tag::Name(self.names.len()));
        self.names.push((replacement.to_string(), false));
    }

    /// The rewritten text, or None when nothing changed. `sink` rewrites addresses (None: keep them).
    pub fn rewrite<S: Sink>(&mut self, text: &str, mut sink: Option<&mut S>) -> Option<String> {
        let b = text.as_bytes();
        let mut out = String::new();
        let mut changed = false;
        let (mut pos, mut i) = (0usize, 0usize);
        // A name is a whole token: not glued to letters, digits, `-`, `_` or other (UTF-8) letters.
        let word = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_') || c >= 0x80;
        let boundary = |s: usize, e: usize, tag: &Tag| {
            matches!(tag, Tag::Secret)
                || !((s > 0 && word(b[s - 1]))
                    || (e < b.len() && word(b[e]))
                    || key_root(&b[s..e], &b[e..]))
        };
        let gap = |out: &mut String, from: usize, to: usize, sink: &mut Option<&mut S>| -> bool {
            if out.capacity() == 0 {
                out.reserve(text.len() + 64);
            }
            match sink {
                Some(s) => scan::rewrite(text, from, to, *s, out),
                None => {
                    out.push_str(&text[from..to]);
                    false
                }
            }
        };
        while let Some((s, e, tag)) = self.pats.next(b, i, boundary) {
            match *tag {
                Tag::Name(k) => {
                    gap(&mut out, pos, s, &mut sink);
                    out.push_str(&self.names[k].0);
                    self.names[k].1 = true;
                    changed = true;
                    (pos, i) = (e, e);
                }
                Tag::Secret => match secrets::value_span(text, s) {
                    Some((vs, ve)) => {
                        // Between the keyword and its value (`://USER:` of a URL) names still count.
                        let names = self.names_between(text, pos, vs, boundary);
                        for (ns, ne, k) in names {
                            gap(&mut out, pos, ns, &mut sink);
                            out.push_str(&self.names[k].0);
                            self.names[k].1 = true;
                            pos = ne;
                        }
                        gap(&mut out, pos, vs, &mut sink);
                        out.push_str(REDACTED);
                        self.secrets += 1;
                        changed = true;
                        (pos, i) = (ve, ve);
                    }
                    None => i = s + 1,
                },
            }
        }
        if !changed {
            // Nothing replaced before the end: the addresses decide, and an unchanged text is not
            // copied (a large one would be, in full, only to be thrown away).
            debug_assert_eq!(pos, 0);
            return sink.and_then(|s| scan::rewrite_whole(text, s));
        }
        gap(&mut out, pos, text.len(), &mut sink);
        Some(out)
    }
}

impl Rules {
    /// The names (start, end, index) found whole inside `from..to`.
    fn names_between(
        &self,
        text: &str,
        from: usize,
        to: usize,
        boundary: impl Fn(usize, usize, &Tag) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        let b = &text.as_bytes()[..to];
        let mut found = Vec::new();
        let mut i = from;
        while let Some((s, e, tag)) = self.pats.next(b, i, &boundary) {
            match *tag {
                Tag::Name(k) => {
                    found.push((s, e, k));
                    i = e;
                }
                Tag::Secret => i = s + 1,
            }
        }
        found
    }
}

/// Roots of dotted keys the report holds (sysctl `vm.swappiness`, `net.mptcp.enabled`; NetworkManager
/// `connection.mptcp-flags`, `ipv4.method`): a host or user named like one of them is not replaced
/// where the word starts such a key, which would wreck the key and hide nothing.
const KEY_ROOTS: &[&str] = &[
    "abi",
    "crypto",
    "debug",
    "dev",
    "fs",
    "kernel",
    "net",
    "sunrpc",
    "user",
    "vm",
    "connection",
    "ipv4",
    "ipv6",
    "ethernet",
    "wifi",
    "proxy",
    "match",
];

fn key_root(word: &[u8], after: &[u8]) -> bool {
    after.len() >= 2
        && matches!(after[0], b'.' | b'_')
        && after[1].is_ascii_alphabetic()
        && KEY_ROOTS
            .iter()
            .any(|k| k.as_bytes().eq_ignore_ascii_case(word))
}
