//! One collector run, on the calling thread (already in its namespace): the spec's files copied, its
//! commands that are not deferred run at once, then its builtin on what they gave. What the views
//! show of a `show = "artifacts"` spec is made here too (references to the artifacts).

use crate::collect::collectors::{builtin, command_artifact, command_problem, Ctx, Output, Stop};
use crate::collect::spec::{artifact_name_for_file, CommandSpec, Show, Spec};
use crate::collect::triggers::would_skip;
use crate::report::{Artifact, Body, Entry, Format, Source, Status};
use crate::sys::fs::wildcard;
use crate::sys::runner::CommandRequest;
use crate::sys::CommandOutput;
use std::time::Duration;

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
                        spool: None,
                        in_raw: false,
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
pub(crate) fn artifact_entries(spec: &Spec, artifacts: &[Artifact]) -> Vec<Entry> {
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
