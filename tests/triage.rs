//! Triage: the exact set of findings per rule fixture (and none for a healthy host), `show`, `merge`,
//! `diff`, the prefilled bug-form link, and a real client/server pair in two namespaces.

use crate::reproduce_live::{client_server, pair_bin};
use crate::util::{bin, fixture_args, insta_filters, only_archive, unpack, OkStdout};
use mptcp_get_debug::findings::evaluate;
use mptcp_get_debug::report::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn section(collector: &str, data: Data) -> Section {
    Section {
        collector: collector.into(),
        description: String::new(),
        netns: None,
        status: Status::Ok,
        duration_ms: 0.0,
        data: vec![data],
        artifacts: vec![],
        notes: vec![],
    }
}

fn sysctls(pairs: &[(&str, &str)]) -> Data {
    Data::Sysctls(
        pairs
            .iter()
            .map(|(n, v)| Sysctl {
                name: format!("net.mptcp.{n}"),
                value: v.to_string(),
            })
            .collect(),
    )
}

fn ep(addr: &str, id: u8, flags: u32, dev: Option<&str>) -> Endpoint {
    Endpoint {
        id,
        addr: addr.parse().unwrap(),
        port: 0,
        flags,
        ifindex: dev.map(|_| 2),
        dev: dev.map(str::to_string),
    }
}

fn mib(counters: &[(&str, u64)]) -> Data {
    let mut groups = BTreeMap::new();
    groups.insert(
        "MPTcpExt".to_string(),
        counters
            .iter()
            .map(|(n, v)| Counter {
                name: n.to_string(),
                value: *v,
            })
            .collect(),
    );
    Data::Mib(Mib { groups })
}

fn link(name: &str, state: &str, addr: &str, rp: u8) -> Link {
    Link {
        name: name.into(),
        index: 2,
        state: state.into(),
        flags: if state == "UP" {
            vec!["UP".into()]
        } else {
            vec![]
        },
        mtu: Some(1500),
        addrs: vec![addr.into()],
        rp_filter: Some(rp),
    }
}

/// A healthy client: MPTCP on, a subflow endpoint on an UP interface, limits allowing it, it initiates.
fn healthy() -> Vec<Section> {
    vec![
        section(
            "kernel",
            Data::Kernel(KernelInfo {
                release: "6.18.44".into(),
                uname: "Linux h 6.18.44".into(),
                ..Default::default()
            }),
        ),
        section(
            "sysctl",
            sysctls(&[
                ("enabled", "1"),
                ("path_manager", "kernel"),
                ("pm_type", "0"),
            ]),
        ),
        section(
            "endpoints",
            Data::Endpoints(vec![ep("10.0.2.1", 1, 2, Some("eth1"))]),
        ),
        section(
            "limits",
            Data::Limits(Limits {
                add_addr_accepted: Some(2),
                subflows: Some(2),
            }),
        ),
        section(
            "mib",
            mib(&[
                ("MPCapableSYNTX", 5),
                ("MPCapableSYNACKRX", 5),
                ("MPJoinSynTx", 5),
                ("AddAddrDrop", 0),
            ]),
        ),
        section(
            "routing",
            Data::Interfaces(Interfaces {
                links: vec![
                    link("eth0", "UP", "10.0.1.1/24", 2),
                    link("eth1", "UP", "10.0.2.1/24", 2),
                ],
                rp_filter_all: Some(0),
                rp_filter_default: Some(0),
                default_route_v4: Some(true),
                default_route_v6: None,
            }),
        ),
    ]
}

fn report(sections: Vec<Section>) -> Report {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "mptcp-get-debug".into(),
            version: "0".into(),
        },
        meta: Meta {
            started_at: now,
            finished_at: now,
            mode: "collect".into(),
            hostname: "h".into(),
            uid: 0,
            privileged: true,
            args: vec![],
            root: "/".into(),
            netns: vec![String::new()],
            side: None,
            archive: None,
        },
        sections,
        findings: vec![],
        redaction: None,
        reproduce: None,
    }
}

/// The healthy sections with one replaced (by collector name) or added.
fn with(changes: Vec<Section>) -> Report {
    let mut s = healthy();
    for c in changes {
        match s.iter_mut().find(|x| x.collector == c.collector) {
            Some(x) => *x = c,
            None => s.push(c),
        }
    }
    report(s)
}

fn rules(r: &Report) -> Vec<String> {
    let mut v: Vec<String> = evaluate(r)
        .into_iter()
        .map(|f| format!("{:?}:{}", f.severity, f.rule))
        .collect();
    v.sort();
    v
}

#[test]
fn healthy_host_has_no_findings() {
    assert_eq!(
        rules(&report(healthy())),
        Vec::<String>::new(),
        "{:#?}",
        evaluate(&report(healthy()))
    );
}

#[test]
fn each_rule_fires_on_its_fixture_and_only_there() {
    let nm = |running| NetworkManager {
        installed: true,
        version: Some("1.46.0".into()),
        running: Some(running),
        connections: vec![NmConnection {
            id: "c".into(),
            mptcp_flags_decoded: "default".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mptcpd = |state: &str| Mptcpd {
        installed: true,
        service_state: Some(state.into()),
        ..Default::default()
    };
    let cases: Vec<(&str, Report, Vec<&str>)> = vec![
        (
            "disabled",
            with(vec![section("sysctl", sysctls(&[("enabled", "0")]))]),
            vec!["Problem:mptcp-off"],
        ),
        (
            "absent",
            with(vec![Section {
                status: Status::Skipped {
                    reason: "/proc/sys/net/mptcp does not exist: kernel without MPTCP".into(),
                },
                data: vec![],
                ..section("sysctl", sysctls(&[]))
            }]),
            vec!["Problem:mptcp-off"],
        ),
        (
            "no endpoints",
            with(vec![section("endpoints", Data::Endpoints(vec![]))]),
            vec!["Warning:no-endpoints"],
        ),
        (
            "subflows 0",
            with(vec![section(
                "limits",
                Data::Limits(Limits {
                    add_addr_accepted: Some(0),
                    subflows: Some(0),
                }),
            )]),
            vec!["Problem:subflows-limit-zero"],
        ),
        (
            "add_addr dropped",
            with(vec![
                section(
                    "limits",
                    Data::Limits(Limits {
                        add_addr_accepted: Some(0),
                        subflows: Some(2),
                    }),
                ),
                section(
                    "mib",
                    mib(&[("MPCapableSYNTX", 5), ("AddAddr", 3), ("AddAddrDrop", 3)]),
                ),
            ]),
            vec!["Warning:add-addr-dropped"],
        ),
        (
            "signal on a client",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![ep("10.0.2.1", 1, 1, Some("eth1"))]),
            )]),
            vec!["Warning:endpoint-roles"],
        ),
        (
            "subflow on a server",
            with(vec![section("mib", mib(&[("MPCapableSYNRX", 5)]))]),
            vec!["Warning:endpoint-roles"],
        ),
        (
            "address on no interface",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![ep("10.0.9.9", 1, 2, Some("eth1"))]),
            )]),
            vec!["Problem:endpoint-interface"],
        ),
        (
            "interface down",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![link("eth1", "DOWN", "10.0.2.1/24", 2)],
                    ..Default::default()
                }),
            )]),
            vec!["Warning:endpoint-interface"],
        ),
        (
            "no dev",
            with(vec![section(
                "endpoints",
                Data::Endpoints(vec![ep("10.0.2.1", 1, 2, None)]),
            )]),
            vec!["Info:endpoint-interface"],
        ),
        (
            "strict rp_filter",
            with(vec![section(
                "routing",
                Data::Interfaces(Interfaces {
                    links: vec![link("eth1", "UP", "10.0.2.1/24", 1)],
                    rp_filter_all: Some(0),
                    ..Default::default()
                }),
            )]),
            vec!["Warning:strict-rp-filter"],
        ),
        (
            "fallback",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPCapableFallbackSYNACK", 2)]),
            )]),
            vec!["Warning:fallback"],
        ),
        (
            "blackhole",
            with(vec![section(
                "mib",
                mib(&[
                    ("MPCapableSYNTX", 5),
                    ("Blackhole", 1),
                    ("MPCapableSYNTXDrop", 4),
                ]),
            )]),
            vec!["Problem:blackhole"],
        ),
        (
            "join token",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPJoinNoTokenFound", 7)]),
            )]),
            vec!["Problem:join-failures"],
        ),
        (
            "join bind",
            with(vec![section(
                "mib",
                mib(&[("MPCapableSYNTX", 5), ("MPJoinSynTxBindErr", 1)]),
            )]),
            vec!["Warning:join-failures"],
        ),
        (
            "nm and mptcpd",
            with(vec![
                section("networkmanager", Data::NetworkManager(nm(true))),
                section("mptcpd", Data::Mptcpd(mptcpd("active"))),
            ]),
            vec!["Problem:nm-and-mptcpd"],
        ),
        (
            "userspace pm, no daemon",
            with(vec![
                section(
                    "sysctl",
                    sysctls(&[
                        ("enabled", "1"),
                        ("path_manager", "userspace"),
                        ("pm_type", "1"),
                    ]),
                ),
                section("mptcpd", Data::Mptcpd(mptcpd("inactive"))),
            ]),
            vec!["Problem:userspace-pm-no-daemon"],
        ),
        (
            "self-test fallback",
            with(vec![section(
                "selftest",
                Data::SelfTest(SelfTest {
                    result: "fallback".into(),
                    detail: "MPTCP_INFO says fallback".into(),
                    duration_ms: 1.0,
                }),
            )]),
            vec!["Warning:self-test"],
        ),
        (
            "old kernel",
            with(vec![section(
                "kernel",
                Data::Kernel(KernelInfo {
                    release: "5.4.0-216-generic".into(),
                    ..Default::default()
                }),
            )]),
            vec!["Warning:kernel-eol"],
        ),
    ];
    for (name, r, want) in cases {
        assert_eq!(rules(&r), want, "case {name}: {:#?}", evaluate(&r));
    }
    // Missing data says nothing: no interfaces collected, no interface findings.
    let mut s = healthy();
    s.retain(|x| x.collector != "routing");
    s.iter_mut()
        .find(|x| x.collector == "endpoints")
        .unwrap()
        .data = vec![Data::Endpoints(vec![ep("10.0.9.9", 1, 2, Some("eth1"))])];
    assert_eq!(rules(&report(s)), Vec::<String>::new());
}

fn collect_fixture(case: &str, dir: &Path, extra: &[&str]) -> PathBuf {
    bin()
        .args(fixture_args(case))
        .arg("-o")
        .arg(dir)
        .args(["--batch", "-q"])
        .args(extra)
        .ok_stdout();
    only_archive(dir)
}

#[test]
fn show_gives_the_same_summary_as_the_run_that_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let archive = collect_fixture("modern", dir.path(), &[]);
    let summary = unpack(&archive)
        .into_iter()
        .find(|(p, _)| p == "summary.md")
        .unwrap()
        .1;
    let shown = bin().arg("show").arg(&archive).ok_stdout();
    pretty_assertions::assert_eq!(
        String::from_utf8(shown).unwrap(),
        String::from_utf8(summary).unwrap()
    );
    let json: Report = serde_json::from_slice(
        &bin()
            .arg("show")
            .arg(&archive)
            .args(["--format", "json"])
            .ok_stdout(),
    )
    .unwrap();
    assert!(!json.findings.is_empty());
}

fn system_info_of(summary: &str) -> String {
    let start = summary.find("## System info").unwrap();
    let fence = summary[start..].find("```\n").unwrap() + start + 4;
    let end = summary[fence..].find("```").unwrap() + fence;
    summary[fence..end].to_string()
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn issue_url_decodes_to_the_system_info_block() {
    let dir = tempfile::tempdir().unwrap();
    let archive = collect_fixture("modern", dir.path(), &[]);
    let summary = String::from_utf8(
        unpack(&archive)
            .into_iter()
            .find(|(p, _)| p == "summary.md")
            .unwrap()
            .1,
    )
    .unwrap();
    let url = String::from_utf8(
        bin()
            .arg("show")
            .arg(&archive)
            .arg("--issue-url")
            .ok_stdout(),
    )
    .unwrap();
    let url = url.trim_end();
    let prefix =
        "https://github.com/multipath-tcp/mptcp_net-next/issues/new?template=01-bug.yml&system=";
    assert!(url.starts_with(prefix), "{url}");
    assert!(url.len() <= 8000);
    assert_eq!(url_decode(&url[prefix.len()..]), system_info_of(&summary));
}

#[test]
fn merge_and_diff_snapshots() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("k");
    let key = key.to_str().unwrap();
    let client = collect_fixture(
        "modern",
        a.path(),
        &["--redact-key", key, "--side", "client"],
    );
    let server = collect_fixture(
        "enabled0",
        b.path(),
        &["--redact-key", key, "--side", "server"],
    );
    let merged =
        String::from_utf8(bin().arg("merge").arg(&client).arg(&server).ok_stdout()).unwrap();
    let sys = system_info_of(&merged);
    assert!(
        sys.starts_with("- client:\n$ uname -a\n") && sys.contains("\n- server:\n$ uname -a\n"),
        "{sys}"
    );
    let mut filters = insta_filters();
    filters.push((r"`[^`]*mptcp-debug-[^`]*\.tar\.gz`", "`[ARCHIVE]`"));
    insta::with_settings!({filters => filters.clone()}, { insta::assert_snapshot!("merge", merged) });
    let diff = String::from_utf8(bin().arg("diff").arg(&client).arg(&server).ok_stdout()).unwrap();
    filters.push((r"# diff .* -> .*", "# diff [A] -> [B]"));
    insta::with_settings!({filters => filters}, { insta::assert_snapshot!("diff", diff) });
    assert!(
        diff.contains("- sysctl: net.mptcp.enabled: 1 -> 0"),
        "{diff}"
    );
    assert!(
        diff.contains("- counter: MPCapableSYNRX: 1 -> 0 (-1)"),
        "{diff}"
    );
}

#[test]
fn cross_side_findings_and_key_mismatch() {
    let mut client = with(vec![section(
        "limits",
        Data::Limits(Limits {
            add_addr_accepted: Some(0),
            subflows: Some(2),
        }),
    )]);
    let mut server = with(vec![
        section(
            "endpoints",
            Data::Endpoints(vec![ep("10.0.2.1", 1, 1, Some("eth1"))]),
        ),
        section(
            "limits",
            Data::Limits(Limits {
                add_addr_accepted: Some(0),
                subflows: Some(0),
            }),
        ),
    ]);
    client.redaction = Some(RedactionSummary {
        enabled: true,
        key_id: Some("aaaa".into()),
        ..Default::default()
    });
    server.redaction = Some(RedactionSummary {
        enabled: true,
        key_id: Some("bbbb".into()),
        ..Default::default()
    });
    let mut ids: Vec<String> = mptcp_get_debug::findings::cross_side(&client, &server)
        .into_iter()
        .map(|f| f.rule)
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["cross-add-addr", "cross-redaction-keys", "cross-subflows"]
    );
}

/// Two namespaces with a real MPTCP connection: merged, no false findings; then with
/// add_addr_accepted 0 on the client and a signal endpoint on the server, the cross-side finding.
#[test]
fn real_client_and_server_merge() {
    let Some((c, s)) = client_server(true) else {
        return;
    };
    s.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    c.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    // The pair program runs its client in the calling namespace: run it inside the client one.
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &c.name])
        .arg(pair_bin())
        .args([
            "--server-netns",
            &s.name,
            "--addr",
            "10.1.1.2:10001",
            "--wait-subflows",
            "1",
        ])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("k");
    let run = |ns: &str, dir: &Path| {
        bin()
            .args(["--netns", ns, "-o"])
            .arg(dir)
            .args(["--batch", "-q", "--redact-key", key.to_str().unwrap()])
            .ok_stdout();
        only_archive(dir)
    };
    let (dc, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ac, as_) = (run(&c.name, dc.path()), run(&s.name, ds.path()));
    let merged = String::from_utf8(bin().arg("merge").arg(&ac).arg(&as_).ok_stdout()).unwrap();
    let sys = system_info_of(&merged);
    assert!(
        sys.starts_with("- client:\n") && sys.contains("- server:\n"),
        "{sys}"
    );
    assert_eq!(sys.matches("# network namespace:").count(), 2, "{sys}");
    let checks = &merged[merged.find("## Automatic checks").unwrap()..];
    assert!(
        checks.contains("Nothing found."),
        "false findings on a healthy pair:\n{checks}"
    );
    // Both sides were guessed from what they did.
    let rc = mptcp_get_debug::archive::read_report(&ac).unwrap();
    assert_eq!(
        rc.meta.side.as_ref().map(|s| (s.role.as_str(), s.guessed)),
        Some(("client", true))
    );

    c.ip("mptcp limits set subflows 2 add_addr_accepted 0");
    s.ip("mptcp endpoint add 10.1.2.2 dev vb2 signal");
    let (dc, ds) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ac, as_) = (run(&c.name, dc.path()), run(&s.name, ds.path()));
    let merged = String::from_utf8(bin().arg("merge").arg(&ac).arg(&as_).ok_stdout()).unwrap();
    assert!(
        merged.contains("The server announces addresses but the client accepts none"),
        "{merged}"
    );
}
