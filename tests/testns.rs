//! Throw-away network namespaces for tests that need the real kernel: uniquely named
//! (`mgd-<pid>-<n>`), always deleted on drop (even when the test panics), and a skip reason when the
//! machine cannot create them (not root, no netns support).

#![allow(dead_code)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct TestNs {
    pub name: String,
}

impl TestNs {
    /// A fresh namespace with loopback up; None (after printing why) when that is impossible here.
    pub fn new() -> Option<TestNs> {
        if !crate::util::is_root() {
            eprintln!("skipped: needs root to create network namespaces");
            return None;
        }
        if !std::path::Path::new("/proc/sys/net/mptcp").exists() {
            eprintln!("skipped: kernel without MPTCP");
            return None;
        }
        let name = format!(
            "mgd-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let out = Command::new("ip").args(["netns", "add", &name]).output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "skipped: `ip netns add` failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                return None;
            }
            Err(e) => {
                eprintln!("skipped: cannot run ip: {e}");
                return None;
            }
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
        let ns = mptcp_get_debug::system::Netns::named(&self.name);
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
