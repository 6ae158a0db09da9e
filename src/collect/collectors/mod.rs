//! Collector builtins: the parts of collectors that need code. Each is a unit struct implementing
//! `Builtin`, listed once in `BUILTINS`; a spec in `collectors/*.toml` names it with `builtin = "..."`.
//! A builtin parses what its spec collected (files, command outputs) into one kind of typed facts,
//! and presents those facts as generic entries for every view. It runs a command only when the spec
//! declares it `deferred` (its argv or whether it runs depends on what another gave), through
//! `Ctx::run_declared`: there is no way to run an undeclared argv.

pub mod declared;

pub use declared::{Fill, Run};
pub mod distro;
pub mod endpoints;
pub mod host;
pub mod iproute2;
pub mod kconfig;
pub mod kernel;
pub mod kmsg;
pub mod limits;
pub mod links;
pub mod mib;
pub mod mptcpd;
pub mod networkmanager;
pub mod nstat;
pub mod routing;
pub mod selftest;
pub mod sockets;
pub mod sysctl;

// The parsers' names from before the folders (builtins, tests and fuzz targets use them).
pub use kmsg::filter as kmsg_filter;
pub use links::{present as links_present, text as links_text};
pub use mptcpd::{present as mptcpd_present, unit as mptcpd_unit};
pub use networkmanager::{
    conf as nm_conf, flags as nm_flags, keyfile as nm_keyfile, present as nm_present,
};
pub use routing::present as routing_present;
pub use sockets::diag_modules as sockets_modules;

use crate::collect::pm_source::PmSource;
use crate::collect::spec::{artifact_name_for_file, Spec};
use crate::report::{Artifact, Data, Entry, Facts, Section, Source};
use crate::sys::runner::SAFE_PATH;
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

/// The view of one collector run: the environment, the namespace the thread is in, and the spec that
/// declares what the collector may read and run (None outside a collector run: `list`, tests).
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub netns: Option<&'a Netns>,
    pub spec: Option<&'a Spec>,
    /// What the collectors of this one collection share (None outside the engine: each reads alone).
    pub shared: Option<&'a Shared>,
}

/// What the collectors of one collection share: something read once and shown by more than one
/// section (the SNMP/netstat counters of a namespace: mib and nstat show the same instant, and the
/// kernel formats them once), or the same host files every namespace needs (iproute2's name tables).
/// A new collection (reproduce's second snapshot) starts with nothing.
#[derive(Default)]
pub struct Shared {
    memo: std::sync::Mutex<std::collections::HashMap<MemoKey, Arc<Memo>>>,
}

/// (namespace label, what): None is for host-wide values.
type MemoKey = (Option<String>, &'static str);
/// A value made by whichever collector asks first.
type Memo = std::sync::OnceLock<Arc<dyn std::any::Any + Send + Sync>>;

impl Ctx<'_> {
    /// `make()` once per collection under `what` (and per namespace when `per_netns`); without a
    /// collection (`list`, tests) made each time.
    pub fn once<T: Send + Sync + 'static>(
        &self,
        what: &'static str,
        per_netns: bool,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        let Some(shared) = self.shared else {
            return Arc::new(make());
        };
        let ns = per_netns
            .then(|| self.netns.map(|n| n.label.clone()))
            .flatten();
        let slot = shared
            .memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((ns, what))
            .or_default()
            .clone();
        slot.get_or_init(|| Arc::new(make()))
            .clone()
            .downcast::<T>()
            .expect("one type per memo name")
    }

    /// The counters of this namespace (/proc/net/snmp, snmp6, netstat), read once per collection.
    pub fn counters(&self) -> Arc<nstat::Read> {
        self.once("counters", true, || nstat::read_counters(self.fs()))
    }

    /// This namespace's route-netlink link dump (RTM_GETLINK, every attribute), asked once per
    /// collection: the routing and links sections describe the same instant. Err is the error's text.
    pub fn link_dump(&self) -> Arc<std::result::Result<Vec<Vec<u8>>, String>> {
        self.once("link dump", true, || {
            crate::netlink::rtnl::RtSocket::open()
                .and_then(|mut s| crate::netlink::link_stats::link_bodies(&mut s))
                .map_err(|e| e.to_string())
        })
    }
}

/// What a collector run produced; the engine adds status and timing.
#[derive(Debug, Default)]
pub struct Output {
    pub data: Vec<Data>,
    pub artifacts: Vec<Artifact>,
    pub notes: Vec<String>,
    /// The outputs of the spec's commands that the engine ran and that have an `id`, for the builtin.
    pub ran: Vec<(String, CommandOutput)>,
}

impl Output {
    /// What the spec's command `id` gave, when the engine ran it (None: not run, e.g. not installed).
    pub fn ran(&self, id: &str) -> Option<&CommandOutput> {
        self.ran.iter().find(|(i, _)| i == id).map(|(_, r)| r)
    }

    /// The text of a file the engine copied for the spec's `files`, when it could be read.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.artifacts.iter().find_map(|a| match &a.source {
            Source::File { path: p } if p == path => Some(a.content.as_str()),
            _ => None,
        })
    }
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
    /// The kind of typed facts it gives (views and triage find its sections by it).
    fn facts(&self) -> Option<Facts> {
        None
    }
    /// Whether it would run here, beyond the spec's triggers; Err(reason) when not. Must be cheap
    /// and have no side effects.
    fn applies(&self, _ctx: &Ctx) -> std::result::Result<(), String> {
        Ok(())
    }
    /// Parses what the spec collected (in `out`: files and the outputs of the commands the engine
    /// ran) and reads what only code can, into typed facts in `out.data`.
    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result;
    /// Its part in every view, from the section it gave, after redaction (so the entries hold
    /// nothing the redacted facts do not).
    fn present(&self, _section: &Section) -> Vec<Entry> {
        Vec::new()
    }
    /// Whether it gets a thread of its own, started first: it usually starts programs, or can take
    /// as long as one (a kernel dump or log that grows with the system), so the slowest things a
    /// collect does overlap with everything else.
    fn own_thread(&self) -> bool {
        false
    }
}

/// Every builtin, once. The conformance test checks that each is named by exactly one spec.
pub static BUILTINS: &[&dyn Builtin] = &[
    &kernel::Kernel,
    &distro::Distro,
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
    let found = BUILTINS.iter().copied().find(|b| b.name() == name);
    #[cfg(test)]
    let found = found.or_else(|| crate::collect::engine_tests::builtin(name));
    found
}

/// The builtin giving `facts`.
pub fn builtin_for(facts: Facts) -> Option<&'static dyn Builtin> {
    BUILTINS.iter().copied().find(|b| b.facts() == Some(facts))
}

/// Whether `program` is installed: on the safe PATH of the system commands run on (with recorded
/// outputs: recorded); for files only (--root), in the image's safe PATH directories.
pub fn installed(env: &Env, program: &str) -> bool {
    if env.live() {
        return env.runner.has(program);
    }
    if program.starts_with('/') {
        return env.fs.is_file(program);
    }
    SAFE_PATH
        .split(':')
        .any(|dir| env.fs.is_file(&format!("{dir}/{program}")))
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
            spool: None,
            in_raw: false,
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
        spool: None,
        in_raw: false,
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
