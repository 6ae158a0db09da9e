//! Throw-away network namespaces for tests that need the real kernel: uniquely named
//! (`mgd-<pid>-<n>`), always deleted on drop (even when the test panics). Tests using them are
//! `#[ignore]`d with the reason; run as root (`.ci/run`), an impossible setup fails, never skips.

#![allow(dead_code)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct TestNs {
    pub name: String,
}

impl TestNs {
    /// A fresh namespace with loopback up. Panics when that is impossible here: the tests using it
    /// are `#[ignore]`d with the reason and run as root by `.ci/run`, where they must not skip.
    /// (Still an Option so call sites read as before; it is never None.)
    pub fn new() -> Option<TestNs> {
        crate::util::require_root_and_mptcp();
        let name = format!(
            "mgd-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let out = Command::new("ip").args(["netns", "add", &name]).output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "`ip netns add` failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!("cannot run ip: {e}"),
        }
        let ns = TestNs { name };
        ns.ip("link set lo up");
        Some(ns)
    }

    /// `ip -n NAME <args>`, which must succeed; returns stdout.
    pub fn ip(&self, args: &str) -> String {
        let mut argv = vec!["-n", &self.name];
        argv.extend(args.split_whitespace());
        run_ok("ip", &argv)
    }

    /// `ip netns exec NAME <argv>`, which must succeed; returns stdout.
    pub fn exec(&self, argv: &[&str]) -> String {
        let mut all = vec!["netns", "exec", &self.name];
        all.extend(argv);
        run_ok("ip", &all)
    }

    /// Runs `f` on a thread that entered this namespace (setns affects only the calling thread).
    pub fn on_thread<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let ns = mptcp_get_debug::sys::Netns::named(&self.name);
        std::thread::spawn(move || {
            ns.enter().expect("setns");
            f()
        })
        .join()
        .expect("namespace thread panicked")
    }
}

impl Drop for TestNs {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

pub fn run_ok(prog: &str, argv: &[&str]) -> String {
    let out: Output = Command::new(prog)
        .args(argv)
        .output()
        .unwrap_or_else(|e| panic!("{prog}: {e}"));
    assert!(
        out.status.success(),
        "`{prog} {}` failed: {}",
        argv.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
