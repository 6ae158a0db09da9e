//! `mptcp-get-debug [collect]` (`-c`): collect, redact, triage, write the archive, print the summary.
//! Also the checks of the options every archive-writing mode shares (output directory, template).

use crate::cli::settings::Settings;
use crate::cli::CollectArgs;
use crate::exit::usage;
use crate::pipeline;
use crate::report::Mode;
use crate::usage_bail;
use crate::views;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(args: &CollectArgs, argv: Vec<String>) -> Result<ExitCode> {
    let settings = Settings::new(args, Mode::Collect, argv);
    // Ctrl-C or SIGTERM from here on removes what the run started writing and its commands.
    crate::sys::signals::install(crate::sys::signals::First::Aborts)
        .context("cannot install signal handlers")?;
    let dir = output_dir(&settings)?;
    let template = read_template(&settings)?;
    if settings.window.given() {
        usage_bail!(
            "--duration, --sample-interval and `-- CMD` belong to reproduce mode (`mptcp-get-debug reproduce ...`)"
        );
    }
    let collected = pipeline::collect(&settings, None)?;
    pipeline::emit(&settings, collected, dir, template)
}

/// Starts, on a thread of its own, work that depends on nothing the flags say and that most runs
/// need: parsing the built-in collector specs (collect, reproduce, check, list) and compiling the
/// built-in summary template (every run that writes an archive or prints markdown). main starts it
/// before clap parses the command line, so with a free second core both are done by the time the
/// main thread needs them (cached for the process: collect::spec, views::compiled); what is not
/// done yet, the main thread waits for rather than does twice. The thread keeps the main thread's
/// priority: the C allocator has one arena (sys::alloc), and a thread of lower priority preempted
/// while holding its lock would stall every other.
pub fn prepare() {
    let _ = std::thread::Builder::new()
        .name("prepare".into())
        .spawn(|| {
            crate::collect::spec::parse_ahead();
            views::compile_summary_ahead();
        });
}

/// The archive's directory, checked before anything is collected (None with `--no-archive`).
pub(crate) fn output_dir(settings: &Settings) -> Result<Option<PathBuf>> {
    let Some(dir) = settings.output.clone() else {
        return Ok(None);
    };
    let meta = std::fs::metadata(&dir)
        .with_context(|| format!("--output {}", dir.display()))
        .map_err(usage)?;
    if !meta.is_dir() {
        usage_bail!("--output {}: not a directory", dir.display());
    }
    Ok(Some(dir))
}

/// `--template FILE`, read and checked before anything is collected.
pub(crate) fn read_template(settings: &Settings) -> Result<Option<String>> {
    settings
        .template
        .as_deref()
        .map(views::read_template)
        .transpose()
}
