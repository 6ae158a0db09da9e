//! Configuration rules: MPTCP off, endpoints and limits that cannot work, endpoint flags that give an
//! endpoint no job or the wrong one for the host's role.

use super::facts::{endpoint_line, global_addrs, kernel_pm, multihomed, plays, roles};
use super::{finding, namespaces, where_, DOCS_PM, DOCS_SETUP};
use crate::report::{Endpoint, Finding, Report, Role, Severity, Status};

pub fn mptcp_off(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        if r.sysctl(ns, "enabled") == Some("0") {
            out.push(finding(
                "mptcp-off",
                Severity::Problem,
                format!(
                    "MPTCP is disabled{}: applications silently fall back to TCP",
                    where_(ns)
                ),
                vec!["net.mptcp.enabled = 0".into()],
                DOCS_SETUP,
            ));
        }
        let absent = r.sections.iter().any(|s| {
            s.kind() == Some(crate::report::Facts::Sysctls) && s.netns.as_deref() == ns && matches!(&s.status, Status::Skipped { reason } if reason.contains("/proc/sys/net/mptcp does not exist"))
        });
        if absent {
            let mut evidence = vec!["/proc/sys/net/mptcp does not exist".to_string()];
            if let Some(v) = r
                .kernel_config()
                .and_then(|k| k.symbols.get("CONFIG_MPTCP"))
            {
                evidence.push(format!("CONFIG_MPTCP={v}"));
            }
            out.push(finding("mptcp-off", Severity::Problem, "The kernel has no MPTCP support: socket(IPPROTO_MPTCP) fails and applications use TCP".into(), evidence, DOCS_SETUP));
        }
    }
    out
}

/// Endpoints with any of `flag`, as evidence lines.
fn lines_with(eps: &[Endpoint], flag: u32) -> Vec<String> {
    eps.iter()
        .filter(|e| e.has(flag))
        .map(endpoint_line)
        .collect()
}

/// A client (labelled, or seen initiating) on a host with more than one path, with MPTCP on, the
/// in-kernel path manager and no endpoint at all. A host with a single usable address needs none.
pub fn no_endpoints(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let ready = r.sysctl(ns, "enabled") == Some("1") && kernel_pm(r, ns) == Some(true);
        let empty = r.endpoints(ns).is_some_and(|e| e.is_empty());
        if !(ready && empty && plays(r, ns, Role::Client) == Some(true)) {
            continue;
        }
        if multihomed(r, ns) != Some(true) {
            continue;
        }
        let mut ev = vec!["ip mptcp endpoint show: (empty)".to_string()];
        if let Some(ifs) = r.interfaces(ns) {
            ev.extend(
                global_addrs(ifs)
                    .iter()
                    .map(|(l, a)| format!("{l}: inet {a}")),
            );
        }
        out.push(finding("no-endpoints", Severity::Warning, format!("The in-kernel path manager has no endpoints on this multihomed client{}: one path only, unless the peer announces addresses", where_(ns)), ev, DOCS_PM));
    }
    out
}

pub fn subflows_limit_zero(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some(limits)) = (r.endpoints(ns), r.limits(ns)) else {
            continue;
        };
        let mut evidence = lines_with(eps, Endpoint::FLAG_SUBFLOW);
        if !evidence.is_empty() && limits.subflows == Some(0) {
            evidence.push("limits: subflows 0".into());
            out.push(finding("subflows-limit-zero", Severity::Problem, format!("`subflow` endpoints exist but the subflows limit is 0{}: no additional subflow is ever created", where_(ns)), evidence, DOCS_PM));
        }
    }
    out
}

pub fn endpoint_roles(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let (Some(eps), Some((initiates, accepts))) = (r.endpoints(ns), roles(r, ns)) else {
            continue;
        };
        let signal = lines_with(eps, Endpoint::FLAG_SIGNAL);
        if initiates && !accepts && !signal.is_empty() {
            let mut ev = signal;
            ev.push("this host only initiates connections".into());
            out.push(finding("endpoint-roles", Severity::Warning, format!("`signal` endpoints on a host that only initiates connections{}: clients need `subflow` endpoints", where_(ns)), ev, DOCS_PM));
        }
        let subflow = lines_with(eps, Endpoint::FLAG_SUBFLOW);
        if accepts && !initiates && !subflow.is_empty() {
            let mut ev = subflow;
            ev.push("this host only accepts connections".into());
            out.push(finding("endpoint-roles", Severity::Warning, format!("`subflow` endpoints on a host that only accepts connections{}: servers need `signal` endpoints", where_(ns)), ev, DOCS_PM));
        }
    }
    out
}

/// Flags that give an endpoint a job: announced, subflows created from it, or used to answer the
/// peer's announcements (fullmesh, laminar); implicit ones are the kernel's own bookkeeping.
const JOB: u32 = Endpoint::FLAG_SIGNAL
    | Endpoint::FLAG_SUBFLOW
    | Endpoint::FLAG_FULLMESH
    | Endpoint::FLAG_LAMINAR
    | Endpoint::FLAG_IMPLICIT;

/// Endpoints with neither `signal` nor `subflow` (nor fullmesh/laminar): the in-kernel path manager
/// never announces them nor creates a subflow from them. `backup` alone only marks as backup the
/// subflows that already use the address (the initial one, joins arriving there), which has a use on
/// a server; elsewhere it is almost always a `subflow backup` with `subflow` forgotten.
pub fn endpoint_flags(r: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for ns in namespaces(r) {
        let Some(eps) = r.endpoints(ns) else { continue };
        if kernel_pm(r, ns) == Some(false) {
            continue;
        }
        let server = plays(r, ns, Role::Server) == Some(true);
        for e in eps.iter().filter(|e| !e.has(JOB)) {
            let backup = e.has(Endpoint::FLAG_BACKUP);
            let (sev, title) = if backup && server {
                (Severity::Info, format!("Endpoint {} has `backup` but neither `signal` nor `subflow`{}: it is never announced and no subflow is created from it; it only marks as backup the subflows that arrive on that address", e.addr, where_(ns)))
            } else if backup {
                (Severity::Warning, format!("Endpoint {} has `backup` but neither `subflow` nor `signal`{}: it does nothing here; for a backup path use `subflow backup` (client) or `signal backup` (server)", e.addr, where_(ns)))
            } else {
                (Severity::Warning, format!("Endpoint {} has neither `subflow` nor `signal`{}: the path manager never uses it (add `subflow` on a client, `signal` on a server)", e.addr, where_(ns)))
            };
            out.push(finding(
                "endpoint-flags",
                sev,
                title,
                vec![endpoint_line(e)],
                DOCS_PM,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    #[test]
    fn no_endpoints_only_on_a_multihomed_client() {
        let none = || endpoints(vec![]);
        assert_eq!(
            says(no_endpoints, &with(vec![none()])),
            ["Warning:no-endpoints"]
        );
        let ev = no_endpoints(&with(vec![none()]))[0].evidence.clone();
        assert_eq!(
            ev,
            [
                "ip mptcp endpoint show: (empty)",
                "eth0: inet 10.0.1.1/24",
                "eth1: inet 10.0.2.1/24"
            ]
        );
        // One usable address (link-local and loopback do not count): nothing to add.
        let single = routing_section(
            vec![
                link("lo", &["127.0.0.1/8"], 0),
                link("eth0", &["10.0.1.1/24", "fe80::1/64"], 0),
            ],
            0,
            &[],
        );
        assert!(no_endpoints(&with(vec![none(), single])).is_empty());
        // A server, or interfaces not collected: nothing.
        let server = mib(&[("MPCapableSYNRX", 9)]);
        assert!(no_endpoints(&with(vec![none(), server])).is_empty());
        let mut r = without(&["routing"]);
        r.sections.retain(|s| s.collector != "endpoints");
        r.sections.push(none());
        assert!(no_endpoints(&r).is_empty());
    }

    #[test]
    fn self_test_traces_do_not_make_a_server_a_client() {
        // A pure server the tool already ran on once: its self-test connection is in the counters.
        let traces = mib(&[
            ("MPCapableSYNRX", 6),
            ("MPCapableACKRX", 6),
            ("MPCapableSYNTX", 1),
            ("MPCapableSYNACKRX", 1),
        ]);
        let selftest = section(
            "selftest",
            Data::SelfTest(SelfTest {
                result: SelfTestResult::Ok,
                ..Default::default()
            }),
        );
        let r = with(vec![endpoints(vec![]), traces.clone(), selftest.clone()]);
        assert_eq!(roles(&r, None), Some((false, true)));
        assert!(no_endpoints(&r).is_empty());
        // Without a self-test in the report the counters are taken as they are.
        let r = with(vec![endpoints(vec![]), traces]);
        assert_eq!(roles(&r, None), Some((true, true)));
        // Checked many times and nothing else: every connection was one to itself.
        let only_selftests = mib(&[
            ("MPCapableSYNRX", 9),
            ("MPCapableACKRX", 9),
            ("MPCapableSYNTX", 9),
            ("MPCapableSYNACKRX", 9),
        ]);
        let r = with(vec![endpoints(vec![]), only_selftests, selftest.clone()]);
        assert_eq!(roles(&r, None), None);
        assert!(no_endpoints(&r).is_empty());
        // A real client and a server beyond the bound keep both roles.
        let both = mib(&[
            ("MPCapableSYNRX", 20),
            ("MPCapableACKRX", 20),
            ("MPCapableSYNTX", 9),
            ("MPCapableSYNACKRX", 9),
        ]);
        assert_eq!(roles(&with(vec![both, selftest]), None), Some((true, true)));
    }

    #[test]
    fn endpoint_flags_without_a_job() {
        let r = |flags| {
            with(vec![endpoints(vec![ep(
                "10.0.2.1",
                1,
                flags,
                Some("eth1"),
            )])])
        };
        assert_eq!(
            says(endpoint_flags, &r(Endpoint::FLAG_BACKUP)),
            ["Warning:endpoint-flags"]
        );
        assert_eq!(says(endpoint_flags, &r(0)), ["Warning:endpoint-flags"]);
        assert_eq!(
            endpoint_flags(&r(Endpoint::FLAG_BACKUP))[0].evidence,
            ["10.0.2.1 id 1 backup dev eth1"]
        );
        for ok in [
            Endpoint::FLAG_SUBFLOW | Endpoint::FLAG_BACKUP,
            Endpoint::FLAG_SIGNAL,
            Endpoint::FLAG_FULLMESH,
            Endpoint::FLAG_LAMINAR,
            Endpoint::FLAG_IMPLICIT,
        ] {
            assert!(endpoint_flags(&r(ok)).is_empty(), "{ok:#x}");
        }
        // On a server, `backup` alone still marks the subflows arriving there.
        let mut s = r(Endpoint::FLAG_BACKUP);
        s.sections.retain(|x| x.collector != "mib");
        s.sections.push(mib(&[("MPCapableSYNRX", 3)]));
        assert_eq!(says(endpoint_flags, &s), ["Info:endpoint-flags"]);
    }

    #[test]
    fn subflows_limit_zero_with_subflow_endpoints() {
        assert_eq!(
            says(subflows_limit_zero, &with(vec![limits(0, 0)])),
            ["Problem:subflows-limit-zero"]
        );
        assert!(subflows_limit_zero(&with(vec![limits(0, 1)])).is_empty());
        assert!(subflows_limit_zero(&without(&["limits"])).is_empty());
    }

    #[test]
    fn endpoint_roles_swapped() {
        let server = mib(&[("MPCapableSYNRX", 5)]);
        assert_eq!(
            says(endpoint_roles, &with(vec![server])),
            ["Warning:endpoint-roles"]
        );
        let signal = endpoints(vec![ep("10.0.2.1", 1, Endpoint::FLAG_SIGNAL, None)]);
        assert_eq!(
            says(endpoint_roles, &with(vec![signal])),
            ["Warning:endpoint-roles"]
        );
        assert!(endpoint_roles(&report(healthy())).is_empty());
    }

    #[test]
    fn mptcp_off_or_absent() {
        let off = section("sysctl", sysctls(&[("enabled", "0")]));
        assert_eq!(says(mptcp_off, &with(vec![off])), ["Problem:mptcp-off"]);
        // No /proc/sys/net/mptcp: the kernel has no MPTCP, with its config as evidence.
        let absent = Section {
            status: Status::Skipped {
                reason: "/proc/sys/net/mptcp does not exist: kernel without MPTCP".into(),
            },
            data: vec![],
            ..section("sysctl", sysctls(&[]))
        };
        let kconfig = section(
            "kconfig",
            Data::KernelConfig(KernelConfig {
                source: "/proc/config.gz".into(),
                symbols: [("CONFIG_MPTCP".to_string(), "not set".to_string())].into(),
            }),
        );
        let r = with(vec![absent.clone(), kconfig]);
        assert_eq!(says(mptcp_off, &r), ["Problem:mptcp-off"]);
        assert_eq!(
            mptcp_off(&r)[0].evidence,
            ["/proc/sys/net/mptcp does not exist", "CONFIG_MPTCP=not set"]
        );
        // Enabled, or skipped for another reason (not collected): nothing.
        assert!(mptcp_off(&report(healthy())).is_empty());
        let other = Section {
            status: Status::Skipped {
                reason: "--only leaves it out".into(),
            },
            ..absent
        };
        assert!(mptcp_off(&with(vec![other])).is_empty());
    }
}
