//! The runner's tests: real processes (exit status, timeouts, process groups, caps, both pipes,
//! streaming) and the fixture runner's replay.

use super::*;

fn req(argv: &[&str], timeout_ms: u64, cap: usize) -> CommandRequest {
    CommandRequest::new(argv, Duration::from_millis(timeout_ms), cap)
}

#[test]
fn records_exit_status_and_output() {
    let out = RealRunner.run(&req(
        &["sh", "-c", "echo hi; echo err >&2; exit 3"],
        5000,
        1024,
    ));
    assert_eq!(out.stdout, "hi\n");
    assert_eq!(out.stderr, "err\n");
    assert_eq!(out.exit_code, Some(3));
    assert!(!out.timed_out && !out.missing);
}

#[test]
fn missing_program_is_recorded() {
    let out = RealRunner.run(&req(&["no-such-program-xyz"], 1000, 1024));
    assert!(out.missing);
    assert_eq!(out.exit_code, None);
}

#[test]
fn timeout_kills() {
    let out = RealRunner.run(&req(&["sleep", "5"], 100, 1024));
    assert!(out.timed_out);
    assert!(out.duration < Duration::from_secs(4));
}

#[test]
fn a_background_grandchild_holding_the_pipe_does_not_hang_the_run() {
    let out = RealRunner.run(&req(&["sh", "-c", "sleep 5 & echo hi"], 300, 1024));
    assert_eq!(out.stdout, "hi\n");
    assert_eq!(out.exit_code, Some(0));
    assert!(!out.timed_out);
    assert!(out.duration < Duration::from_secs(4));
}

/// Whether process `pid` is gone (or a zombie waiting for its new parent to reap it), within 5 s.
fn gone(pid: &str) -> bool {
    let stat = format!("/proc/{}/stat", pid.trim());
    for _ in 0..500 {
        match std::fs::read_to_string(&stat) {
            Err(_) => return true,
            Ok(s) if s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')) => return true,
            Ok(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    false
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let out = RealRunner.run(&req(
        &["sh", "-c", "sleep 30 & echo $!; sleep 30"],
        500,
        1024,
    ));
    assert!(out.timed_out);
    assert_eq!(out.exit_code, None);
    assert!(gone(&out.stdout), "grandchild {} still running", out.stdout);
}

#[test]
fn what_a_command_leaves_running_ends_with_it() {
    let out = RealRunner.run(&req(&["sh", "-c", "sleep 30 & echo $!"], 5000, 1024));
    assert!(!out.timed_out);
    assert_eq!(out.exit_code, Some(0));
    assert!(gone(&out.stdout), "grandchild {} still running", out.stdout);
}

#[test]
fn each_command_runs_in_its_own_process_group() {
    let out = RealRunner.run(&req(
        &["sh", "-c", "echo $$; ps -o pgid= -p $$"],
        5000,
        1024,
    ));
    let mut lines = out.stdout.lines();
    let (pid, pgid) = (lines.next().unwrap(), lines.next().unwrap_or("?"));
    assert_eq!(pid.trim(), pgid.trim(), "{}", out.stdout);
    let ours = rustix::process::getpgrp().as_raw_nonzero().get();
    assert_ne!(pgid.trim(), ours.to_string());
}

#[test]
fn both_pipes_drain_without_deadlock() {
    let out = RealRunner.run(&req(
        &["sh", "-c", "seq 1 200000 >&2; seq 1 200000; echo done"],
        10_000,
        4 << 20,
    ));
    assert_eq!(out.exit_code, Some(0));
    assert!(out.stdout.ends_with("200000\ndone\n"));
    assert!(!out.truncated);
    assert!(out.stderr.ends_with("200000\n"), "stderr keeps its tail");
}

#[test]
fn cap_keeps_the_tail() {
    let out = RealRunner.run(&req(&["seq", "1", "100000"], 5000, 100));
    assert!(out.truncated);
    assert!(out.stdout.ends_with("100000\n"));
    assert!(out.stdout.len() <= 100);
    assert!(out.original_size > 500_000);
}

#[test]
fn fixture_names_keep_programs_given_by_path_inside_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path()
            .join("%2Fusr%2Flibexec%2Fmptcpd%2Fmptcpd --version"),
        "mptcpd 0.12\n",
    )
    .unwrap();
    let f = FixtureRunner::new(dir.path());
    let out = f.run(&req(
        &["/usr/libexec/mptcpd/mptcpd", "--version"],
        1000,
        1024,
    ));
    assert_eq!(
        (out.stdout.as_str(), out.exit_code),
        ("mptcpd 0.12\n", Some(0))
    );
    assert_eq!(f.file_for(&["a/b%c".into()]), dir.path().join("a%2Fb%25c"));
}

#[test]
fn stdin_data_reaches_the_program() {
    let mut r = req(&["sh", "-c", "cat; echo end"], 5000, 1024);
    r.stdin = Some(b"line 1\nline 2\n".to_vec());
    let out = RealRunner.run(&r);
    assert_eq!(out.stdout, "line 1\nline 2\nend\n");
}

#[test]
fn fixture_replays_an_ip_batch_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ip a show"), "A\n").unwrap();
    std::fs::write(dir.path().join("ip b show"), "").unwrap();
    std::fs::write(dir.path().join("ip b show.exit"), "2").unwrap();
    std::fs::write(dir.path().join("ip b show.stderr"), "Error: b\n").unwrap();
    std::fs::write(dir.path().join("ip c show"), "C\n").unwrap();
    let f = FixtureRunner::new(dir.path());
    let mut r = req(&["ip", "-force", "-batch", "-"], 1000, 1024);
    r.stdin = Some(b"a show\nb show\nc show\n".to_vec());
    let out = f.run(&r);
    assert_eq!(out.stdout, "A\nC\n");
    assert_eq!(out.stderr, "Error: b\nCommand failed -:2\n");
    assert_eq!(out.exit_code, Some(1));
    // Without -force the batch stops at the failed line.
    let mut r = req(&["ip", "-batch", "-"], 1000, 1024);
    r.stdin = Some(b"b show\nc show\n".to_vec());
    assert_eq!(f.run(&r).stdout, "");
}

#[test]
fn stdin_is_closed_and_env_is_clean() {
    let out = RealRunner.run(&req(&["sh", "-c", "cat; echo \"$PATH|$HOME\""], 5000, 1024));
    assert_eq!(out.stdout, format!("{SAFE_PATH}|\n"));
}

fn streamed(argv: &[&str], cap: usize) -> StreamRequest {
    StreamRequest {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        netns: None,
        inherit_stdin: false,
        echo: false,
        cap,
    }
}

/// Whether the end-of-command pipe is readable within `ms`.
fn done_within(s: &Streaming, ms: u64) -> bool {
    let mut fds = [crate::sys::poll::PollFd::readable(s.done())];
    crate::sys::poll::poll(&mut fds, Some(Duration::from_millis(ms))).unwrap() == 1
}

#[test]
fn streaming_records_the_tails_and_the_exit_status() {
    let s = stream(streamed(
        &["sh", "-c", "echo out; echo err >&2; seq 1 20000; exit 4"],
        1000,
    ))
    .unwrap();
    assert!(done_within(&s, 5000));
    let r = s.finish();
    assert_eq!((r.exit_code, r.signal, r.stopped), (Some(4), None, false));
    assert_eq!(r.stderr_tail, "err\n");
    assert!(r.stdout_tail.ends_with("19999\n20000\n") && r.stdout_tail.len() <= 1000);
    assert!(r.truncated);
    assert_eq!(r.error, None);
}

#[test]
fn streaming_keeps_the_users_environment() {
    let r = stream(streamed(&["sh", "-c", "echo \"$PATH\""], 4096))
        .unwrap()
        .finish();
    assert_eq!(r.stdout_tail.trim(), std::env::var("PATH").unwrap());
}

#[test]
fn a_stopped_command_is_terminated_and_marked() {
    let s = stream(streamed(&["sleep", "30"], 1024)).unwrap();
    assert!(!done_within(&s, 50));
    let t = Instant::now();
    let r = s.stop(Duration::from_secs(2));
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(
        (r.exit_code, r.signal, r.stopped),
        (None, Some(libc::SIGTERM), true)
    );
}

#[test]
fn a_command_that_ignores_sigterm_is_killed_after_the_grace() {
    let s = stream(streamed(
        &["sh", "-c", "trap '' TERM; echo ready; sleep 30"],
        1024,
    ))
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let r = s.stop(Duration::from_millis(300));
    assert_eq!(r.signal, Some(libc::SIGKILL));
    assert_eq!(r.stdout_tail, "ready\n");
}

#[test]
fn streaming_does_not_wait_for_what_the_command_left_running() {
    let t = Instant::now();
    let s = stream(streamed(&["sh", "-c", "sleep 30 & echo $!"], 1024)).unwrap();
    assert!(done_within(&s, 5000));
    let r = s.finish();
    assert_eq!(r.exit_code, Some(0));
    assert!(t.elapsed() < Duration::from_secs(5));
    // The user's background process is theirs, not killed (the test ends it).
    let pid = r.stdout_tail.trim().parse().unwrap();
    let pid = rustix::process::Pid::from_raw(pid).unwrap();
    assert!(rustix::process::test_kill_process(pid).is_ok());
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
}

#[test]
fn a_command_that_cannot_start_says_why() {
    let r = stream(streamed(&["/nonexistent/program"], 1024))
        .unwrap()
        .finish();
    assert!(r.error.unwrap().starts_with("/nonexistent/program: "));
    let mut req = streamed(&["true"], 1024);
    req.netns = Some(crate::sys::Netns {
        label: "nowhere".into(),
        path: "/nonexistent/netns".into(),
    });
    let r = stream(req).unwrap().finish();
    assert!(r.error.unwrap().starts_with("cannot enter nowhere: "));
}
