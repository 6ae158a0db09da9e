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
