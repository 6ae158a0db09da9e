//! Performance context against the real kernel: the links collector in a namespace with veth pairs
//! of different MTUs, an offload turned off and a path dropping packets (facts and findings); the
//! `ethtool -k` fallback parser checked against the real program; the host collector; and reproduce
//! windows with traffic over two subflows (aggregated, then with a backup-only second path) whose
//! throughput series, archive members and summary lines are checked.

use crate::testns::TestNs;
use crate::util::{assert_ok, bin, only_archive, unpack};
use mptcp_get_debug::netlink::genl::GenlSocket;
use mptcp_get_debug::netlink::nla::{emit_all, RawNla, NLA_F_NESTED};
use mptcp_get_debug::report::Samples;
use mptcp_get_debug::report::{Finding, LinkDetail, Report, Status};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const NEEDS_ROOT: &str = "needs root and network namespaces (run by .ci/run)";

/// Client namespace with va1 10.3.1.1 and va2 10.3.2.1, server namespace with vb1 10.3.1.2 and vb2
/// 10.3.2.2; `mtu2` is va2's MTU (vb2 keeps 1500, so larger packets are dropped on that pair).
fn two_paths(mtu2: u32) -> (TestNs, TestNs) {
    let c = TestNs::new().expect(NEEDS_ROOT);
    let s = TestNs::new().expect(NEEDS_ROOT);
    for i in 1..=2 {
        c.ip(&format!(
            "link add va{i} type veth peer name vb{i} netns {}",
            s.name
        ));
        c.ip(&format!("addr add 10.3.{i}.1/24 dev va{i}"));
        s.ip(&format!("addr add 10.3.{i}.2/24 dev vb{i}"));
        c.ip(&format!("link set va{i} up"));
        s.ip(&format!("link set vb{i} up"));
    }
    c.ip(&format!("link set va2 mtu {mtu2}"));
    c.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    s.ip("mptcp limits set subflows 2 add_addr_accepted 2");
    (c, s)
}

/// Turns one offload feature on or off over ethtool netlink (FEATURES_SET), as `ethtool -K` does.
fn set_feature(ns: &TestNs, ifname: &str, feature: &str, on: bool) {
    let (ifname, feature) = (format!("{ifname}\0"), format!("{feature}\0"));
    ns.on_thread(move || {
        let mut sock = GenlSocket::open().unwrap();
        let family = sock.family("ethtool").unwrap().id;
        let nest =
            |kind: u16, children: &[RawNla]| RawNla::new(kind | NLA_F_NESTED, emit_all(children));
        // ETHTOOL_A_FEATURES_HEADER { DEV_NAME }, ETHTOOL_A_FEATURES_WANTED { BITS { BIT { NAME [VALUE] } } }
        let header = nest(1, &[RawNla::new(2, ifname.as_bytes())]);
        let mut bit = vec![RawNla::new(2, feature.as_bytes())];
        if on {
            bit.push(RawNla::new(3, []));
        }
        let bits = nest(3, &[nest(1, &bit)]);
        let wanted = nest(3, &[bits]);
        const ETHTOOL_MSG_FEATURES_SET: u8 = 12;
        sock.request(
            family,
            ETHTOOL_MSG_FEATURES_SET,
            1,
            &emit_all(&[header, wanted]),
            false,
            "features set",
        )
        .unwrap();
    });
}

/// Sends `n` UDP datagrams of `size` bytes from namespace `ns` to `to`.
fn send_udp(ns: &TestNs, to: &str, size: usize, n: usize) {
    let script = format!(
        "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
         s.setsockopt(socket.IPPROTO_IP, 10, 2)\n\
         for i in range({n}): s.sendto(b'x'*{size}, ('{to}', 9))\n"
    );
    ns.exec(&["/usr/bin/python3", "-c", &script]);
}

fn json_run(args: &[&str]) -> Report {
    let out = bin()
        .args(args)
        .args(["--no-archive", "-q", "--format", "json", "--no-redact"])
        .output()
        .unwrap();
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn links_of<'a>(r: &'a Report, ns: &TestNs) -> &'a [LinkDetail] {
    r.links(Some(&ns.name))
        .unwrap_or_else(|| panic!("no links data for {}", ns.name))
}

fn finding<'a>(r: &'a Report, rule: &str, about: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule && f.title.contains(about))
        .unwrap_or_else(|| panic!("no {rule} finding about {about}: {:#?}", r.findings))
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn links_facts_and_findings_in_a_namespace() {
    let (c, s) = two_paths(9000);
    c.ip("mptcp endpoint add 10.3.1.1 dev va1 subflow");
    c.ip("mptcp endpoint add 10.3.2.1 dev va2 subflow");
    set_feature(&c, "va2", "tx-tcp-segmentation", false);
    // 8000-byte packets leave va2 (MTU 9000) and are dropped by vb2 (MTU 1500).
    send_udp(&c, "10.3.2.2", 8000, 5);
    // sysfs in a thread that entered the namespace still shows the namespace that mounted it: the
    // collector must not (and does not) depend on it there.
    assert!(!c.on_thread(|| std::path::Path::new("/sys/class/net/va2").exists()));

    let r = json_run(&["--netns", &c.name, "--only", "routing,endpoints,links"]);
    let links = links_of(&r, &c);
    let va1 = links.iter().find(|l| l.name == "va1").expect("va1");
    let va2 = links.iter().find(|l| l.name == "va2").expect("va2");
    assert_eq!(
        va1.driver.as_deref(),
        Some("veth"),
        "driver from GDRVINFO in the namespace"
    );
    assert_eq!(va1.kind.as_deref(), Some("veth"));
    assert_eq!(
        (va1.speed_mbps, va1.duplex.as_deref()),
        (Some(10000), Some("full"))
    );
    assert_eq!((va1.mtu, va2.mtu), (Some(1500), Some(9000)));
    assert_eq!(va1.qdisc.as_deref(), Some("noqueue"));
    assert_eq!(va1.operstate.as_deref(), Some("UP"));
    let (o1, o2) = (
        va1.offloads.as_ref().unwrap(),
        va2.offloads.as_ref().unwrap(),
    );
    assert_eq!(o1.source, "ethtool netlink");
    assert!(o1.is_on("tx-tcp-segmentation") && !o2.is_on("tx-tcp-segmentation"));
    assert!(o2.off.iter().any(|f| f == "tx-tcp-segmentation"), "{o2:?}");
    assert!(o2.is_on("tx-generic-segmentation"));
    let c2 = va2.counters.as_ref().unwrap();
    assert_eq!(c2.tx_dropped, 5, "{c2:?}");
    assert!(links.iter().any(|l| l.name == "lo"));

    // The raw text keeps every counter and feature, one block per interface.
    let section = r.sections.iter().find(|s| s.collector == "links").unwrap();
    assert_eq!(section.status, Status::Ok);
    let raw = &section
        .artifacts
        .iter()
        .find(|a| a.name == "links.txt")
        .unwrap()
        .content;
    assert!(
        raw.contains(": va2 (veth) state UP mtu 9000 qdisc noqueue\n"),
        "{raw}"
    );
    assert!(raw.contains("tx_dropped 5"), "{raw}");
    assert!(
        raw.contains("features off (changeable): ")
            && raw.contains("    speed 10000Mb/s duplex full"),
        "{raw}"
    );

    let mtu = finding(
        &r,
        "subflow-mtu-mismatch",
        "1500 bytes on va1 and 9000 on va2",
    );
    assert!(
        mtu.evidence
            .iter()
            .any(|e| e.starts_with("va2: mtu 9000 (endpoint 10.3.2.1 id 2 subflow dev va2)")),
        "{mtu:#?}"
    );
    let off = finding(&r, "offload-off", "va2");
    assert_eq!(
        off.evidence[0],
        "va2: tx-tcp-segmentation off (`ethtool -K va2 tso on` turns it on)"
    );
    let loss = finding(&r, "interface-loss", "va2");
    assert!(
        loss.evidence[0].starts_with("va2: tx_dropped 5 (since it was created;"),
        "{loss:#?}"
    );
    assert!(!r
        .findings
        .iter()
        .any(|f| f.rule == "offload-off" && f.title.contains("va1")));
    drop(s);
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn ethtool_k_fallback_parser_agrees_with_netlink() {
    let have = Command::new("ethtool").arg("--version").output();
    assert!(
        have.is_ok(),
        "needs the ethtool program (apt-get install ethtool; .ci/run does)"
    );
    let (c, _s) = two_paths(1500);
    set_feature(&c, "va1", "rx-gro", true);
    set_feature(&c, "va1", "tx-generic-segmentation", false);
    let text = c.exec(&["ethtool", "-k", "va1"]);
    let parsed = mptcp_get_debug::collect::collectors::links_text::parse_ethtool_k(&text);
    let r = json_run(&["--netns", &c.name, "--only", "links"]);
    let va1 = links_of(&r, &c).iter().find(|l| l.name == "va1").unwrap();
    let native = va1.offloads.as_ref().unwrap();
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    assert_eq!(sorted(&parsed.active), sorted(&native.active), "{text}");
    assert_eq!(sorted(&parsed.off), sorted(&native.off), "{text}");
    assert!(parsed.is_on("rx-gro") && !parsed.is_on("tx-generic-segmentation"));
}

#[test]
fn host_and_links_only_describe_the_running_system() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let r = json_run(&["--root", &root, "--only", "host,links"]);
    for s in &r.sections {
        assert!(
            matches!(&s.status, Status::Skipped { reason } if reason.contains("--root")),
            "{s:?}"
        );
    }
    let r = json_run(&["--only", "host"]);
    let h = r.host().expect("host data on the running system");
    assert!(h.cpus_online >= 1 && h.memory_total_bytes > 0 && h.uptime_seconds > 0);
}

/// The server: an MPTCP listener on 10.3.1.2:5201 in `s` that reads and discards; killed on drop.
struct Sink(Child);

impl Sink {
    fn start(s: &TestNs) -> Sink {
        let script = "import socket, threading\n\
            l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)\n\
            l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
            l.bind(('10.3.1.2', 5201)); l.listen(16)\n\
            print('ready', flush=True)\n\
            def drain(c):\n    while c.recv(1 << 20): pass\n\
            while True:\n    c, _ = l.accept()\n    threading.Thread(target=drain, args=(c,), daemon=True).start()\n";
        let mut child = Command::new("ip")
            .args(["netns", "exec", &s.name, "/usr/bin/python3", "-c", script])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Sink(child)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The client: one MPTCP connection sending for 2.5 s, then its byte count. It first waits (up to 5 s)
/// for its second subflow (MPTCP_INFO's extra subflows, SOL_MPTCP 284 / MPTCP_INFO 1): on a loaded
/// machine the join once came late enough that one path carried nothing.
const CLIENT: &str = "import socket, time\n\
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262)\n\
    c.connect(('10.3.1.2', 5201))\n\
    sent = c.send(b'x' * 1000)\n\
    wait = time.time() + 5\n\
    while c.getsockopt(284, 1, 256)[0] < 1 and time.time() < wait: time.sleep(0.01)\n\
    buf, end = b'x' * 65536, time.time() + 2.5\n\
    while time.time() < end: sent += c.send(buf)\n\
    c.close()\n\
    print('sent', sent)\n";

/// A reproduce window in `c` and `s` around the client; returns the report (JSON) and the archive.
fn reproduce(
    c: &TestNs,
    s: &TestNs,
    dir: &std::path::Path,
    extra: &[&str],
) -> (Report, Vec<(String, Vec<u8>)>) {
    let out = bin()
        .args([
            "reproduce",
            "--netns",
            &c.name,
            "--netns",
            &s.name,
            "-q",
            "--format",
            "json",
            "-o",
        ])
        .arg(dir)
        .args(extra)
        .args(["--", "/usr/bin/python3", "-c", CLIENT])
        .output()
        .unwrap();
    assert_ok(&out);
    let r: Report = serde_json::from_slice(&out.stdout).unwrap();
    let members = unpack(&only_archive(dir));
    (r, members)
}

fn samples<'a>(r: &'a Report, ns: &TestNs) -> &'a Samples {
    let rep = r.reproduce.as_ref().unwrap();
    let w = rep
        .namespaces
        .iter()
        .find(|w| w.netns.as_deref() == Some(&ns.name))
        .unwrap();
    w.samples.as_ref().expect("sampled")
}

fn member(members: &[(String, Vec<u8>)], path: &str) -> String {
    let (_, d) = members
        .iter()
        .find(|(n, _)| n == path)
        .unwrap_or_else(|| panic!("{path} missing"));
    String::from_utf8(d.clone()).unwrap()
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn reproduce_samples_show_both_subflows_sharing_the_bytes() {
    let (c, s) = two_paths(1500);
    c.ip("mptcp endpoint add 10.3.2.1 dev va2 subflow");
    let _sink = Sink::start(&s);
    let dir = tempfile::tempdir().unwrap();
    let (r, members) = reproduce(
        &c,
        &s,
        dir.path(),
        &["--no-redact", "--sample-interval", "100"],
    );
    let cmd = r.reproduce.as_ref().unwrap().command.as_ref().unwrap();
    assert_eq!(cmd.exit_code, Some(0), "{}", cmd.stderr_tail);
    let sent: u64 = cmd
        .stdout_tail
        .trim()
        .strip_prefix("sent ")
        .unwrap()
        .parse()
        .unwrap();

    let cs = samples(&r, &c);
    assert_eq!(cs.interval_ms, 100);
    // How many rounds fit depends on the machine's load: only their order is asserted.
    assert!(cs.rounds >= 3, "{} rounds", cs.rounds);
    assert!(cs.series.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
    // On a loaded machine the interval may have been stretched; nothing else may be missing.
    assert!(
        cs.notes
            .iter()
            .all(|n| n.contains("the interval was stretched")),
        "{:?}",
        cs.notes
    );
    let on = |dev: &str| {
        cs.paths
            .iter()
            .filter(|p| p.dev.as_deref() == Some(dev))
            .map(|p| p.bytes_acked)
            .sum::<u64>()
    };
    let (b1, b2) = (on("va1"), on("va2"));
    assert!(
        b1 > sent / 100 && b2 > sent / 100,
        "both paths carry data: va1 {b1}, va2 {b2} of {sent}"
    );
    assert!(
        b1 + b2 >= sent * 9 / 10 && b1 + b2 <= sent + sent / 10,
        "va1 {b1} + va2 {b2} vs {sent} sent"
    );
    assert!(cs.paths.iter().all(|p| !p.backup));
    // The connection's own counters grow over the series, and so do the interfaces'.
    let acked: Vec<u64> = cs
        .series
        .iter()
        .filter_map(|x| x.connections.first()?.bytes_acked)
        .collect();
    assert!(
        acked.len() >= 3 && acked.windows(2).all(|w| w[0] <= w[1]) && acked.last() > acked.first(),
        "{acked:?}"
    );
    let conn = cs
        .series
        .iter()
        .rev()
        .find_map(|x| x.connections.first())
        .unwrap();
    assert_eq!(conn.remote, "10.3.1.2:5201");
    let tx = |x: &mptcp_get_debug::report::Sample| {
        x.links.iter().find(|l| l.name == "va2").map(|l| l.tx_bytes)
    };
    assert!(cs.series.last().and_then(tx) > cs.series.first().and_then(tx));
    // The server saw the same two paths, from the receiving side.
    let ss = samples(&r, &s);
    let received: u64 = ss.paths.iter().map(|p| p.bytes_received).sum();
    assert!(
        received >= sent * 9 / 10,
        "server received {received} of {sent}"
    );

    let jsonl = member(
        &members,
        &format!("reproduce/netns-{}/samples.jsonl", c.name),
    );
    assert_eq!(jsonl.lines().count(), cs.series.len());
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["t_ms"], 0);
    let summary = member(&members, "summary.md");
    assert!(summary.len() < 60_000);
    let head = format!(
        "Throughput during the window (netns {}): {} rounds every 100 ms",
        c.name, cs.rounds
    );
    assert!(summary.contains(&head), "{summary}");
    for dev in [
        "10.3.1.1 -> 10.3.1.2 (va1): ",
        "10.3.2.1 -> 10.3.1.2 (va2): ",
    ] {
        let line = summary
            .lines()
            .find(|l| l.starts_with(&format!("- {dev}")))
            .unwrap_or_else(|| panic!("no {dev} line in {summary}"));
        assert!(
            line.contains("% of bytes (") && line.contains("Mbit/s while up"),
            "{line}"
        );
    }
    assert!(!r.findings.iter().any(|f| f.rule == "backup-only-paths"));
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn a_backup_second_path_carries_nothing_and_is_explained() {
    let (c, s) = two_paths(1500);
    c.ip("mptcp endpoint add 10.3.2.1 dev va2 subflow backup");
    let _sink = Sink::start(&s);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    let (r, members) = reproduce(&c, &s, dir.path(), &["--redact-key", key.to_str().unwrap()]);
    let cs = samples(&r, &c);
    let total: u64 = cs.paths.iter().map(|p| p.bytes()).sum();
    let backup: Vec<_> = cs.paths.iter().filter(|p| p.backup).collect();
    assert_eq!(backup.len(), 1, "{:#?}", cs.paths);
    assert!(
        backup[0].bytes() * 50 < total,
        "the backup path carried {} of {total}",
        backup[0].bytes()
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "backup-only-paths")
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains(" subflow backup dev va2")),
        "{f:#?}"
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("backup subflow ") && e.ends_with("% of the window's bytes")),
        "{f:#?}"
    );
    let summary = member(&members, "summary.md");
    let line = summary
        .lines()
        .find(|l| l.contains("(va2): "))
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(
        line.starts_with("- ") && line.ends_with(", backup") && line.contains("% of bytes"),
        "{line}"
    );
    // Redacted: no test address anywhere in the archive, samples included.
    for (name, data) in &members {
        let text = String::from_utf8_lossy(data);
        assert!(
            !text.contains("10.3.1.") && !text.contains("10.3.2."),
            "{name} leaks an address"
        );
    }
}
