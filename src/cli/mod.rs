//! The command line: clap's definitions (here) and their translation into one `Settings` value
//! (settings.rs); nothing below the commands sees clap's structs.
//!
//! Compatible with the shell script it replaces: `-c/--collect`, `-r/--reproduce`, `-h`, `-v`.

use crate::views::Format;
pub mod settings;
pub mod values;

use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "mptcp-get-debug",
    about = "Collect everything needed to report or triage a Linux MPTCP problem",
    long_about = "Collect everything needed to report or triage a Linux MPTCP (Multipath TCP) problem.\n\n\
Without a subcommand it collects: kernel and distribution, net.mptcp sysctls, path-manager endpoints and \
limits, MIB counters, MPTCP sockets and more, into a redacted tar.gz archive, and prints a summary laid out \
for the MPTCP bug-report form.",
    version,
    disable_version_flag = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Print the version and exit.
    #[arg(short = 'v', long = "version", visible_short_alias = 'V', action = ArgAction::Version)]
    pub version: Option<bool>,

    /// Collect a report (the default; kept for compatibility with the shell script).
    #[arg(short = 'c', long, conflicts_with = "reproduce")]
    pub collect: bool,

    /// Reproduce mode: snapshot, watch path-manager events while you reproduce the bug, snapshot again.
    #[arg(short = 'r', long)]
    pub reproduce: bool,

    /// Kernel series and end-of-life data to use instead of the installed kernel-series.toml (also
    /// $MPTCP_GET_DEBUG_DATA/kernel-series.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub kernel_series: Option<PathBuf>,

    #[command(flatten)]
    pub opts: CollectArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

// Each subcommand's flags are built only when it is the one given (`defer`): a default collect does
// not pay for the ~75 flags of the others on every start.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Collect a report (the default action).
    Collect(CollectArgs),
    /// Collect around a reproduction of the bug (path-manager events, counter deltas).
    Reproduce(CollectArgs),
    /// List every collector, whether it would run here, and why not.
    List(ListArgs),
    /// Turn pseudonyms and encrypted addresses back into the originals, with your private map.
    Unredact(UnredactArgs),
    /// Re-render an archive's report (findings re-run by this version).
    Show(ShowArgs),
    /// One summary for the client and the server archive of one bug (or a fleet's archives), with
    /// cross-side checks.
    Merge(MergeArgs),
    /// What differs between two archives: sysctls, endpoints, limits, counters, versions, NM, mptcpd.
    Diff(DiffArgs),
    /// Quick diagnosis, no archive: print only the findings; exit 0 when none is a warning or a
    /// problem, 1 when one is, 2 when the checks could not run.
    Check(CheckArgs),

    /// Print the man page or a shell completion script (for packagers; `make` uses it).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, Args, Clone)]
pub struct GenerateArgs {
    /// What to print on stdout.
    #[arg(value_enum)]
    pub what: Generated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Generated {
    /// The man page (roff, section 1).
    Man,
    Bash,
    Zsh,
    Fish,
    /// The JSON Schema of report.json.
    Schema,
}

#[derive(Debug, Args, Clone)]
pub struct ShowArgs {
    /// An archive written by mptcp-get-debug (mptcp-debug-*.tar.gz).
    #[arg(value_name = "ARCHIVE")]
    pub archive: PathBuf,
    /// What to print.
    #[arg(short, long, value_enum, default_value = "md")]
    pub format: Format,
    /// Print a link that opens the MPTCP bug form with "System info" (both versions of the form) and a
    /// skeleton of the other fields filled in, instead of the report.
    #[arg(long)]
    pub issue_url: bool,
    /// Render the summary with this minijinja template instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// The client's archive, then the server's; or more archives (a fleet), each labelled by its
    /// --side or host pseudonym.
    #[arg(value_name = "ARCHIVE", num_args = 2.., required = true)]
    pub archives: Vec<PathBuf>,
    /// Print the bug-form link ("System info", the per-side fields and the narrative skeleton) instead
    /// of the summary.
    #[arg(long)]
    pub issue_url: bool,
    /// What to print: the merged summary (md), or each side's and the cross-side findings (json).
    #[arg(short, long, value_enum, default_value = "md")]
    pub format: MergeFormat,
}

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The first archive (before, or one host).
    #[arg(value_name = "A.tar.gz")]
    pub a: PathBuf,
    /// The second archive (after, or the other host).
    #[arg(value_name = "B.tar.gz")]
    pub b: PathBuf,
}

/// Which end of the connection this host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SideArg {
    Client,
    Server,
}

impl From<SideArg> for crate::report::Role {
    fn from(side: SideArg) -> Self {
        match side {
            SideArg::Client => crate::report::Role::Client,
            SideArg::Server => crate::report::Role::Server,
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct UnredactArgs {
    /// The private map written next to the archive (`<archive>.map.json`).
    #[arg(long, value_name = "FILE")]
    pub map: PathBuf,

    /// Text to restore, a file holding it, or `-` for stdin.
    #[arg(value_name = "TEXT|FILE|-")]
    pub input: String,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CollectArgs {
    /// Directory to write the archive to (default: the current directory).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// What to print on stdout.
    #[arg(short, long, value_enum, default_value = "md")]
    pub format: Format,

    /// Read every file under DIR instead of / (a mounted image, a fixture tree).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Read files under DIR (the host's root seen from a container, e.g. /host) but the kernel's state
    /// (netlink, sockets, /proc, /sys, commands) from the running system.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["root", "commands_from"])]
    pub sysroot: Option<PathBuf>,

    /// Run only these collectors (comma-separated names; see `list`).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub only: Vec<String>,

    /// Also run these opt-in collectors (`list` marks them; `*`: all of them), e.g. `--with iproute2`.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "A,B",
        conflicts_with = "only"
    )]
    pub with: Vec<String>,

    /// Do not run these collectors.
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub skip: Vec<String>,

    /// Never prompt (implied when stdin is not a terminal or CI is set).
    #[arg(long)]
    pub batch: bool,

    /// Timeout for each command, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,

    /// No progress or notes on stderr; errors are still printed.
    #[arg(short, long)]
    pub quiet: bool,

    /// Render the summary with this minijinja template instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,

    /// Collect in these network namespaces (a name under /run/netns, a PID, or `all`); repeatable.
    #[arg(long, value_name = "NAME|PID|all")]
    pub netns: Vec<String>,

    /// Extra collector specs (*.toml) to load, besides the built-in ones and
    /// /etc/mptcp-get-debug/collectors.d.
    #[arg(long, value_name = "DIR")]
    pub collectors_dir: Vec<PathBuf>,

    /// Do not replace addresses, MACs and names (secrets are removed all the same).
    #[arg(long)]
    pub no_redact: bool,

    /// Key file for address encryption, read or created (mode 0600): use the same file on the client
    /// and the server so a maintainer can match addresses across both reports. `new`: a fresh key for
    /// this run only. Default: one persistent key per user, kept in the user's state directory (for
    /// root in /var/lib/mptcp-get-debug), so successive runs agree.
    #[arg(long, value_name = "FILE|new")]
    pub redact_key: Option<PathBuf>,

    /// Label the report as the client or the server side (guessed from counters, sockets and endpoints if not given).
    #[arg(long, value_enum)]
    pub side: Option<SideArg>,

    /// Also print (on stderr) a link that opens the MPTCP bug form with "System info" (both versions of
    /// the form) and a skeleton of the other fields filled in.
    #[arg(long)]
    pub issue_url: bool,

    /// Strictly read-only: load no kernel module (sock_diag is not asked while mptcp_diag is a module
    /// that is not loaded) and make no self-test connection; what could not be collected says why.
    #[arg(long)]
    pub no_system_changes: bool,

    /// Do not write an archive; only print the report.
    #[arg(long)]
    pub no_archive: bool,

    /// Replay command outputs recorded in DIR instead of running commands (tests, offline analysis).
    #[arg(long, value_name = "DIR", hide = true)]
    pub commands_from: Option<PathBuf>,

    /// Reproduce mode: end the window after this long (30s, 5m, 500ms).
    #[arg(long, value_name = "TIME", value_parser = values::parse_duration)]
    pub duration: Option<std::time::Duration>,

    /// Reproduce mode: sample each MPTCP connection's and subflow's bytes and retransmits and each
    /// interface's counters every MS milliseconds during the window (default 100; 0 disables).
    #[arg(long, value_name = "MS", value_parser = values::parse_sample_interval)]
    pub sample_interval: Option<u64>,

    /// Reproduce mode: run this command (in the first --netns) and end the window when it exits.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ListArgs {
    /// Evaluate triggers under DIR instead of /.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Files under DIR, kernel state from the running system (as for collect).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["root", "commands_from"])]
    pub sysroot: Option<PathBuf>,

    /// Extra collector specs to load.
    #[arg(long, value_name = "DIR")]
    pub collectors_dir: Vec<PathBuf>,

    #[arg(long, value_name = "DIR", hide = true)]
    pub commands_from: Option<PathBuf>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// What to print: text for people, json for machines.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: CheckFormat,

    /// Check these network namespaces (a name under /run/netns, a PID, or `all`); repeatable.
    #[arg(long, value_name = "NAME|PID|all")]
    pub netns: Vec<String>,

    /// Label this host as the client or the server (guessed from counters and sockets if not given).
    #[arg(long, value_enum)]
    pub side: Option<SideArg>,

    /// Show addresses and names as they are (redacted by default, as in a report, since check output
    /// often lands in public CI logs).
    #[arg(long)]
    pub no_redact: bool,

    /// Timeout for each command, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,

    /// List every rule, the collectors it needs and what triggers it, then exit.
    #[arg(long)]
    pub rules: bool,

    /// No summary or notes on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Read files under DIR instead of / (tests, offline analysis).
    #[arg(long, value_name = "DIR", hide = true)]
    pub root: Option<PathBuf>,

    /// Replay command outputs recorded in DIR (tests).
    #[arg(long, value_name = "DIR", hide = true)]
    pub commands_from: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    #[default]
    Text,
    Json,
}

/// What `merge` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum MergeFormat {
    /// The merged summary (markdown).
    #[default]
    Md,
    /// Each side's findings and the cross-side ones, with rule ids.
    Json,
}
