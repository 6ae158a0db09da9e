//! Shared test helpers: run the real binary, fixture paths, archive unpacking, root/netns guards.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// Tests that need root and an MPTCP kernel are `#[ignore]`d with the reason and run by `.ci/run`
/// (as root): there they must really run, so an impossible setup fails loudly instead of skipping.
pub fn require_root_and_mptcp() {
    assert!(
        is_root(),
        "this test needs root: run it as root (`.ci/run` does), it is #[ignore]d otherwise"
    );
    assert!(
        Path::new("/proc/sys/net/mptcp").exists(),
        "this test needs a kernel with MPTCP"
    );
}

/// The tool run as the unprivileged user 65534 through setpriv (a std Command, for piped stdio). Panics
/// when that is impossible here (not root, no setpriv): the tests using it are `#[ignore]`d otherwise.
/// (Still an Option so call sites read as before.)
pub fn bin_as_nobody() -> Option<std::process::Command> {
    require_root_and_mptcp();
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output();
    assert!(setpriv.is_ok(), "setpriv (util-linux) is needed");
    let mut c = std::process::Command::new("setpriv");
    c.args([
        "--reuid",
        "65534",
        "--regid",
        "65534",
        "--clear-groups",
        "--",
    ])
    .arg(env!("CARGO_BIN_EXE_mptcp-get-debug"))
    .env_remove("CI")
    .env("XDG_STATE_HOME", "/nonexistent");
    Some(c)
}

pub fn bin() -> Command {
    let mut c = Command::cargo_bin("mptcp-get-debug").unwrap();
    c.env_remove("CI")
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", state_home());
    c
}

/// A state directory for the tests' runs (the persistent redaction key lives there), so the tests
/// never create or read the machine's own key.
pub fn state_home() -> PathBuf {
    let p = std::env::temp_dir().join(format!("mgd-test-state-{}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Runs a command that must succeed and returns its stdout.
pub trait OkStdout {
    fn ok_stdout(&mut self) -> Vec<u8>;
}

impl OkStdout for Command {
    fn ok_stdout(&mut self) -> Vec<u8> {
        self.assert().success().get_output().stdout.clone()
    }
}

pub fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

/// Arguments that make a run read a fixture case instead of the live system.
pub fn fixture_args(case: &str) -> Vec<String> {
    let f = fixture(case);
    vec![
        "--root".into(),
        f.join("root").display().to_string(),
        "--commands-from".into(),
        f.join("commands").display().to_string(),
    ]
}

/// Masks what changes between runs (times, durations, versions, temp paths) for snapshots.
pub fn insta_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?( UTC|Z|\+00:00)?",
            "[TIME]",
        ),
        (r"\d{8}T\d{6}Z", "[STAMP]"),
        (
            r"mptcp-get-debug \d+\.\d+\.\d+",
            "mptcp-get-debug [VERSION]",
        ),
        (r"\| \d+\.\d \|", "| [MS] |"),
        (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
        (r"/[^ `]*/tests/fixtures/", "[FIXTURES]/"),
        (
            r"as root|without root \(uid \d+\): some data could not be collected",
            "[PRIVILEGE]",
        ),
        (
            r"privileged: (yes|no)   uid: \d+",
            "privileged: [PRIVILEGE]",
        ),
    ]
}

/// Every member of an archive: (path without the top directory, bytes).
pub fn unpack(archive: &Path) -> Vec<(String, Vec<u8>)> {
    mptcp_get_debug::archive::read(archive).unwrap()
}

/// The single *.tar.gz in a directory.
pub fn only_archive(dir: &Path) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one archive in {}: {found:?}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Fails with the command's stderr unless it exited 0.
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `.rs` file under `dir`, recursively (the source-reading tests: layers, unsafe budget).
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
