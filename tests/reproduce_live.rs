//! Reproduce mode against the real kernel: a client namespace (two veth links, a `subflow` endpoint on
//! the second address) and a server namespace, an MPTCP client/server test program
//! (examples/mptcp_pair.rs) as the reproduction, a 500-connection burst,
//! and losses forced with a tiny receive buffer (signals and privileges: reproduce_signals.rs).

use crate::testns::TestNs;
use crate::util::{bin, unpack};
use mptcp_get_debug::report::Report;
use mptcp_get_debug::report::{EndedBy, NsWindow};
use mptcp_get_debug::report::{EventKind, PmEvent};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// The test program, built by `cargo test` with the other examples (or built here if missing).
pub fn pair_bin() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_mptcp-get-debug"));
    let p = exe.parent().unwrap().join("examples/mptcp_pair");
    if !p.exists() {
        let st = Command::new(env!("CARGO"))
            .args(["build", "--example", "mptcp_pair"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(st.success(), "building examples/mptcp_pair failed");
    }
    p
}

/// The pair program's argv: its client connects to the server it starts in `s` at 10.1.1.2:10001,
/// then `extra`.
pub fn pair_argv(s: &TestNs, extra: &[&str]) -> Vec<String> {
    let mut v = vec![pair_bin().display().to_string()];
    v.extend(["--server-netns", &s.name, "--addr", "10.1.1.2:10001"].map(String::from));
    v.extend(extra.iter().map(|a| a.to_string()));
    v
}

/// Client namespace with va1 10.1.1.1 and va2 10.1.2.1, server namespace with 10.1.1.2 / 10.1.2.2.
pub fn client_server(subflow_endpoint: bool) -> Option<(TestNs, TestNs)> {
    let c = TestNs::new()?;
    let s = TestNs::new()?;
    for (i, (a, b)) in [("va1", "vb1"), ("va2", "vb2")].iter().enumerate() {
        c.ip(&format!(
            "link add {a} type veth peer name {b} netns {}",
            s.name
        ));
        c.ip(&format!("addr add 10.1.{}.1/24 dev {a}", i + 1));
        s.ip(&format!("addr add 10.1.{}.2/24 dev {b}", i + 1));
        c.ip(&format!("link set {a} up"));
        s.ip(&format!("link set {b} up"));
    }
    if subflow_endpoint {
        c.ip("mptcp endpoint add 10.1.2.1 dev va2 subflow");
    }
    c.ip("mptcp limits set subflows 2");
    s.ip("mptcp limits set subflows 2");
    Some((c, s))
}

/// The reproduce window of one namespace.
pub fn window<'a>(r: &'a Report, ns: &TestNs) -> &'a NsWindow {
    r.reproduce
        .as_ref()
        .expect("report has a reproduce record")
        .namespaces
        .iter()
        .find(|w| w.netns.as_deref() == Some(&ns.name))
        .unwrap_or_else(|| panic!("no window for {}", ns.name))
}

fn find(w: &NsWindow, kind: EventKind, f: impl Fn(&PmEvent) -> bool) -> &PmEvent {
    w.events
        .iter()
        .find(|e| e.kind == kind && f(e))
        .unwrap_or_else(|| panic!("no {} event in {:#?}", kind.name(), w.events))
}

fn delta(w: &NsWindow, name: &str) -> i64 {
    w.all_deltas()
        .iter()
        .find(|d| d.name == name)
        .map_or(0, |d| d.delta)
}

/// `reproduce` around one connection from the client to the server (waiting for its extra subflow),
/// writing the archive into `dir`.
fn reproduce_one_connection(
    c: &TestNs,
    s: &TestNs,
    dir: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let out = bin()
        .args([
            "reproduce",
            "--netns",
            &c.name,
            "--netns",
            &s.name,
            "-q",
            "-o",
        ])
        .arg(dir)
        .args(extra)
        .arg("--")
        .args(pair_argv(s, &["--wait-subflows", "1"]))
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    out
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn one_connection_gives_its_events_and_counter_deltas() {
    let Some((c, s)) = client_server(true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = reproduce_one_connection(&c, &s, dir.path(), &["--no-redact", "--format", "json"]);
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    let rep = report.reproduce.as_ref().unwrap();
    assert_eq!(rep.ended_by, EndedBy::Command);
    let cmd = rep.command.as_ref().unwrap();
    assert_eq!(cmd.exit_code, Some(0), "{}", cmd.stderr_tail);
    assert_eq!(cmd.netns.as_deref(), Some(c.name.as_str()));
    // "connection local=10.1.1.1:PORT remote=10.1.1.2:10001 subflows=1"
    let line = cmd
        .stdout_tail
        .lines()
        .next()
        .expect("the program's report");
    assert!(line.ends_with("subflows=1"), "{line}");
    let port: u16 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("local=10.1.1.1:"))
        .expect(line)
        .parse()
        .unwrap();

    let cw = window(&report, &c);
    assert!(cw.subscribed && cw.events_lost == 0);
    let created = find(cw, EventKind::Created, |e| e.sport == Some(port));
    assert_eq!(created.dport, Some(10001));
    assert!(!created.is_server_side());
    let token = created.token;
    find(cw, EventKind::Established, |e| {
        e.token == token && e.sport == Some(port) && e.dport == Some(10001)
    });
    let sub = find(cw, EventKind::SubEstablished, |e| e.token == token);
    assert_eq!(sub.saddr, Some("10.1.2.1".parse().unwrap()));
    assert_eq!(sub.dport, Some(10001));
    find(cw, EventKind::Closed, |e| e.token == token);

    let sw = window(&report, &s);
    find(sw, EventKind::ListenerCreated, |e| e.sport == Some(10001));
    let screated = find(sw, EventKind::Created, |e| e.dport == Some(port));
    assert_eq!(screated.sport, Some(10001));
    assert!(screated.is_server_side());
    let stoken = screated.token;
    find(sw, EventKind::Established, |e| e.token == stoken);
    find(sw, EventKind::SubEstablished, |e| e.token == stoken);
    find(sw, EventKind::Closed, |e| e.token == stoken);
    find(sw, EventKind::ListenerClosed, |e| e.sport == Some(10001));

    assert_eq!(delta(cw, "MPTcpExtMPCapableSYNTX"), 1);
    assert_eq!(delta(cw, "MPTcpExtMPJoinSynTx"), 1);
    assert_eq!(delta(sw, "MPTcpExtMPCapableSYNRX"), 1);
    assert!(cw.changed_counters().iter().all(|d| d.delta != 0));

    let archive = crate::util::only_archive(dir.path());
    let members = unpack(&archive);
    let text = |p: &str| {
        let (_, d) = members
            .iter()
            .find(|(n, _)| n == p)
            .unwrap_or_else(|| panic!("{p} missing from the archive"));
        String::from_utf8(d.clone()).unwrap()
    };
    let base = format!("reproduce/netns-{}", c.name);
    let events_txt = text(&format!("{base}/events.txt"));
    assert_eq!(events_txt.lines().count(), cw.events.len());
    assert!(events_txt.contains(&format!("[         CREATED] token={:08x} ", token.unwrap())));
    assert_eq!(
        text(&format!("{base}/events.jsonl")).lines().count(),
        cw.events.len()
    );
    for f in [
        "counters-before.json",
        "counters-after.json",
        "counter-deltas.json",
    ] {
        let v: serde_json::Value = serde_json::from_str(&text(&format!("{base}/{f}"))).unwrap();
        assert!(v.as_array().is_some_and(|a| !a.is_empty()), "{f}");
    }
    // The snapshots' sockets, streamed from their lists: what report.json has for them.
    for (side, snap) in [("before", &cw.before), ("after", &cw.after)] {
        let got: serde_json::Value =
            serde_json::from_str(&text(&format!("{base}/sockets-{side}.json"))).unwrap();
        let want = serde_json::to_value(snap.sockets.as_ref().expect("sockets snapshot")).unwrap();
        assert_eq!(got, want, "sockets-{side}.json");
    }
    assert!(text(&format!("reproduce/netns-{}/events.txt", s.name))
        .starts_with("[LISTENER_CREATED] saddr4=10.1.1.2 sport=10001\n"));
    assert!(text("reproduce/command.stdout").contains("subflows=1"));
    let summary = text("summary.md");
    assert!(summary.contains("### Reproduction window"), "{summary}");
    assert!(
        summary.contains("- MPTcpExtMPCapableSYNTX: 0 -> 1 (+1)"),
        "{summary}"
    );
    let manifest: serde_json::Value = serde_json::from_str(&text("manifest.json")).unwrap();
    assert_eq!(manifest["reproduce"]["events_lost"], 0);
    assert_eq!(manifest["mode"], "reproduce");
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn burst_of_500_connections_every_created_event_is_recorded_or_counted_lost() {
    let Some((c, s)) = client_server(false) else {
        return;
    };
    let t0 = Instant::now();
    let out = bin()
        .args([
            "reproduce",
            "--netns",
            &c.name,
            "--netns",
            &s.name,
            "-q",
            "--no-redact",
        ])
        .args(["--format", "json", "--no-archive", "--"])
        .args(pair_argv(
            &s,
            &["--count", "500", "--parallel", "8", "--bytes", "64"],
        ))
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    let rep = report.reproduce.as_ref().unwrap();
    assert_eq!(rep.command.as_ref().unwrap().exit_code, Some(0));
    let mut total = 0;
    for ns in [&c, &s] {
        let w = window(&report, ns);
        let created = w
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Created)
            .count() as u64;
        assert_eq!(w.events_total, w.events.len() as u64);
        assert!(
            created + w.events_lost >= 500,
            "netns {}: {created} created events recorded, {} lost",
            ns.name,
            w.events_lost
        );
        total += w.events_total;
        if w.events_lost > 0 {
            let md = mptcp_get_debug::views::render_summary(&report, &Default::default()).unwrap();
            assert!(md.contains(&format!("**{} events lost**", w.events_lost)));
        }
    }
    eprintln!(
        "burst: {total} events in a {:.0} ms window ({:.0} ms whole run)",
        rep.duration_ms,
        t0.elapsed().as_secs_f64() * 1000.0
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn loss_is_counted_when_the_receive_buffer_overflows() {
    let Some((c, s)) = client_server(false) else {
        return;
    };
    // A monitor with the smallest receive buffer, not drained while 50 connections come and go.
    let (tx, rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let mon = {
        let ns = mptcp_get_debug::sys::Netns::named(&c.name);
        std::thread::spawn(move || {
            ns.enter().unwrap();
            let mut m =
                mptcp_get_debug::netlink::monitor::Monitor::subscribe_with_rcvbuf(1).unwrap();
            tx.send(()).unwrap();
            go_rx.recv().unwrap();
            let mut events = Vec::new();
            m.drain(&mut events).unwrap();
            (events.len() as u64, m.lost(), m.overruns)
        })
    };
    rx.recv().unwrap();
    let argv = pair_argv(&s, &["--count", "50", "--bytes", "16"]);
    c.exec(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    go_tx.send(()).unwrap();
    let (kept, lost, overruns) = mon.join().unwrap();
    // Each client connection gives created, established and closed: 150 events.
    assert!(lost > 0, "a tiny buffer must overflow ({kept} kept)");
    assert!(overruns >= 1, "ENOBUFS was reported");
    assert_eq!(kept + lost, 150, "{kept} kept + {lost} lost");
}

/// Events, snapshots and the command's output pass through the redaction pass like everything else.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn reproduce_members_are_redacted() {
    let Some((c, s)) = client_server(true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    reproduce_one_connection(&c, &s, dir.path(), &[]);
    let archive = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .unwrap();
    let members = unpack(&archive);
    assert!(members.iter().any(|(p, _)| p.starts_with("reproduce/")));
    for (path, data) in &members {
        let text = String::from_utf8_lossy(data);
        for addr in ["10.1.1.1", "10.1.1.2"] {
            assert!(!text.contains(addr), "{addr} in {path}");
        }
    }
    let events = members
        .iter()
        .find(|(p, _)| p.ends_with("events.jsonl"))
        .unwrap();
    assert!(
        String::from_utf8_lossy(&events.1).contains("sport"),
        "events are still there, redacted"
    );
}

/// The text view shows the window too.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn text_format_shows_the_window() {
    let Some(ns) = TestNs::new() else { return };
    let out = bin()
        .args([
            "reproduce",
            "--netns",
            &ns.name,
            "--duration",
            "100ms",
            "--format",
            "text",
            "--no-archive",
            "-q",
        ])
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("== reproduction window: "), "{text}");
    assert!(
        text.contains(&format!("events (netns {}): 0 received, 0 lost", ns.name)),
        "{text}"
    );
}
