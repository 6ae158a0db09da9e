//! Pairs of u64 sorted by key (then value) in bounded memory: an external merge sort. Up to `run`
//! pairs are held; each time the buffer fills it is sorted and written to a sealed file (see
//! sealed_file.rs: ciphertext on disk, like every spool) as one sorted run. Reading merges the runs
//! and what is still held, each run read back a few KiB at a time. Memory is `run` pairs while
//! pairs are pushed, and 4 KiB per run while they are read (a million pairs in runs of 16,384:
//! 62 runs, 248 KiB). The sockets collector joins a busy namespace's subflows to their connections
//! with it (collect/convert/subflow_store.rs).

use super::sealed_file::{SealedFile, SealedWriter};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufWriter, Write};

/// Bytes of one pair on disk: key and value, little-endian.
const PAIR: usize = 16;
/// Pairs read back at once from a run.
const READ_AHEAD: usize = 256;

/// Pairs pushed in any order, read back sorted (see the module comment).
pub struct ExtSort {
    run: usize,
    held: Vec<(u64, u64)>,
    out: Option<BufWriter<SealedWriter>>,
    /// (first pair's index in the file, pairs) of each run written.
    runs: Vec<(u64, u64)>,
    len: u64,
}

impl ExtSort {
    /// Holding at most `run` pairs (at least one).
    pub fn new(run: usize) -> ExtSort {
        ExtSort {
            run: run.max(1),
            held: Vec::new(),
            out: None,
            runs: Vec::new(),
            len: 0,
        }
    }

    pub fn push(&mut self, key: u64, value: u64) -> io::Result<()> {
        if self.held.len() >= self.run {
            self.spill()?;
        }
        if self.held.capacity() == 0 {
            self.held.reserve_exact(self.run.min(4096));
        }
        self.held.push((key, value));
        self.len += 1;
        Ok(())
    }

    /// Pairs pushed.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some pairs are on disk.
    pub fn spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Writes the held pairs as one sorted run.
    fn spill(&mut self) -> io::Result<()> {
        self.held.sort_unstable();
        let out = match &mut self.out {
            Some(out) => out,
            None => self.out.insert(SealedWriter::buffered()?),
        };
        let first = self.runs.last().map_or(0, |&(at, n)| at + n);
        for &(k, v) in &self.held {
            out.write_all(&k.to_le_bytes())?;
            out.write_all(&v.to_le_bytes())?;
        }
        self.runs.push((first, self.held.len() as u64));
        self.held.clear();
        Ok(())
    }

    /// Every pair pushed, in order.
    pub fn finish(mut self) -> io::Result<Sorted> {
        self.held.sort_unstable();
        let file = match self.out.take() {
            Some(out) => Some(SealedWriter::finish(out)?.0),
            None => None,
        };
        let mut runs: Vec<Run> = self
            .runs
            .iter()
            .map(|&(at, n)| Run {
                next: at,
                left: n,
                buf: Vec::new(),
                pos: 0,
            })
            .collect();
        // What is still held merges as one more run, already read.
        runs.push(Run {
            next: 0,
            left: 0,
            buf: std::mem::take(&mut self.held),
            pos: 0,
        });
        let mut sorted = Sorted {
            file,
            runs,
            heap: BinaryHeap::new(),
            failed: false,
        };
        for r in 0..sorted.runs.len() {
            if let Some(pair) = sorted.pull(r)? {
                sorted.heap.push(Reverse((pair, r)));
            }
        }
        Ok(sorted)
    }
}

/// One sorted run: pairs `next..next + left` of the file still to read, `buf[pos..]` read.
struct Run {
    next: u64,
    left: u64,
    buf: Vec<(u64, u64)>,
    pos: usize,
}

/// The pairs of an `ExtSort`, smallest first. A run that cannot be read back ends the walk with
/// the error.
pub struct Sorted {
    file: Option<SealedFile>,
    runs: Vec<Run>,
    heap: BinaryHeap<Reverse<((u64, u64), usize)>>,
    failed: bool,
}

impl Sorted {
    /// The next pair of run `r`, reading the file when its buffer is empty.
    fn pull(&mut self, r: usize) -> io::Result<Option<(u64, u64)>> {
        let run = &mut self.runs[r];
        if run.pos == run.buf.len() {
            if run.left == 0 {
                return Ok(None);
            }
            let file = self
                .file
                .as_ref()
                .ok_or_else(|| io::Error::other("a sorted run has no file"))?;
            let n = run.left.min(READ_AHEAD as u64) as usize;
            let mut bytes = vec![0u8; n * PAIR];
            file.read_exact_at(&mut bytes, run.next * PAIR as u64)?;
            run.buf.clear();
            run.buf.extend(bytes.chunks_exact(PAIR).map(|p| {
                let (k, v) = p.split_at(8);
                (
                    u64::from_le_bytes(k.try_into().expect("8 bytes")),
                    u64::from_le_bytes(v.try_into().expect("8 bytes")),
                )
            }));
            run.pos = 0;
            run.next += n as u64;
            run.left -= n as u64;
        }
        let pair = run.buf[run.pos];
        run.pos += 1;
        Ok(Some(pair))
    }

    /// The smallest pair not yet taken, without taking it.
    pub fn peek(&self) -> Option<(u64, u64)> {
        if self.failed {
            return None;
        }
        self.heap.peek().map(|Reverse((pair, _))| *pair)
    }
}

impl Iterator for Sorted {
    type Item = io::Result<(u64, u64)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let Reverse((pair, r)) = self.heap.pop()?;
        match self.pull(r) {
            Ok(Some(next)) => self.heap.push(Reverse((next, r))),
            Ok(None) => {}
            Err(e) => {
                self.failed = true;
                return Some(Err(e));
            }
        }
        Some(Ok(pair))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_by(run: usize, pairs: &[(u64, u64)]) -> Vec<(u64, u64)> {
        let mut s = ExtSort::new(run);
        for &(k, v) in pairs {
            s.push(k, v).unwrap();
        }
        assert_eq!(s.len(), pairs.len() as u64);
        assert_eq!(s.spilled(), pairs.len() > run.max(1));
        s.finish().unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn runs_on_disk_merge_into_the_order_a_sort_in_memory_gives() {
        let mut x = 7u64;
        let pairs: Vec<(u64, u64)> = (0..20_000)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                // Many equal keys: the values decide among them.
                ((x >> 54) << 32, i)
            })
            .collect();
        let mut want = pairs.clone();
        want.sort_unstable();
        for run in [0, 1, 3, 256, 257, 4096, 20_000, 50_000] {
            assert_eq!(sorted_by(run, &pairs), want, "runs of {run}");
        }
        assert!(sorted_by(5, &[]).is_empty());
    }

    #[test]
    fn peek_shows_the_next_pair() {
        let mut s = ExtSort::new(2);
        for k in [5, 1, 4, 2, 3] {
            s.push(k, 0).unwrap();
        }
        let mut sorted = s.finish().unwrap();
        for k in 1..=5 {
            assert_eq!(sorted.peek(), Some((k, 0)));
            assert_eq!(sorted.next().unwrap().unwrap(), (k, 0));
        }
        assert_eq!(sorted.peek(), None);
        assert!(sorted.next().is_none());
    }

    #[test]
    fn runs_on_disk_are_ciphertext() {
        let mut s = ExtSort::new(4);
        for k in 0..64u64 {
            s.push(0x4142_4344_4546_4748, k).unwrap();
        }
        let sorted = s.finish().unwrap();
        let file = sorted.file.as_ref().unwrap();
        let mut raw = vec![0u8; 16 * 60];
        std::os::unix::fs::FileExt::read_exact_at(file.raw(), &mut raw, 0).unwrap();
        let key = 0x4142_4344_4546_4748u64.to_le_bytes();
        assert!(!raw.windows(8).any(|w| w == key));
    }

    proptest::proptest! {
        #[test]
        fn any_pairs_in_any_runs_come_out_sorted(
            pairs in proptest::collection::vec((0u64..50, proptest::num::u64::ANY), 0..400),
            run in 0usize..40,
        ) {
            let mut want = pairs.clone();
            want.sort_unstable();
            proptest::prop_assert_eq!(sorted_by(run, &pairs), want);
        }
    }
}
