//! Reproduce mode and signals: Ctrl-C during the window still writes the whole report, a second one
//! aborts without leaving anything behind, and an unprivileged run still takes its snapshots.

use crate::reproduce_live::window;
use crate::testns::TestNs;
use crate::util::unpack;
use mptcp_get_debug::report::EndedBy;
use mptcp_get_debug::report::Report;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `reproduce --duration 60s` and returns once it is watching (its stderr says so).
fn start_watching(ns: &TestNs, dir: &Path) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mptcp-get-debug"))
        .args(["reproduce", "--netns", &ns.name, "--duration", "60s"])
        .args(["--format", "json", "-o"])
        .arg(dir)
        .env_remove("CI")
        .env("XDG_STATE_HOME", crate::util::state_home())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut err, &mut line).unwrap() > 0 {
        if line.contains("watching MPTCP events") {
            break;
        }
    }
    assert!(
        line.contains("watching MPTCP events"),
        "never started watching: {line}"
    );
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    child
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn sigint_during_the_window_still_writes_the_whole_report() {
    let Some(ns) = TestNs::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let child = start_watching(&ns, dir.path());
    let t0 = Instant::now();
    // SAFETY: signalling the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let elapsed = t0.elapsed();
    assert!(out.status.success(), "exit {:?}", out.status);
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    let rep = report.reproduce.as_ref().unwrap();
    assert_eq!(rep.ended_by, EndedBy::Signal);
    assert!(rep.duration_ms < 60_000.0);
    assert_eq!(rep.requested_duration_ms, Some(60_000));
    let w = window(&report, &ns);
    assert!(w.subscribed);
    assert!(!w.before.counters.is_empty() && !w.after.counters.is_empty());
    for name in ["kernel", "sysctl", "endpoints", "limits", "mib"] {
        assert!(
            report.sections.iter().any(|s| s.collector == name),
            "{name}"
        );
    }
    let members = unpack(&crate::util::only_archive(dir.path()));
    for p in [
        "summary.md",
        "report.json",
        "manifest.json",
        "reproduce/window.json",
    ] {
        assert!(members.iter().any(|(n, _)| n == p), "{p} missing");
    }
    let summary = &members.iter().find(|(n, _)| n == "summary.md").unwrap().1;
    assert!(String::from_utf8_lossy(summary).contains("interrupted (SIGINT/SIGTERM)"));
    eprintln!(
        "SIGINT to archive written: {:.0} ms",
        elapsed.as_secs_f64() * 1000.0
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn a_second_sigint_aborts_without_leaving_a_partial_archive() {
    let Some(ns) = TestNs::new() else { return };
    let dir = tempfile::tempdir().unwrap();
    let child = start_watching(&ns, dir.path());
    let pid = child.id() as i32;
    // SAFETY: signalling the child we started.
    unsafe { libc::kill(pid, libc::SIGINT) };
    // Two signals sent back to back merge into one while pending: send the second once the first
    // has been delivered (its handler ran), while the report is being collected.
    let pending = || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status.lines().any(|l| {
            (l.starts_with("ShdPnd:") || l.starts_with("SigPnd:"))
                && u64::from_str_radix(l.split_whitespace().nth(1).unwrap_or("0"), 16).unwrap_or(0)
                    & (1 << (libc::SIGINT - 1))
                    != 0
        })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while pending() && Instant::now() < deadline {
        std::thread::yield_now();
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(
        out.stdout.is_empty(),
        "nothing printed as if it had succeeded"
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn without_cap_net_admin_events_are_not_subscribed_but_snapshots_are_taken() {
    let Some(mut nobody) = crate::util::bin_as_nobody() else {
        return;
    };
    let out = nobody
        .args([
            "reproduce",
            "--duration",
            "200ms",
            "--no-archive",
            "--format",
            "json",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    crate::util::assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("events cannot be subscribed without CAP_NET_ADMIN"),
        "{stderr}"
    );
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    let rep = report.reproduce.unwrap();
    assert_eq!(rep.ended_by, EndedBy::Duration);
    let w = &rep.namespaces[0];
    assert!(!w.subscribed);
    assert!(w
        .subscribe_error
        .as_deref()
        .unwrap()
        .contains("CAP_NET_ADMIN"));
    assert!(!w.before.counters.is_empty() && !w.after.counters.is_empty());
    assert!(w.before.limits.is_some(), "GET_LIMITS works unprivileged");
}
