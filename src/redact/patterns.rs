//! Finding many literal patterns at once, case-insensitively and with `_` standing for `.`: the host,
//! user and connection names to replace and the keywords that announce a secret.
//!
//! One pass over the text: every pair of adjacent (folded) bytes indexes a 64 Kibit table of the pairs
//! that start a pattern; only on a hit are the patterns starting with that pair (found by binary
//! search) compared. This keeps the pass at memory speed whatever the number of names and keywords.

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
    /// (first pair of bytes, folded pattern, tag), by pair and then longest first, so that the
    /// patterns a pair can start are one short run and the longest match at a position wins.
    pats: Vec<(u16, Vec<u8>, T)>,
    /// One bit per pair of bytes, as written (`Ab`, `aB`, `_x`, ...), that starts a pattern once
    /// folded: the scan loop reads two bytes and tests one bit.
    starts: Box<[u64; 1024]>,
    /// Open addressing from a folded first pair to the index in `pats` of the first pattern it
    /// starts: (pair + 1, index), 0 for a free slot; a power of two at least twice the pairs.
    slots: Vec<(u32, u32)>,
}

impl<T> Default for Patterns<T> {
    fn default() -> Self {
        Patterns {
            pats: Vec::new(),
            starts: Box::new([0; 1024]),
            slots: Vec::new(),
        }
    }
}

fn slot(k: u16, len: usize) -> usize {
    (u32::from(k).wrapping_mul(0x9e37_79b9) >> 16) as usize & (len - 1)
}

fn pair(a: u8, b: u8) -> u16 {
    u16::from(FOLD[a as usize]) << 8 | u16::from(FOLD[b as usize])
}

impl<T> Patterns<T> {
    /// Adds a pattern (at least two bytes; shorter ones are ignored).
    pub fn add(&mut self, pattern: &str, tag: T) {
        if self.insert(pattern, tag) {
            self.index();
        }
    }

    /// Adds several patterns, indexing once at the end (the secret keywords: rebuilding the index
    /// after each of them cost more than the rest of the redactor's set-up).
    pub fn add_all<'p>(&mut self, patterns: impl IntoIterator<Item = (&'p str, T)>) {
        let mut added = false;
        for (pattern, tag) in patterns {
            added |= self.insert(pattern, tag);
        }
        if added {
            self.index();
        }
    }

    /// Puts a pattern in its place in `pats` (the index is rebuilt by the caller); false when it
    /// is too short or already there.
    fn insert(&mut self, pattern: &str, tag: T) -> bool {
        let f = fold(pattern);
        if f.len() < 2 || self.pats.iter().any(|(_, p, _)| *p == f) {
            return false;
        }
        let k = pair(f[0], f[1]);
        let spellings = |f: u8| (0..=255u8).filter(move |&c| FOLD[c as usize] == f);
        for a in spellings(f[0]) {
            for b in spellings(f[1]) {
                let raw = usize::from(a) << 8 | usize::from(b);
                self.starts[raw >> 6] |= 1 << (raw & 63);
            }
        }
        let at = self.pats.partition_point(|(q, p, _)| {
            (*q, std::cmp::Reverse(p.len())) <= (k, std::cmp::Reverse(f.len()))
        });
        self.pats.insert(at, (k, f, tag));
        true
    }

    /// Rebuilds `slots` (after an insertion moved the patterns).
    fn index(&mut self) {
        let pairs = self.pats.chunk_by(|a, b| a.0 == b.0).count();
        let len = (pairs * 2).next_power_of_two().max(64);
        self.slots = vec![(0, 0); len];
        let mut first = 0;
        for run in self.pats.chunk_by(|a, b| a.0 == b.0) {
            let k = run[0].0;
            let mut h = slot(k, len);
            while self.slots[h].0 != 0 {
                h = (h + 1) & (len - 1);
            }
            self.slots[h] = (u32::from(k) + 1, first as u32);
            first += run.len();
        }
    }

    /// The index in `pats` of the first pattern starting with the folded pair `k`.
    fn first(&self, k: u16) -> Option<usize> {
        let len = self.slots.len();
        let mut h = slot(k, len);
        loop {
            match self.slots[h] {
                (0, _) => return None,
                (key, at) if key == u32::from(k) + 1 => return Some(at as usize),
                _ => h = (h + 1) & (len - 1),
            }
        }
    }

    /// The first position >= `from` where a pair of bytes starts a pattern: the hot loop, one bit
    /// test per byte.
    fn hit(&self, text: &[u8], from: usize) -> Option<usize> {
        let starts = &*self.starts;
        text[from..]
            .windows(2)
            .position(|w| {
                let k = usize::from(w[0]) << 8 | usize::from(w[1]);
                starts[k >> 6] & (1 << (k & 63)) != 0
            })
            .map(|p| from + p)
    }

    /// The first position >= `from` where a pattern accepted by `ok(start, end, tag)` matches (the
    /// longest accepted pattern there): (start, end, tag).
    pub fn next(
        &self,
        text: &[u8],
        from: usize,
        ok: impl Fn(usize, usize, &T) -> bool,
    ) -> Option<(usize, usize, &T)> {
        if self.pats.is_empty() || from + 1 >= text.len() {
            return None;
        }
        let mut from = from;
        while let Some(i) = self.hit(text, from) {
            let k = pair(text[i], text[i + 1]);
            let lo = self.first(k).unwrap_or(self.pats.len());
            for (q, p, tag) in &self.pats[lo..] {
                if *q != k {
                    break;
                }
                let end = i + p.len();
                if end <= text.len()
                    && text[i + 2..end]
                        .iter()
                        .zip(&p[2..])
                        .all(|(&c, &q)| FOLD[c as usize] == q)
                    && ok(i, end, tag)
                {
                    return Some((i, end, tag));
                }
            }
            from = i + 1;
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

    #[test]
    fn adding_at_once_finds_what_adding_one_by_one_does() {
        let words = [
            "pass",
            "psk",
            "ps",
            "x",
            "token",
            "PASS",
            "pre-shared",
            "$6$",
        ];
        let (mut one, mut all) = (Patterns::default(), Patterns::default());
        for (i, w) in words.iter().enumerate() {
            one.add(w, i);
        }
        all.add_all(words.iter().copied().zip(0..));
        let t = b"psk=1 Pass_word token pre_shared $6$x ps";
        for from in 0..t.len() {
            assert_eq!(
                one.next(t, from, |_, _, _| true),
                all.next(t, from, |_, _, _| true)
            );
        }
    }
}
