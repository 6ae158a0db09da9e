//! The TCP subflows of a namespace while they wait for their connections. The subflow dump runs
//! beside the MPTCP one, so the subflows are kept until both are done: in memory up to a bound, past
//! it in a spool file, each found again by its connection's token through an index of 16 bytes a
//! subflow (what the sockets collector's memory still grows by past the bound).

use crate::report::{Spool, SpoolWriter, Subflow};
use std::collections::HashMap;
use std::net::IpAddr;

/// Where a subflow belongs: a listener by its address, a connection by its local token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Listener(u8, IpAddr, u16),
    Token(u32),
    Unknown,
}

/// Subflows as the dump gives them (see the module comment).
pub struct SubflowStore {
    bound: usize,
    held_count: usize,
    held: HashMap<Owner, Vec<Subflow>>,
    /// The held owners in the order the dump first gave them.
    order: Vec<Owner>,
    spool: Option<SpoolWriter>,
    /// (token, record length, offset) of each spooled subflow, in dump order.
    index: Vec<(u32, u32, u64)>,
    tokenless: usize,
    problem: Option<String>,
}

impl SubflowStore {
    pub fn with_bound(bound: usize) -> SubflowStore {
        SubflowStore {
            bound,
            held_count: 0,
            held: HashMap::new(),
            order: Vec::new(),
            spool: None,
            index: Vec::new(),
            tokenless: 0,
            problem: None,
        }
    }

    pub fn push(&mut self, owner: Owner, sf: Subflow) {
        self.tokenless += (owner == Owner::Unknown) as usize;
        // Only connections' subflows are spooled: listeners and tokenless ones are few.
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
                match w.push(&sf) {
                    Ok((at, len)) => {
                        self.index.push((t, len, at));
                        return;
                    }
                    Err(e) => {
                        // A full disk: what the file holds cannot be read back either.
                        self.problem = Some(format!(
                            "{} spooled subflow(s) lost, the rest kept in memory: the spool file failed ({e})",
                            self.index.len()
                        ));
                        self.spool = None;
                        self.index.clear();
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
        self.held_count + self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Subflows that came without their MPTCP token.
    pub fn tokenless(&self) -> usize {
        self.tokenless
    }

    /// Ready to hand each connection its subflows.
    pub fn finish(mut self) -> Matcher {
        let spool = match self.spool.take().map(SpoolWriter::into_spool) {
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                self.problem = Some(format!("spooled subflows lost: {e}"));
                self.index.clear();
                None
            }
            None => None,
        };
        // Stable: a connection's subflows keep their dump order.
        self.index.sort_by_key(|&(t, _, _)| t);
        let used = vec![false; self.index.len()];
        Matcher {
            held: self.held,
            order: self.order,
            spool,
            index: self.index,
            used,
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
    index: Vec<(u32, u32, u64)>,
    used: Vec<bool>,
    buf: Vec<u8>,
    problem: Option<String>,
}

impl Matcher {
    /// The subflows of `owner` in dump order (none for `Owner::Unknown`); each is handed out once.
    pub fn take(&mut self, owner: Owner) -> Vec<Subflow> {
        if owner == Owner::Unknown {
            return Vec::new();
        }
        let mut v = self.held.remove(&owner).unwrap_or_default();
        let (Owner::Token(t), Some(spool)) = (owner, &self.spool) else {
            return v;
        };
        let from = self.index.partition_point(|&(x, _, _)| x < t);
        let to = self.index.partition_point(|&(x, _, _)| x <= t);
        for i in from..to {
            if std::mem::replace(&mut self.used[i], true) {
                continue;
            }
            let (_, len, at) = self.index[i];
            match spool.read_record::<Subflow>(at, len, &mut self.buf) {
                Ok(sf) => v.push(sf),
                Err(e) => {
                    self.problem = Some(format!("a spooled subflow could not be read back: {e}"))
                }
            }
        }
        v
    }

    /// Subflows no connection took (closing, opened between the dumps, or without a token).
    pub fn leftover(mut self) -> Vec<Subflow> {
        let mut out = Vec::new();
        for o in &self.order {
            out.extend(self.held.remove(o).unwrap_or_default());
        }
        if let Some(spool) = &self.spool {
            for (i, &(_, len, at)) in self.index.iter().enumerate() {
                if !self.used[i] {
                    if let Ok(sf) = spool.read_record::<Subflow>(at, len, &mut self.buf) {
                        out.push(sf);
                    }
                }
            }
        }
        out
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

    /// Connections 1..=3 with two subflows each, interleaved; a listener's; one without a token; one
    /// of a connection that is gone.
    fn fill(bound: usize) -> SubflowStore {
        let mut st = SubflowStore::with_bound(bound);
        let l = Owner::Listener(2, "10.0.0.1".parse().unwrap(), 80);
        st.push(l, sf(80, None));
        for (port, t) in [(1, 1), (2, 2), (3, 3), (4, 1), (5, 2), (6, 3), (7, 9)] {
            st.push(Owner::Token(t), sf(port, Some(t)));
        }
        st.push(Owner::Unknown, sf(8, None));
        st
    }

    #[test]
    fn held_and_spooled_subflows_go_to_their_owner_in_dump_order() {
        for bound in [100, 3, 0] {
            let st = fill(bound);
            assert_eq!((st.len(), st.tokenless()), (9, 1));
            let mut m = st.finish();
            let l = Owner::Listener(2, "10.0.0.1".parse().unwrap(), 80);
            assert_eq!(ports(&m.take(l)), ["10.0.0.1:80"], "bound {bound}");
            assert_eq!(
                ports(&m.take(Owner::Token(2))),
                ["10.0.0.1:2", "10.0.0.1:5"]
            );
            assert_eq!(
                ports(&m.take(Owner::Token(1))),
                ["10.0.0.1:1", "10.0.0.1:4"]
            );
            // Each is handed out once; unknown owners get none.
            assert!(m.take(Owner::Token(1)).is_empty());
            assert!(m.take(Owner::Unknown).is_empty());
            assert_eq!(
                ports(&m.take(Owner::Token(3))),
                ["10.0.0.1:3", "10.0.0.1:6"]
            );
            assert_eq!(m.problem(), None);
            // The gone connection's and the tokenless one are left over.
            let mut left = ports(&m.leftover());
            left.sort();
            assert_eq!(left, ["10.0.0.1:7", "10.0.0.1:8"], "bound {bound}");
        }
    }
}
