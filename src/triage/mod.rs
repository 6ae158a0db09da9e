//! Triage rules: pure functions from a Report to findings, one per rule, each with a severity, a
//! one-line title, the exact values that triggered it and a docs link. Each rule lists the collectors
//! whose data it needs (`check` runs just those) and says nothing when that data was not collected:
//! no false alarms from missing data.

mod announce;
mod config;
mod counters;
mod cross;
mod cross_paths;
mod daemons;
pub mod facts;
mod family;
mod interfaces;
mod joins;
pub mod kernel;
pub mod routes;
pub mod side;
#[cfg(test)]
mod testkit;
pub mod throughput;

pub use cross::{cross_side, role_ns};
pub use facts::roles;

use crate::report::{Finding, Report, Severity};

pub const DOCS_PM: &str = "https://www.mptcp.dev/pm.html";
pub const DOCS_SETUP: &str = "https://www.mptcp.dev/setup.html";
pub const DOCS_FAQ: &str = "https://www.mptcp.dev/faq.html";
pub const DOCS_DEBUGGING: &str = "https://www.mptcp.dev/debugging.html";

/// A triage rule.
pub type Rule = fn(&Report) -> Vec<Finding>;

/// One rule: its stable id, what it needs, and what makes it speak (for `check --rules` and the
/// README's Triage section).
pub struct RuleInfo {
    pub id: &'static str,
    pub eval: Rule,
    /// Collectors whose data the rule reads; without it the rule says nothing.
    pub needs: &'static [&'static str],
    pub triggers: &'static str,
}

/// Declares `RULES` and, for tests, where each rule's function lives (so a test can check that
/// every rule has its own tests next to it).
macro_rules! rules {
    ($($id:literal => $f:path, [$($need:literal),*], $triggers:literal;)*) => {
        /// Every single-report rule, once.
        pub static RULES: &[RuleInfo] =
            &[$(RuleInfo { id: $id, eval: $f, needs: &[$($need),*], triggers: $triggers }),*];

        /// Each rule id with its function's path (`module::function`).
        #[cfg(test)]
        static RULE_FUNCTIONS: &[(&str, &str)] = &[$(($id, stringify!($f))),*];
    };
}

rules! {
    "mptcp-off" => config::mptcp_off, ["sysctl", "kconfig"], "net.mptcp.enabled = 0, or no /proc/sys/net/mptcp (kernel without MPTCP)";
    "no-endpoints" => config::no_endpoints, ["sysctl", "endpoints", "mib", "routing"], "a client (it initiates MPTCP connections, or --side client) with usable addresses on more than one interface, the in-kernel path manager and no endpoint";
    "subflows-limit-zero" => config::subflows_limit_zero, ["endpoints", "limits"], "`subflow` endpoints with limits subflows 0";
    "add-addr-ignored" => announce::add_addr_ignored, ["sysctl", "endpoints", "limits", "mib"], "MPTcpExt AddAddr > 0 with add_addr_accepted 0 and the in-kernel path manager (the kernel echoes and ignores the announcements); a warning when no join was sent or no `subflow` endpoint exists";
    "add-addr-dropped" => announce::add_addr_dropped, ["sysctl", "mib"], "MPTcpExt AddAddrDrop or RmAddrDrop > 0 with the in-kernel path manager (busy with an earlier announcement)";
    "endpoint-roles" => config::endpoint_roles, ["endpoints", "mib", "sockets"], "`signal` endpoints on a host that only initiates, or `subflow` endpoints on one that only accepts (self-test traces discounted)";
    "endpoint-flags" => config::endpoint_flags, ["sysctl", "endpoints", "mib"], "an endpoint with neither `subflow` nor `signal` (nor fullmesh/laminar), e.g. `backup` alone";
    "endpoint-family" => family::endpoint_family, ["endpoints", "sockets", "mib", "routing"], "all endpoints of one address family while all open MPTCP connections are of the other; or an IPv6 `subflow` endpoint with MPJoinSynTxConnectErr > 0 and no IPv6 route out of its device to the peers";
    "joins-impossible" => joins::joins_impossible, ["sysctl", "endpoints", "mib", "sockets"], "a server (it accepts MPTCP connections) with allow_join_initial_addr_port 0, the in-kernel path manager and no `signal` endpoint";
    "announce-not-listening" => joins::announce_not_listening, ["endpoints", "sockets"], "a `signal` endpoint (no port) while every MPTCP listener is bound to other addresses (joins to it are refused)";
    "mptcp-not-requested" => joins::mptcp_not_requested, ["sysctl", "endpoints", "mib", "sockets"], "endpoints configured, TCP connections made (Tcp ActiveOpens/PassiveOpens), MPCapableSYNTX = MPCapableSYNRX = 0 (self-test traces discounted) and no MPTCP socket open";
    "fullmesh-limit" => joins::fullmesh_limit, ["sysctl", "endpoints", "limits", "sockets"], "N `fullmesh` endpoints and R peer addresses needing N x R - 1 additional subflows, above limits subflows";
    "userspace-pm-no-daemon" => daemons::userspace_pm_without_daemon, ["sysctl", "mptcpd", "mib"], "path_manager userspace (or pm_type 1) with mptcpd not installed or mptcp.service not active, or with MPTcpExt AddAddrDrop > 0 (no process listened to the events)";
    "nm-and-mptcpd" => daemons::nm_and_mptcpd, ["networkmanager", "mptcpd"], "NetworkManager >= 1.40 running with MPTCP enabled on an active profile, and mptcp.service active";
    "endpoint-interface" => interfaces::endpoint_interface, ["endpoints", "routing", "mib"], "an endpoint whose device is gone, whose address is on no interface, or whose interface is down; a `subflow` endpoint without `dev` (a warning on a multihomed host whose joins fail)";
    "strict-rp-filter" => interfaces::strict_rp_filter, ["endpoints", "routing", "mib"], "rp_filter 1 on an IPv4 endpoint's interface with two IPv4 interfaces; a problem when TcpExt IPReversePathFilter > 0; quiet with source routing for the address, or when joins succeed and IPReversePathFilter is 0";
    "fallback" => counters::fallback, ["mib"], "MPCapableFallbackSYNACK/ACK, MPCapableDataFallback, DssFallback, InfiniteMap*, DSSNotMatching, DataCsumErr, MPFail* or FallbackFailed > 0";
    "blackhole" => counters::blackhole, ["sysctl", "mib"], "Blackhole or MPCapableSYNTXDisabled > 0 (a problem); MPCapableSYNTXDrop > 0 alone (information: an unreachable server or a firewall; a warning when blackhole_timeout is 0)";
    "join-failures" => counters::join_failures, ["mib"], "MPJoinNoTokenFound or an HMAC failure (a problem); MPJoinRejected, MPJoinSynTx{CreatSk,Bind,Connect}Err > 0";
    "joins-unanswered" => counters::joins_unanswered, ["mib"], "MPJoinSynTx > 0 with MPJoinSynAckRx 0 or below half of it";
    "self-test" => counters::self_test, ["selftest", "mib"], "the loopback MPTCP self-test failed or fell back (not when a detected blackhole explains the fallback)";
    "kernel-eol" => kernel::kernel_eol, ["kernel", "distro"], "a kernel series out of upstream support (data/kernel-series.toml)";
    "kernel-splat" => kernel::kernel_splat, ["kmsg"], "WARNING:/BUG: splats mentioning mptcp in the kernel log";
    "subflow-mtu-mismatch" => throughput::mtu_mismatch, ["links", "routing", "endpoints", "sockets"], "MTUs of MPTCP interfaces differ by 25% or more";
    "interface-loss" => throughput::interface_loss, ["links", "routing", "endpoints", "sockets"], "errors or drops on an MPTCP interface";
    "offload-off" => throughput::offloads_off, ["links", "routing", "endpoints", "sockets"], "GRO/GSO/TSO off on an MPTCP interface";
    "single-busy-cpu" => throughput::single_cpu, ["host"], "one CPU online with load above 0.9";
    "backup-only-paths" => throughput::backup_only, ["endpoints", "sockets"], "every additional endpoint is a backup";
}

/// Rules that need both sides (`merge`), with what triggers them.
pub static CROSS_RULES: &[(&str, &str)] = &[
    ("cross-sides-swapped", "the first archive is labelled --side server or the second --side client"),
    ("cross-add-addr", "the server has `signal` endpoints and the client's add_addr_accepted is 0"),
    ("cross-subflows", "the client has `subflow` endpoints and the server's subflows limit is 0"),
    ("cross-join-initial-denied", "the client has `subflow` endpoints, the server allow_join_initial_addr_port 0 and no `signal` endpoint"),
    ("cross-announce-family", "every address the server announces is of a family the client has no usable address of"),
    ("cross-fullmesh", "the client's fullmesh endpoints times the server's addresses need more subflows than the client's limit"),
    ("cross-middlebox", "the client fell back (MPCapableFallbackSYNACK > 0) while the server listens with MPTCP and received no MP_CAPABLE SYN (or did, and answered)"),
    ("cross-peer-no-mptcp", "the client fell back while the server has MPTCP off or no MPTCP listener"),
    ("cross-joins", "the client's joins went unanswered and the server received none (dropped on the path), or rejected them"),
    ("cross-redaction-keys", "the two archives were redacted with different keys, or only one was redacted"),
];

/// Every finding for a report, problems first (stable within a severity).
pub fn evaluate(report: &Report) -> Vec<Finding> {
    let mut all: Vec<Finding> = RULES.iter().flat_map(|r| (r.eval)(report)).collect();
    all.sort_by_key(|f| f.severity);
    all
}

/// The collectors the rules need, each once, in rule order.
pub fn needed_collectors() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for n in RULES.iter().flat_map(|r| r.needs.iter()) {
        if !out.contains(n) {
            out.push(n);
        }
    }
    out
}

/// The namespaces per-namespace data was collected in (None = the tool's own).
pub fn namespaces(report: &Report) -> Vec<Option<&str>> {
    let mut out: Vec<Option<&str>> = Vec::new();
    for s in report.sections.iter().filter(|s| {
        use crate::report::Facts;
        matches!(
            s.kind(),
            Some(Facts::Sysctls | Facts::Endpoints | Facts::Mib)
        )
    }) {
        if !out.contains(&s.netns.as_deref()) {
            out.push(s.netns.as_deref());
        }
    }
    out
}

/// " (netns X)" for findings outside the tool's own namespace.
pub fn where_(ns: Option<&str>) -> String {
    ns.map(|n| format!(" (netns {n})")).unwrap_or_default()
}

pub fn finding(
    rule: &str,
    severity: Severity,
    title: String,
    evidence: Vec<String>,
    link: &str,
) -> Finding {
    Finding {
        rule: rule.into(),
        severity,
        title,
        evidence,
        link: Some(link.into()),
    }
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
