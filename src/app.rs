//! The top of the program: turns parsed flags into settings, runs a mode, writes the outputs, and
//! decides the exit status. Errors here are one-line and name the file or option at fault.

use crate::archive::{self, Entry, Member};
use crate::cli::{Cli, CollectArgs, Command, ListArgs, UnredactArgs};
use crate::collect::collectors::{Ctx, Env};
use crate::collect::engine::{self, Plan};
use crate::collect::spec::{self, Spec};
use crate::exit::usage;
use crate::netlink::{NoPm, PmSource, RecordedPm};
use crate::redact::{RedactOptions, Redactor};
use crate::report::{Meta, Report, Tool, SCHEMA_VERSION};
use crate::sys::{stdio, FixtureRunner, Fs, Netns, RealRunner, Runner};
use crate::usage_bail;
use crate::views::{self, SummaryOptions};
use anyhow::{Context, Result};
use chrono::Utc;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Local collector specs: set at build time by `make` (from SYSCONFDIR), else /etc.
pub const SYSTEM_COLLECTORS_DIR: &str = match option_env!("MPTCP_GET_DEBUG_COLLECTORS_DIR") {
    Some(d) => d,
    None => "/etc/mptcp-get-debug/collectors.d",
};

pub fn run(cli: Cli) -> Result<ExitCode> {
    one_malloc_arena();
    let argv: Vec<String> = std::env::args().collect();
    crate::triage::kernel::choose(cli.kernel_series.as_deref(), false)?;
    match cli.command {
        Some(Command::Collect(args)) => collect(&args, argv, "collect"),
        Some(Command::Reproduce(args)) => reproduce(&args, argv),
        Some(Command::List(args)) => list(&args),
        Some(Command::Unredact(args)) => unredact(&args),
        Some(Command::Show(args)) => crate::maintainer::show(&args),
        Some(Command::Merge(args)) => crate::maintainer::merge(&args),
        Some(Command::Diff(args)) => crate::maintainer::diff(&args),
        Some(Command::Generate(args)) => crate::generate::run(&args),
        Some(Command::Check(args)) => crate::check::run(&args, argv),
        None if cli.reproduce => reproduce(&cli.opts, argv),
        None => collect(&cli.opts, argv, "collect"),
    }
}

fn reproduce(args: &CollectArgs, argv: Vec<String>) -> Result<ExitCode> {
    crate::commands::reproduce::run(args, argv)
}

/// Whether this process may do everything (root, or at least CAP_NET_ADMIN and CAP_SYS_ADMIN).
pub fn privileged() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let cap = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    const CAP_NET_ADMIN: u64 = 1 << 12;
    const CAP_SYS_ADMIN: u64 = 1 << 21;
    cap & (CAP_NET_ADMIN | CAP_SYS_ADMIN) == CAP_NET_ADMIN | CAP_SYS_ADMIN
}

/// Specs to run: built-in + system dir + --collectors-dir, filtered by --only/--skip.
pub(crate) fn load_specs(
    dirs: &[PathBuf],
    root_is_live: bool,
    only: &[String],
    skip: &[String],
) -> Result<Vec<Spec>> {
    for d in dirs {
        if !d.is_dir() {
            usage_bail!("--collectors-dir {}: not a directory", d.display());
        }
    }
    let mut all_dirs = Vec::new();
    if root_is_live && Path::new(SYSTEM_COLLECTORS_DIR).is_dir() {
        all_dirs.push(PathBuf::from(SYSTEM_COLLECTORS_DIR));
    }
    all_dirs.extend(dirs.iter().cloned());
    // A broken spec in /etc/mptcp-get-debug/collectors.d or --collectors-dir is a configuration error.
    let mut specs = spec::load_all(&all_dirs).map_err(usage)?;
    for (flag, names) in [("--only", only), ("--skip", skip)] {
        if let Some(bad) = names.iter().find(|n| !specs.iter().any(|s| &s.name == *n)) {
            usage_bail!("{flag}: unknown collector {bad:?} (see `mptcp-get-debug list`)");
        }
    }
    if !only.is_empty() {
        specs.retain(|s| only.contains(&s.name));
    }
    specs.retain(|s| !skip.contains(&s.name));
    Ok(specs)
}

/// Collector threads allocate little and live a few milliseconds: glibc would give each of them a
/// fresh 64 MiB arena (mmap, trim, page faults), which costs more than the contention it avoids.
fn one_malloc_arena() {
    #[cfg(target_env = "gnu")]
    {
        const M_ARENA_MAX: libc::c_int = -8;
        // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
        unsafe { libc::mallopt(M_ARENA_MAX, 1) };
    }
}

/// The environment collectors see: files under --root, and commands/netlink from the live system, or
/// from recorded outputs, or none.
pub(crate) fn make_env(
    root: &Option<PathBuf>,
    sysroot: &Option<PathBuf>,
    commands_from: &Option<PathBuf>,
    timeout: f64,
) -> Result<Env> {
    let (flag, given) = match sysroot {
        Some(d) => ("--sysroot", Some(d)),
        None => ("--root", root.as_ref()),
    };
    let root = given.cloned().unwrap_or_else(|| PathBuf::from("/"));
    if !root.is_dir() {
        usage_bail!("{flag} {}: not a directory", root.display());
    }
    if !(timeout > 0.0 && timeout <= 3600.0) {
        usage_bail!("--timeout {timeout}: must be between 0 and 3600 seconds");
    }
    let fs = if sysroot.is_some() {
        Fs::sysroot(&root)
    } else {
        Fs::open(&root)
    }
    .with_context(|| format!("{flag} {}", root.display()))?;
    let (runner, pm, live): (Arc<dyn Runner>, Arc<dyn PmSource>, bool) = match commands_from {
        Some(dir) => {
            if !dir.is_dir() {
                usage_bail!("--commands-from {}: not a directory", dir.display());
            }
            (
                Arc::new(FixtureRunner::new(dir)),
                Arc::new(RecordedPm { dir: dir.clone() }),
                true,
            )
        }
        None if fs.kernel_is_live() => (Arc::new(RealRunner), crate::netlink::live_source(), true),
        None => (
            Arc::new(RealRunner),
            Arc::new(NoPm("netlink is not queried under --root".into())),
            false,
        ),
    };
    Ok(Env {
        fs,
        runner,
        pm,
        timeout: Duration::from_secs_f64(timeout),
        cap: 4 << 20,
        privileged: privileged(),
        live,
        native: live && commands_from.is_none(),
        read_only: false,
        kconfig: Default::default(),
    })
}

pub(crate) fn namespaces(specs: &[String]) -> Result<Vec<Option<Netns>>> {
    if specs.is_empty() {
        return Ok(vec![None]);
    }
    let mut out: Vec<Option<Netns>> = Vec::new();
    for s in specs {
        if s == "all" && !out.contains(&None) {
            out.push(None);
        }
        for ns in Netns::resolve(s).map_err(|e| usage(anyhow::Error::msg(e)))? {
            if !out.contains(&Some(ns.clone())) {
                out.push(Some(ns));
            }
        }
    }
    Ok(out)
}

pub fn list(args: &ListArgs) -> Result<ExitCode> {
    let env = make_env(&args.root, &args.sysroot, &args.commands_from, 10.0)?;
    let specs = load_specs(&args.collectors_dir, env.fs.kernel_is_live(), &[], &[])?;
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
        };
        let verdict = match engine::would_skip(s, &ctx) {
            None => "yes".to_string(),
            Some(reason) => format!("no: {reason}"),
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

/// Everything a collect run produced, before it is written anywhere.
pub struct Collected {
    pub report: Report,
    pub redactor: Redactor,
}

/// Runs the collectors and builds the redacted Report (nothing written yet).
pub fn collect_report(
    args: &CollectArgs,
    argv: Vec<String>,
    mode: &str,
    redact: &RedactOptions,
) -> Result<Collected> {
    collect_report_with(args, argv, mode, redact, None)
}

/// `collect_report`, with the reproduce window's record added before redaction.
pub fn collect_report_with(
    args: &CollectArgs,
    argv: Vec<String>,
    mode: &str,
    redact: &RedactOptions,
    reproduce: Option<crate::report::Reproduce>,
) -> Result<Collected> {
    let mut env = make_env(&args.root, &args.sysroot, &args.commands_from, args.timeout)?;
    env.read_only = args.no_system_changes;
    let specs = load_specs(
        &args.collectors_dir,
        env.fs.kernel_is_live(),
        &args.only,
        &args.skip,
    )?;
    let namespaces = namespaces(&args.netns)?;
    if namespaces.iter().any(Option::is_some) && !env.privileged {
        usage_bail!("--netns: entering a network namespace needs root (CAP_SYS_ADMIN)");
    }
    let mut redactor = Redactor::new(redact).map_err(usage)?;
    let started_at = Utc::now();
    let plan = Plan {
        specs,
        namespaces: namespaces.clone(),
        collector_timeout: Duration::from_secs_f64(args.timeout * 3.0 + 5.0),
    };
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize, name: &str| {
        eprint!("\r\x1b[2Kcollecting: {done}/{total} {name}");
        if done == total {
            eprint!("\r\x1b[2K");
        }
    };
    let privileged = env.privileged;
    let root = env.fs.root().display().to_string();
    let sysroot = env.fs.kernel_is_live() && !env.fs.is_live();
    let hostname = env
        .fs
        .read_trimmed("/proc/sys/kernel/hostname")
        // An offline image (--root) has no /proc: its configured name is in /etc/hostname.
        .or_else(|| env.fs.read_trimmed("/etc/hostname"))
        .unwrap_or_else(|| "unknown".into());
    let sections = engine::run(
        &plan,
        Arc::new(env),
        if show_progress { Some(&progress) } else { None },
    );
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: crate::NAME.into(),
            version: crate::VERSION.into(),
        },
        meta: Meta {
            started_at,
            finished_at: Utc::now(),
            mode: mode.into(),
            hostname,
            // SAFETY: getuid has no preconditions.
            uid: unsafe { libc::getuid() },
            privileged,
            args: argv,
            root,
            sysroot,
            netns: namespaces
                .iter()
                .map(|n| n.as_ref().map(|n| n.label.clone()).unwrap_or_default())
                .collect(),
            side: None,
            archive: None,
        },
        sections,
        findings: Vec::new(),
        redaction: None,
        reproduce,
    };
    report.meta.side = crate::maintainer::side(&report, args.side);
    redactor.redact_report(&mut report)?;
    // What every view shows, built from the redacted facts.
    crate::collect::present::present(&mut report);
    report.redaction = Some(redactor.summary());
    report.findings = crate::triage::evaluate(&report);
    Ok(Collected { report, redactor })
}

pub fn manifest(report: &Report) -> serde_json::Value {
    use crate::report::Source;
    let collectors: Vec<serde_json::Value> = report
        .sections
        .iter()
        .map(|s| {
            let artifacts: Vec<serde_json::Value> = s
                .artifacts
                .iter()
                .map(|a| {
                    let mut v = serde_json::json!({"name": a.name, "truncated": a.truncated, "original_size": a.original_size});
                    if let Source::Command { argv, exit_code, timed_out, missing, duration_ms, .. } = &a.source {
                        v["argv"] = serde_json::json!(argv);
                        v["exit_code"] = serde_json::json!(exit_code);
                        v["timed_out"] = serde_json::json!(timed_out);
                        v["missing"] = serde_json::json!(missing);
                        v["duration_ms"] = serde_json::json!(duration_ms);
                    }
                    v
                })
                .collect();
            serde_json::json!({
                "name": s.collector,
                "netns": s.netns,
                "status": s.status.label(),
                "detail": s.status.detail(),
                "duration_ms": s.duration_ms,
                "artifacts": artifacts,
                "notes": s.notes,
            })
        })
        .collect();
    let mut m = serde_json::json!({
        "tool": report.tool.name,
        "version": report.tool.version,
        "schema_version": report.schema_version,
        "mode": report.meta.mode,
        "args": report.meta.args,
        "uid": report.meta.uid,
        "privileged": report.meta.privileged,
        "started_at": report.meta.started_at,
        "finished_at": report.meta.finished_at,
        "root": report.meta.root,
        "netns": report.meta.netns,
        "redaction": report.redaction,
        "collectors": collectors,
    });
    if let Some(r) = &report.reproduce {
        m["reproduce"] = crate::commands::reproduce::manifest_entry(r);
    }
    m
}

/// Archive base name: mptcp-debug-<host>-<UTC timestamp>.
pub fn archive_stem(host_label: &str, at: chrono::DateTime<Utc>) -> String {
    let host: String = host_label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("mptcp-debug-{host}-{}", at.format("%Y%m%dT%H%M%SZ"))
}

pub(crate) fn output_dir(args: &CollectArgs) -> Result<PathBuf> {
    let dir = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
    let meta = std::fs::metadata(&dir)
        .with_context(|| format!("--output {}", dir.display()))
        .map_err(usage)?;
    if !meta.is_dir() {
        usage_bail!("--output {}: not a directory", dir.display());
    }
    Ok(dir)
}

/// Writes the archive (and the private map next to it); returns the archive path and the summary
/// written into it.
pub fn write_outputs(
    dir: &Path,
    collected: &mut Collected,
    template: Option<String>,
) -> Result<(PathBuf, String)> {
    let report = &mut collected.report;
    let stem = archive_stem(
        &collected.redactor.host_label(&report.meta.hostname),
        report.meta.started_at,
    );
    // The name is held (an exclusive partial file) before it is written into the summary.
    let reserved = archive::Reserved::new(dir, &stem)?;
    let archive_name = reserved.archive_name();
    let map = collected.redactor.private_map();
    if map.is_some() {
        if let Some(r) = report.redaction.as_mut() {
            r.map_file = Some(format!("{archive_name}.map.json"));
        }
    }
    // The output path may hold a user name (/home/NAME/...).
    let shown = collected
        .redactor
        .redact_text(&dir.join(&archive_name).display().to_string());
    report.meta.archive = Some(shown.clone());
    let opts = SummaryOptions {
        archive: Some(shown),
        template,
    };
    let summary = views::render_summary(report, &opts)?;
    let report = &*report;
    let manifest_json = serde_json::to_string_pretty(&manifest(report))? + "\n";
    // The contract report.json follows, so a reader needs nothing but the archive.
    let schema = crate::report::schema::report_schema();
    // report.json goes straight from the Report into the compressed stream: never a second copy in
    // memory (archive/stream.rs). The same bytes as `--format json`.
    let json = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, report)?;
        w.write_all(b"\n")
    };
    let reproduce = crate::archive::window::archive_members(report);
    let mut members = vec![
        Entry::bytes("summary.md", summary.as_bytes()),
        Entry::stream("report.json", &json)?,
        Entry::bytes("manifest.json", manifest_json.as_bytes()),
        Entry::bytes("schema.json", schema.as_bytes()),
    ];
    members.extend(archive::raw_entries(report));
    members.extend(reproduce.iter().map(Member::entry));
    let mtime = report.meta.started_at.timestamp().max(0) as u64;
    let map = map
        .map(|m| serde_json::to_string_pretty(&m).map(|s| s + "\n"))
        .transpose()?;
    let told = dir.join(&archive_name).display().to_string();
    let path = reserved.write(&members, mtime, map.as_deref().map(str::as_bytes), &told)?;
    Ok((path, summary))
}

/// `--redact-key FILE|new`, else the user's persistent key (a fresh one when no place can be named).
pub fn redact_options(args: &CollectArgs) -> RedactOptions {
    use crate::redact::{default_key_path, KeyChoice};
    let key = match &args.redact_key {
        Some(p) if p.as_os_str() == "new" => KeyChoice::New,
        Some(p) => KeyChoice::File(p.clone()),
        None => default_key_path(
            std::env::var("XDG_STATE_HOME").ok().as_deref(),
            std::env::var("HOME").ok().as_deref(),
            // SAFETY: geteuid has no preconditions.
            unsafe { libc::geteuid() } == 0,
        )
        .map_or(KeyChoice::New, KeyChoice::Persistent),
    };
    RedactOptions {
        enabled: !args.no_redact,
        key,
    }
}

/// `unredact --map FILE INPUT`: prints INPUT with the originals put back.
pub fn unredact(args: &UnredactArgs) -> Result<ExitCode> {
    let map = crate::redact::PrivateMap::load(&args.map).map_err(usage)?;
    let text = crate::redact::read_input(&args.input)?;
    stdio::print(&map.unredact(&text), stdio::Kind::Text)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn read_template(args: &CollectArgs) -> Result<Option<String>> {
    args.template
        .as_deref()
        .map(views::read_template)
        .transpose()
}

pub fn collect(args: &CollectArgs, argv: Vec<String>, mode: &str) -> Result<ExitCode> {
    // Ctrl-C or SIGTERM from here on removes what the run started writing and its commands.
    crate::sys::interrupt::install().context("cannot install signal handlers")?;
    let dir = if args.no_archive {
        None
    } else {
        Some(output_dir(args)?)
    };
    let template = read_template(args)?;
    if args.duration.is_some() || args.sample_interval.is_some() || !args.command.is_empty() {
        usage_bail!(
            "--duration, --sample-interval and `-- CMD` belong to reproduce mode (`mptcp-get-debug reproduce ...`)"
        );
    }
    let collected = collect_report(args, argv, mode, &redact_options(args))?;
    emit(args, collected, dir, template)
}

/// Writes the archive (unless --no-archive) and prints the report in the chosen format.
pub(crate) fn emit(
    args: &CollectArgs,
    mut collected: Collected,
    dir: Option<PathBuf>,
    template: Option<String>,
) -> Result<ExitCode> {
    if !args.quiet {
        let missing = views::privilege::missing_without_root(&collected.report);
        if !missing.is_empty() {
            stdio::say(&format!(
                "note: not running as root, so not collected: {}; {}",
                missing.join("; "),
                views::privilege::HOW
            ));
        }
    }
    // An archive that cannot be written (read-only or full directory, a user in /) must not cost the
    // user the summary: it is still printed, and the exit status says the archive is missing.
    let mut archive_error = None;
    let archive = match &dir {
        Some(dir) => match write_outputs(dir, &mut collected, template.clone()) {
            Ok(written) => Some(written),
            Err(e) => {
                archive_error = Some(archive_problem(dir, &e));
                collected.report.meta.archive = None;
                if let Some(r) = collected.report.redaction.as_mut() {
                    r.map_file = None;
                }
                None
            }
        },
        None => None,
    };
    // Rendered from the already-redacted report: nothing here needs a second pass. The markdown is
    // the summary.md just written, when there is an archive.
    let text = match (&archive, args.format) {
        (Some((_, summary)), views::Format::Md) => summary.clone(),
        _ => {
            let opts = SummaryOptions {
                archive: collected.report.meta.archive.clone(),
                template,
            };
            views::render(&collected.report, args.format, &opts)?
        }
    };
    // The archive is written; a closed or full stdout still gets its path said before the run ends.
    let printed = stdio::print(&text, stdio::Kind::of(args.format));
    if let (Some((p, _)), false) = (&archive, args.quiet) {
        stdio::say(&format!("report written to {}", p.display()));
    }
    if args.issue_url {
        stdio::say(&views::form::link_line(&views::form::for_report(
            &collected.report,
        )));
    }
    // The run ends here: the OS takes the report back at once, instead of it being freed string by
    // string (tens of milliseconds with tens of thousands of sockets).
    std::mem::forget(collected);
    if let Some(problem) = archive_error {
        stdio::say(&problem);
        printed?;
        return Ok(ExitCode::from(crate::exit::ARCHIVE_MISSING));
    }
    printed?;
    Ok(ExitCode::SUCCESS)
}

/// The one line saying that no archive was written, why, and where (the path is always named).
fn archive_problem(dir: &Path, e: &anyhow::Error) -> String {
    let why = format!("{e:#}");
    let shown = dir.display().to_string();
    let why = if why.contains(&shown) {
        why
    } else {
        format!("{shown}: {why}")
    };
    format!("no archive written ({why}); the report on stdout is all there is: run again with -o DIR naming a writable directory with free space")
}
