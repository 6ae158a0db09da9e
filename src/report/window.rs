//! What a reproduce run records (stored as `Report.reproduce`): the window, the command it ran, and
//! per network namespace the events and the before/after snapshots. Deltas and changes are derived
//! from the snapshots when rendering, so report.json holds only facts.

use super::event::PmEvent;
use super::{Counter, Endpoint, Limits, SocketList};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Reproduce {
    /// When the window opened (after the "before" snapshot and the event subscription).
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub duration_ms: f64,
    pub ended_by: EndedBy,
    /// `--duration`, when given.
    #[serde(default)]
    pub requested_duration_ms: Option<u64>,
    /// The command given after `--`, when one was.
    #[serde(default)]
    pub command: Option<CommandRun>,
    pub namespaces: Vec<NsWindow>,
}

/// How the window ended.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The user pressed Enter (or closed stdin).
    Enter,
    /// stdin, not a terminal, gave a line or ended (`echo | mptcp-get-debug -r`, as the script reads it).
    Input,
    /// `--duration` elapsed.
    Duration,
    /// The command given after `--` exited.
    Command,
    /// SIGINT or SIGTERM.
    Signal,
}

impl EndedBy {
    pub fn describe(self) -> &'static str {
        match self {
            EndedBy::Enter => "Enter was pressed",
            EndedBy::Input => "stdin gave a line or ended",
            EndedBy::Duration => "the --duration elapsed",
            EndedBy::Command => "the command exited",
            EndedBy::Signal => "interrupted (SIGINT/SIGTERM)",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CommandRun {
    pub argv: Vec<String>,
    /// The namespace it ran in (the first `--netns`), None for the tool's own.
    #[serde(default)]
    pub netns: Option<String>,
    /// None when killed by a signal (see `signal`) or never started.
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub signal: Option<i32>,
    pub duration_ms: f64,
    /// The end of its output (the last 64 KiB of each stream).
    #[serde(default)]
    pub stdout_tail: String,
    #[serde(default)]
    pub stderr_tail: String,
    #[serde(default)]
    pub truncated: bool,
    /// The window ended first (signal or --duration) and the tool stopped the command.
    #[serde(default)]
    pub stopped: bool,
    #[serde(default)]
    pub error: Option<String>,
}

impl CommandRun {
    pub fn status(&self) -> String {
        match (self.exit_code, self.signal, &self.error) {
            (_, _, Some(e)) => format!("could not run: {e}"),
            (Some(c), _, _) => format!("exit status {c}"),
            (None, Some(s), _) => format!("killed by signal {s}"),
            _ => "no exit status".into(),
        }
    }
}

/// One namespace's window: events and the two snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NsWindow {
    /// None for the tool's own namespace.
    #[serde(default)]
    pub netns: Option<String>,
    /// Events were subscribed for the whole window.
    pub subscribed: bool,
    #[serde(default)]
    pub subscribe_error: Option<String>,
    /// Events received, oldest first (at most MAX_EVENTS are kept; see `events_total`).
    #[serde(default)]
    pub events: Vec<PmEvent>,
    #[serde(default)]
    pub events_total: u64,
    /// Events the kernel dropped because the receive buffer was full.
    #[serde(default)]
    pub events_lost: u64,
    /// Messages that could not be decoded.
    #[serde(default)]
    pub events_malformed: u64,
    pub before: Snapshot,
    pub after: Snapshot,
    /// The throughput series (`--sample-interval`); None when sampling was off.
    #[serde(default)]
    pub samples: Option<super::samples::Samples>,
}

/// Events kept per namespace; more are counted but not stored.
pub const MAX_EVENTS: usize = 100_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Snapshot {
    pub taken_at: DateTime<Utc>,
    /// Every SNMP/netstat counter named and ordered as `nstat -za` lists them (`MPTcpExtMPJoinSynRx`,
    /// `TcpExtTCPTimeouts`, ...); empty when they could not be read. Reports before nstat names were
    /// used hold the MPTcpExt counters here, named without the group.
    #[serde(default)]
    pub counters: Vec<Counter>,
    #[serde(default)]
    pub endpoints: Option<Vec<Endpoint>>,
    #[serde(default)]
    pub limits: Option<Limits>,
    /// None when `ss -M` could not run (see notes).
    #[serde(default)]
    pub sockets: Option<SocketList>,
    /// What could not be read, and why.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One counter before and after the window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct CounterDelta {
    pub name: String,
    pub before: u64,
    pub after: u64,
    pub delta: i64,
}

impl NsWindow {
    /// Every counter (nstat's order, counters only in "after" last) with its change.
    pub fn all_deltas(&self) -> Vec<CounterDelta> {
        let value =
            |list: &[Counter], name: &str| list.iter().find(|c| c.name == name).map(|c| c.value);
        let mut names: Vec<&str> = self
            .before
            .counters
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        for c in &self.after.counters {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
        names
            .into_iter()
            .map(|n| {
                let before = value(&self.before.counters, n).unwrap_or(0);
                let after = value(&self.after.counters, n).unwrap_or(0);
                CounterDelta {
                    name: n.to_string(),
                    before,
                    after,
                    delta: after as i64 - before as i64,
                }
            })
            .collect()
    }

    /// Only the counters that changed.
    pub fn changed_counters(&self) -> Vec<CounterDelta> {
        self.all_deltas()
            .into_iter()
            .filter(|d| d.delta != 0)
            .collect()
    }
}
