//! The summary's budget (issue 12): whatever the system (10,000 sockets, 100 namespaces, 500
//! endpoints, a 10 MB kernel log), summary.md and the merged summary stay within 60,000 characters,
//! the System info block is never cut, the markdown stays valid, and the archive keeps everything.

use crate::util::{bin, fixture, insta_filters, only_archive, unpack};
use mptcp_get_debug::report::*;
use mptcp_get_debug::views::{merge, render_summary, sysinfo, SummaryOptions};
use std::collections::BTreeMap;
use std::fmt::Write;

const BUDGET: usize = 60_000;

/// `n` MPTCP sockets as `ss -ManiH` prints them: one listener, then connections with 0 to 2 extra
/// subflows, every 97th fallen back, every 89th retransmitting.
fn ss_text(n: usize, net: u8) -> String {
    let mut s = String::from("LISTEN 0      4096   10.0.0.1:443       0.0.0.0:*    \n\t subflows_max:8 add_addr_accepted_max:8 add_addr_signal_max:8\n");
    for i in 1..n {
        let _ = write!(
            s,
            "ESTAB  0      0      10.0.{net}.1:443 10.{}.{}.{}:{}\n\t",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            1024 + i % 60000
        );
        if i % 97 == 0 {
            s.push_str(" fallback");
        } else if i % 3 != 0 {
            let _ = write!(s, " subflows:{}", i % 3);
        }
        let _ = write!(s, " subflows_max:8 remote_key token:{:x}", 0x1000_0000 + i);
        if i % 89 == 0 {
            let _ = write!(s, " retransmits:{} bytes_retrans:{}", i % 7 + 1, i * 10);
        }
        let _ = writeln!(
            s,
            " write_seq:{:x} snd_una:{:x} rcv_nxt:{:x}",
            i * 7919,
            i * 7919,
            i * 104729
        );
    }
    s
}

/// `n` endpoints as `ip mptcp endpoint show` prints them (ids wrap: a test of size, not of the kernel).
fn endpoints_text(n: usize) -> String {
    (0..n)
        .map(|i| {
            let flags = ["subflow", "signal", "subflow backup", "subflow fullmesh"][i % 4];
            format!(
                "10.{}.{}.1 id {} {flags} dev eth{} \n",
                i / 250,
                i % 250,
                i % 255 + 1,
                i % 8
            )
        })
        .collect()
}

/// About `bytes` of kernel log: mostly other drivers, every 50th line an MPTCP one, and one splat
/// through MPTCP 500 lines before the end (within what the collector keeps of a long log).
fn kernel_log(bytes: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let (mut size, mut i) = (0, 0);
    while size < bytes {
        let line = match i % 50 {
            7 => format!("[{i:>8}.000000] MPTCP: subflow {i} reset: unexpected option"),
            _ => format!("[{i:>8}.000000] e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx {i}"),
        };
        size += line.len() + 1;
        lines.push(line);
        i += 1;
    }
    let at = lines.len() - 500;
    let splat = [
        "------------[ cut here ]------------",
        "WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1234 __mptcp_clean_una+0x1a/0x200",
        "Call Trace:",
        " mptcp_sendmsg+0x3ab/0x7c0",
        "---[ end trace 0000000000000000 ]---",
    ];
    let splat = splat.iter().map(|l| format!("[{at:>8}.000001] {l}"));
    lines.splice(at..at, splat);
    lines
}

/// Markdown that renders as meant: code fences closed, table rows whole (`|` at both ends).
fn assert_valid_markdown(md: &str) {
    let mut fence: Option<usize> = None;
    let mut in_table = false;
    for (n, line) in md.lines().enumerate() {
        let ticks = line.bytes().take_while(|&b| b == b'`').count();
        match fence {
            Some(f) if ticks >= f && line[ticks..].trim().is_empty() => fence = None,
            Some(_) => continue,
            None if ticks >= 3 => fence = Some(ticks),
            None => {}
        }
        if line.starts_with('|') {
            assert!(line.ends_with('|'), "line {}: table row cut: {line}", n + 1);
            in_table = true;
        } else if in_table {
            assert!(
                line.is_empty(),
                "line {}: no blank line after a table",
                n + 1
            );
            in_table = false;
        }
    }
    assert!(fence.is_none(), "a code fence is left open");
}

/// The System info block of a summary (between the fences after its heading).
fn system_info_of(md: &str) -> &str {
    let start = md.find("## System info").unwrap();
    let fence = md[start..].find("```\n").unwrap() + start + 4;
    let end = md[fence..].find("\n```\n").unwrap() + fence + 1;
    &md[fence..end]
}

#[test]
fn a_busy_host_stays_within_the_budget_and_the_archive_keeps_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("busy");
    let st = std::process::Command::new("cp")
        .arg("-r")
        .arg(fixture("modern"))
        .arg(&case)
        .status()
        .unwrap();
    assert!(st.success());
    let commands = case.join("commands");
    let ss = ss_text(10_000, 0);
    std::fs::write(commands.join("ss -ManiH"), &ss).unwrap();
    let eps = endpoints_text(500);
    std::fs::write(commands.join("ip mptcp endpoint show"), &eps).unwrap();
    let log: String = kernel_log(10 << 20)
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(commands.join("dmesg"), &log).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    bin()
        .arg("--root")
        .arg(case.join("root"))
        .arg("--commands-from")
        .arg(&commands)
        .arg("-o")
        .arg(&out)
        // Without redaction, so the archive can be compared byte for byte with what was recorded.
        .args(["--batch", "-q", "--no-redact"])
        .assert()
        .success();
    let members: BTreeMap<String, Vec<u8>> = unpack(&only_archive(&out)).into_iter().collect();
    let md = String::from_utf8(members["summary.md"].clone()).unwrap();
    let report: Report = serde_json::from_slice(&members["report.json"]).unwrap();
    assert!(md.len() <= BUDGET, "summary.md is {} bytes", md.len());
    assert_valid_markdown(&md);
    // The System info block is the one the tool builds, whole: here every command's output as is.
    let block = system_info_of(&md);
    assert_eq!(block, sysinfo::system_info(&report));
    let sysctl = std::fs::read_to_string("/work/shared/reference/captures/ns_sysctl.txt")
        .unwrap_or_else(|_| block[block.find("net.mptcp.add_addr").unwrap()..].to_string());
    assert!(block.contains(&format!("$ sysctl net.mptcp\n{sysctl}")) || block.contains(&sysctl));
    // 500 endpoints are more than the block's share: the first ones as recorded, then where the
    // others are.
    let listed = &block[block.find("$ ip mptcp endpoint show\n").unwrap() + 25..];
    let listed = &listed[..listed.find("# … ").unwrap()];
    assert!(
        eps.starts_with(listed) && listed.lines().count() > 400,
        "{listed}"
    );
    assert!(block.contains(&format!(
        "# … {} more endpoints (all in raw/endpoints/endpoints.txt)\n$ ip mptcp limits show\n",
        500 - listed.lines().count()
    )));
    assert!(block.len() <= 20_000);
    // The sockets summarized, the ones that matter shown as ss printed them.
    assert!(
        md.contains("10000 MPTCP sockets: ESTAB 9999, LISTEN 1."),
        "{md}"
    );
    // (How many of each are listed depends on the room the other parts leave.)
    assert!(
        md.contains("**Fallen back to TCP**: 103, the first "),
        "{md}"
    );
    assert!(md.contains("**Retransmitting (most retransmits first)**: 112, the first "));
    let two = (1..10_000).filter(|i| i % 97 != 0 && i % 3 == 2).count();
    assert!(
        md.contains(&format!("| 2 | {two} |")),
        "subflow counts: {md}"
    );
    let fallen = ss
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|c| c.concat())
        .find(|r| r.contains(" fallback"))
        .unwrap();
    assert!(md.contains(&fallen), "a connection is shown byte for byte");
    assert!(md.contains("more in `raw/sockets/ss_-ManiH.txt`"));
    // Nothing dropped from the archive.
    assert_eq!(members["raw/sockets/ss_-ManiH.txt"], ss.as_bytes());
    assert_eq!(report.sockets(None).unwrap().len(), 10_000);
    assert_eq!(report.endpoints(None).unwrap().len(), 500);
    let kept = report.kernel_log().unwrap();
    assert_eq!(kept.splats, 1);
    assert!(md.contains("WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1234"));
    // (dmesg printed more than the 4 MiB kept of a command's output: the file says so first.)
    let raw_log = String::from_utf8(members["raw/kmsg/kernel_log_mptcp.txt"].clone()).unwrap();
    assert!(raw_log.ends_with(
        &kept
            .lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    ));
    // `show` re-renders the same summary from report.json.
    let shown = bin()
        .arg("show")
        .arg(only_archive(&out))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(shown).unwrap(), md);
    // The text view stays readable too.
    let text = bin()
        .arg("show")
        .arg(only_archive(&out))
        .args(["--format", "text"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.len() < BUDGET, "text view is {} bytes", text.len());
    assert!(
        text.contains("by state: ESTAB 9999, LISTEN 1; the first 20:"),
        "{text}"
    );
    assert!(
        text.contains("... 9980 more (all in report.json and raw/)"),
        "{text}"
    );
    let mut filters = insta_filters();
    filters.push((
        r"`[^`]*mptcp-debug-[^`]*\.tar\.gz(\.map\.json)?`",
        "`[ARCHIVE]`",
    ));
    insta::with_settings!({filters => filters}, { insta::assert_snapshot!("busy_host", md) });
}

fn section(
    collector: &str,
    ns: Option<&str>,
    data: Vec<Data>,
    artifacts: Vec<Artifact>,
) -> Section {
    Section {
        netns: ns.map(str::to_string),
        duration_ms: 1.0,
        artifacts,
        ..Section::ok(collector, data)
    }
}

fn artifact(name: &str, content: String) -> Artifact {
    Artifact {
        name: name.into(),
        source: Source::File { path: name.into() },
        original_size: content.len() as u64,
        content,
        truncated: false,
        spool: None,
        in_raw: false,
    }
}

const SYSCTLS: &[(&str, &str)] = &[
    ("add_addr_timeout", "120"),
    ("allow_join_initial_addr_port", "1"),
    ("available_path_managers", "kernel userspace"),
    ("available_schedulers", "default"),
    ("blackhole_timeout", "3600"),
    ("checksum_enabled", "0"),
    ("close_timeout", "60"),
    ("enabled", "1"),
    ("path_manager", "kernel"),
    ("pm_type", "0"),
    ("scheduler", "default"),
    ("stale_loss_cnt", "4"),
    ("syn_retrans_before_tcp_fallback", "2"),
];

/// One namespace's sections: sysctls (MPTCP off in every 10th), endpoints, limits, counters, sockets
/// and interfaces.
fn namespace(ns: Option<&str>, i: usize, endpoints: usize, sockets: usize) -> Vec<Section> {
    let sysctls = SYSCTLS
        .iter()
        .map(|(n, v)| Sysctl {
            name: format!("net.mptcp.{n}"),
            value: if *n == "enabled" && i % 10 == 9 {
                "0"
            } else {
                v
            }
            .to_string(),
        })
        .collect();
    let eps = mptcp_get_debug::views::formats::iproute::parse_endpoints(&endpoints_text(endpoints))
        .unwrap();
    let counters = [
        "MPCapableSYNRX",
        "MPCapableSYNTX",
        "MPJoinSynRx",
        "MPCurrEstab",
    ]
    .iter()
    .map(|n| Counter {
        name: n.to_string(),
        value: if i.is_multiple_of(3) {
            0
        } else {
            10 + i as u64
        },
    })
    .collect();
    let links = (0..8)
        .map(|l| Link {
            name: format!("eth{l}"),
            index: l + 2,
            state: "UP".into(),
            flags: vec!["UP".into()],
            mtu: Some(1500),
            addrs: vec![format!("10.{i}.{l}.1/24")],
            rp_filter: Some(2),
        })
        .collect();
    vec![
        section("sysctl", ns, vec![Data::Sysctls(sysctls)], vec![]),
        section("endpoints", ns, vec![Data::Endpoints(eps)], vec![]),
        section(
            "limits",
            ns,
            vec![Data::Limits(Limits {
                add_addr_accepted: Some(2),
                subflows: Some(if i % 7 == 6 { 0 } else { 2 }),
            })],
            vec![],
        ),
        section(
            "mib",
            ns,
            vec![Data::Mib(Mib {
                groups: [("MPTcpExt".to_string(), counters)].into_iter().collect(),
                ..Default::default()
            })],
            vec![],
        ),
        section(
            "sockets",
            ns,
            vec![],
            vec![artifact(
                "ss_-ManiH",
                if sockets > 0 {
                    ss_text(sockets, i as u8)
                } else {
                    String::new()
                },
            )],
        ),
        section(
            "routing",
            ns,
            vec![Data::Interfaces(Interfaces {
                links,
                ..Default::default()
            })],
            vec![],
        ),
    ]
}

/// A host with 100 namespaces: 500 endpoints and 10,000 sockets in its own, thousands of sockets in
/// a few others, MPTCP off in every 10th, a 10 MB kernel log.
fn big_report(name: &str) -> Report {
    let mut r: Report = serde_json::from_value(serde_json::json!({
        "schema_version": 1,
        "tool": {"name": "mptcp-get-debug", "version": "0"},
        "meta": {"started_at": "2026-11-25T07:00:00Z", "finished_at": "2026-11-25T07:00:00Z",
                 "mode": "collect", "hostname": name, "uid": 0, "privileged": true, "args": [],
                 "root": "/", "netns": [""]},
        "sections": []
    }))
    .unwrap();
    let kernel = KernelInfo {
        uname: format!("Linux {name} 6.18.44 #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux"),
        release: "6.18.44".into(),
        ..Default::default()
    };
    let distro = Distro {
        source: "/etc/os-release".into(),
        raw: "NAME=\"Fedora Linux\"\nVERSION_ID=43\n".into(),
        fields: Default::default(),
    };
    r.sections
        .push(section("kernel", None, vec![Data::Kernel(kernel)], vec![]));
    r.sections
        .push(section("distro", None, vec![Data::Distro(distro)], vec![]));
    r.sections.extend(namespace(None, 0, 500, 10_000));
    for i in 1..100 {
        let name = format!("ns-{i:03}");
        let sockets = if i % 25 == 0 { 3_000 } else { 0 };
        r.sections
            .extend(namespace(Some(&name), i, 1 + i % 3, sockets));
        r.meta.netns.push(name);
    }
    let lines = kernel_log(10 << 20);
    r.sections.push(section(
        "kmsg",
        None,
        vec![Data::KernelLog(KernelLog {
            source: "/dev/kmsg".into(),
            lines,
            splats: 1,
        })],
        vec![],
    ));
    r.findings = mptcp_get_debug::triage::evaluate(&r);
    // A report of schema 1, as `show` would read it: what this version shows of its sections.
    mptcp_get_debug::collect::present::upgrade(&mut r);
    r
}

#[test]
fn a_hundred_namespaces_stay_within_the_budget_in_the_summary_and_the_merge() {
    let r = big_report("big-host");
    assert!(r.findings.len() >= 10, "{} findings", r.findings.len());
    let md = render_summary(&r, &SummaryOptions::default()).unwrap();
    assert!(md.len() <= BUDGET, "summary is {} bytes", md.len());
    assert_valid_markdown(&md);
    let block = system_info_of(&md);
    assert_eq!(
        block,
        sysinfo::system_info(&r),
        "the System info block is whole"
    );
    // The first namespace's commands as they print, the long endpoint list shortened past its share.
    assert!(block.starts_with(&format!(
        "$ uname -a\nLinux big-host 6.18.44 #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\n$ cat /etc/os-release\nNAME=\"Fedora Linux\"\nVERSION_ID=43\n$ sysctl net.mptcp\n{}$ ip mptcp endpoint show\n10.0.0.1 id 1 subflow dev eth0 \n",
        SYSCTLS.iter().map(|(n, v)| format!("net.mptcp.{n} = {v}\n")).collect::<String>()
    )), "{block}");
    assert!(
        block.contains("more endpoints (all in report.json)\n"),
        "{block}"
    );
    assert!(block.contains("# … 96 more network namespaces"), "{block}");
    assert!(block.len() <= 20_000);
    // The other namespaces, by their differences from the first.
    assert!(md.contains("### Other network namespaces"));
    assert!(
        md.contains("| ns-009 | enabled = 0; endpoints: 1 (subflow 1) |"),
        "{md}"
    );
    assert!(
        md.contains(
            "| ns-006 | endpoints: 1 (subflow 1); limits: add_addr_accepted 2 subflows 0 |"
        ),
        "{md}"
    );
    assert!(md.contains("3000 (ESTAB 2999, LISTEN 1)"), "{md}");
    // Sockets summarized in each namespace shown section by section.
    assert!(md.contains("10000 MPTCP sockets: ESTAB 9999, LISTEN 1."));
    assert!(md.contains("WARNING: CPU: 1 PID: 42 at net/mptcp/protocol.c:1234"));
    // A merge of two such hosts.
    let merged = merge::render_merged(&r, &big_report("other-host")).unwrap();
    assert!(
        merged.len() <= BUDGET,
        "merged summary is {} bytes",
        merged.len()
    );
    assert_valid_markdown(&merged);
    assert_eq!(
        system_info_of(&merged),
        sysinfo::system_info_two_sides(&r, &big_report("other-host"))
    );
}

/// A user template that prints the parts twice is stepped down, and at worst cut outside a fence.
#[test]
fn a_template_printing_too_much_is_still_bounded() {
    let r = big_report("big-host");
    let tpl = format!(
        "{}\n{{% for ns in namespaces %}}{{{{ sockets_part(ns.sockets) }}}}{{{{ sockets_part(ns.sockets) }}}}{{% endfor %}}\n{{% for f in findings %}}{{{{ f.title }}}} {{{{ f.evidence }}}}\n{{% endfor %}}{{% for i in range(3000) %}}```\nfiller line {{{{ i }}}}\n```\n{{% endfor %}}",
        mptcp_get_debug::views::summary::DEFAULT_TEMPLATE
    );
    let md = render_summary(
        &r,
        &SummaryOptions {
            archive: None,
            template: Some(tpl),
        },
    )
    .unwrap();
    assert!(md.len() <= BUDGET, "{} bytes", md.len());
    assert!(md.ends_with("report.json and raw/ in the archive have everything]\n"));
    assert_valid_markdown(&md);
}
