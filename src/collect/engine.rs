//! Runs collectors: copies each spec's files and runs its commands, then hands what they gave to its
//! builtin. Collectors that start programs get a thread each, the in-process ones from one queue per
//! namespace (a second thread joins a queue that stalls), each thread in its namespace through setns(2),
//! so a hanging collector costs only its own section. Produces one `Section` per run, in the specs'
//! `order`, with status, duration, artifacts, notes, and the entries of a `show = "artifacts"` spec.

use crate::collect::collectors::{builtin, Ctx, Env, Output, Shared};
use crate::collect::run_one::artifact_entries;
use crate::collect::spec::Spec;
use crate::report::{Section, Status};
use crate::sys::Netns;

pub use crate::collect::run_one::run_one;
pub use crate::collect::triggers::would_skip;
use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Plan {
    pub specs: Vec<Spec>,
    /// Namespaces for per-netns collectors; `None` is the tool's own.
    pub namespaces: Vec<Option<Netns>>,
    /// Wall-clock limit for one collector (its commands have their own timeout).
    pub collector_timeout: Duration,
}

/// Called after each finished section: (done, total, collector name).
pub type Progress<'a> = &'a (dyn Fn(usize, usize, &str) + Sync);
/// Runs one collector on the calling thread (already in its namespace); a panic becomes a failed
/// section.
fn run_guarded(spec: &Spec, env: &Env, ns: Option<&Netns>, shared: &Shared) -> (Status, Output) {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_one(
            spec,
            &Ctx {
                env,
                netns: ns,
                spec: Some(spec),
                shared: Some(shared),
            },
        )
    }))
    .unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        (
            Status::Failed {
                error: format!("collector crashed: {why}"),
            },
            Output::default(),
        )
    })
}

/// Whether a collector gets a thread of its own rather than its namespace's queue: when it runs
/// programs (the slowest thing there is), or when its builtin asks for one (sockets: its dumps grow
/// with the system) and there are CPUs to spare. With more namespaces than CPUs the queues already
/// keep every CPU busy, and a thread (and a setns) per namespace would cost more than it gives.
pub(crate) fn runs_alone(spec: &Spec, namespaces: usize, cpus: usize) -> bool {
    spec.commands.iter().any(|c| !c.deferred)
        || (!(spec.per_netns && namespaces > cpus)
            && spec
                .builtin
                .as_deref()
                .and_then(builtin)
                .is_some_and(|b| b.own_thread()))
}

/// Runs every (spec, namespace) job concurrently and returns the sections in a stable order.
pub fn run(plan: &Plan, env: Arc<Env>, progress: Option<Progress>) -> Vec<Section> {
    run_meanwhile(plan, env, progress, &|| {})
}

/// `run`, and `meanwhile` on the calling thread once the collectors have started (work for after
/// the collection that needs nothing it gives: the calling thread would only wait).
pub fn run_meanwhile(
    plan: &Plan,
    env: Arc<Env>,
    progress: Option<Progress>,
    meanwhile: &dyn Fn(),
) -> Vec<Section> {
    let mut jobs: Vec<(Spec, Option<Netns>)> = Vec::new();
    for spec in &plan.specs {
        if spec.per_netns {
            for ns in &plan.namespaces {
                jobs.push((spec.clone(), ns.clone()));
            }
        } else {
            jobs.push((spec.clone(), None));
        }
    }
    let total = jobs.len();
    let (tx, rx) = mpsc::channel::<(usize, Status, Output, f64)>();
    let start = Instant::now();
    // Collectors that run programs get a thread each and start first: a process is the slowest thing a
    // collector does, so it should overlap with everything else (so does sockets, whose kernel dumps
    // grow with the system, unless namespaces outnumber CPUs: see runs_alone). The in-process ones
    // (files, netlink) take well under a millisecond each; they are taken in turn from one queue per
    // namespace, costliest first, by one thread (two while there are CPUs to spare, below), since a
    // thread each would cost more in creation and address-space contention than they do. When a queue
    // makes no progress for STALL (a read that hangs), another thread joins it, so a hanging collector
    // still costs only its own section. A collector that changes what others read (the self-test adds
    // a connection to the counters and socket lists) waits for them: `after` names them (those of its
    // own namespace, and host-wide ones), `last` means every other one; it then starts on a thread of
    // its own. What the collectors of this run share (`Shared`: a read two sections show) lives as
    // long as the run. Sections keep the spec order regardless.
    const STALL: Duration = Duration::from_millis(250);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let own_thread = |spec: &Spec| runs_alone(spec, plan.namespaces.len(), cpus);
    let waits = |spec: &Spec| spec.last || !spec.after.is_empty();
    let (waiting, first): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| waits(&jobs[i].0));
    // What each waiting job waits for: jobs that start at once (never another waiting one).
    let label = |i: usize| jobs[i].1.as_ref().map(|n| n.label.as_str());
    let mut waiting: Vec<(usize, Vec<usize>)> = waiting
        .into_iter()
        .map(|i| {
            let spec = &jobs[i].0;
            let deps = first
                .iter()
                .copied()
                .filter(|&j| {
                    let near = label(j) == label(i) || !jobs[j].0.per_netns;
                    spec.last || (near && spec.after.contains(&jobs[j].0.name))
                })
                .collect();
            (i, deps)
        })
        .collect();
    let (own, mut queued): (Vec<usize>, Vec<usize>) =
        first.iter().partition(|&&i| own_thread(&jobs[i].0));
    // Costliest first (longest processing time first: the queue's threads end close together);
    // equal costs keep the spec order.
    queued.sort_by_key(|&i| std::cmp::Reverse(jobs[i].0.cost));
    type Queue = Arc<Mutex<VecDeque<usize>>>;
    // In-process jobs queued by namespace, costliest first.
    let mut queues: Vec<(Option<Netns>, Queue)> = Vec::new();
    let mut queue_of: Vec<Option<usize>> = vec![None; total];
    for i in queued {
        let q = match queues
            .iter()
            .position(|(g, _)| g.as_ref().map(|n| n.label.as_str()) == label(i))
        {
            Some(q) => q,
            None => {
                queues.push((jobs[i].1.clone(), Queue::default()));
                queues.len() - 1
            }
        };
        queues[q]
            .1
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(i);
        queue_of[i] = Some(q);
    }
    let specs: Arc<Vec<Spec>> = Arc::new(jobs.iter().map(|(s, _)| s.clone()).collect());
    let shared = Arc::new(Shared::default());
    // A thread that enters `ns` and runs jobs from `queue` until it is empty.
    let spawn = |queue: Queue, ns: Option<Netns>, name: String| {
        let (job_tx, env, jobs, shared) = (tx.clone(), env.clone(), specs.clone(), shared.clone());
        let q = queue.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("collect-{name}"))
            .spawn(move || {
                let entered = ns.as_ref().map(Netns::enter);
                loop {
                    let next = q.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some(i) = next else { break };
                    let t0 = Instant::now();
                    let (status, out) = match &entered {
                        Some(Err(e)) => (
                            Status::Failed {
                                error: format!(
                                    "cannot enter network namespace {}: {e}",
                                    ns.as_ref().map(|n| n.label.as_str()).unwrap_or("")
                                ),
                            },
                            Output::default(),
                        ),
                        _ => run_guarded(&jobs[i], &env, ns.as_ref(), &shared),
                    };
                    let _ = job_tx.send((i, status, out, t0.elapsed().as_secs_f64() * 1000.0));
                }
            });
        if let Err(e) = spawned {
            let left: Vec<usize> = queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain(..)
                .collect();
            for i in left {
                let _ = tx.send((
                    i,
                    Status::Failed {
                        error: format!("cannot start a thread: {e}"),
                    },
                    Output::default(),
                    0.0,
                ));
            }
        }
    };
    let start_alone = |i: usize| {
        spawn(
            Arc::new(Mutex::new(VecDeque::from([i]))),
            jobs[i].1.clone(),
            jobs[i].0.name.clone(),
        )
    };
    let queue_name = |ns: &Option<Netns>| {
        ns.as_ref()
            .map(|n| n.label.clone())
            .unwrap_or("host".into())
    };
    own.iter().for_each(|&i| start_alone(i));
    // With fewer queues than CPUs (one namespace: the usual run), a second thread takes from the
    // same queue, so the in-process collectors use the cores the waiting main thread leaves idle.
    let per_queue = (cpus / queues.len().max(1)).clamp(1, 2);
    for (ns, q) in &queues {
        for _ in 0..per_queue {
            spawn(q.clone(), ns.clone(), queue_name(ns));
        }
    }
    meanwhile();
    let mut progress_at: Vec<Instant> = vec![Instant::now(); queues.len()];
    let mut results: Vec<Option<(Status, Output, f64)>> = (0..total).map(|_| None).collect();
    let mut done = 0;
    while done < total {
        waiting.retain(|(i, deps)| {
            let ready = deps.iter().all(|&j| results[j].is_some());
            if ready {
                start_alone(*i);
            }
            !ready
        });
        let left = plan.collector_timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            break;
        }
        match rx.recv_timeout(left.min(STALL)) {
            Ok((i, status, out, ms)) => {
                done += 1;
                if let Some(q) = queue_of[i] {
                    progress_at[q] = Instant::now();
                }
                if let Some(p) = progress {
                    p(done, total, &jobs[i].0.name);
                }
                results[i] = Some((status, out, ms));
            }
            // Hanging collectors are abandoned: their threads die with the process.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        for (q, (ns, queue)) in queues.iter().enumerate() {
            let waiting = !queue.lock().unwrap_or_else(|e| e.into_inner()).is_empty();
            if waiting && progress_at[q].elapsed() >= STALL {
                spawn(queue.clone(), ns.clone(), queue_name(ns));
                progress_at[q] = Instant::now();
            }
        }
    }
    let timeout_ms = plan.collector_timeout.as_millis() as u64;
    let mut sections: Vec<(u32, Section)> = jobs
        .into_iter()
        .zip(results)
        .map(|((spec, ns), res)| {
            let (status, out, ms) = res.unwrap_or((
                Status::TimedOut {
                    after_ms: timeout_ms,
                },
                Output::default(),
                timeout_ms as f64,
            ));
            let entries = artifact_entries(&spec, &out.artifacts);
            let section = Section {
                collector: spec.name.clone(),
                description: spec.description.clone(),
                netns: ns.map(|n| n.label),
                status,
                duration_ms: (ms * 1000.0).round() / 1000.0,
                data: out.data,
                artifacts: out.artifacts,
                notes: out.notes,
                facts: spec
                    .builtin
                    .as_deref()
                    .and_then(builtin)
                    .and_then(|b| b.facts()),
                title: spec.title.clone(),
                entries,
            };
            (spec.order_key(), section)
        })
        .collect();
    // The spec's `order` decides where its sections go, whatever order the specs were given in.
    sections.sort_by_key(|(order, _)| *order);
    sections.into_iter().map(|(_, s)| s).collect()
}
