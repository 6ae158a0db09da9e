//! The command line: compatibility with the shell script's flags, and clear errors for bad options.

use crate::util::{bin, fixture_args, OkStdout};
use predicates::prelude::*;

#[test]
fn version_flags_match_the_script() {
    for flag in ["-v", "-V", "--version"] {
        bin()
            .arg(flag)
            .assert()
            .success()
            .stdout(predicate::str::starts_with("mptcp-get-debug "));
    }
}

#[test]
fn help_lists_the_compat_flags() {
    let out = bin().arg("-h").ok_stdout();
    let help = String::from_utf8(out).unwrap();
    for want in [
        "--collect",
        "--reproduce",
        "--output",
        "--format",
        "--root",
        "--only",
        "--skip",
        "--batch",
        "--timeout",
        "--quiet",
        "list",
    ] {
        assert!(help.contains(want), "help lacks {want}:\n{help}");
    }
}

#[test]
fn dash_c_collects_like_the_default() {
    let mut args = fixture_args("modern");
    args.extend(["--no-archive".into(), "--format".into(), "json".into()]);
    let a = bin().arg("-c").args(&args).ok_stdout();
    let b = bin().args(&args).ok_stdout();
    let ra: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let rb: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        ra["sections"].as_array().unwrap().len(),
        rb["sections"].as_array().unwrap().len()
    );
    assert_eq!(ra["meta"]["mode"], "collect");
}

#[test]
fn unknown_collector_is_a_one_line_error() {
    let out = bin()
        .args(fixture_args("modern"))
        .args(["--only", "sysctl,bogus", "--no-archive"])
        .assert()
        .failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--only") && err.contains("bogus"), "{err}");
}

#[test]
fn bad_root_and_timeout_name_the_option() {
    let out = bin()
        .args(["--root", "/nonexistent/x", "--no-archive"])
        .assert()
        .failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("--root /nonexistent/x"), "{err}");
    let out = bin()
        .args(fixture_args("modern"))
        .args(["--timeout", "0", "--no-archive"])
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("--timeout"));
}

#[test]
fn only_and_skip_select_collectors() {
    // The collectors a run over the modern fixture reports, in order.
    let collectors = |selection: &[&str]| -> Vec<String> {
        let out = bin()
            .args(fixture_args("modern"))
            .args(selection)
            .args(["--format", "json", "--no-archive"])
            .ok_stdout();
        let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
        r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["collector"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        collectors(&["--only", "sysctl,kernel"]),
        ["kernel", "sysctl"]
    );
    // --skip applies after --only.
    assert_eq!(
        collectors(&["--only", "sysctl,kernel", "--skip", "sysctl"]),
        ["kernel"]
    );
    assert!(collectors(&["--skip", "nstat"])
        .iter()
        .all(|c| c != "nstat"));
}

#[test]
fn list_says_what_would_run_and_why_not() {
    let out = bin().arg("list").args(fixture_args("no-mptcp")).ok_stdout();
    let text = String::from_utf8(out).unwrap();
    let block = |name: &str| {
        let i = text
            .find(&format!("{name} "))
            .unwrap_or_else(|| panic!("{name} missing from list:\n{text}"));
        text[i..].lines().take(2).collect::<Vec<_>>().join("\n")
    };
    assert!(block("kernel").contains("would run: yes"), "{text}");
    assert!(
        block("sysctl").contains("would run: no: /proc/sys/net/mptcp does not exist"),
        "{text}"
    );
    assert!(
        block("endpoints").contains("would run: no: /proc/sys/net/mptcp does not exist"),
        "{text}"
    );
    assert!(
        block("sockets").contains("would run: no: kernel without MPTCP"),
        "{text}"
    );
    // A daemon that is not there: said as the report says it.
    assert!(
        block("mptcpd").contains("would run: no: mptcpd is not installed"),
        "{text}"
    );
    // Where it is, it would run; an opt-in collector says how to ask for it.
    let debian = bin()
        .arg("list")
        .args(fixture_args("mptcpd-debian"))
        .ok_stdout();
    let debian = String::from_utf8(debian).unwrap();
    let second_line = |name: &str| {
        let i = debian.find(&format!("{name} ")).unwrap();
        debian[i..].lines().nth(1).unwrap().to_string()
    };
    assert!(second_line("mptcpd").contains("would run: yes"), "{debian}");
    assert!(
        second_line("iproute2").contains("only when asked for (opt-in: --with iproute2)"),
        "{debian}"
    );
}

#[test]
fn reproduce_in_batch_mode_needs_a_way_to_end() {
    for first in ["-r", "reproduce"] {
        bin()
            .args([first, "--batch", "--no-archive"])
            .assert()
            .failure()
            .code(2)
            .stderr(predicate::str::contains(
                "give --duration TIME or `-- CMD ARGS`",
            ));
    }
}

#[test]
fn reproduce_option_errors_are_one_line_and_name_the_option() {
    bin()
        .args(["reproduce", "--duration", "5x"])
        .assert()
        .failure()
        .code(2)
        .stderr(predicate::str::contains("--duration"));
    bin()
        .args(["reproduce", "--batch", "--", "no-such-command-mgd"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "reproduce -- no-such-command-mgd: command not found",
        ));
    bin()
        .args(["collect", "--duration", "5s", "--no-archive"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("belong to reproduce mode"));
    let mut args = vec!["reproduce".to_string(), "--duration".into(), "1s".into()];
    args.extend(fixture_args("modern"));
    bin()
        .args(&args)
        .assert()
        .failure()
        .stderr(predicate::str::contains("reproduce needs the live system"));
}

#[test]
fn collect_and_reproduce_conflict() {
    bin().args(["-c", "-r"]).assert().failure().code(2);
}

/// A file option that names something that is not a small regular file (a FIFO nobody writes,
/// /dev/zero, a directory) is a one-line usage error naming the option, at once: never a hang, never
/// a read without end.
#[test]
fn file_options_refuse_what_is_not_a_small_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let big = dir.path().join("big.j2");
    std::fs::write(&big, vec![b'x'; (1 << 20) + 1]).unwrap();
    let fifo = fifo.display().to_string();
    let here = dir.path().display().to_string();
    let big = big.display().to_string();
    for (flag, path, why) in [
        ("--template", fifo.as_str(), "not a regular file"),
        ("--template", "/dev/zero", "not a regular file"),
        ("--template", here.as_str(), "not a regular file"),
        ("--template", big.as_str(), "larger than 1048576 bytes"),
        ("--redact-key", fifo.as_str(), "not a regular file"),
        ("--redact-key", "/dev/zero", "not a regular file"),
        ("--kernel-series", fifo.as_str(), "not a regular file"),
        ("--kernel-series", "/dev/zero", "not a regular file"),
    ] {
        let out = bin()
            .args(fixture_args("modern"))
            .args(["--batch", "--no-archive", flag, path])
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            err.lines().count() == 1
                && err.contains(flag)
                && err.contains(path)
                && err.contains(why),
            "{flag} {path}: {err}"
        );
    }
}
