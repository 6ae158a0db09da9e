//! Counter rules: MIB counters that only move when something is wrong on the path or with the peer,
//! and the local self-test, which a detected blackhole already explains.

use super::facts::{counter_line, mptcp_counter};
use super::{finding, namespaces, where_, DOCS_FAQ, DOCS_PM};
use crate::report::{Finding, Report, SelfTest, SelfTestResult, Severity};

/// Non-zero counters among `names`, as evidence lines.
fn nonzero(r: &Report, ns: Option<&str>, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter_map(|n| {
            mptcp_counter(r, ns, n)
                .filter(|&v| v > 0)
                .map(|v| counter_line(n, v))
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

/// A detected blackhole (Blackhole, or connections sent as plain TCP because of one) is certain.
/// SYN+MP_CAPABLE retransmitted until the TCP fallback without either is what an unreachable server
/// also gives (had the TCP SYN then passed, the kernel would have counted a blackhole): information,
/// saying both, unless blackhole detection is off (blackhole_timeout 0), when nothing tells them apart.
pub fn blackhole(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let ev = nonzero(
            r,
            ns,
            &["MPCapableSYNTXDrop", "Blackhole", "MPCapableSYNTXDisabled"],
        );
        if ev.is_empty() {
            continue;
        }
        let certain = ev.iter().any(|e| !e.contains("MPCapableSYNTXDrop"));
        let detection_off = r.sysctl(ns, "blackhole_timeout") == Some("0");
        let (sev, title) = if certain {
            (Severity::Problem, format!("A firewall drops MPTCP SYNs{}: the kernel detected a blackhole and turns active MPTCP off for a while (to test, set net.mptcp.blackhole_timeout=0)", where_(ns)))
        } else if detection_off {
            (Severity::Warning, format!("SYNs with MP_CAPABLE went unanswered until the fallback to TCP{}: a firewall dropping MPTCP SYNs or an unreachable server (blackhole detection is off: net.mptcp.blackhole_timeout = 0)", where_(ns)))
        } else {
            (Severity::Info, format!("SYNs with MP_CAPABLE went unanswered until the fallback to TCP{}: most likely an unreachable server (no blackhole was detected), possibly a firewall dropping MPTCP SYNs", where_(ns)))
        };
        let mut ev = ev;
        if !certain {
            ev.extend(["Blackhole", "MPCapableSYNTXDisabled"].map(|n| counter_line(n, 0)));
        }
        if let Some(t) = r
            .self_test(ns)
            .filter(|t| certain && explained_by_blackhole(t))
        {
            ev.push(format!("self-test: {} ({})", t.result, t.detail));
        }
        out.push(finding("blackhole", sev, title, ev, DOCS_FAQ));
    }
    out
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

/// Joins sent (MPJoinSynTx counts only those that left: connect errors have their own counters) of
/// which none, or fewer than half, got an MP_JOIN SYN/ACK back; at least JOINS_MISSING_MIN of them.
pub fn joins_unanswered(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let Some((sent, acked, missing)) = super::facts::joins_unanswered(r, ns) else {
            continue;
        };
        if missing < super::facts::JOINS_MISSING_MIN || acked * 2 >= sent {
            continue;
        }
        out.push(finding(
            "joins-unanswered",
            Severity::Warning,
            format!("Joins were sent but {} answered{}: a firewall or NAT on the path drops MP_JOIN SYNs, or the peer refuses them (its MPJoinRejected)", if acked == 0 { "none was" } else { "most were not" }, where_(ns)),
            vec![counter_line("MPJoinSynTx", sent), counter_line("MPJoinSynAckRx", mptcp_counter(r, ns, "MPJoinSynAckRx").unwrap_or(0))],
            DOCS_FAQ,
        ));
    }
    out
}

/// Where the kernel detected a blackhole, active MPTCP is off in the namespace and the self-test's
/// own connection goes out as TCP: it falls back, or MPTCP_INFO is refused on the fallen-back socket
/// (EOPNOTSUPP, which the self-test reports as an error).
fn explained_by_blackhole(t: &SelfTest) -> bool {
    match t.result {
        SelfTestResult::Fallback => true,
        SelfTestResult::Error => t.detail.contains("MPTCP_INFO"),
        _ => false,
    }
}

/// The self-test did not pass. A failure a detected blackhole explains is not reported on its own:
/// the blackhole finding carries it as evidence.
pub fn self_test(r: &Report) -> Vec<Finding> {
    namespaces(r)
        .into_iter()
        .filter_map(|ns| r.self_test(ns).map(|t| (ns, t)))
        // "disabled" and "unsupported" are what mptcp-off already reports.
        .filter(|(_, t)| {
            !matches!(
                t.result,
                SelfTestResult::Ok | SelfTestResult::Disabled | SelfTestResult::Unsupported
            )
        })
        .filter(|(ns, t)| {
            !explained_by_blackhole(t)
                || nonzero(r, *ns, &["Blackhole", "MPCapableSYNTXDisabled"]).is_empty()
        })
        .map(|(ns, t)| {
            let sev = if t.result == SelfTestResult::Fallback {
                Severity::Warning
            } else {
                Severity::Problem
            };
            finding(
                "self-test",
                sev,
                format!(
                    "The local MPTCP self-test did not pass{}: {}",
                    where_(ns),
                    t.result
                ),
                vec![t.detail.clone()],
                DOCS_FAQ,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn blackhole_certain_or_not() {
        let r = |c: &[(&str, u64)]| with(vec![mib(c)]);
        let detected = r(&[("MPCapableSYNTXDrop", 2), ("Blackhole", 1)]);
        assert_eq!(says(blackhole, &detected), ["Problem:blackhole"]);
        let drops = r(&[("MPCapableSYNTXDrop", 2)]);
        assert_eq!(says(blackhole, &drops), ["Info:blackhole"]);
        assert_eq!(
            blackhole(&drops)[0].evidence,
            [
                "MPTcpExt MPCapableSYNTXDrop = 2",
                "MPTcpExt Blackhole = 0",
                "MPTcpExt MPCapableSYNTXDisabled = 0"
            ]
        );
        let off = section(
            "sysctl",
            sysctls(&[("enabled", "1"), ("blackhole_timeout", "0")]),
        );
        let mut s = drops.clone();
        s.sections.retain(|x| x.collector != "sysctl");
        s.sections.push(off);
        assert_eq!(says(blackhole, &s), ["Warning:blackhole"]);
        assert!(blackhole(&report(healthy())).is_empty());
    }

    #[test]
    fn joins_unanswered_when_few_come_back() {
        let r = |tx, ack| with(vec![mib(&[("MPJoinSynTx", tx), ("MPJoinSynAckRx", ack)])]);
        assert_eq!(
            says(joins_unanswered, &r(3, 0)),
            ["Warning:joins-unanswered"]
        );
        assert_eq!(
            says(joins_unanswered, &r(9, 2)),
            ["Warning:joins-unanswered"]
        );
        assert_eq!(
            joins_unanswered(&r(3, 0))[0].evidence,
            ["MPTcpExt MPJoinSynTx = 3", "MPTcpExt MPJoinSynAckRx = 0"]
        );
        assert!(joins_unanswered(&r(4, 2)).is_empty());
        // One join lost in a race with its connection's close is not enough.
        assert!(joins_unanswered(&r(1, 0)).is_empty());
        assert!(joins_unanswered(&r(0, 0)).is_empty());
        assert!(joins_unanswered(&without(&["mib"])).is_empty());
    }

    #[test]
    fn self_test_fallback_explained_by_a_blackhole() {
        let st = section(
            "selftest",
            Data::SelfTest(SelfTest {
                result: SelfTestResult::Fallback,
                detail: "connection fell back".into(),
                duration_ms: 1.0,
            }),
        );
        assert_eq!(
            says(self_test, &with(vec![st.clone()])),
            ["Warning:self-test"]
        );
        let bh = mib(&[
            ("MPCapableSYNTXDrop", 2),
            ("Blackhole", 1),
            ("MPCapableSYNTXDisabled", 1),
        ]);
        assert!(self_test(&with(vec![st, bh])).is_empty());
    }

    #[test]
    fn fallback_counters() {
        let r = with(vec![mib(&[
            ("MPCapableFallbackSYNACK", 2),
            ("DssFallback", 0),
        ])]);
        assert_eq!(says(fallback, &r), ["Warning:fallback"]);
        assert_eq!(
            fallback(&r)[0].evidence,
            ["MPTcpExt MPCapableFallbackSYNACK = 2"]
        );
        // The counters there but all zero, or not collected: nothing.
        let zero = with(vec![mib(&[
            ("MPCapableFallbackSYNACK", 0),
            ("MPFailTx", 0),
        ])]);
        assert!(fallback(&zero).is_empty());
        assert!(fallback(&report(healthy())).is_empty());
        assert!(fallback(&without(&["mib"])).is_empty());
    }

    #[test]
    fn join_failures_by_kind() {
        let r = with(vec![mib(&[
            ("MPJoinNoTokenFound", 1),
            ("MPJoinSynTxBindErr", 1),
        ])]);
        assert_eq!(
            says(join_failures, &r),
            ["Problem:join-failures", "Warning:join-failures"]
        );
        let rejected = with(vec![mib(&[("MPJoinRejected", 3)])]);
        assert_eq!(says(join_failures, &rejected), ["Warning:join-failures"]);
        assert_eq!(
            join_failures(&rejected)[0].evidence,
            ["MPTcpExt MPJoinRejected = 3"]
        );
        // Joins that worked are not failures.
        assert!(join_failures(&report(healthy())).is_empty());
    }
}
