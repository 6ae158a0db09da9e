//! Reproduce mode: a "before" snapshot, path-manager events watched in every collected namespace
//! while the user reproduces the problem (until Enter, `--duration`, the end of `-- CMD`, or Ctrl-C),
//! an "after" snapshot, then the full collect report with the window's record in it and `reproduce/`
//! in the archive. A second Ctrl-C aborts without leaving a partial archive.

mod command;
mod wait;

use crate::cli::settings::Settings;
use crate::cli::CollectArgs;
use crate::collect::plan;
use crate::collect::window::{sampler, snapshot, watch};
use crate::commands::collect::{output_dir, read_template};
use crate::exit::usage;
use crate::pipeline;
use crate::report::Mode;
use crate::report::{NsWindow, Reproduce};
use crate::sys::signals;
use crate::usage_bail;
use anyhow::{anyhow, Result};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// What the throughput sampler may read here: sock_diag requests must not load a module.
fn sample_options(env: &crate::collect::collectors::Env, settings: &Settings) -> sampler::Options {
    let ctx = crate::collect::collectors::Ctx {
        env,
        netns: None,
        spec: None,
        shared: None,
    };
    let subflows = sampler::tcp_diag_available(&ctx).and_then(|()| {
        if env.privileged {
            Ok(())
        } else {
            Err("subflows are not sampled without CAP_NET_ADMIN (the kernel hides their MPTCP info)".into())
        }
    });
    sampler::Options {
        interval: Duration::from_millis(
            settings
                .window
                .sample_interval
                .unwrap_or(sampler::DEFAULT_INTERVAL_MS),
        ),
        mptcp: crate::collect::collectors::sockets::diag_available(&ctx)
            .map_err(|why| format!("MPTCP connections not sampled: {why}")),
        subflows,
    }
}

pub fn run(args: &CollectArgs, argv: Vec<String>) -> Result<ExitCode> {
    let settings = Settings::new(args, Mode::Reproduce, argv);
    if args.root.is_some() || args.commands_from.is_some() {
        usage_bail!(
            "reproduce needs the live system: --root and --commands-from only work with collect"
        );
    }
    let stdin = wait::StdinMode::for_run(
        settings.window.batch,
        settings.window.ci,
        std::io::stdin().is_terminal(),
    );
    if settings.window.command.is_empty()
        && settings.window.duration.is_none()
        && stdin == wait::StdinMode::Ignore
    {
        usage_bail!("reproduce --batch: give --duration TIME or `-- CMD ARGS` to say when the reproduction ends");
    }
    if let Some(prog) = settings.window.command.first() {
        command::check_program(prog).map_err(|e| usage(anyhow!("reproduce -- {e}")))?;
    }
    // A bad --redact-key is a usage error now, not after the window.
    crate::redact::Redactor::new(&settings.redact).map_err(usage)?;
    let dir = output_dir(&settings)?;
    let template = read_template(&settings)?;
    let prepared = pipeline::prepare(&settings)?;
    let (env, namespaces) = (prepared.env.clone(), prepared.namespaces.clone());
    let specs = plan::load_specs(&settings.collectors_dirs, true, &plan::Selection::all())?;
    let timeout = settings.collector_timeout();
    // The first SIGINT/SIGTERM ends the window; a second one aborts, removing the half-written
    // archive and map and killing the commands (sys::interrupt).
    let signals = signals::install(signals::First::EndsWindow)
        .map_err(|e| anyhow!("cannot install signal handlers: {e}"))?;
    let say = |msg: &str| {
        if !settings.quiet {
            eprintln!("mptcp-get-debug: {msg}");
        }
    };

    let before = snapshot::take(&env, &specs, &namespaces, timeout);
    let watch = watch::Watch::start(&namespaces)?;
    for (ns, problem) in namespaces.iter().zip(watch.problems()) {
        if let Some(p) = problem {
            let where_ = ns.as_ref().map(|n| format!(" (netns {})", n.label));
            // Always said, even with -q: the report will lack the events.
            eprintln!(
                "mptcp-get-debug: {p}{}; the before/after snapshots are still taken",
                where_.unwrap_or_default()
            );
        }
    }
    let sampling = sampler::Sampler::start(&namespaces, sample_options(&env, &settings))
        .map_err(|e| anyhow!("cannot start the throughput sampler: {e}"))?;
    let started_at = chrono::Utc::now();
    let t0 = Instant::now();
    let interactive = stdin == wait::StdinMode::Terminal;
    let command = if settings.window.command.is_empty() {
        None
    } else {
        let ns = namespaces.iter().flatten().next().cloned();
        Some(
            command::spawn(&settings.window.command, ns, !settings.quiet, interactive)
                .map_err(|e| anyhow!("cannot start the command: {e}"))?,
        )
    };
    // Like the script: Enter on a terminal ends the window; a stdin that is not a terminal (a pipe, a
    // file, /dev/null) ends it with its first line or its end, unless --duration says when (a cron job
    // with `--duration 30s </dev/null` watches for 30 s).
    let enter = command.is_none()
        && match stdin {
            wait::StdinMode::Terminal => true,
            wait::StdinMode::Input => settings.window.duration.is_none(),
            wait::StdinMode::Ignore => false,
        };
    if enter && !interactive {
        say(&format!(
            "watching MPTCP events; stdin is not a terminal: the window ends at its first line or its end{}",
            settings.window.duration
                .map(|d| format!(" (or after {d:.0?})"))
                .unwrap_or_default()
        ));
    } else if enter {
        let until = args
            .duration
            .map(|d| format!(" (or wait {:.0?})", d))
            .unwrap_or_default();
        eprintln!("mptcp-get-debug: watching MPTCP events; reproduce the problem now, then press Enter{until}. Ctrl-C also ends the window.");
    } else if command.is_none() {
        say(&format!(
            "watching MPTCP events for {:?}; Ctrl-C ends the window early",
            settings.window.duration.unwrap_or_default()
        ));
    }
    let (ended_by, command_run) = wait::wait(wait::Ends {
        signals: &signals,
        enter,
        terminal: interactive,
        deadline: settings.window.duration.map(|d| t0 + d),
        command,
    });
    let ended_at = chrono::Utc::now();
    let window = t0.elapsed();
    let mut sampled = sampling.map(|s| s.stop()).unwrap_or_default().into_iter();
    let watched = watch.stop();
    let after = snapshot::take(&env, &specs, &namespaces, timeout);

    let windows: Vec<NsWindow> = namespaces
        .iter()
        .zip(before)
        .zip(after)
        .zip(watched)
        .map(|(((ns, before), after), w)| {
            let (subscribed, error, w) = match w {
                Ok(w) => (true, w.error.clone(), w),
                Err(e) => (false, Some(e), Default::default()),
            };
            NsWindow {
                netns: ns.as_ref().map(|n| n.label.clone()),
                subscribed,
                subscribe_error: error,
                events_total: w.total,
                events: w.events,
                events_lost: w.lost,
                events_malformed: w.malformed,
                before,
                after,
                samples: sampled.next(),
            }
        })
        .collect();
    let total: u64 = windows.iter().map(|w| w.events_total).sum();
    let lost: u64 = windows.iter().map(|w| w.events_lost).sum();
    say(&format!(
        "window ended after {:.1} s ({}): {total} events{}; collecting the report",
        window.as_secs_f64(),
        ended_by.describe(),
        if lost > 0 {
            format!(", {lost} events lost")
        } else {
            String::new()
        }
    ));
    let record = Reproduce {
        started_at,
        ended_at,
        duration_ms: (window.as_secs_f64() * 1_000_000.0).round() / 1000.0,
        ended_by,
        requested_duration_ms: settings.window.duration.map(|d| d.as_millis() as u64),
        command: command_run,
        namespaces: windows,
    };
    let collected = pipeline::collect_prepared(&settings, prepared, Some(record))?;
    pipeline::emit(&settings, collected, dir, template)
}
