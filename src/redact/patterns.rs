//! Finding many literal patterns at once, case-insensitively and with `_` standing for `.`: the host,
//! user and connection names to replace and the keywords that announce a secret.
//!
//! One pass over the text: every pair of adjacent (folded) bytes indexes a 64 Kibit table of the pairs
//! that start a pattern; only on a hit are the patterns compared. This keeps the pass at memory speed
//! whatever the number of names.

/// Lower-case ASCII, `_` read as `.`; other bytes (UTF-8 included) as they are.
pub static FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c == b'_' {
            b'.'
        } else {
            c.to_ascii_lowercase()
        };
        i += 1;
    }
    t
};

pub fn fold(s: &str) -> Vec<u8> {
    s.bytes().map(|b| FOLD[b as usize]).collect()
}

#[derive(Clone)]
pub struct Patterns<T> {
    /// (folded pattern, tag), longest first so the longest match at a position wins.
    pats: Vec<(Vec<u8>, T)>,
    starts: Box<[u64; 1024]>,
}

impl<T> Default for Patterns<T> {
    fn default() -> Self {
        Patterns {
            pats: Vec::new(),
            starts: Box::new([0; 1024]),
        }
    }
}

fn pair(a: u8, b: u8) -> usize {
    (FOLD[a as usize] as usize) << 8 | FOLD[b as usize] as usize
}

impl<T> Patterns<T> {
    /// Adds a pattern (at least two bytes; shorter ones are ignored).
    pub fn add(&mut self, pattern: &str, tag: T) {
        let f = fold(pattern);
        if f.len() < 2 || self.pats.iter().any(|(p, _)| *p == f) {
            return;
        }
        let k = pair(f[0], f[1]);
        self.starts[k >> 6] |= 1 << (k & 63);
        let at = self.pats.partition_point(|(p, _)| p.len() >= f.len());
        self.pats.insert(at, (f, tag));
    }

    /// The first position >= `from` where a pattern accepted by `ok(start, end, tag)` matches (the
    /// longest accepted pattern there): (start, end, tag).
    pub fn next(
        &self,
        text: &[u8],
        from: usize,
        ok: impl Fn(usize, usize, &T) -> bool,
    ) -> Option<(usize, usize, &T)> {
        if self.pats.is_empty() || text.len() < 2 {
            return None;
        }
        let mut i = from;
        while i + 1 < text.len() {
            let k = pair(text[i], text[i + 1]);
            if self.starts[k >> 6] & (1 << (k & 63)) != 0 {
                for (p, tag) in &self.pats {
                    let end = i + p.len();
                    if end <= text.len()
                        && text[i..end]
                            .iter()
                            .zip(p)
                            .all(|(&c, &q)| FOLD[c as usize] == q)
                        && ok(i, end, tag)
                    {
                        return Some((i, end, tag));
                    }
                }
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_underscore_and_prefers_longest() {
        let mut p = Patterns::default();
        p.add("myhost", 1);
        p.add("myhost.example.com", 2);
        let t = b"x MYHOST_Example_com y myhost";
        assert_eq!(p.next(t, 0, |_, _, _| true), Some((2, 20, &2)));
        assert_eq!(p.next(t, 3, |_, _, _| true), Some((23, 29, &1)));
        assert_eq!(p.next(t, 0, |_, _, &t| t == 1), Some((2, 8, &1)));
    }
}
