//! Runs collectors: those that start programs on a thread each, the in-process ones from one queue per
//! namespace (a second thread joins a queue that stalls), each thread in its namespace through setns(2),
//! so a hanging collector costs only its own section. Produces one `Section` per run, in spec order,
//! with status, duration, artifacts and notes.

use crate::collect::collectors::{builtin, command_artifact, Ctx, Env, Output, Stop};
use crate::collect::spec::{artifact_name_for_file, Spec};
use crate::report::{Artifact, Section, Source, Status};
use crate::sys::fs::wildcard;
use crate::sys::runner::CommandRequest;
use crate::sys::{CommandOutput, Netns};
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

/// Why a spec would not run here (None = it would). Used by the engine and by `list`.
pub fn would_skip(spec: &Spec, ctx: &Ctx) -> Option<String> {
    let env = ctx.env;
    if spec.triggers.live && !env.live() {
        return Some("needs the live system".into());
    }
    if let Some(p) = spec.triggers.paths.iter().find(|p| !env.fs.exists(p)) {
        return Some(format!("{p} does not exist"));
    }
    if !spec.triggers.any_paths.is_empty()
        && !spec.triggers.any_paths.iter().any(|p| env.fs.exists(p))
    {
        return Some(format!(
            "none of {} exists",
            spec.triggers.any_paths.join(", ")
        ));
    }
    if !spec.commands.is_empty() || !spec.triggers.commands.is_empty() {
        if !env.live() {
            return Some("commands are not run under --root (no recorded outputs given)".into());
        }
        if let Some(c) = spec.triggers.commands.iter().find(|c| !env.runner.has(c)) {
            return Some(format!("{c} is not installed"));
        }
    }
    if let Some(b) = spec.builtin.as_deref().and_then(builtin) {
        if let Err(reason) = b.applies(ctx) {
            return Some(reason);
        }
    }
    None
}

/// Runs one collector in the calling thread (which is already in the right namespace).
pub fn run_one(spec: &Spec, ctx: &Ctx) -> (Status, Output) {
    let mut out = Output::default();
    if let Some(reason) = would_skip(spec, ctx) {
        return (Status::Skipped { reason }, out);
    }
    let env = ctx.env;
    for pattern in &spec.files {
        let matches = if pattern.contains(['*', '?']) {
            env.fs.glob(pattern)
        } else {
            vec![pattern.clone()]
        };
        for path in matches {
            if spec.forbid.iter().any(|f| path_matches(f, &path)) {
                out.notes
                    .push(format!("{path}: not read (forbidden by the spec)"));
                continue;
            }
            match env.fs.read_text(&path) {
                Ok(t) => {
                    if t.truncated {
                        out.notes.push(format!(
                            "{path}: truncated to its first {} of {} bytes",
                            t.text.len(),
                            t.original_size
                        ));
                    }
                    out.artifacts.push(Artifact {
                        name: artifact_name_for_file(&path),
                        source: Source::File { path: path.clone() },
                        original_size: t.original_size,
                        content: t.text,
                        truncated: t.truncated,
                    })
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        && !pattern.contains(['*', '?']) => {}
                Err(e) => out.notes.push(format!("{path}: {e}")),
            }
        }
    }
    // A spec's commands run concurrently (threads inherit this thread's network namespace); their
    // artifacts keep the spec's order.
    let results: Vec<Option<CommandOutput>> = std::thread::scope(|scope| {
        let handles: Vec<_> = spec
            .commands
            .iter()
            .map(|c| {
                let needs: Vec<&String> = if c.skip_unless.is_empty() {
                    vec![&c.argv[0]]
                } else {
                    c.skip_unless.iter().collect()
                };
                if let Some(missing) = needs.iter().find(|p| !env.runner.has(p)) {
                    out.notes.push(format!(
                        "`{}` not run: {missing} is not installed",
                        c.argv.join(" ")
                    ));
                    return None;
                }
                let timeout = c
                    .timeout
                    .map(Duration::from_secs_f64)
                    .unwrap_or(env.timeout);
                let req = CommandRequest {
                    argv: c.argv.clone(),
                    env: c.env.clone(),
                    timeout,
                    cap: env.cap,
                    stdin: None,
                };
                Some(scope.spawn(move || env.runner.run(&req)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.map(|h| h.join().unwrap_or_default()))
            .collect()
    });
    for (c, res) in spec.commands.iter().zip(results) {
        let Some(res) = res else { continue };
        let argv: Vec<&str> = c.argv.iter().map(String::as_str).collect();
        if let Some(problem) = crate::collect::collectors::command_problem(&argv, &res) {
            out.notes.push(problem);
        }
        if res.truncated {
            out.notes.push(format!(
                "`{}`: output truncated to its last {} bytes",
                c.argv.join(" "),
                env.cap
            ));
        }
        out.artifacts
            .push(command_artifact(c.artifact_name(), &c.argv, &res));
    }
    let status = match spec.builtin.as_deref().map(|name| (name, builtin(name))) {
        None => Status::Ok,
        Some((name, None)) => Status::Failed {
            error: format!("unknown builtin {name:?}"),
        },
        Some((_, Some(b))) => match b.collect(ctx, &mut out) {
            Ok(()) => Status::Ok,
            Err(Stop::Skipped(reason)) => Status::Skipped { reason },
            Err(Stop::Failed(error)) => Status::Failed { error },
        },
    };
    (status, out)
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let (pp, np): (Vec<&str>, Vec<&str>) =
        (pattern.split('/').collect(), path.split('/').collect());
    if pattern.ends_with("/*") || pattern.ends_with('/') {
        // A directory forbids everything below it.
        let dir = pattern.trim_end_matches('*').trim_end_matches('/');
        if path.starts_with(&format!("{dir}/")) {
            return true;
        }
    }
    pp.len() == np.len() && pp.iter().zip(&np).all(|(p, n)| wildcard(p, n))
}

/// Runs one collector on the calling thread (already in its namespace); a panic becomes a failed
/// section.
fn run_guarded(spec: &Spec, env: &Env, ns: Option<&Netns>) -> (Status, Output) {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_one(spec, &Ctx { env, netns: ns })
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

/// Runs every (spec, namespace) job concurrently and returns the sections in a stable order.
pub fn run(plan: &Plan, env: Arc<Env>, progress: Option<Progress>) -> Vec<Section> {
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
    // Collectors that run programs get a thread each and start first: a process is the slowest thing
    // a collector does, so it should overlap with everything else. The in-process ones (files, netlink)
    // take well under a millisecond each; they are taken in turn from one queue per namespace by one
    // thread, since a thread each would cost more in creation and address-space contention than they
    // do. When a queue makes no progress for STALL (a read that hangs), another thread joins it, so a
    // hanging collector still costs only its own section. Collectors marked `last` (the self-test,
    // which adds a connection to the counters) start only when every other one has finished, so what
    // the others read is not disturbed. Sections keep the spec order regardless.
    const STALL: Duration = Duration::from_millis(250);
    let runs_programs = |spec: &Spec| {
        !spec.commands.is_empty()
            || spec
                .builtin
                .as_deref()
                .and_then(builtin)
                .is_some_and(|b| b.runs_programs())
    };
    let (last, first): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| jobs[i].0.last);
    let (own, shared): (Vec<usize>, Vec<usize>) =
        first.iter().partition(|&&i| runs_programs(&jobs[i].0));
    type Queue = Arc<Mutex<VecDeque<usize>>>;
    // In-process jobs queued by namespace, in spec order.
    let mut queues: Vec<(Option<Netns>, Queue)> = Vec::new();
    let mut queue_of: Vec<Option<usize>> = vec![None; total];
    for i in shared {
        let label = jobs[i].1.as_ref().map(|n| &n.label);
        let q = match queues
            .iter()
            .position(|(g, _)| g.as_ref().map(|n| &n.label) == label)
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
    // A thread that enters `ns` and runs jobs from `queue` until it is empty.
    let spawn = |queue: Queue, ns: Option<Netns>, name: String| {
        let (job_tx, env, jobs) = (tx.clone(), env.clone(), specs.clone());
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
                        _ => run_guarded(&jobs[i], &env, ns.as_ref()),
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
    for (ns, q) in &queues {
        spawn(q.clone(), ns.clone(), queue_name(ns));
    }
    let mut progress_at: Vec<Instant> = vec![Instant::now(); queues.len()];
    let mut results: Vec<Option<(Status, Output, f64)>> = (0..total).map(|_| None).collect();
    let mut done = 0;
    let mut last_started = last.is_empty();
    while done < total {
        if !last_started && done == first.len() {
            last.iter().for_each(|&i| start_alone(i));
            last_started = true;
        }
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
    jobs.into_iter()
        .zip(results)
        .map(|((spec, ns), res)| {
            let (status, out, ms) = res.unwrap_or((
                Status::TimedOut {
                    after_ms: timeout_ms,
                },
                Output::default(),
                timeout_ms as f64,
            ));
            Section {
                collector: spec.name.clone(),
                description: spec.description.clone(),
                netns: ns.map(|n| n.label),
                status,
                duration_ms: (ms * 1000.0).round() / 1000.0,
                data: out.data,
                artifacts: out.artifacts,
                notes: out.notes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbid_patterns() {
        assert!(path_matches(
            "/etc/NetworkManager/system-connections/*",
            "/etc/NetworkManager/system-connections/a.nmconnection"
        ));
        assert!(path_matches("/etc/shadow", "/etc/shadow"));
        assert!(!path_matches("/etc/*.conf", "/etc/x/y.conf"));
    }
}
