//! The engine's promise that a collector whose read never returns costs only its own section: a
//! test-only builtin that blocks until released stands for the read (recorded outputs and files can
//! no longer hang one: the sealed reader opens regular files only).

use super::collectors::{Builtin, Ctx, Output, Result};
use super::engine::{self, runs_alone, Plan};
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

/// When each collector that ran `test-timed` started and ended (by name).
type Events = Vec<(String, &'static str, Instant)>;
static EVENTS: std::sync::Mutex<Events> = std::sync::Mutex::new(Vec::new());

/// An in-process collector that takes `cost` milliseconds and notes when it starts and ends.
struct Timed;

impl Builtin for Timed {
    fn name(&self) -> &'static str {
        "test-timed"
    }

    fn collect(&self, ctx: &Ctx, _out: &mut Output) -> Result {
        let spec = ctx.spec.expect("run from a spec");
        let note = |what| {
            EVENTS
                .lock()
                .unwrap()
                .push((spec.name.clone(), what, Instant::now()))
        };
        note("start");
        std::thread::sleep(Duration::from_millis(spec.cost.into()));
        note("end");
        Ok(())
    }
}

/// When `name` did `what` (each test names its collectors apart: the tests run at once).
fn when(name: &str, what: &str) -> Instant {
    EVENTS
        .lock()
        .unwrap()
        .iter()
        .find(|(n, w, _)| n == name && *w == what)
        .unwrap_or_else(|| panic!("{name} never noted {what}"))
        .2
}

fn run_timed(specs: &[&str]) -> Vec<crate::report::Section> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modern/root");
    let source = crate::collect::source::Source::Image(root);
    let env = crate::collect::source::environment(&source, 1.0).unwrap();
    let plan = Plan {
        specs: specs
            .iter()
            .enumerate()
            .map(|(i, extra)| {
                spec(&format!(
                    "description='d'\nbuiltin='test-timed'\norder={i}\n{extra}\n"
                ))
            })
            .collect(),
        namespaces: vec![None],
        collector_timeout: Duration::from_secs(10),
    };
    engine::run(&plan, std::sync::Arc::new(env), None)
}

/// The test builtins `collectors::builtin` also finds in test builds.
pub fn builtin(name: &str) -> Option<&'static dyn Builtin> {
    match name {
        "test-hang" => Some(&Hang),
        "test-timed" => Some(&Timed),
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
    let costs = [("a", 1), ("b", 50), ("c", 20), ("d", 1), ("e", 5)];
    let specs: Vec<String> = costs
        .iter()
        .map(|(name, cost)| format!("name='{name}'\ncost={cost}"))
        .collect();
    let sections = run_timed(&specs.iter().map(String::as_str).collect::<Vec<_>>());
    // Sections keep the spec order whatever the order they ran in.
    let names: Vec<&str> = sections.iter().map(|s| s.collector.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    // Up to two threads take from the queue, so neighbours may start in either order; the queue's
    // order is b, c, e, then a and d (equal costs keep the spec order).
    let at = |n: &str| when(n, "start");
    assert!(at("b").max(at("c")) < at("a").min(at("d")));
    assert!(at("b") < at("e") && at("e") < at("d"));
}

#[test]
fn a_collector_after_others_waits_for_them_only() {
    // `w1` waits for `quick` but not for `slow`; `z1` (last) waits for every collector that does not
    // wait itself.
    let sections = run_timed(&[
        "name='w1'\ncost=1\nafter=['quick1', 'not-run']",
        "name='quick1'\ncost=10",
        "name='slow1'\ncost=300",
        "name='z1'\ncost=1\nlast=true",
    ]);
    assert!(sections.iter().all(|s| s.status == Status::Ok));
    assert!(when("w1", "start") >= when("quick1", "end"));
    assert!(when("w1", "end") < when("slow1", "end"));
    assert!(when("z1", "start") >= when("slow1", "end"));
    assert!(when("z1", "start") >= when("quick1", "end"));
}

#[test]
fn a_collection_makes_each_shared_value_once_per_namespace() {
    use super::collectors::{Ctx, Shared};
    use std::sync::atomic::AtomicUsize;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modern/root");
    let source = crate::collect::source::Source::Image(root);
    let env = crate::collect::source::environment(&source, 1.0).unwrap();
    let made = AtomicUsize::new(0);
    let make = || made.fetch_add(1, Ordering::SeqCst);
    let (a, b) = (crate::sys::Netns::named("a"), crate::sys::Netns::named("b"));
    let shared = Shared::default();
    let ctx = |netns, shared| Ctx {
        env: &env,
        netns,
        spec: None,
        shared,
    };
    // Per namespace: once in each; host-wide: once for all; another name is another value.
    let in_a = ctx(Some(&a), Some(&shared)).once("x", true, make);
    assert_eq!(*ctx(Some(&a), Some(&shared)).once("x", true, make), *in_a);
    let in_b = ctx(Some(&b), Some(&shared)).once("x", true, make);
    assert_ne!(*in_a, *in_b);
    let host = ctx(Some(&a), Some(&shared)).once("y", false, make);
    assert_eq!(*ctx(Some(&b), Some(&shared)).once("y", false, make), *host);
    assert_eq!(made.load(Ordering::SeqCst), 3);
    // A new collection starts afresh; outside one, every call makes its own.
    let next = Shared::default();
    ctx(Some(&a), Some(&next)).once("x", true, make);
    ctx(None, None).once("x", true, make);
    ctx(None, None).once("x", true, make);
    assert_eq!(made.load(Ordering::SeqCst), 6);
}

#[test]
fn a_builtin_of_its_own_thread_is_queued_when_namespaces_outnumber_cpus() {
    let all = super::spec::load_all(&[]).unwrap();
    let find = |name: &str| all.iter().find(|s| s.name == name).unwrap();
    let (sockets, mptcpd, sysctl) = (find("sockets"), find("mptcpd"), find("sysctl"));
    let iproute2 = find("iproute2");
    // One namespace on two CPUs: sockets (and mptcpd, host-wide) alone, sysctl queued.
    assert!(runs_alone(sockets, 1, 2) && runs_alone(mptcpd, 1, 2));
    assert!(!runs_alone(sysctl, 1, 2));
    // A hundred namespaces: sockets queued in each; host-wide mptcpd and a program still alone.
    assert!(!runs_alone(sockets, 100, 2));
    assert!(runs_alone(mptcpd, 100, 2) && runs_alone(iproute2, 100, 2));
}
