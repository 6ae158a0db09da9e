//! The commands a builtin runs itself: only those its spec declares `deferred`, by id, with the
//! `{word}`s of their argv filled in (an interface name, the uuids a profile list named, the binary a
//! file lookup found). A command the spec does not declare is not run, and a note says so.

use super::{command_artifact, Ctx, Output};
use crate::collect::spec::{artifact_name_for, placeholder};
use crate::sys::runner::CommandRequest;
use crate::sys::CommandOutput;
use std::time::Duration;

/// What fills a declared command's `{word}`s: each word with its values.
pub type Fill<'a> = &'a [(&'a str, &'a [&'a str])];
/// A declared command to run: its id, and what fills its words.
pub type Run<'a> = (&'a str, Fill<'a>);

/// Fills the `{word}`s of a declared argv: each with its values (one word each), in place.
fn fill_argv(
    argv: &[String],
    fill: &[(&str, &[&str])],
) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(argv.len());
    for word in argv {
        match placeholder(word) {
            None => out.push(word.clone()),
            Some(name) => match fill.iter().find(|(n, _)| *n == name) {
                Some((_, values)) if !values.is_empty() => {
                    out.extend(values.iter().map(|v| v.to_string()))
                }
                _ => return Err(format!("no value for {{{name}}}")),
            },
        }
    }
    Ok(out)
}

impl Ctx<'_> {
    /// The request for the spec's command `id` with its `{word}`s filled, or why there is none.
    fn declared(&self, id: &str, fill: Fill) -> std::result::Result<CommandRequest, String> {
        let spec = self.spec.ok_or("no spec")?;
        let c = spec
            .command(id)
            .ok_or_else(|| format!("the {} spec declares no command {id:?}", spec.name))?;
        let argv = fill_argv(&c.argv, fill)?;
        Ok(CommandRequest {
            argv,
            env: c.env.clone(),
            timeout: c
                .timeout
                .map(Duration::from_secs_f64)
                .unwrap_or(self.env.timeout),
            cap: self.env.cap,
            stdin: c.stdin.clone().map(String::into_bytes),
        })
    }

    /// The declared argv of command `id` (its `{word}`s unfilled), for messages.
    pub fn argv_of<'s>(&'s self, id: &'s str) -> Vec<&'s str> {
        self.spec
            .and_then(|s| s.command(id))
            .map(|c| c.argv.iter().map(String::as_str).collect())
            .unwrap_or_else(|| vec![id])
    }

    /// Whether the spec declares command `id` and the programs it needs are installed.
    pub fn can_run(&self, id: &str) -> bool {
        self.spec
            .and_then(|s| s.command(id))
            .is_some_and(|c| c.needs().iter().all(|p| self.env.runner.has(p)))
    }

    /// Runs the spec's deferred command `id` (its `{word}`s filled from `fill`) and keeps its output
    /// as an artifact; returns the output for parsing. A command the spec does not declare is not
    /// run: the output says so (exit status none, not found) and a note names it.
    pub fn run_declared(&self, id: &str, fill: Fill, out: &mut Output) -> CommandOutput {
        self.run_declared_all(&[(id, fill)], out)
            .pop()
            .unwrap_or_default()
    }

    /// `run_declared` for several commands at once (threads inherit this thread's namespace); the
    /// artifacts and outputs keep the given order.
    pub fn run_declared_all(&self, runs: &[Run], out: &mut Output) -> Vec<CommandOutput> {
        let reqs: Vec<std::result::Result<CommandRequest, String>> = runs
            .iter()
            .map(|(id, fill)| self.declared(id, fill))
            .collect();
        let results: Vec<CommandOutput> = std::thread::scope(|scope| {
            let handles: Vec<_> = reqs
                .iter()
                .map(|r| {
                    r.as_ref()
                        .ok()
                        .map(|req| scope.spawn(move || self.env.runner.run(req)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Some(h) => h.join().unwrap_or_default(),
                    None => CommandOutput {
                        missing: true,
                        ..Default::default()
                    },
                })
                .collect()
        });
        for ((id, _), (req, res)) in runs.iter().zip(reqs.iter().zip(&results)) {
            match req {
                Ok(req) => {
                    let name = self
                        .spec
                        .and_then(|s| s.command(id))
                        .and_then(|c| c.output.clone())
                        .unwrap_or_else(|| artifact_name_for(&req.argv));
                    out.artifacts.push(command_artifact(name, &req.argv, res));
                }
                Err(why) => out.notes.push(format!("`{id}` not run: {why}")),
            }
        }
        results
    }
}
