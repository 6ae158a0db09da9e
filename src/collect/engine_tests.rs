//! The engine's promise that a collector whose read never returns costs only its own section: a
//! test-only builtin that blocks until released stands for the read (recorded outputs and files can
//! no longer hang one: the sealed reader opens regular files only).

use super::collectors::{Builtin, Ctx, Output, Result};
use super::engine::{self, Plan};
use super::spec::Spec;
use crate::report::Status;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static RELEASED: AtomicBool = AtomicBool::new(false);

/// An in-process collector that does not return until the test releases it (20 s at most).
struct Hang;

impl Builtin for Hang {
    fn name(&self) -> &'static str {
        "test-hang"
    }

    fn collect(&self, _ctx: &Ctx, _out: &mut Output) -> Result {
        let start = Instant::now();
        while !RELEASED.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }
}

/// The collectors that ran `test-started`, in the order they started.
static STARTED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// An in-process collector that notes when it starts and takes a moment.
struct Started;

impl Builtin for Started {
    fn name(&self) -> &'static str {
        "test-started"
    }

    fn collect(&self, ctx: &Ctx, _out: &mut Output) -> Result {
        let name = ctx.spec.map(|s| s.name.clone()).unwrap_or_default();
        STARTED.lock().unwrap().push(name);
        std::thread::sleep(Duration::from_millis(20));
        Ok(())
    }
}

/// The test builtins `collectors::builtin` also finds in test builds.
pub fn builtin(name: &str) -> Option<&'static dyn Builtin> {
    match name {
        "test-hang" => Some(&Hang),
        "test-started" => Some(&Started),
        _ => None,
    }
}

fn spec(text: &str) -> Spec {
    Spec::parse("test.toml", text).unwrap()
}

#[test]
fn hanging_collectors_cost_only_their_own_sections() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modern/root");
    let source = crate::collect::source::Source::Image(root);
    let env = crate::collect::source::environment(&source, 1.0).unwrap();
    // Two hanging collectors first in the one queue (the costliest go first): every thread the queue
    // starts with (one per CPU up to two) is stuck, so only the stall rule (another thread joins a
    // queue that makes no progress) lets the collectors behind them run.
    let mut specs = vec![
        spec("name='hang1'\ndescription='d'\nbuiltin='test-hang'\norder=0\ncost=1000\n"),
        spec("name='hang2'\ndescription='d'\nbuiltin='test-hang'\norder=1\ncost=1000\n"),
    ];
    let all = super::spec::load_all(&[]).unwrap();
    for name in ["distro", "sysctl", "mib", "kconfig"] {
        specs.push(all.iter().find(|s| s.name == name).unwrap().clone());
    }
    let plan = Plan {
        specs,
        namespaces: vec![None],
        collector_timeout: Duration::from_secs(2),
    };
    let sections = engine::run(&plan, std::sync::Arc::new(env), None);
    RELEASED.store(true, Ordering::SeqCst);
    let status = |name: &str| {
        sections
            .iter()
            .find(|s| s.collector == name)
            .map(|s| s.status.clone())
            .unwrap()
    };
    for hung in ["hang1", "hang2"] {
        assert!(
            matches!(status(hung), Status::TimedOut { .. }),
            "{hung}: {:?}",
            status(hung)
        );
    }
    for name in ["distro", "sysctl", "mib", "kconfig"] {
        assert_eq!(status(name), Status::Ok, "{name}");
    }
}

#[test]
fn a_queue_starts_its_costliest_collectors_first() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modern/root");
    let source = crate::collect::source::Source::Image(root);
    let env = crate::collect::source::environment(&source, 1.0).unwrap();
    let costs = [("a", 1), ("b", 50), ("c", 20), ("d", 1), ("e", 5)];
    let specs = costs
        .iter()
        .enumerate()
        .map(|(i, (name, cost))| {
            spec(&format!(
                "name='{name}'\ndescription='d'\nbuiltin='test-started'\norder={i}\ncost={cost}\n"
            ))
        })
        .collect();
    let plan = Plan {
        specs,
        namespaces: vec![None],
        collector_timeout: Duration::from_secs(10),
    };
    let sections = engine::run(&plan, std::sync::Arc::new(env), None);
    // Sections keep the spec order whatever the order they ran in.
    let names: Vec<&str> = sections.iter().map(|s| s.collector.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    let started = STARTED.lock().unwrap().clone();
    // Up to two threads take from the queue, so neighbours may start in either order; the queue's
    // order is b, c, e, then a and d (equal costs keep the spec order).
    let at = |n: &str| started.iter().position(|s| s == n).unwrap();
    assert!(at("b").max(at("c")) < at("a").min(at("d")), "{started:?}");
    assert!(at("b") < at("e") && at("e") < at("d"), "{started:?}");
}
