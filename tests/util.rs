//! Shared test helpers: run the real binary, fixture paths, archive unpacking, root/netns guards.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn bin() -> Command {
    let mut c = Command::cargo_bin("mptcp-get-debug").unwrap();
    c.env_remove("CI").env("NO_COLOR", "1");
    c
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

/// A uniquely named network namespace that is always deleted, even when the test panics.
pub struct TestNs {
    pub name: String,
}

impl TestNs {
    /// None (with a printed reason) when namespaces cannot be created here.
    pub fn new(tag: &str) -> Option<TestNs> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        if !is_root() {
            eprintln!("skipped: needs root to create network namespaces");
            return None;
        }
        let name = format!(
            "mgd-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let ok = std::process::Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: `ip netns add` failed");
            return None;
        }
        let ns = TestNs { name };
        ns.ip(&["link", "set", "lo", "up"]);
        Some(ns)
    }

    /// Runs `ip -n NS ARGS`, panicking with its stderr on failure; returns stdout.
    pub fn ip(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("ip")
            .arg("-n")
            .arg(&self.name)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ip -n {} {}: {}",
            self.name,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a program inside the namespace (`ip netns exec`); returns stdout.
    pub fn exec(&self, argv: &[&str]) -> String {
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(argv)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for TestNs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}
