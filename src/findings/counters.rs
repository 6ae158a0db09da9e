//! Counter rules: MIB counters that only move when something is wrong on the path or with the peer.

use super::{finding, namespaces, where_, DOCS_FAQ, DOCS_PM};
use crate::report::{Finding, Report, Severity};

/// Non-zero counters among `names`, as evidence lines.
fn nonzero(r: &Report, ns: Option<&str>, names: &[&str]) -> Vec<String> {
    let Some(mib) = r.mib(ns) else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(|n| {
            mib.get("MPTcpExt", n)
                .filter(|&v| v > 0)
                .map(|v| format!("MPTcpExt {n} = {v}"))
        })
        .collect()
}

fn rule(
    r: &Report,
    id: &str,
    sev: Severity,
    names: &[&str],
    title: &str,
    link: &str,
) -> Vec<Finding> {
    namespaces(r)
        .into_iter()
        .filter_map(|ns| {
            let ev = nonzero(r, ns, names);
            (!ev.is_empty()).then(|| finding(id, sev, format!("{title}{}", where_(ns)), ev, link))
        })
        .collect()
}

pub fn fallback(r: &Report) -> Vec<Finding> {
    rule(
        r,
        "fallback",
        Severity::Warning,
        &["MPCapableFallbackSYNACK", "MPCapableFallbackACK", "MPCapableDataFallback", "DssFallback", "DSSCorruptionFallback", "InfiniteMapTx", "InfiniteMapRx", "DSSNotMatching", "DataCsumErr", "MPFailTx", "MPFailRx", "FallbackFailed", "MD5SigFallback"],
        "Connections fell back to TCP: a middlebox strips or changes MPTCP options, or the peer does not speak MPTCP",
        DOCS_FAQ,
    )
}

pub fn blackhole(r: &Report) -> Vec<Finding> {
    namespaces(r)
        .into_iter()
        .filter_map(|ns| {
            let ev = nonzero(r, ns, &["MPCapableSYNTXDrop", "Blackhole", "MPCapableSYNTXDisabled"]);
            // SYN+MPC retransmitted until the TCP fallback also happens when the peer is simply
            // unreachable; a detected blackhole (active MPTCP turned off) is certain.
            let certain = ev.iter().any(|e| !e.contains("MPCapableSYNTXDrop"));
            let sev = if certain { Severity::Problem } else { Severity::Warning };
            (!ev.is_empty()).then(|| finding(
                "blackhole",
                sev,
                format!("MPTCP SYNs are dropped on the path (a firewall?){}: active MPTCP may be turned off for a while (to test, set net.mptcp.blackhole_timeout=0)", where_(ns)),
                ev,
                DOCS_FAQ,
            ))
        })
        .collect()
}

pub fn join_failures(r: &Report) -> Vec<Finding> {
    let mut out = rule(
        r,
        "join-failures",
        Severity::Problem,
        &[
            "MPJoinNoTokenFound",
            "MPJoinSynAckHMacFailure",
            "MPJoinAckHMacFailure",
        ],
        "Joins reach the wrong host (a load balancer?) or are tampered with",
        DOCS_FAQ,
    );
    out.extend(rule(
        r,
        "join-failures",
        Severity::Warning,
        &["MPJoinRejected"],
        "The path manager refused joins: check the limits on the side that rejects them",
        DOCS_PM,
    ));
    out.extend(rule(
        r,
        "join-failures",
        Severity::Warning,
        &["MPJoinSynTxCreatSkErr", "MPJoinSynTxBindErr", "MPJoinSynTxConnectErr"],
        "New subflows could not be created, bound or connected: an endpoint address is missing or has no route",
        DOCS_PM,
    ));
    out
}
