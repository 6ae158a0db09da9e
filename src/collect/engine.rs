//! Runs collectors: copies each spec's files and runs its commands, then hands what they gave to its
//! builtin. Collectors that start programs get a thread each, the in-process ones from one queue per
//! namespace (a second thread joins a queue that stalls), each thread in its namespace through setns(2),
//! so a hanging collector costs only its own section. Produces one `Section` per run, in the specs'
//! `order`, with status, duration, artifacts, notes, and the entries of a `show = "artifacts"` spec.

use crate::collect::collectors::{
    builtin, command_artifact, command_problem, installed, Ctx, Env, Output, Stop,
};
use crate::collect::spec::{artifact_name_for_file, CommandSpec, Show, Spec};
use crate::report::{Artifact, Body, Entry, Format, Section, Source, Status};
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
    let why = triggers_fail(spec, ctx)?;
    Some(spec.triggers.reason.clone().unwrap_or(why))
}

/// Why the spec's triggers (or its builtin's own check) do not hold here, in generic words.
fn triggers_fail(spec: &Spec, ctx: &Ctx) -> Option<String> {
    let env = ctx.env;
    let t = &spec.triggers;
    if t.live && !env.live() {
        return Some("needs the live system".into());
    }
    if t.running_kernel && !env.native() {
        return Some("needs the running kernel, not --root or recorded outputs".into());
    }
    if t.this_machine && !env.fs.is_live() {
        return Some("describes the running machine only, not the files under --root".into());
    }
    if let Some(p) = t.paths.iter().find(|p| !env.fs.exists(p)) {
        return Some(format!("{p} does not exist"));
    }
    if (!t.any_paths.is_empty() || !t.any_commands.is_empty())
        && !t.any_paths.iter().any(|p| env.fs.exists(p))
        && !t.any_commands.iter().any(|c| installed(env, c))
    {
        let all: Vec<&str> = t
            .any_paths
            .iter()
            .chain(&t.any_commands)
            .map(String::as_str)
            .collect();
        return Some(format!("none of {} exists", all.join(", ")));
    }
    if let Some(m) = t.kernel_modules.iter().find(|m| !module_present(ctx, m)) {
        return Some(format!("kernel module {m} is neither loaded nor built in"));
    }
    // Commands are the spec's whole work, or its triggers need programs: not under --root alone.
    let only_commands = spec.files.is_empty() && spec.builtin.is_none();
    if (only_commands || !t.commands.is_empty()) && !env.live() {
        return Some("commands are not run under --root (no recorded outputs given)".into());
    }
    if let Some(c) = t.commands.iter().find(|c| !installed(env, c)) {
        return Some(format!("{c} is not installed"));
    }
    if let Some(b) = spec.builtin.as_deref().and_then(builtin) {
        if let Err(reason) = b.applies(ctx) {
            return Some(reason);
        }
    }
    None
}

/// Whether kernel module `name` is loaded or built in (`-` and `_` are the same in module names).
fn module_present(ctx: &Ctx, name: &str) -> bool {
    let fs = ctx.fs();
    let name = name.replace('-', "_");
    let loaded = fs.read_to_string("/proc/modules").is_ok_and(|t| {
        t.lines()
            .any(|l| l.split_whitespace().next() == Some(name.as_str()))
    });
    if loaded || fs.exists(&format!("/sys/module/{name}")) {
        return true;
    }
    let release = fs
        .read_trimmed("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    let ko = format!("/{name}.ko");
    fs.read_to_string(&format!("/lib/modules/{release}/modules.builtin"))
        .is_ok_and(|t| t.lines().any(|l| l.replace('-', "_").ends_with(&ko)))
}

/// Copies the spec's files into `out` (as artifacts), with a note for each that could not be read.
fn copy_files(spec: &Spec, ctx: &Ctx, out: &mut Output) {
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
}

/// Runs the spec's commands that are not deferred, concurrently (threads inherit this thread's
/// network namespace); their artifacts keep the spec's order, and the outputs of those with an id
/// are handed to the builtin.
fn run_commands(spec: &Spec, ctx: &Ctx, out: &mut Output) {
    let env = ctx.env;
    let commands: Vec<&CommandSpec> = spec.commands.iter().filter(|c| !c.deferred).collect();
    if !env.live() {
        for c in commands.iter().filter(|c| !c.optional) {
            out.notes.push(format!(
                "`{}` not run: commands are not run under --root (no recorded outputs given)",
                c.argv.join(" ")
            ));
        }
        return;
    }
    let results: Vec<Option<CommandOutput>> = std::thread::scope(|scope| {
        let handles: Vec<_> = commands
            .iter()
            .map(|c| {
                if let Some(missing) = c.needs().into_iter().find(|p| !env.runner.has(p)) {
                    if !c.optional {
                        out.notes.push(format!(
                            "`{}` not run: {missing} is not installed",
                            c.argv.join(" ")
                        ));
                    }
                    return None;
                }
                let req = CommandRequest {
                    argv: c.argv.clone(),
                    env: c.env.clone(),
                    timeout: c
                        .timeout
                        .map(Duration::from_secs_f64)
                        .unwrap_or(env.timeout),
                    cap: env.cap,
                    stdin: c.stdin.clone().map(String::into_bytes),
                };
                Some(scope.spawn(move || env.runner.run(&req)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.map(|h| h.join().unwrap_or_default()))
            .collect()
    });
    for (c, res) in commands.into_iter().zip(results) {
        let Some(res) = res else { continue };
        // A command with an id is the builtin's to judge: it says what went wrong in its own words.
        let argv: Vec<&str> = c.argv.iter().map(String::as_str).collect();
        if let Some(problem) = command_problem(&argv, &res).filter(|_| c.id.is_none()) {
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
        if let Some(id) = &c.id {
            out.ran.push((id.clone(), res));
        }
    }
}

/// Runs one collector in the calling thread (which is already in the right namespace): the spec's
/// files and commands, then its builtin on what they gave.
pub fn run_one(spec: &Spec, ctx: &Ctx) -> (Status, Output) {
    let mut out = Output::default();
    if let Some(reason) = would_skip(spec, ctx) {
        return (Status::Skipped { reason }, out);
    }
    copy_files(spec, ctx, &mut out);
    run_commands(spec, ctx, &mut out);
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

/// What the views show of a `show = "artifacts"` spec: each artifact as it is, saying where it came
/// from (references, not copies: redaction treats the artifacts themselves).
fn artifact_entries(spec: &Spec, artifacts: &[Artifact]) -> Vec<Entry> {
    if spec.show != Show::Artifacts {
        return Vec::new();
    }
    artifacts
        .iter()
        .map(|a| {
            let from = match &a.source {
                Source::Command { argv, .. } => format!("$ {}", argv.join(" ")),
                Source::File { path } => path.clone(),
            };
            let mut e = Entry::new(Body::Artifact {
                name: a.name.clone(),
                format: Format::Plain,
                marks: Vec::new(),
            })
            .when_empty("(empty)")
            .counted_as("lines")
            .all_in(Some(&a.name));
            e.caption = Some(from);
            e
        })
        .collect()
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
        run_one(
            spec,
            &Ctx {
                env,
                netns: ns,
                spec: Some(spec),
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
        spec.commands.iter().any(|c| !c.deferred)
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
