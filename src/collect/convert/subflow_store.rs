//! The TCP subflows of a namespace while they wait for their connections. The subflow dump runs
//! beside the MPTCP one, so the subflows are kept until both are done: in memory up to a bound, past
//! it in a spool file. Spooled subflows find their connections in bounded memory, by external sorts
//! (report/ext_sort.rs): the subflows are sorted by token as they come, the connections by token as
//! the MPTCP dump gives them (`token_sorter`), the two are merged (`Matcher::join`), and what each
//! connection gets is sorted again by its place in the list, so the grouping walks the list once,
//! in its order, reading each subflow back from the spool.

use crate::report::ext_sort::{ExtSort, Sorted};
use crate::report::{Spool, SpoolWriter, Subflow};
use std::collections::HashMap;
use std::net::IpAddr;

/// Pairs an external sort holds before it writes a run (16 bytes each: 256 KiB).
const RUN: usize = 16 * 1024;
/// The low 32 bits of a sort key: a place in a list.
const LOW: u64 = u32::MAX as u64;
/// Subflows that match no connection kept (the first in dump order): they are a few in a normal
/// dump (closing, or opened between the dumps), and are counted past this.
pub const LEFTOVER_KEPT: usize = 1_000;

/// Where a subflow belongs: a listener by its address, a connection by its local token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Listener(u8, IpAddr, u16),
    Token(u32),
    Unknown,
}

/// ((token << 32) | place) of each connection of a list, place its index in the list: what
/// `Matcher::join` needs, filled while the MPTCP dump comes.
pub fn token_sorter() -> ExtSort {
    ExtSort::new(RUN)
}

/// Where a spooled subflow's record is, as one sort value: offset << 24 | length.
fn locator(at: u64, len: u32) -> Option<u64> {
    (at < 1 << 40 && len < 1 << 24).then_some((at << 24) | len as u64)
}

/// Subflows as the dump gives them (see the module comment).
pub struct SubflowStore {
    bound: usize,
    run: usize,
    held_count: usize,
    held: HashMap<Owner, Vec<Subflow>>,
    /// The held owners in the order the dump first gave them.
    order: Vec<Owner>,
    spool: Option<SpoolWriter>,
    /// ((token << 32) | n, locator) of each spooled subflow, n its place among them.
    index: ExtSort,
    tokenless: usize,
    /// Tokenless subflows past `LEFTOVER_KEPT`: counted, not kept (they can match nothing).
    tokenless_dropped: usize,
    problem: Option<String>,
}

impl SubflowStore {
    pub fn with_bound(bound: usize) -> SubflowStore {
        SubflowStore::with_runs(bound, RUN)
    }

    /// `with_bound`, its sorts writing runs of `run` pairs (tests walk many runs with few subflows).
    fn with_runs(bound: usize, run: usize) -> SubflowStore {
        SubflowStore {
            bound,
            run,
            held_count: 0,
            held: HashMap::new(),
            order: Vec::new(),
            spool: None,
            index: ExtSort::new(run),
            tokenless: 0,
            tokenless_dropped: 0,
            problem: None,
        }
    }

    pub fn push(&mut self, owner: Owner, sf: Subflow) {
        if owner == Owner::Unknown {
            self.tokenless += 1;
            if self.tokenless > LEFTOVER_KEPT {
                self.tokenless_dropped += 1;
                return;
            }
        }
        // Only connections' subflows are spooled: listeners are few, tokenless ones are kept only
        // up to LEFTOVER_KEPT.
        if let Owner::Token(t) = owner {
            if self.spool.is_none() && self.held_count >= self.bound && self.problem.is_none() {
                match SpoolWriter::create() {
                    Ok(w) => self.spool = Some(w),
                    Err(e) => {
                        self.problem = Some(format!("subflows kept in memory: no spool file ({e})"))
                    }
                }
            }
            if let Some(w) = &mut self.spool {
                let place = self.index.len();
                let indexed = w.push(&sf).and_then(|(at, len)| {
                    let at = locator(at, len)
                        .ok_or_else(|| std::io::Error::other("spool file too large"))?;
                    self.index.push(((t as u64) << 32) | place, at)
                });
                match indexed {
                    Ok(()) => return,
                    Err(e) => {
                        // A full disk: what the file holds cannot be read back either.
                        self.problem = Some(format!(
                            "{place} spooled subflow(s) lost, the rest kept in memory: the spool file failed ({e})"
                        ));
                        self.spool = None;
                        self.index = ExtSort::new(self.run);
                    }
                }
            }
        }
        self.held_count += 1;
        let order = &mut self.order;
        let v = self.held.entry(owner).or_insert_with(|| {
            order.push(owner);
            Vec::new()
        });
        // Exactly as many as there are (a push would reserve room for four).
        v.reserve_exact(1);
        v.push(sf);
    }

    pub fn len(&self) -> usize {
        self.held_count + self.index.len() as usize + self.tokenless_dropped
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Subflows that came without their MPTCP token.
    pub fn tokenless(&self) -> usize {
        self.tokenless
    }

    /// Ready to hand each connection its subflows (after `Matcher::join` for spooled ones).
    pub fn finish(mut self) -> Matcher {
        let spooled = self.index.len();
        let sorted = match self.spool.take().map(SpoolWriter::into_spool) {
            Some(Ok(s)) => match self.index.finish() {
                Ok(by_token) => Some((s, by_token)),
                Err(e) => {
                    self.problem = Some(format!("{spooled} spooled subflow(s) lost: {e}"));
                    None
                }
            },
            Some(Err(e)) => {
                self.problem = Some(format!("{spooled} spooled subflow(s) lost: {e}"));
                None
            }
            None => None,
        };
        let (spool, by_token) = sorted.unzip();
        Matcher {
            held: self.held,
            order: self.order,
            spool,
            run: self.run,
            by_token,
            joined: None,
            unjoined: None,
            late: Vec::new(),
            dropped: self.tokenless_dropped,
            buf: Vec::new(),
            problem: self.problem,
        }
    }
}

/// Hands out each owner's subflows once; the rest are unmatched.
pub struct Matcher {
    held: HashMap<Owner, Vec<Subflow>>,
    order: Vec<Owner>,
    spool: Option<Spool>,
    run: usize,
    /// The spooled subflows by token, until `join`.
    by_token: Option<Sorted>,
    /// After `join`: ((place of the connection << 32) | n, locator), and the subflows no connection
    /// has the token of (n, locator).
    joined: Option<Sorted>,
    unjoined: Option<Sorted>,
    /// Locators of joined subflows whose connection was never asked for (left over).
    late: Vec<u64>,
    /// Tokenless subflows not kept (see `LEFTOVER_KEPT`).
    dropped: usize,
    buf: Vec<u8>,
    problem: Option<String>,
}

impl Matcher {
    /// Whether some subflows are spooled, and so need `join` before `take`.
    pub fn spooled(&self) -> bool {
        self.by_token.is_some()
    }

    /// Pairs each spooled subflow with the first connection of the list (in its order) that has
    /// its token: `tokens` holds ((token << 32) | place) of the list's connections
    /// (`token_sorter`). Both are sorted by token, merged, and what each connection gets is sorted
    /// by its place.
    pub fn join(&mut self, tokens: ExtSort) {
        let Some(by_token) = self.by_token.take() else {
            return;
        };
        let run = self.run;
        let merged = (|| -> std::io::Result<(Sorted, Sorted)> {
            let mut conns = tokens.finish()?;
            let (mut joined, mut unjoined) = (ExtSort::new(run), ExtSort::new(run));
            for pair in by_token {
                let (key, at) = pair?;
                let token = key >> 32;
                while conns.peek().is_some_and(|(k, _)| k >> 32 < token) {
                    conns.next().transpose()?;
                }
                match conns.peek() {
                    // Among connections with one token (there should be one), the first takes all.
                    Some((k, _)) if k >> 32 == token => {
                        joined.push(((k & LOW) << 32) | (key & LOW), at)?
                    }
                    _ => unjoined.push(key & LOW, at)?,
                }
            }
            Ok((joined.finish()?, unjoined.finish()?))
        })();
        match merged {
            Ok((joined, unjoined)) => (self.joined, self.unjoined) = (Some(joined), Some(unjoined)),
            Err(e) => {
                self.problem = Some(format!(
                    "spooled subflows not listed: they could not be sorted ({e})"
                ))
            }
        }
    }

    /// The subflow spooled at `locator`, else None (and the problem noted).
    fn read(&mut self, locator: u64) -> Option<Subflow> {
        let spool = self.spool.as_ref()?;
        let (at, len) = (locator >> 24, (locator & 0xff_ffff) as u32);
        match spool.read_record::<Subflow>(at, len, &mut self.buf) {
            Ok(sf) => Some(sf),
            Err(e) => {
                self.problem = Some(format!("a spooled subflow could not be read back: {e}"));
                None
            }
        }
    }

    /// The subflows of `owner`, the `place`th connection of the list, in dump order (none for
    /// `Owner::Unknown`); each is handed out once. Asked for in the list's order.
    pub fn take(&mut self, place: usize, owner: Owner) -> Vec<Subflow> {
        if owner == Owner::Unknown {
            return Vec::new();
        }
        let mut v = self.held.remove(&owner).unwrap_or_default();
        let place = place as u64;
        while let Some((key, at)) = self.joined.as_ref().and_then(Sorted::peek) {
            if key >> 32 > place {
                break;
            }
            if let Some(Err(e)) = self.joined.as_mut().and_then(Iterator::next) {
                self.problem = Some(format!("spooled subflows could not be read back: {e}"));
                self.joined = None;
                break;
            }
            if key >> 32 < place {
                self.late.push(at);
            } else if let Some(sf) = self.read(at) {
                v.push(sf);
            }
        }
        v
    }

    /// Subflows no connection took (closing, opened between the dumps, or without a token): the
    /// first `LEFTOVER_KEPT` of them (the held ones, then the spooled ones in dump order), and how
    /// many there are in all.
    pub fn leftover(mut self) -> (Vec<Subflow>, usize) {
        let mut out = Vec::new();
        for o in &self.order {
            out.extend(self.held.remove(o).unwrap_or_default());
        }
        let mut total = out.len() + self.dropped;
        out.truncate(LEFTOVER_KEPT);
        // Spooled: without a join, all of them; after it, those no connection took. The first in
        // dump order (the order of their offsets in the spool) are kept: a heap of the smallest.
        let room = LEFTOVER_KEPT - out.len();
        let mut first: std::collections::BinaryHeap<u64> = std::collections::BinaryHeap::new();
        let mut keep = |at: u64| {
            total += 1;
            if first.len() < room {
                first.push(at);
            } else if first.peek().is_some_and(|&max| at < max) {
                first.pop();
                first.push(at);
            }
        };
        std::mem::take(&mut self.late)
            .into_iter()
            .for_each(&mut keep);
        for sorted in [
            self.by_token.take(),
            self.joined.take(),
            self.unjoined.take(),
        ]
        .into_iter()
        .flatten()
        {
            sorted.map_while(Result::ok).for_each(|(_, at)| keep(at));
        }
        for at in first.into_sorted_vec() {
            out.extend(self.read(at));
        }
        (out, total)
    }

    /// What went wrong with the spool, if anything.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sf(port: u16, token: Option<u32>) -> Subflow {
        Subflow {
            state: "ESTAB".into(),
            local: format!("10.0.0.1:{port}").into(),
            peer: "10.0.0.2:80".into(),
            token_loc: token,
            ..Subflow::default()
        }
    }

    fn ports(v: &[Subflow]) -> Vec<String> {
        v.iter().map(|s| s.local.to_string()).collect()
    }

    /// The list the subflows of `fill` belong to (`fill_into`), in its order: a listener, connections 2 and 1, a
    /// second connection with token 1, one without a token, connection 3.
    fn list() -> Vec<Owner> {
        let l = Owner::Listener(2, "10.0.0.1".parse().unwrap(), 80);
        let t = Owner::Token;
        vec![l, t(2), t(1), t(1), Owner::Unknown, t(3)]
    }

    /// The matcher of `st` joined to `list` when it spooled.
    fn matcher(st: SubflowStore, list: &[Owner]) -> Matcher {
        let mut m = st.finish();
        if m.spooled() {
            let mut tokens = ExtSort::new(2);
            for (place, o) in list.iter().enumerate() {
                if let Owner::Token(t) = o {
                    tokens.push(((*t as u64) << 32) | place as u64, 0).unwrap();
                }
            }
            m.join(tokens);
        }
        m
    }

    /// What each owner of `list` takes, asked in the list's order.
    fn take_all(m: &mut Matcher, list: &[Owner]) -> Vec<Vec<String>> {
        list.iter()
            .enumerate()
            .map(|(place, o)| ports(&m.take(place, *o)))
            .collect()
    }

    #[test]
    fn held_and_spooled_subflows_go_to_their_owner_in_dump_order() {
        for (bound, run) in [(100, RUN), (3, RUN), (0, RUN), (0, 1), (2, 3)] {
            let st = SubflowStore::with_runs(bound, run);
            let st = fill_into(st);
            assert_eq!((st.len(), st.tokenless()), (9, 1));
            let list = list();
            let mut m = matcher(st, &list);
            let got = take_all(&mut m, &list);
            let want: [&[&str]; 6] = [
                &["10.0.0.1:80"],
                &["10.0.0.1:2", "10.0.0.1:5"],
                &["10.0.0.1:1", "10.0.0.1:4"],
                // Each is handed out once: the first connection with a token takes them all.
                &[],
                &[],
                &["10.0.0.1:3", "10.0.0.1:6"],
            ];
            assert_eq!(got, want, "bound {bound}, runs of {run}");
            assert_eq!(m.problem(), None);
            // The gone connection's and the tokenless one are left over.
            let (left, total) = m.leftover();
            assert_eq!(total, 2);
            let mut left = ports(&left);
            left.sort();
            assert_eq!(left, ["10.0.0.1:7", "10.0.0.1:8"], "bound {bound}");
        }
    }

    #[test]
    fn many_connections_get_the_same_subflows_held_or_spooled_in_small_runs() {
        // 300 connections with 0 to 3 subflows each, the subflows in another order than the list
        // (as the TCP dump gives them), tokens in no order, some subflows of gone connections.
        let token = |c: u32| c.wrapping_mul(2_654_435_761) | 1;
        let list: Vec<Owner> = (0..300).map(|c| Owner::Token(token(c))).collect();
        let mut dump = Vec::new();
        for round in 0..3u32 {
            for c in (0..300u32).rev() {
                if (c + round) % 4 != 0 {
                    dump.push((token(c), (c * 10 + round) as u16));
                }
            }
            dump.push((7_777 + round, 9_000 + round as u16));
        }
        let run_all = |bound: usize, run: usize| {
            let mut st = SubflowStore::with_runs(bound, run);
            for &(t, port) in &dump {
                st.push(Owner::Token(t), sf(port, Some(t)));
            }
            let mut m = matcher(st, &list);
            let got = take_all(&mut m, &list);
            assert_eq!(m.problem(), None);
            let (left, total) = m.leftover();
            assert_eq!(total, left.len());
            (got, ports(&left))
        };
        let held = run_all(usize::MAX, RUN);
        assert_eq!(held.1, ["10.0.0.1:9000", "10.0.0.1:9001", "10.0.0.1:9002"]);
        assert_eq!(held.0[1], ["10.0.0.1:10", "10.0.0.1:11", "10.0.0.1:12"]);
        assert_eq!(held.0[3], ["10.0.0.1:30", "10.0.0.1:32"]);
        for (bound, run) in [(0, 7), (0, 1), (100, 16), (0, RUN)] {
            assert_eq!(run_all(bound, run), held, "bound {bound}, runs of {run}");
        }
    }

    #[test]
    fn leftovers_are_counted_and_the_first_kept() {
        // Tokenless subflows past the cap are not even held; spooled ones no connection has are
        // read back only up to the cap, the first in dump order.
        for bound in [0, 5_000] {
            let mut st = SubflowStore::with_runs(bound, 64);
            for p in 0..1_200u16 {
                st.push(
                    Owner::Token(5_000 + p as u32),
                    sf(p, Some(5_000 + p as u32)),
                );
            }
            for p in 0..1_500u16 {
                st.push(Owner::Unknown, sf(20_000 + p, None));
            }
            assert_eq!((st.len(), st.tokenless()), (2_700, 1_500));
            let mut m = matcher(st, &[Owner::Token(5_000)]);
            assert_eq!(ports(&m.take(0, Owner::Token(5_000))), ["10.0.0.1:0"]);
            let (left, total) = m.leftover();
            assert_eq!((left.len(), total), (LEFTOVER_KEPT, 2_699), "bound {bound}");
            let ports = ports(&left);
            if bound == 0 {
                // Held first (the tokenless ones), then none of the spooled fit.
                assert_eq!(ports[0], "10.0.0.1:20000");
            }
            assert!(
                !ports.contains(&"10.0.0.1:0".to_string()),
                "taken by its connection"
            );
        }
    }

    fn fill_into(mut st: SubflowStore) -> SubflowStore {
        let l = Owner::Listener(2, "10.0.0.1".parse().unwrap(), 80);
        st.push(l, sf(80, None));
        for (port, t) in [(1, 1), (2, 2), (3, 3), (4, 1), (5, 2), (6, 3), (7, 9)] {
            st.push(Owner::Token(t), sf(port, Some(t)));
        }
        st.push(Owner::Unknown, sf(8, None));
        st
    }
}
