//! The commands over archives, for maintainers: `show` (re-render, re-run this version's findings),
//! `merge` (client + server in one summary with cross-side checks), `diff`, and the prefilled bug-form
//! link of show/merge.

use crate::archive::read_report;
use crate::cli::{DiffArgs, MergeArgs, MergeFormat, ShowArgs};
use crate::report::Report;
use crate::sys::escape;
use crate::sys::stdio;
use crate::views::{self, SummaryOptions};
use anyhow::Result;
use std::process::ExitCode;

use crate::views::diff::diff_reports;

use crate::views::form::{self, Form};

/// `--issue-url` on show/merge: the link on stdout (and on stderr what did not fit), or a one-line
/// error saying to paste by hand.
fn print_issue_url(form: &Form) -> Result<ExitCode> {
    match form::link(form) {
        Some(l) => {
            stdio::print(&format!("{}\n", l.url), stdio::Kind::Escaped)?;
            if !l.left_out.is_empty() {
                stdio::note(&format!("mptcp-get-debug: {}\n", form::link_line(form)));
            }
            Ok(ExitCode::SUCCESS)
        }
        None => anyhow::bail!("{}", form::link_line(form)),
    }
}

fn load(path: &std::path::Path) -> Result<Report> {
    // A name that is not there is a usage error; an archive that cannot be read is a failure (1).
    if std::fs::symlink_metadata(path).is_err() {
        crate::usage_bail!("{}: no such archive", path.display());
    }
    let mut r = read_report(path)?;
    // An older archive's sections get what this version shows of them.
    crate::collect::present::upgrade(&mut r);
    // Findings of this version, which may know more rules than the collecting one.
    r.findings = crate::triage::evaluate(&r);
    Ok(r)
}

pub fn show(args: &ShowArgs) -> Result<ExitCode> {
    // Options first: a bad --template is a usage error whatever the archive.
    let template = args
        .template
        .as_deref()
        .map(views::read_template)
        .transpose()?;
    let report = load(&args.archive)?;
    if args.issue_url {
        return print_issue_url(&form::for_report(&report));
    }
    // The archive path the collecting run printed, so the summary comes out byte for byte the same.
    let opts = SummaryOptions {
        archive: report.meta.archive.clone(),
        template,
    };
    let text = views::render(&report, args.format, &opts)?;
    stdio::print(&text, views::stdout_kind(args.format))?;
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: &MergeArgs) -> Result<ExitCode> {
    let reports = args
        .archives
        .iter()
        .map(|p| load(p))
        .collect::<Result<Vec<Report>>>()?;
    let refs: Vec<&Report> = reports.iter().collect();
    let hosts = views::merge::hosts(&refs);
    if args.issue_url {
        return print_issue_url(&form::for_hosts(&hosts));
    }
    match args.format {
        MergeFormat::Md => {
            stdio::print(&views::merge::render_hosts(&hosts)?, stdio::Kind::Escaped)?
        }
        MergeFormat::Json => stdio::print(
            &views::merge::merged_json(&hosts, &args.archives),
            stdio::Kind::Json,
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let (a, b) = (load(&args.a)?, load(&args.b)?);
    let text = format!(
        "# diff A -> B\n\nA: {}\nB: {}\n\n{}",
        args.a.display(),
        args.b.display(),
        diff_reports(&a, &b)
    );
    // The diff view, escaped as a whole like the other views.
    stdio::print(&escape::escape(&text), stdio::Kind::Escaped)?;
    Ok(ExitCode::SUCCESS)
}
