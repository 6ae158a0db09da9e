//! Every collect fixture case (a directory under tests/fixtures/ with a `root/` tree and recorded
//! `commands/`) rendered through the real binary and snapshotted three ways: summary.md, the text
//! view, and its findings as JSON. Cases are found on disk, so a new case fails here until its
//! snapshots are reviewed and committed. What changes between runs and machines is fixed or masked:
//! a fixed `--redact-key` (the same encrypted addresses every run), a pinned `--kernel-series`
//! table (verdicts that do not depend on the day), and the shared filters for times, durations, the
//! tool version, the checkout's path and who ran the tests.

use crate::util::{bin, fixture, fixture_args, insta_filters, OkStdout};
use std::path::PathBuf;

/// The fixed settings every case is rendered with.
fn settings(file: &str) -> String {
    fixture("snapshot-settings")
        .join(file)
        .display()
        .to_string()
}

/// Every collect fixture case, by name, sorted.
fn cases() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("root").is_dir() && p.join("commands").is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// The case collected with the fixed settings and printed in `format`.
fn run(case: &str, format: &str) -> String {
    let mut cmd = bin();
    cmd.args(fixture_args(case));
    // A case with its own collector specs (drop-ins) is collected with them.
    let extra = fixture(case).join("collectors");
    if extra.is_dir() {
        cmd.arg("--collectors-dir").arg(extra);
    }
    let out = cmd
        .args(["--no-archive", "--batch", "--format", format])
        .args(["--redact-key", &settings("redact.key")])
        .args(["--kernel-series", &settings("kernel-series.toml")])
        .ok_stdout();
    String::from_utf8(out).unwrap()
}

/// Snapshots `what` (described by `how`) of every case, rendered by `render`.
fn snapshot_every_case(what: &str, how: &str, render: impl Fn(&str) -> String) {
    for case in cases() {
        let rendered = render(&case);
        let description = format!("tests/fixtures/{case}: {how}");
        insta::with_settings!({
            filters => insta_filters(),
            snapshot_suffix => case.as_str(),
            description => description,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(what, rendered);
        });
    }
}

/// The cases found are the ones this file was written with, and more only when added: a broken
/// discovery must not pass by snapshotting nothing.
#[test]
fn the_cases_are_found() {
    let found = cases();
    for case in [
        "canary",
        "enabled0",
        "modern",
        "mptcpd-debian",
        "mptcpd-override",
        "nm-fedora",
        "nm-rhel",
        "no-mptcp",
        "plain",
    ] {
        assert!(
            found.iter().any(|c| c == case),
            "{case} not found: {found:?}"
        );
    }
}

#[test]
fn summaries() {
    snapshot_every_case("summary", "summary.md (--format md)", |case| {
        run(case, "md")
    });
}

#[test]
fn text_views() {
    snapshot_every_case("text", "--format text", |case| run(case, "text"));
}

#[test]
fn findings() {
    snapshot_every_case("findings", "the findings of --format json", |case| {
        let report: serde_json::Value = serde_json::from_str(&run(case, "json")).unwrap();
        serde_json::to_string_pretty(&report["findings"]).unwrap() + "\n"
    });
}
