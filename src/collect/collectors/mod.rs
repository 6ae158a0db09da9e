//! Collector builtins: the parts of collectors that need code. Each lives in its own file as a unit
//! struct implementing `Builtin`, and is listed once in `BUILTINS`; a spec in `collectors/*.toml`
//! names it with `builtin = "..."`.

pub mod endpoints;
pub mod host;
pub mod iproute2;
pub mod kconfig;
pub mod kernel;
pub mod kmsg;
pub mod kmsg_filter;
pub mod limits;
pub mod links;
pub mod links_text;
pub mod mib;
pub mod mptcpd;
pub mod mptcpd_unit;
pub mod networkmanager;
pub mod nm_conf;
pub mod nm_flags;
pub mod nm_keyfile;
pub mod nstat;
pub mod routing;
pub mod selftest;
pub mod sockets;
pub mod sockets_modules;
pub mod sysctl;

use crate::collect::pm_source::PmSource;
use crate::collect::spec::{artifact_name_for, artifact_name_for_file};
use crate::report::{Artifact, Data, Source};
use crate::sys::runner::CommandRequest;
use crate::sys::{CommandOutput, Fs, Netns, Runner};
use std::sync::Arc;
use std::time::Duration;

/// Everything a collector may touch, shared by all collector threads.
pub struct Env {
    pub fs: Fs,
    pub runner: Arc<dyn Runner>,
    pub pm: Arc<dyn PmSource>,
    /// Per-command timeout.
    pub timeout: Duration,
    /// Output cap per command, in bytes (the tail is kept).
    pub cap: usize,
    /// Running with root / CAP_NET_ADMIN.
    pub privileged: bool,
    /// Where everything is read from (see `Env::live` and `Env::native` for what it allows).
    pub source: crate::collect::source::Source,
    /// `--no-system-changes`: nothing that changes the system (no module load, no test connection).
    pub read_only: bool,
    /// The kernel build config, read once: (where from, text). Several collectors consult it.
    pub kconfig: std::sync::OnceLock<Option<(String, String)>>,
}

impl Env {
    /// Commands and the path manager may be used (the live system, or outputs recorded for --root).
    pub fn live(&self) -> bool {
        self.source.runs_commands()
    }

    /// The running kernel is asked directly over netlink (not replayed from recorded outputs).
    pub fn native(&self) -> bool {
        self.source.native()
    }
}

/// The view of one collector run: the environment plus the namespace the thread is in.
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub netns: Option<&'a Netns>,
}

/// What a builtin hands back; the engine adds status and timing.
#[derive(Debug, Default)]
pub struct Output {
    pub data: Vec<Data>,
    pub artifacts: Vec<Artifact>,
    pub notes: Vec<String>,
}

/// Why a builtin produced no section data.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// Does not apply here (not installed, no permission, ...): not an error.
    Skipped(String),
    Failed(String),
}

pub type Result<T = ()> = std::result::Result<T, Stop>;

pub trait Builtin: Send + Sync {
    fn name(&self) -> &'static str;
    /// Whether it would run here; Err(reason) when not. Must be cheap and have no side effects.
    fn applies(&self, _ctx: &Ctx) -> std::result::Result<(), String> {
        Ok(())
    }
    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result;
    /// Whether it usually starts programs: the engine starts such collectors first, so the slowest
    /// thing a collector does overlaps with everything else.
    fn runs_programs(&self) -> bool {
        false
    }
}

/// Every builtin, once. The conformance test checks that each is named by exactly one spec.
pub static BUILTINS: &[&dyn Builtin] = &[
    &kernel::Kernel,
    &kernel::Distro,
    &kconfig::KernelConfig,
    &sysctl::Sysctl,
    &endpoints::Endpoints,
    &limits::Limits,
    &iproute2::IpMptcp,
    &mib::Mib,
    &nstat::Nstat,
    &sockets::Sockets,
    &routing::Routing,
    &kmsg::Kmsg,
    &selftest::Selftest,
    &networkmanager::NetworkManager,
    &mptcpd::Mptcpd,
    &host::Host,
    &links::Links,
];

pub fn builtin(name: &str) -> Option<&'static dyn Builtin> {
    BUILTINS.iter().copied().find(|b| b.name() == name)
}

impl Ctx<'_> {
    pub fn fs(&self) -> &Fs {
        &self.env.fs
    }

    /// The kernel build config (source path, text), read and decompressed once per run.
    pub fn kernel_config_text(&self) -> Option<&(String, String)> {
        self.env
            .kconfig
            .get_or_init(|| kconfig::read_config(&self.env.fs))
            .as_ref()
    }

    /// Runs a command through the runner with the default timeout and cap.
    pub fn run(&self, argv: &[&str]) -> CommandOutput {
        self.env
            .runner
            .run(&CommandRequest::new(argv, self.env.timeout, self.env.cap))
    }

    /// Runs a command and keeps its output as an artifact. Returns the output for parsing.
    pub fn run_kept(&self, argv: &[&str], out: &mut Output) -> CommandOutput {
        let res = self.run(argv);
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        out.artifacts
            .push(command_artifact(artifact_name_for(&argv), &argv, &res));
        res
    }

    /// Runs several commands at once (threads inherit this thread's namespace) and keeps each output as
    /// an artifact, in the given order. Returns the outputs in the same order.
    pub fn run_kept_all(&self, argvs: &[&[&str]], out: &mut Output) -> Vec<CommandOutput> {
        let results: Vec<CommandOutput> = std::thread::scope(|scope| {
            let handles: Vec<_> = argvs
                .iter()
                .map(|argv| scope.spawn(move || self.run(argv)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (argv, res) in argvs.iter().zip(&results) {
            let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            out.artifacts
                .push(command_artifact(artifact_name_for(&argv), &argv, res));
        }
        results
    }

    /// Reads a file and keeps it as an artifact under raw/ (named after its path).
    pub fn read_kept(&self, path: &str, out: &mut Output) -> std::io::Result<String> {
        let t = self.env.fs.read_text(path)?;
        out.artifacts.push(Artifact {
            name: artifact_name_for_file(path),
            source: Source::File {
                path: path.to_string(),
            },
            original_size: t.original_size,
            content: t.text.clone(),
            truncated: t.truncated,
        });
        Ok(t.text)
    }
}

pub fn command_artifact(name: String, argv: &[String], res: &CommandOutput) -> Artifact {
    Artifact {
        name,
        source: Source::Command {
            argv: argv.to_vec(),
            exit_code: res.exit_code,
            stderr: res.stderr.clone(),
            duration_ms: res.duration.as_secs_f64() * 1000.0,
            timed_out: res.timed_out,
            missing: res.missing,
        },
        content: res.stdout.clone(),
        truncated: res.truncated,
        original_size: res.original_size,
    }
}

/// One line describing a command that did not succeed, for notes and errors.
pub fn command_problem(argv: &[&str], res: &CommandOutput) -> Option<String> {
    let cmd = argv.join(" ");
    if res.missing {
        Some(format!("{}: not found on PATH", argv[0]))
    } else if res.timed_out {
        Some(format!(
            "`{cmd}` timed out after {} ms",
            res.duration.as_millis()
        ))
    } else if !res.success() {
        let why = res.stderr.lines().last().unwrap_or("").trim();
        let status = res.exit_code.map_or("killed by a signal".to_string(), |c| {
            format!("exit status {c}")
        });
        Some(if why.is_empty() {
            format!("`{cmd}` failed ({status})")
        } else {
            format!("`{cmd}` failed ({status}): {why}")
        })
    } else {
        None
    }
}
