//! One namespace's share of the sampler: its sockets (opened while the sampler thread was in that
//! namespace), one round of reading (interface counters, MPTCP connections, subflows), the per-subflow
//! totals over the window, and the `Samples` it hands back.

use super::sampler::Options;
use crate::netlink::link_stats::{link_stats, route_oif};
use crate::netlink::rtnl::RtSocket;
use crate::netlink::sock_diag::{DiagSocket, TcpSubflow};
use crate::report::{
    samples::{MAX_CONNS, MAX_LINKS, MAX_PATHS, MAX_SUBFLOWS},
    ConnSample, LinkSample, PathTotal, Sample, Samples, SubflowSample,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

type PathKey = (u32, String, String);

/// A subflow's counters at its first sighting, and its totals since.
struct Acc {
    base: [u64; 4],
    total: PathTotal,
}

pub(super) struct NsState {
    rt: Option<RtSocket>,
    diag: Option<DiagSocket>,
    names: HashMap<i32, String>,
    /// The interface of each (local, remote) address pair seen.
    routes: HashMap<(IpAddr, IpAddr), Option<String>>,
    acc: HashMap<PathKey, Acc>,
    untracked: HashSet<PathKey>,
    notes: BTreeSet<String>,
    samples: Samples,
}

fn counters(sf: &TcpSubflow) -> [u64; 4] {
    let t = sf.tcp.clone().unwrap_or_default();
    [
        t.bytes_sent.unwrap_or(0),
        t.bytes_acked.unwrap_or(0),
        t.bytes_received.unwrap_or(0),
        t.total_retrans as u64,
    ]
}

impl NsState {
    pub(super) fn empty(interval_ms: u64, notes: BTreeSet<String>) -> NsState {
        NsState {
            rt: None,
            diag: None,
            names: HashMap::new(),
            routes: HashMap::new(),
            acc: HashMap::new(),
            untracked: HashSet::new(),
            notes,
            samples: Samples {
                interval_ms,
                kept_every: 1,
                ..Default::default()
            },
        }
    }

    /// With sockets in the calling thread's namespace.
    pub(super) fn open(interval_ms: u64) -> NsState {
        let mut st = NsState::empty(interval_ms, BTreeSet::new());
        match RtSocket::open() {
            Ok(s) => st.rt = Some(s.with_limit(4096)),
            Err(e) => {
                st.notes
                    .insert(format!("interface counters: route netlink: {e}"));
            }
        }
        match DiagSocket::open() {
            Ok(s) => st.diag = Some(s),
            Err(e) => {
                st.notes.insert(format!("connections: sock_diag: {e}"));
            }
        }
        st
    }

    fn links(&mut self) -> Vec<LinkSample> {
        let Some(rt) = self.rt.as_mut() else {
            return Vec::new();
        };
        let stats = match link_stats(rt) {
            Ok(s) => s,
            Err(e) => {
                self.notes.insert(format!("interface counters: {e}"));
                return Vec::new();
            }
        };
        if stats.iter().any(|(i, _)| !self.names.contains_key(i)) {
            if let Ok(links) = rt.links() {
                self.names = links.into_iter().map(|l| (l.index, l.name)).collect();
            }
        }
        stats
            .iter()
            .filter_map(|(i, s)| {
                let name = self.names.get(i)?;
                (name != "lo").then(|| LinkSample {
                    name: name.clone(),
                    rx_bytes: s.get("rx_bytes"),
                    tx_bytes: s.get("tx_bytes"),
                    rx_dropped: s.get("rx_dropped"),
                    tx_dropped: s.get("tx_dropped"),
                    rx_errors: s.get("rx_errors"),
                    tx_errors: s.get("tx_errors"),
                })
            })
            .take(MAX_LINKS)
            .collect()
    }

    /// An interface's name, re-reading the names when the index is new.
    fn name_of(&mut self, index: i32) -> Option<String> {
        if !self.names.contains_key(&index) {
            if let Some(Ok(links)) = self.rt.as_mut().map(|rt| rt.links()) {
                self.names = links.into_iter().map(|l| (l.index, l.name)).collect();
            }
        }
        self.names.get(&index).cloned()
    }

    /// The interface a subflow leaves by: the one it is bound to, else the route from its local to
    /// its remote address (looked up once per pair of addresses).
    fn dev_of(&mut self, sf: &TcpSubflow) -> Option<String> {
        if sf.ifindex != 0 {
            if let Some(n) = self.name_of(sf.ifindex as i32) {
                return Some(n);
            }
        }
        let key = (sf.local.ip(), sf.remote.ip());
        if let Some(d) = self.routes.get(&key) {
            return d.clone();
        }
        let oif = self
            .rt
            .as_mut()
            .and_then(|rt| route_oif(rt, key.0, key.1).ok().flatten());
        let dev = oif.and_then(|i| self.name_of(i));
        if self.routes.len() >= 4096 {
            self.routes.clear();
        }
        self.routes.insert(key, dev.clone());
        dev
    }

    fn account(&mut self, sf: &TcpSubflow, dev: &Option<String>, t_ms: u64, first_round: bool) {
        let key = (
            sf.ulp.token_loc,
            sf.local.to_string(),
            sf.remote.to_string(),
        );
        let now = counters(sf);
        if let Some(a) = self.acc.get_mut(&key) {
            let d = |i: usize| now[i].saturating_sub(a.base[i]);
            a.total.bytes_sent = d(0);
            a.total.bytes_acked = d(1);
            a.total.bytes_received = d(2);
            a.total.retransmits = d(3);
            a.total.last_ms = t_ms;
            a.total.backup |= sf.ulp.backup();
        } else if self.acc.len() < MAX_PATHS {
            // A subflow there when the window opened counts from then; a newer one from its start.
            let base = if first_round { now } else { [0; 4] };
            let d = |i: usize| now[i].saturating_sub(base[i]);
            let total = PathTotal {
                token: key.0,
                local: key.1.clone(),
                remote: key.2.clone(),
                dev: dev.clone(),
                backup: sf.ulp.backup(),
                bytes_sent: d(0),
                bytes_acked: d(1),
                bytes_received: d(2),
                retransmits: d(3),
                first_ms: t_ms,
                last_ms: t_ms,
            };
            self.acc.insert(key, Acc { base, total });
        } else if self.untracked.len() < 100_000 {
            self.untracked.insert(key);
        }
    }

    pub(super) fn round(&mut self, t_ms: u64, opts: &Options, last: bool) {
        let first_round = self.samples.rounds == 0;
        let links = self.links();
        let mut conns = Vec::new();
        let mut subs = Vec::new();
        if let Some(diag) = self.diag.as_mut() {
            if opts.mptcp.is_ok() {
                match diag.mptcp() {
                    Ok(c) => conns = c,
                    Err(e) => {
                        self.notes
                            .insert(format!("MPTCP connections: sock_diag: {e}"));
                    }
                }
            }
            // Subflows live in the family of their connection (IPv4 ones also under an IPv6
            // socket); without the connections listed, both are asked.
            let (v4, v6) = if opts.mptcp.is_ok() {
                (!conns.is_empty(), conns.iter().any(|c| c.local.is_ipv6()))
            } else {
                (true, true)
            };
            if opts.subflows.is_ok() && (v4 || v6) {
                match diag.subflows(v4, v6) {
                    Ok(s) => subs = s,
                    Err(e) => {
                        self.notes.insert(format!("subflows: sock_diag: {e}"));
                    }
                }
            }
        }
        let mut by_token: HashMap<u32, Vec<SubflowSample>> = HashMap::new();
        for sf in &subs {
            let dev = self.dev_of(sf);
            self.account(sf, &dev, t_ms, first_round);
            let t = sf.tcp.clone().unwrap_or_default();
            by_token
                .entry(sf.ulp.token_loc)
                .or_default()
                .push(SubflowSample {
                    local: sf.local.to_string(),
                    remote: sf.remote.to_string(),
                    dev,
                    bytes_sent: t.bytes_sent,
                    bytes_acked: t.bytes_acked,
                    bytes_received: t.bytes_received,
                    total_retrans: t.total_retrans,
                    backup: sf.ulp.backup(),
                });
        }
        let mut connections: Vec<ConnSample> = conns
            .iter()
            .map(|c| {
                let i = c.info.clone().unwrap_or_default();
                let mut subflows = by_token.remove(&i.token).unwrap_or_default();
                subflows.truncate(MAX_SUBFLOWS);
                ConnSample {
                    token: i.token,
                    local: c.local.to_string(),
                    remote: c.remote.to_string(),
                    bytes_sent: i.bytes_sent,
                    bytes_acked: i.bytes_acked,
                    bytes_received: i.bytes_received,
                    retransmits: i.retransmits,
                    subflows,
                }
            })
            .collect();
        let busy = |c: &ConnSample| c.bytes_acked.unwrap_or(0) + c.bytes_received.unwrap_or(0);
        connections.sort_by_key(|c| std::cmp::Reverse(busy(c)));
        let more = connections.len().saturating_sub(MAX_CONNS) as u64;
        connections.truncate(MAX_CONNS);
        let sample = Sample {
            t_ms,
            connections,
            connections_more: more,
            links,
        };
        if last {
            self.samples.push_final(sample);
        } else {
            self.samples.push(sample);
        }
    }

    pub(super) fn finish(mut self, opts: &Options, slowest: Option<Duration>) -> Samples {
        let mut paths: Vec<PathTotal> = self.acc.into_values().map(|a| a.total).collect();
        paths.sort_by(|a, b| {
            (a.first_ms, &a.local, &a.remote).cmp(&(b.first_ms, &b.local, &b.remote))
        });
        self.samples.paths = paths;
        self.samples.paths_untracked = self.untracked.len() as u64;
        for why in [&opts.mptcp, &opts.subflows]
            .into_iter()
            .filter_map(|r| r.as_ref().err())
        {
            self.notes.insert(why.clone());
        }
        if let Some(d) = slowest {
            self.notes.insert(format!(
                "a sampling round used up to {} ms of CPU: the interval was stretched to keep the sampler under 5% of a CPU",
                d.as_millis()
            ));
        }
        self.samples.notes = self.notes.into_iter().collect();
        self.samples
    }
}
