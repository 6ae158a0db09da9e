//! The throughput series of a reproduce window (`NsWindow.samples`): every `--sample-interval` the
//! bytes sent, acked and received and the retransmits of each MPTCP connection and of each of its
//! subflows, and each interface's byte, drop and error counters. Stored in report.json (so redaction
//! covers the addresses) and written as `reproduce/samples.jsonl`. Per-subflow totals over the whole
//! window are kept apart from the (possibly thinned) series, so the share of bytes per path is exact.

use serde::{Deserialize, Serialize};

/// Rounds kept in `series`; beyond that every other one is dropped and the stride doubles, so a long
/// window is covered from start to end in bounded memory.
pub const MAX_SAMPLES: usize = 600;
/// Connections kept per round (the busiest), subflows per connection, interfaces per round.
pub const MAX_CONNS: usize = 16;
pub const MAX_SUBFLOWS: usize = 8;
pub const MAX_LINKS: usize = 16;
/// Subflows whose window totals are tracked.
pub const MAX_PATHS: usize = 256;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Samples {
    /// The asked interval between rounds, in ms.
    pub interval_ms: u64,
    /// Rounds taken during the window.
    pub rounds: u64,
    /// 1 when every round is in `series`, N when only every N-th is.
    #[serde(default)]
    pub kept_every: u64,
    #[serde(default)]
    pub series: Vec<Sample>,
    /// Each subflow's traffic during the window, from every round.
    #[serde(default)]
    pub paths: Vec<PathTotal>,
    /// Subflows seen beyond MAX_PATHS (not in `paths`).
    #[serde(default)]
    pub paths_untracked: u64,
    /// What could not be sampled, and why.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One round.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Sample {
    /// Milliseconds since the window opened.
    pub t_ms: u64,
    #[serde(default)]
    pub connections: Vec<ConnSample>,
    /// Connections beyond MAX_CONNS in this round (not listed).
    #[serde(default)]
    pub connections_more: u64,
    #[serde(default)]
    pub links: Vec<LinkSample>,
}

/// An MPTCP connection's counters (struct mptcp_info; the byte counters need Linux 6.5).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct ConnSample {
    pub token: u32,
    pub local: String,
    pub remote: String,
    #[serde(default)]
    pub bytes_sent: Option<u64>,
    #[serde(default)]
    pub bytes_acked: Option<u64>,
    #[serde(default)]
    pub bytes_received: Option<u64>,
    #[serde(default)]
    pub retransmits: Option<u32>,
    #[serde(default)]
    pub subflows: Vec<SubflowSample>,
}

/// A subflow's counters (struct tcp_info).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SubflowSample {
    pub local: String,
    pub remote: String,
    /// The interface holding the local address.
    #[serde(default)]
    pub dev: Option<String>,
    #[serde(default)]
    pub bytes_sent: Option<u64>,
    #[serde(default)]
    pub bytes_acked: Option<u64>,
    #[serde(default)]
    pub bytes_received: Option<u64>,
    pub total_retrans: u32,
    #[serde(default)]
    pub backup: bool,
}

/// An interface's counters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LinkSample {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
}

/// One subflow over the window: what it carried after the window opened.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct PathTotal {
    pub token: u32,
    pub local: String,
    pub remote: String,
    #[serde(default)]
    pub dev: Option<String>,
    #[serde(default)]
    pub backup: bool,
    pub bytes_sent: u64,
    pub bytes_acked: u64,
    pub bytes_received: u64,
    pub retransmits: u64,
    /// When it was first and last seen, ms since the window opened.
    pub first_ms: u64,
    pub last_ms: u64,
}

impl PathTotal {
    /// Data that crossed the path: acked in one direction plus received in the other.
    pub fn bytes(&self) -> u64 {
        self.bytes_acked.saturating_add(self.bytes_received)
    }
}

impl Samples {
    /// Adds a round, thinning the series when it is full (the first round always stays).
    pub fn push(&mut self, s: Sample) {
        let every = self.kept_every.max(1);
        if self.rounds.is_multiple_of(every) {
            if self.series.len() >= MAX_SAMPLES {
                let mut i = 0;
                self.series.retain(|_| {
                    i += 1;
                    (i - 1) % 2 == 0
                });
                self.kept_every = every * 2;
                if self.rounds.is_multiple_of(self.kept_every) {
                    self.series.push(s);
                }
            } else {
                self.kept_every = every;
                self.series.push(s);
            }
        }
        self.rounds += 1;
    }

    /// Adds the window's last round, kept even when it falls between two kept ones.
    pub fn push_final(&mut self, s: Sample) {
        let t = s.t_ms;
        self.push(s.clone());
        if self.series.last().map(|l| l.t_ms) != Some(t) {
            self.series.push(s);
        }
    }

    /// The series as JSON lines (one round a line), for `reproduce/samples.jsonl`.
    pub fn jsonl(&self) -> String {
        let mut out = String::new();
        for s in &self.series {
            if let Ok(line) = serde_json::to_string(s) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_window_is_thinned_not_cut() {
        let mut s = Samples::default();
        let n = MAX_SAMPLES as u64 * 5 + 3;
        for t in 0..n {
            s.push(Sample {
                t_ms: t * 100,
                ..Default::default()
            });
        }
        assert_eq!(s.rounds, n);
        assert!(s.series.len() <= MAX_SAMPLES, "{}", s.series.len());
        assert!(s.series.len() >= MAX_SAMPLES / 2);
        assert_eq!(s.series[0].t_ms, 0);
        // Evenly spaced by the stride, from the start to near the end.
        let every = s.kept_every;
        assert!(every >= 8, "{every}");
        assert!(s
            .series
            .windows(2)
            .all(|w| w[1].t_ms - w[0].t_ms == every * 100));
        assert!(s.series.last().unwrap().t_ms + every * 100 > (n - 1) * 100);
        assert_eq!(s.jsonl().lines().count(), s.series.len());
    }

    #[test]
    fn a_short_window_keeps_every_round() {
        let mut s = Samples::default();
        for t in 0..10 {
            s.push(Sample {
                t_ms: t,
                ..Default::default()
            });
        }
        assert_eq!((s.series.len(), s.kept_every), (10, 1));
        let line = s.jsonl().lines().next().unwrap().to_string();
        assert_eq!(
            line,
            r#"{"t_ms":0,"connections":[],"connections_more":0,"links":[]}"#
        );
    }
}
