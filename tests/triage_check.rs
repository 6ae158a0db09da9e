//! `mptcp-get-debug check` on recorded systems (fixtures): the findings and nothing else, text and
//! JSON, the exit status (0 nothing at warning or above, 1 otherwise, 2 could not run), the rule
//! listing, and the note when not run as root.

use crate::util::{bin, bin_as_nobody, fixture_args};
use mptcp_get_debug::triage::{needed_collectors, CROSS_RULES, RULES};

fn check(case: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .arg("check")
        .args(fixture_args(case))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn prints_only_the_findings_and_fails_on_a_problem() {
    let out = check("enabled0", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "PROBLEM [mptcp-off] MPTCP is disabled: applications silently fall back to TCP\n    net.mptcp.enabled = 0\n    see https://www.mptcp.dev/setup.html\n"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.ends_with("mptcp-get-debug: 1 finding(s): 1 problem\n"),
        "{stderr}"
    );
    // -q: nothing on stderr.
    assert!(check("enabled0", &["-q"]).stderr.is_empty());
}

#[test]
fn information_alone_passes_and_json_says_why() {
    let out = check("plain", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["worst"], "info");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "kernel-eol");
    assert_eq!(f["severity"], "info");
    assert!(f["evidence"][0]
        .as_str()
        .unwrap()
        .starts_with("kernel 6.8.0"));
    assert_eq!(f["link"], "https://www.mptcp.dev/setup.html");
    assert_eq!(v["incomplete"].as_array().unwrap().len(), 0);
    // A warning fails the check.
    let out = check("modern", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["worst"].as_str()),
        (Some(false), Some("warning"))
    );
}

/// What a rule needs is a collector `check` can run (checked here, where the collectors and the rules
/// meet: triage itself knows nothing of collection).
#[test]
fn every_need_is_a_collector() {
    let specs = mptcp_get_debug::collect::spec::load_all(&[]).unwrap();
    for need in needed_collectors() {
        assert!(
            specs.iter().any(|s| s.name == need),
            "a rule needs {need}, which is no collector"
        );
    }
}

#[test]
fn rules_are_listed_with_what_they_need() {
    let out = bin().args(["check", "--rules"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for r in RULES {
        assert!(
            text.contains(&format!("{}\n    needs: {}\n", r.id, r.needs.join(", "))),
            "{}",
            r.id
        );
    }
    for (id, _) in CROSS_RULES {
        assert!(text.contains(&format!("{id}\n    needs: ")), "{id}");
    }
    let out = bin()
        .args(["check", "--rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), RULES.len() + CROSS_RULES.len());
}

#[test]
fn cannot_run_exits_2_with_a_one_line_error() {
    for (args, names) in [
        (
            vec!["check", "--netns", "no-such-namespace-mgd"],
            "no-such-namespace-mgd",
        ),
        (vec!["check", "--timeout", "0"], "--timeout"),
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(names), "{err}");
        assert!(out.stdout.is_empty());
    }
}

/// Without root the check still runs on what it can read, and says what it could not.
#[test]
#[ignore = "needs root to run the tool as another user (run by .ci/run)"]
fn unprivileged_check_notes_it() {
    let Some(mut cmd) = bin_as_nobody() else {
        return;
    };
    let out = cmd.args(["check", "--format", "json"]).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["findings"].is_array());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("not running as root"), "{err}");
}

/// `check | head -0`: the reader went away; no panic, the check's own exit status.
#[test]
fn quiet_on_a_closed_pipe() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mptcp-get-debug"))
        .arg("check")
        .args(fixture_args("enabled0"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
}
