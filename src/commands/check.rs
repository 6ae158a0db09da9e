//! `mptcp-get-debug check`: a quick diagnosis without an archive, for people not filing a bug yet and
//! for CI gating. It runs only the collectors the rules need (each rule lists them), redacts as a
//! report would, and prints the findings and nothing else: text for people, JSON for machines.
//! Exit status: 0 when nothing is at warning or above, 1 when something is, 2 when the checks could
//! not run at all.

use crate::cli::settings::Settings;
use crate::cli::{CheckArgs, CheckFormat, CollectArgs};
use crate::report::{Mode, Report, Severity, Status};
use crate::triage::{needed_collectors, RULES};
use crate::views::findings::{rules_listing, tally, text};
use anyhow::Result;
use serde_json::json;
use std::process::ExitCode;

/// Exit status when a finding is at warning or above.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status when the checks could not run (bad option, no access).
pub const EXIT_ERROR: u8 = 2;

/// Runs the check; errors are printed here so they get their own exit status.
pub fn run(args: &CheckArgs, argv: Vec<String>) -> Result<ExitCode> {
    match check(args, argv) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("mptcp-get-debug: {e:#}");
            Ok(ExitCode::from(EXIT_ERROR))
        }
    }
}

fn check(args: &CheckArgs, argv: Vec<String>) -> Result<ExitCode> {
    if args.rules {
        out(&rules_listing(args.format == CheckFormat::Json))?;
        return Ok(ExitCode::SUCCESS);
    }
    let collect = CollectArgs {
        format: crate::views::Format::Json,
        root: args.root.clone(),
        only: needed_collectors().into_iter().map(String::from).collect(),
        batch: true,
        timeout: args.timeout,
        quiet: true,
        netns: args.netns.clone(),
        no_redact: args.no_redact,
        side: args.side,
        no_archive: true,
        commands_from: args.commands_from.clone(),
        ..Default::default()
    };
    let settings = Settings::new(&collect, Mode::Check, argv);
    let collected = crate::pipeline::collect(&settings, None)?;
    let report = &collected.report;
    if !args.quiet && !report.meta.privileged {
        eprintln!("mptcp-get-debug: note: not running as root: data only root can read is missing, and the rules that need it say nothing");
    }
    let incomplete = incomplete(report);
    let failing = report
        .findings
        .iter()
        .any(|f| f.severity <= Severity::Warning);
    match args.format {
        CheckFormat::Text => {
            out(&text(&report.findings))?;
            if !args.quiet {
                for (what, rules) in &incomplete {
                    eprintln!(
                        "mptcp-get-debug: note: {what}; not checked: {}",
                        rules.join(", ")
                    );
                }
                eprintln!("mptcp-get-debug: {}", tally(&report.findings));
            }
        }
        CheckFormat::Json => {
            let v = json!({
                "ok": !failing,
                "worst": report.findings.iter().map(|f| f.severity).min(),
                "findings": report.findings,
                "netns": report.meta.netns,
                "side": report.meta.side,
                "incomplete": incomplete.iter().map(|(what, rules)| json!({"collector": what, "rules": rules})).collect::<Vec<_>>(),
            });
            out(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        }
    }
    Ok(if failing {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes to stdout; a reader that went away (`check | head`) is not an error.
fn out(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Collectors that failed or timed out (a skipped one found nothing to collect, which the rules
/// already handle), each with the rules that therefore could not speak.
fn incomplete(r: &Report) -> Vec<(String, Vec<&'static str>)> {
    r.sections
        .iter()
        .filter(|s| matches!(s.status, Status::Failed { .. } | Status::TimedOut { .. }))
        .filter_map(|s| {
            let rules: Vec<&str> = RULES
                .iter()
                .filter(|r| r.needs.contains(&s.collector.as_str()))
                .map(|r| r.id)
                .collect();
            let ns = crate::triage::where_(s.netns.as_deref());
            (!rules.is_empty()).then(|| {
                (
                    format!(
                        "collector {}{ns} {}: {}",
                        s.collector,
                        s.status.label(),
                        s.status.detail()
                    ),
                    rules,
                )
            })
        })
        .collect()
}
