//! The Report: the one typed, serialisable record of a run.
//!
//! Every view (summary.md, text, JSON, findings, show/merge/diff) is rendered from this model, and
//! `report.json` in the archive is exactly this struct, so an archive can be re-rendered or re-triaged by a
//! newer version. Collectors fill `Section`s; they never produce markdown.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A short string kept inline (up to 24 bytes: a state name, `addr:port`, an interface name), so
/// that tens of thousands of sockets and subflows do not cost one heap allocation per field; it
/// serializes as a plain string.
pub use compact_str::CompactString;

pub mod artifact;
pub mod endpoint;
pub mod event;
pub mod ext_sort;
pub mod json;
pub mod kinds;
pub mod present;
pub mod samples;
pub mod schema;
pub mod sealed_file;
pub mod socket_list;
pub mod spool_codec;
pub mod text_spool;
pub mod window;

pub use artifact::{artifact_name_for, artifact_name_for_file, cut_text};
pub use event::{EventKind, PmEvent, RawAttr};
pub use kinds::Facts;
pub use present::{Body, Column, Entry, Format, Span, View};
pub use socket_list::{SocketList, SocketListBuilder, Spool, SpoolWriter};
pub use text_spool::{TextSpool, TextSpoolWriter};

pub use samples::{ConnSample, LinkSample, PathTotal, Sample, Samples, SubflowSample};
pub use window::{CommandRun, CounterDelta, EndedBy, NsWindow, Reproduce, Snapshot, MAX_EVENTS};

/// Bumped whenever a field changes meaning or a required field is added (the JSON Schema of each
/// version is fingerprinted in schema/versions.txt; a test fails when the shape changes without a
/// bump). 2: native sockets with subflows, all nstat counters, host and links, samples, the typed
/// redaction's notes, --sysroot. 3: the tree redesign (meta.mode an enum of the same names, ...).
/// 4: `meta.side.role` and `selftest.result` are enums (the same words as before, now the only ones
/// allowed). 5: `Endpoint::unknown_attrs` (attributes of the kernel's answer this version does not
/// know, kept). 6: each section's presentation entries (every view walks them), its kind of facts
/// and its title. 7: `Artifact::in_raw` (an output too large to hold is in raw/ only: the
/// `ss -ManiH` text of tens of thousands of sockets; its typed sockets are in report.json).
pub const SCHEMA_VERSION: u32 = 7;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub meta: Meta,
    /// One section per collector run (per network namespace for per-netns collectors).
    pub sections: Vec<Section>,
    /// Triage findings, computed from the sections (re-computed by `show`).
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// What the redaction pass did (counts per class), when it ran.
    #[serde(default)]
    pub redaction: Option<RedactionSummary>,
    /// Reproduce mode: the window, events, before/after snapshots.
    #[serde(default)]
    pub reproduce: Option<Reproduce>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Meta {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Which command produced the report.
    pub mode: Mode,
    /// The machine's host name (redacted to a pseudonym in what leaves the process).
    pub hostname: String,
    pub uid: u32,
    /// Root, or at least CAP_NET_ADMIN: everything could be read.
    pub privileged: bool,
    pub args: Vec<String>,
    /// The root prefix every file was read under ("/" on a live system).
    pub root: String,
    /// `--sysroot`: files were read under `root`, kernel state from the running system.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sysroot: bool,
    /// Network namespaces collected ("" is the tool's own namespace).
    pub netns: Vec<String>,
    /// The host's side of the connection, when given or guessed.
    #[serde(default)]
    pub side: Option<Side>,
    /// The archive path as the collecting run showed it (so `show` re-renders the same summary).
    #[serde(default)]
    pub archive: Option<String>,
}

impl Meta {
    /// A collect run on `hostname` started and finished `at`, as root, on the live system in the tool's
    /// own namespace; callers change what differs.
    pub fn new(at: DateTime<Utc>, hostname: &str) -> Meta {
        Meta {
            started_at: at,
            finished_at: at,
            mode: Mode::Collect,
            hostname: hostname.into(),
            uid: 0,
            privileged: true,
            args: Vec::new(),
            root: "/".into(),
            netns: vec![String::new()],
            side: None,
            archive: None,
            sysroot: false,
        }
    }
}

/// The command that produced a report (serialised as its name: "collect", "reproduce", "check").
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Collect,
    Reproduce,
    Check,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Collect => "collect",
            Mode::Reproduce => "reproduce",
            Mode::Check => "check",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Side {
    pub role: Role,
    /// True when guessed from sockets and endpoints rather than given with --side.
    pub guessed: bool,
}

/// Which end of the MPTCP connection a host is: the client initiates it, the server accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Server,
}

impl Role {
    /// `client` or `server`, as report.json, `--side` and the bug form spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Section {
    pub collector: String,
    pub description: String,
    /// The network namespace this section was collected in; None for host-wide collectors and the
    /// tool's own namespace.
    #[serde(default)]
    pub netns: Option<String>,
    pub status: Status,
    pub duration_ms: f64,
    #[serde(default)]
    pub data: Vec<Data>,
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
    /// Human notes: what could not be read and why, without failing the section.
    #[serde(default)]
    pub notes: Vec<String>,
    /// The kind of facts its collector gives (set whether or not it gave them), for typed queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<Facts>,
    /// The heading of its part in the views (the spec's `title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it shows in every view (summary, text, diff), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    Ok,
    Skipped { reason: String },
    Failed { error: String },
    TimedOut { after_ms: u64 },
}

impl Section {
    /// A section of `collector` that ran fine with `data` (its kind is that of its first typed data),
    /// in the tool's own namespace, with no description, artifacts, notes or entries; callers change
    /// what differs.
    pub fn ok(collector: &str, data: Vec<Data>) -> Section {
        Section {
            collector: collector.into(),
            description: String::new(),
            netns: None,
            status: Status::Ok,
            duration_ms: 0.0,
            facts: data.iter().find_map(Data::facts),
            data,
            artifacts: Vec::new(),
            notes: Vec::new(),
            title: None,
            entries: Vec::new(),
        }
    }
}

impl Status {
    pub fn label(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped { .. } => "skipped",
            Status::Failed { .. } => "failed",
            Status::TimedOut { .. } => "timed out",
        }
    }
    pub fn detail(&self) -> String {
        match self {
            Status::Ok => String::new(),
            Status::Skipped { reason } => reason.clone(),
            Status::Failed { error } => error.clone(),
            Status::TimedOut { after_ms } => format!("no answer after {} ms", after_ms),
        }
    }
}

/// A raw output kept in the archive under `raw/<name>`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Artifact {
    pub name: String,
    pub source: Source,
    /// The output; empty when it is in `spool` instead.
    pub content: String,
    /// An output too large to hold (the `ss -ManiH` text of a spooled socket list): in an unlinked
    /// file while the run lasts, in raw/ in the archive, and not in report.json (`in_raw`).
    #[serde(skip)]
    #[schemars(skip)]
    pub spool: Option<TextSpool>,
    /// The output is in the archive's raw/ only, not in `content` (it was too large to hold).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_raw: bool,
    /// Output was larger than the cap: only the tail is kept.
    #[serde(default)]
    pub truncated: bool,
    /// Size before truncation, in bytes.
    #[serde(default)]
    pub original_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Command {
        argv: Vec<String>,
        /// None when killed by a signal or never started.
        exit_code: Option<i32>,
        #[serde(default)]
        stderr: String,
        duration_ms: f64,
        #[serde(default)]
        timed_out: bool,
        /// The program was not found on the safe PATH.
        #[serde(default)]
        missing: bool,
    },
    File {
        path: String,
    },
}

/// Typed facts a collector extracted; findings and views read these, never raw text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Data {
    Kernel(KernelInfo),
    Distro(Distro),
    KernelConfig(KernelConfig),
    Sysctls(Vec<Sysctl>),
    Endpoints(Vec<Endpoint>),
    Limits(Limits),
    Mib(Mib),
    Sockets(SocketList),
    Interfaces(Interfaces),
    NetworkManager(NetworkManager),
    Mptcpd(Mptcpd),
    SelfTest(SelfTest),
    KernelLog(KernelLog),
    /// The machine: CPUs, memory, load, uptime (the `host` collector; live system only).
    Host(Host),
    /// Per interface: driver, speed, MTU, qdisc, offloads and loss counters (the `links` collector).
    Links(Vec<LinkDetail>),
    /// Free-form structured data for collectors whose model is still settling (NetworkManager, mptcpd,
    /// routing, self-test, ...): a name and a JSON value.
    Other {
        name: String,
        value: serde_json::Value,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct KernelInfo {
    /// The line `uname -a` prints.
    pub uname: String,
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
    /// /proc/version.
    #[serde(default)]
    pub proc_version: Option<String>,
    /// /proc/sys/kernel/tainted, and its decoded flags.
    #[serde(default)]
    pub taint: Option<u64>,
    #[serde(default)]
    pub taint_flags: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Distro {
    /// Which file was read (/etc/os-release or /usr/lib/os-release).
    pub source: String,
    /// The file as it was, for the System info block.
    pub raw: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct KernelConfig {
    /// Where the config was read from, e.g. /proc/config.gz.
    pub source: String,
    /// MPTCP-relevant symbols: name -> value ("y", "m", or "not set").
    pub symbols: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Sysctl {
    /// Full dotted name, e.g. net.mptcp.enabled.
    pub name: String,
    pub value: String,
}

/// One path-manager endpoint, as the kernel's mptcp_pm GET_ADDR reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Endpoint {
    pub id: u8,
    pub addr: IpAddr,
    /// 0 when none.
    #[serde(default)]
    pub port: u16,
    /// Raw MPTCP_PM_ADDR_FLAG_* bits.
    pub flags: u32,
    /// Interface index (None when the kernel did not send one).
    #[serde(default)]
    pub ifindex: Option<i32>,
    /// Interface name resolved in the endpoint's namespace; None when it no longer exists.
    #[serde(default)]
    pub dev: Option<String>,
    /// Attributes of the kernel's answer this version does not know (a newer kernel's), kept as they
    /// came; iproute2's text does not show them either.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_attrs: Vec<RawAttr>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Limits {
    pub add_addr_accepted: Option<u32>,
    pub subflows: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Mib {
    /// Group name (MPTcpExt, TcpExt, ...) -> counters in kernel order.
    pub groups: BTreeMap<String, Vec<Counter>>,
    /// Every SNMP/netstat counter (/proc/net/snmp, snmp6, netstat, sctp/snmp) named and ordered as
    /// `nstat -za` lists them (`TcpExtTCPTimeouts`, `Ip6InReceives`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nstat: Vec<Counter>,
}

impl Mib {
    pub fn get(&self, group: &str, name: &str) -> Option<u64> {
        self.groups
            .get(group)?
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Counter {
    pub name: String,
    pub value: u64,
}

/// An MPTCP socket as `ss -M` shows it; from sock_diag also its decoded `struct mptcp_info` and its
/// TCP subflows (absent when the sockets were parsed from `ss -ManiH` text).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct MptcpSocket {
    #[schemars(with = "String")]
    pub state: CompactString,
    pub recv_q: u64,
    pub send_q: u64,
    /// `addr:port` as `ss -n` prints it (`[v6]:port`, `*:port`, `addr%dev:port` when bound to a device).
    #[schemars(with = "String")]
    pub local: CompactString,
    #[schemars(with = "String")]
    pub peer: CompactString,
    /// key:value fields of the info line (subflows, token, ...) of a socket parsed from `ss -ManiH`
    /// text; bare words map to "". Empty for sockets asked natively: their `mptcp` has the fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub info: BTreeMap<String, String>,
    /// The socket's inode (sock_diag), to match it with a process's file descriptors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inode: Option<u32>,
    /// `struct mptcp_info` as the kernel sent it (sock_diag INET_DIAG_INFO).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mptcp: Option<MptcpInfo>,
    /// The TCP subflows of this connection (subflow token_loc == mptcp token; listeners by address).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subflows: Vec<Subflow>,
}

/// `struct mptcp_info`. Fields after `rcv_nxt` came with later kernels: None when the kernel's struct
/// is shorter. `size` is how many bytes the kernel sent. Zero fields are left out of report.json.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct MptcpInfo {
    pub size: usize,
    /// Extra subflows (not counting the initial one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub subflows: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub add_addr_signal: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub add_addr_accepted: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub subflows_max: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub add_addr_signal_max: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub add_addr_accepted_max: u8,
    /// MPTCP_INFO_FLAG_*: 0x1 fallback, 0x2 remote key received.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub token: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub write_seq: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub snd_una: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rcv_nxt: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_addr_used: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_addr_max: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csum_enabled: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retransmits: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_retrans: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_sent: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_received: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_acked: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subflows_total: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endp_laminar_max: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endp_fullmesh_max: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_data_sent: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_data_recv: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ack_recv: Option<u32>,
}

impl MptcpInfo {
    pub const FLAG_FALLBACK: u32 = 0x1;
    pub const FLAG_REMOTE_KEY_RECEIVED: u32 = 0x2;

    pub fn fallback(&self) -> bool {
        self.flags & Self::FLAG_FALLBACK != 0
    }
}

/// One TCP subflow of an MPTCP connection (a TCP socket whose ULP is "mptcp"), from sock_diag.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Subflow {
    #[schemars(with = "String")]
    pub state: CompactString,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub recv_q: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub send_q: u64,
    /// `addr:port` as `ss -n` prints it.
    #[schemars(with = "String")]
    pub local: CompactString,
    #[schemars(with = "String")]
    pub peer: CompactString,
    /// The interface the subflow is bound to, else the one holding its local address (None: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub dev: Option<CompactString>,
    /// MPTCP_SUBFLOW_ATTR_*; None when the kernel did not send them (a listener has none; the
    /// sequence fields relwrite_seq..map_datalen are sent only to CAP_NET_ADMIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_loc: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_rem: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_loc: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_rem: Option<u8>,
    /// MPTCP_SUBFLOW_FLAG_* bits (see `Subflow::FLAG_LETTERS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relwrite_seq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_sfseq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssn_offset: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_datalen: Option<u16>,
    /// The subflow's `struct tcp_info` (the parts that matter for triage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpInfo>,
}

impl Subflow {
    /// MPTCP_SUBFLOW_FLAG_* bits and the letter `ss -ti` prints for each, in its order.
    pub const FLAG_LETTERS: &'static [(u32, char)] = &[
        (0x1, 'M'),   // MCAP_REM
        (0x2, 'm'),   // MCAP_LOC
        (0x4, 'J'),   // JOIN_REM
        (0x8, 'j'),   // JOIN_LOC
        (0x10, 'B'),  // BKUP_REM
        (0x20, 'b'),  // BKUP_LOC
        (0x40, 'e'),  // FULLY_ESTABLISHED
        (0x80, 'c'),  // CONNECTED
        (0x100, 'v'), // MAPVALID
    ];
    pub const FLAG_BKUP_REM: u32 = 0x10;
    pub const FLAG_BKUP_LOC: u32 = 0x20;

    /// The flags as `ss -ti` spells them (`Mmec`, `Jjec`, ...); empty when unknown.
    pub fn flag_letters(&self) -> String {
        let f = self.flags.unwrap_or(0);
        Self::FLAG_LETTERS
            .iter()
            .filter(|(bit, _)| f & bit != 0)
            .map(|(_, c)| *c)
            .collect()
    }

    /// A backup subflow: this side asked for it (MP_JOIN with the B bit) or the peer did.
    pub fn backup(&self) -> bool {
        self.flags
            .is_some_and(|f| f & (Self::FLAG_BKUP_LOC | Self::FLAG_BKUP_REM) != 0)
    }
}

/// The parts of `struct tcp_info` that tell how a subflow is doing. Times in microseconds, as the
/// kernel gives them; fields of later kernels are None when its struct is shorter. Zero fields are
/// left out of report.json.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct TcpInfo {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ca_state: u8,
    /// Unrecovered RTO timeouts right now.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retransmits: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub backoff: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rto_us: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub snd_mss: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rcv_mss: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unacked: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lost: u32,
    /// Segments retransmitted and not yet acknowledged.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retrans: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pmtu: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rtt_us: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rttvar_us: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub snd_ssthresh: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub snd_cwnd: u32,
    /// Retransmitted segments over the connection's life.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub total_retrans: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_acked: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_received: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rtt_us: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_sent: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_retrans: Option<u64>,
}

/// Zero counters are left out of report.json (read back as 0), which halves the size of thousands
/// of sockets.
fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// How the sockets of a namespace were collected (stored as `Data::Other` named "sock_diag", so
/// reports stay readable by versions without it).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SockDiagRun {
    /// "sock_diag" (asked natively), "ss -ManiH" (parsed from its text) or "/proc/net/protocols" (the
    /// kernel counted no MPTCP socket in the namespace: nothing to ask).
    pub source: String,
    /// Kernel modules that were not loaded before this run asked sock_diag and are loaded after it
    /// (the kernel loads mptcp_diag on the request, as `ss -M` makes it do).
    #[serde(default)]
    pub modules_loaded: Vec<String>,
    /// Why subflows are missing or incomplete, when they are.
    #[serde(default)]
    pub subflows_missing: Option<String>,
    /// TCP sockets with the mptcp ULP that matched no MPTCP socket (closing, or opened between the
    /// two dumps).
    #[serde(default)]
    pub unmatched_subflows: Vec<Subflow>,
}

impl SockDiagRun {
    /// The `Data::Other` name it is stored under.
    pub const NAME: &'static str = "sock_diag";
}

/// Links, addresses and rp_filter of one namespace (routes and rules stay raw in artifacts).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Interfaces {
    pub links: Vec<Link>,
    /// net.ipv4.conf.all.rp_filter / default.rp_filter.
    #[serde(default)]
    pub rp_filter_all: Option<u8>,
    #[serde(default)]
    pub rp_filter_default: Option<u8>,
    /// Whether a default route exists in the main table, per family.
    #[serde(default)]
    pub default_route_v4: Option<bool>,
    #[serde(default)]
    pub default_route_v6: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Link {
    pub name: String,
    pub index: i32,
    /// Operational state as `ip link` shows it (UP, DOWN, UNKNOWN, ...).
    pub state: String,
    /// Link flags (UP, LOWER_UP, LOOPBACK, ...).
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub mtu: Option<u32>,
    /// Addresses with prefix length, e.g. 10.0.0.1/24.
    #[serde(default)]
    pub addrs: Vec<String>,
    /// net.ipv4.conf.<name>.rp_filter.
    #[serde(default)]
    pub rp_filter: Option<u8>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NetworkManager {
    pub installed: bool,
    #[serde(default)]
    pub version: Option<String>,
    /// None when unknown (nmcli missing or did not answer).
    #[serde(default)]
    pub running: Option<bool>,
    /// Global default `connection.mptcp-flags` from the merged config, raw.
    #[serde(default)]
    pub global_mptcp_flags: Option<String>,
    /// The global default decoded, e.g. "enabled,subflow".
    #[serde(default)]
    pub global_mptcp_flags_decoded: Option<String>,
    /// Where the global default was read: a conf file, or `NetworkManager --print-config`.
    #[serde(default)]
    pub global_mptcp_flags_source: Option<String>,
    /// The conf files read, in NetworkManager's merge order (empty when --print-config answered).
    #[serde(default)]
    pub conf_files: Vec<String>,
    #[serde(default)]
    pub connections: Vec<NmConnection>,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct NmConnection {
    pub id: String,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub interface: Option<String>,
    /// The raw `mptcp-flags` value; None when absent (the default applies).
    #[serde(default)]
    pub mptcp_flags: Option<String>,
    /// Decoded, e.g. "enabled,subflow" or "default (...)".
    pub mptcp_flags_decoded: String,
    /// Active now, according to nmcli (None when unknown).
    #[serde(default)]
    pub active: Option<bool>,
    /// The device it is active on, according to nmcli.
    #[serde(default)]
    pub device: Option<String>,
    /// The keyfile it came from; None for a profile only nmcli knows (ifcfg, in-memory).
    #[serde(default)]
    pub file: Option<String>,
    /// `mptcp_flags` was asked from nmcli (no keyfile).
    #[serde(default)]
    pub flags_from_nmcli: bool,
    /// The flags are absent or 0: the global default (else NetworkManager's built-in one) applies.
    #[serde(default)]
    pub default_applies: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Mptcpd {
    pub installed: bool,
    #[serde(default)]
    pub binary: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// `systemctl is-active mptcp.service` (active, inactive, failed, ...); None when unknown.
    #[serde(default)]
    pub service_state: Option<String>,
    /// Core keys of mptcpd.conf (path-manager, addr-flags, notify-flags, load-plugins, ...).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default)]
    pub config_file: Option<String>,
    /// The mptcp.service unit file and drop-ins read, in systemd's order.
    #[serde(default)]
    pub unit_files: Vec<String>,
    /// The `ExecStart=` command left after the drop-ins.
    #[serde(default)]
    pub exec_start: Option<String>,
    /// Options on that command line (`--path-manager=` ...), keyed like mptcpd.conf.
    #[serde(default)]
    pub cmdline: BTreeMap<String, String>,
    /// What mptcpd runs with: mptcpd.conf's core keys, overridden by the command line.
    #[serde(default)]
    pub effective: BTreeMap<String, String>,
    #[serde(default)]
    pub plugins: Vec<String>,
    #[serde(default)]
    pub mptcpize: bool,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct SelfTest {
    pub result: SelfTestResult,
    pub detail: String,
    #[serde(default)]
    pub duration_ms: f64,
}

/// How the loopback self-test ended.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SelfTestResult {
    /// An MPTCP connection worked (or, with endpoints configured, an MPTCP socket was created).
    #[default]
    Ok,
    /// EPROTONOSUPPORT: a kernel without MPTCP.
    Unsupported,
    /// ENOPROTOOPT: net.mptcp.enabled = 0.
    Disabled,
    /// The connection fell back to TCP.
    Fallback,
    /// Anything else went wrong (the detail says what).
    Error,
}

impl SelfTestResult {
    /// The word report.json and the views use.
    pub fn as_str(self) -> &'static str {
        match self {
            SelfTestResult::Ok => "ok",
            SelfTestResult::Unsupported => "unsupported",
            SelfTestResult::Disabled => "disabled",
            SelfTestResult::Fallback => "fallback",
            SelfTestResult::Error => "error",
        }
    }
}

impl std::fmt::Display for SelfTestResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct KernelLog {
    /// Where the lines came from (/dev/kmsg, dmesg, journalctl -k).
    pub source: String,
    /// MPTCP-related lines (and whole splats mentioning mptcp), oldest first.
    pub lines: Vec<String>,
    /// Number of WARNING:/BUG: splats mentioning mptcp.
    #[serde(default)]
    pub splats: usize,
}

/// The machine a report was collected on, as the running kernel describes it (`host` collector).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Host {
    /// CPUs online now (offline ones are not counted).
    pub cpus_online: usize,
    #[serde(default)]
    pub physical_cores: Option<usize>,
    /// The first CPU's model name (/proc/cpuinfo `model name`), e.g. "AMD EPYC 7B13 64-Core Processor".
    #[serde(default)]
    pub cpu_model: Option<String>,
    #[serde(default)]
    pub cpu_vendor: Option<String>,
    /// e.g. x86_64, aarch64.
    #[serde(default)]
    pub arch: Option<String>,
    pub memory_total_bytes: u64,
    pub memory_available_bytes: u64,
    pub swap_total_bytes: u64,
    pub swap_free_bytes: u64,
    /// Load averages over 1, 5 and 15 minutes.
    pub load_1: f64,
    pub load_5: f64,
    pub load_15: f64,
    pub uptime_seconds: u64,
    #[serde(default)]
    pub boot_time: Option<DateTime<Utc>>,
}

/// One interface as the `links` collector saw it: what it is (driver, bus), how fast, how it queues
/// and offloads, and the counters that show loss.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LinkDetail {
    pub name: String,
    pub index: i32,
    /// The link type (IFLA_INFO_KIND: veth, bridge, wireguard, ...); None for plain devices.
    #[serde(default)]
    pub kind: Option<String>,
    /// Operational state as `ip link` shows it (UP, DOWN, UNKNOWN, ...).
    #[serde(default)]
    pub operstate: Option<String>,
    #[serde(default)]
    pub mtu: Option<u32>,
    #[serde(default)]
    pub qdisc: Option<String>,
    /// Driver name (ETHTOOL_GDRVINFO), e.g. virtio_net, mlx5_core, veth.
    #[serde(default)]
    pub driver: Option<String>,
    /// Bus of the parent device (pci, usb, virtio, ...); None for virtual devices.
    #[serde(default)]
    pub bus: Option<String>,
    /// The device's address on that bus, e.g. 0000:00:03.0.
    #[serde(default)]
    pub bus_info: Option<String>,
    /// Link speed in Mb/s; None when the driver does not report one (or the link is down).
    #[serde(default)]
    pub speed_mbps: Option<u32>,
    /// "full" or "half"; None when unknown.
    #[serde(default)]
    pub duplex: Option<String>,
    #[serde(default)]
    pub autoneg: Option<bool>,
    /// None when the offload features could not be read.
    #[serde(default)]
    pub offloads: Option<Offloads>,
    #[serde(default)]
    pub counters: Option<LinkCounters>,
}

/// Offload features of an interface, by their kernel names (rx-gro, tx-tcp-segmentation, ...).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Offloads {
    /// "ethtool netlink" or "ethtool -k".
    pub source: String,
    /// Features that are on.
    pub active: Vec<String>,
    /// Features that are off but could be turned on (`ethtool -K`); fixed ones are not listed.
    #[serde(default)]
    pub off: Vec<String>,
}

impl Offloads {
    pub fn is_on(&self, feature: &str) -> bool {
        self.active.iter().any(|f| f == feature)
    }
}

/// Interface counters since the interface was created (IFLA_STATS64).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct LinkCounters {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
    #[serde(default)]
    pub rx_fifo_errors: u64,
    #[serde(default)]
    pub tx_fifo_errors: u64,
    #[serde(default)]
    pub rx_missed_errors: u64,
    #[serde(default)]
    pub rx_over_errors: u64,
    #[serde(default)]
    pub rx_crc_errors: u64,
    #[serde(default)]
    pub tx_carrier_errors: u64,
    #[serde(default)]
    pub collisions: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct Finding {
    /// Stable rule id, e.g. "mptcp-disabled".
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub evidence: Vec<String>,
    #[serde(default)]
    pub link: Option<String>,
}

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Problem,
    Warning,
    Info,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
pub struct RedactionSummary {
    pub enabled: bool,
    /// Class (ipv4, ipv6, mac, hostname, user, connection, secret) -> number of distinct items.
    pub counts: BTreeMap<String, usize>,
    /// File name of the private map next to the archive, when one was written.
    #[serde(default)]
    pub map_file: Option<String>,
    /// Fingerprint of the redaction key: two reports whose ids differ cannot have their addresses matched.
    #[serde(default)]
    pub key_id: Option<String>,
    /// What the reader should know about this redaction (e.g. names kept in free text).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Typed accessors for host-wide data: `report.kernel()` finds the `Data::Kernel` item.
macro_rules! host_accessors {
    ($($fn:ident: $variant:ident -> $ty:ty),* $(,)?) => {$(
        pub fn $fn(&self) -> Option<&$ty> {
            self.find(None, |d| match d {
                Data::$variant(x) => Some(x),
                _ => None,
            })
        }
    )*};
}

/// Typed accessors for per-namespace data: `report.endpoints(ns)`.
macro_rules! netns_accessors {
    ($($fn:ident: $variant:ident -> $ty:ty),* $(,)?) => {$(
        pub fn $fn(&self, netns: Option<&str>) -> Option<&$ty> {
            self.find(netns, |d| match d {
                Data::$variant(x) => Some(x),
                _ => None,
            })
        }
    )*};
}

impl Report {
    /// A report of this schema and tool with `meta` and `sections`, nothing derived yet (no findings,
    /// no redaction, no reproduce window).
    pub fn new(meta: Meta, sections: Vec<Section>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            meta,
            sections,
            findings: Vec::new(),
            redaction: None,
            reproduce: None,
        }
    }

    /// Sections of one collector, in every namespace.
    pub fn sections_of<'a>(&'a self, collector: &'a str) -> impl Iterator<Item = &'a Section> + 'a {
        self.sections
            .iter()
            .filter(move |s| s.collector == collector)
    }

    /// All typed data items of the report, with the namespace they came from.
    pub fn data(&self) -> impl Iterator<Item = (Option<&str>, &Data)> {
        self.sections
            .iter()
            .flat_map(|s| s.data.iter().map(move |d| (s.netns.as_deref(), d)))
    }

    /// First data item matching `f` in the given namespace (None = the tool's own).
    pub fn find<'a, T>(
        &'a self,
        netns: Option<&str>,
        f: impl Fn(&'a Data) -> Option<T>,
    ) -> Option<T> {
        self.data()
            .filter(|(ns, _)| *ns == netns)
            .find_map(|(_, d)| f(d))
    }

    host_accessors! {
        kernel: Kernel -> KernelInfo,
        distro: Distro -> Distro,
        kernel_config: KernelConfig -> KernelConfig,
        network_manager: NetworkManager -> NetworkManager,
        mptcpd: Mptcpd -> Mptcpd,
        kernel_log: KernelLog -> KernelLog,
        host: Host -> Host,
    }

    netns_accessors! {
        sysctls: Sysctls -> Vec<Sysctl>,
        endpoints: Endpoints -> Vec<Endpoint>,
        limits: Limits -> Limits,
        mib: Mib -> Mib,
        sockets: Sockets -> SocketList,
        interfaces: Interfaces -> Interfaces,
        self_test: SelfTest -> SelfTest,
        links: Links -> Vec<LinkDetail>,
    }

    pub fn sysctl(&self, netns: Option<&str>, name: &str) -> Option<&str> {
        let full = if name.starts_with("net.") {
            name.to_string()
        } else {
            format!("net.mptcp.{name}")
        };
        self.sysctls(netns)?
            .iter()
            .find(|s| s.name == full)
            .map(|s| s.value.as_str())
    }
    /// How the sockets of a namespace were collected (see `SockDiagRun`).
    pub fn sock_diag(&self, netns: Option<&str>) -> Option<SockDiagRun> {
        serde_json::from_value(self.other(netns, SockDiagRun::NAME)?.clone()).ok()
    }
    /// A free-form data item by name.
    pub fn other(&self, netns: Option<&str>, name: &str) -> Option<&serde_json::Value> {
        self.find(netns, |d| match d {
            Data::Other { name: n, value } if n == name => Some(value),
            _ => None,
        })
    }
}

/// Where an artifact is in the archive: `raw/[netns-<ns>/]<collector>/<name>` (summaries point there).
pub fn raw_path(netns: Option<&str>, collector: &str, name: &str) -> String {
    let ns = netns
        .map(|n| format!("netns-{}/", raw_name(n)))
        .unwrap_or_default();
    format!("raw/{ns}{collector}/{name}")
}

/// A namespace name as an archive path component: anything but `[A-Za-z0-9._-]` becomes `_`.
pub fn raw_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
