//! `mptcp-get-debug check`: a quick diagnosis without an archive, for people not filing a bug yet and
//! for CI gating. It runs only the collectors the rules need (each rule lists them), redacts as a
//! report would, and prints the findings and nothing else: text for people, JSON for machines.
//! Exit status: 0 when nothing is at warning or above, 1 when something is, 2 when the checks could
//! not run at all.

use crate::app::{collect_report, redact_options};
use crate::cli::{CollectArgs, SideArg};
use crate::report::{Finding, Report, Severity, Status};
use crate::triage::{needed_collectors, RuleInfo, CROSS_RULES, RULES};
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status when a finding is at warning or above.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status when the checks could not run (bad option, no access).
pub const EXIT_ERROR: u8 = 2;

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
        out(&rules_listing(args.format))?;
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
    let collected = collect_report(&collect, argv, "check", &redact_options(&collect))?;
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

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Problem => "PROBLEM",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

/// The findings for people: one block each, severity and rule id, title, evidence, docs link.
pub fn text(findings: &[Finding]) -> String {
    let mut o = String::new();
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let _ = writeln!(o, "{} [{}] {}", label(f.severity), f.rule, f.title);
        for e in &f.evidence {
            let _ = writeln!(o, "    {e}");
        }
        if let Some(l) = &f.link {
            let _ = writeln!(o, "    see {l}");
        }
    }
    o
}

/// "no findings", or "3 findings: 1 problem, 1 warning, 1 info".
fn tally(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings".into();
    }
    let n = |s| findings.iter().filter(|f| f.severity == s).count();
    let parts: Vec<String> = [
        (Severity::Problem, "problem"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ]
    .iter()
    .filter(|(s, _)| n(*s) > 0)
    .map(|(s, w)| format!("{} {w}", n(*s)))
    .collect();
    format!("{} finding(s): {}", findings.len(), parts.join(", "))
}

/// `check --rules`: every rule with what it needs and what triggers it.
pub fn rules_listing(format: CheckFormat) -> String {
    match format {
        CheckFormat::Json => {
            let single = RULES
                .iter()
                .map(|r: &RuleInfo| json!({"id": r.id, "needs": r.needs, "triggers": r.triggers}));
            let cross = CROSS_RULES
                .iter()
                .map(|(id, t)| json!({"id": id, "needs": ["two archives (merge)"], "triggers": t}));
            let all: Vec<_> = single.chain(cross).collect();
            serde_json::to_string_pretty(&all).expect("plain JSON values") + "\n"
        }
        CheckFormat::Text => {
            let mut o = String::new();
            for r in RULES {
                let _ = writeln!(
                    o,
                    "{}\n    needs: {}\n    triggers: {}",
                    r.id,
                    r.needs.join(", "),
                    r.triggers
                );
            }
            for (id, t) in CROSS_RULES {
                let _ = writeln!(o, "{id}\n    needs: the client's and the server's archive (merge)\n    triggers: {t}");
            }
            o
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_tally_and_rule_listing() {
        let f = crate::triage::finding(
            "fallback",
            Severity::Warning,
            "Fell back".into(),
            vec!["MPTcpExt X = 1".into()],
            "https://www.mptcp.dev/faq.html",
        );
        assert_eq!(
            text(std::slice::from_ref(&f)),
            "WARNING [fallback] Fell back\n    MPTcpExt X = 1\n    see https://www.mptcp.dev/faq.html\n"
        );
        assert_eq!(tally(&[]), "no findings");
        assert_eq!(tally(&[f]), "1 finding(s): 1 warning");
        let listing = rules_listing(CheckFormat::Text);
        for r in RULES {
            assert!(listing.contains(&format!("{}\n    needs: ", r.id)));
        }
        let v: serde_json::Value = serde_json::from_str(&rules_listing(CheckFormat::Json)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), RULES.len() + CROSS_RULES.len());
    }
}
