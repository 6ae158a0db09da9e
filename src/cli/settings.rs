//! The flags of collect and reproduce (and the environment: `XDG_STATE_HOME`, `HOME`, `CI`, whether
//! stderr is a terminal) turned into one value the pipeline runs on. The source the system is read from
//! is one enum; nothing below this module sees clap's structs.

use super::CollectArgs;
use crate::collect::plan::Selection;
use crate::collect::source::Source;
use crate::redact::{default_key_path, KeyChoice, RedactOptions};
use crate::report::{Mode, Role};
use crate::views::Format;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

/// Everything a collect or reproduce run needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The command line as given (recorded in the report).
    pub argv: Vec<String>,
    pub mode: Mode,
    pub source: Source,
    /// Extra spec directories (`--collectors-dir`).
    pub collectors_dirs: Vec<PathBuf>,
    /// `--only`, `--with`, `--skip`.
    pub collectors: Selection,
    /// `--netns` as given (resolved by the collection plan).
    pub netns: Vec<String>,
    /// Per-command timeout, in seconds (checked when the environment is built).
    pub timeout: f64,
    /// `--no-system-changes`.
    pub read_only: bool,
    /// `-q`: no notes or progress on stderr.
    pub quiet: bool,
    /// A live progress line: only on a terminal, never with -q.
    pub progress: bool,
    pub redact: RedactOptions,
    pub side: Option<Role>,
    /// Where the archive goes; None with `--no-archive`.
    pub output: Option<PathBuf>,
    pub format: Format,
    /// `--template FILE`.
    pub template: Option<PathBuf>,
    pub issue_url: bool,
    pub window: Window,
}

/// Reproduce mode's window options.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub duration: Option<Duration>,
    pub sample_interval: Option<u64>,
    /// `-- CMD ARGS`.
    pub command: Vec<String>,
    /// `--batch`: never read stdin.
    pub batch: bool,
    /// `CI` is set in the environment (implies no prompts on a terminal).
    pub ci: bool,
}

impl Window {
    /// Whether any window option was given (they belong to reproduce mode only).
    pub fn given(&self) -> bool {
        self.duration.is_some() || self.sample_interval.is_some() || !self.command.is_empty()
    }
}

impl Settings {
    pub fn new(args: &CollectArgs, mode: Mode, argv: Vec<String>) -> Settings {
        Settings {
            argv,
            mode,
            source: Source::from_flags(
                args.root.as_deref(),
                args.sysroot.as_deref(),
                args.commands_from.as_deref(),
            ),
            collectors_dirs: args.collectors_dir.clone(),
            collectors: Selection {
                only: args.only.clone(),
                with: args.with.clone(),
                skip: args.skip.clone(),
            },
            netns: args.netns.clone(),
            timeout: args.timeout,
            read_only: args.no_system_changes,
            quiet: args.quiet,
            progress: !args.quiet && std::io::stderr().is_terminal(),
            redact: redact_options(args),
            side: args.side.map(Into::into),
            output: (!args.no_archive)
                .then(|| args.output.clone().unwrap_or_else(|| PathBuf::from("."))),
            format: args.format,
            template: args.template.clone(),
            issue_url: args.issue_url,
            window: Window {
                duration: args.duration,
                sample_interval: args.sample_interval,
                command: args.command.clone(),
                batch: args.batch,
                ci: std::env::var_os("CI").is_some(),
            },
        }
    }

    /// A collector run's whole timeout: three command timeouts and some slack.
    pub fn collector_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout * 3.0 + 5.0)
    }
}

/// `--redact-key FILE|new`, else the user's persistent key (a fresh one when no place can be named).
pub fn redact_options(args: &CollectArgs) -> RedactOptions {
    let key = match &args.redact_key {
        Some(p) if p.as_os_str() == "new" => KeyChoice::New,
        Some(p) => KeyChoice::File(p.clone()),
        None => default_key_path(
            std::env::var("XDG_STATE_HOME").ok().as_deref(),
            std::env::var("HOME").ok().as_deref(),
            crate::sys::ids::euid() == 0,
        )
        .map_or(KeyChoice::New, KeyChoice::Persistent),
    };
    RedactOptions {
        enabled: !args.no_redact,
        key,
    }
}
