//! `mptcp-get-debug list`: every collector, what it does, and whether it would run here (and why not).

use crate::cli::ListArgs;
use crate::collect::collectors::Ctx;
use crate::collect::engine;
use crate::collect::source::{environment, Source};
use crate::sys::stdio;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &ListArgs) -> Result<ExitCode> {
    let source = Source::from_flags(
        args.root.as_deref(),
        args.sysroot.as_deref(),
        args.commands_from.as_deref(),
    );
    let env = environment(&source, 10.0)?;
    let specs = crate::collect::plan::load_specs(
        &args.collectors_dir,
        env.fs.kernel_is_live(),
        &crate::collect::plan::Selection::all(),
    )?;
    let w = specs
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0)
        .min(60);
    let mut out = String::new();
    for s in &specs {
        let ctx = Ctx {
            env: &env,
            netns: None,
            spec: Some(s),
            shared: None,
        };
        let verdict = match (engine::would_skip(s, &ctx), s.default) {
            (None, true) => "yes".to_string(),
            (None, false) => format!("only when asked for (opt-in: --with {})", s.name),
            (Some(reason), _) => format!("no: {reason}"),
        };
        let scope = if s.per_netns { "per netns" } else { "host" };
        out.push_str(&format!(
            "{:<w$}  {:<9}  {}\n{:<w$}  {:<9}  would run: {}\n",
            s.name, scope, s.description, "", "", verdict
        ));
    }
    stdio::print(&out, stdio::Kind::Text)?;
    Ok(ExitCode::SUCCESS)
}
