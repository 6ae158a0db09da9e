//! Maintainer commands over archives: `show` (re-render, re-run findings), `merge` (client + server in
//! one summary with cross-side checks), `diff`, the prefilled bug-form link, and the client/server label.

use crate::archive::read_report;
use crate::cli::{DiffArgs, MergeArgs, ShowArgs};
use crate::report::Report;
use crate::sys::stdio;
use crate::views::{self, escape, SummaryOptions};
use anyhow::Result;
use std::process::ExitCode;

pub use crate::views::diff::diff_reports;

use crate::views::form::{self, Form};
pub use crate::views::form::{percent_encode, BUG_FORM, MAX_URL};

pub use crate::triage::side::side;

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
    stdio::print(&text, stdio::Kind::of(args.format))?;
    Ok(ExitCode::SUCCESS)
}

/// The merged summary of a client and a server report.
pub fn merged_summary(client: &Report, server: &Report) -> Result<String> {
    views::merge::render_merged(client, server)
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

/// `merge --format json`: each side (archive, side label, its own findings) and the cross-side
/// findings.
/// `merge --format json`: each archive's findings, and the cross-side findings of every client/server
/// pair with rule ids. With exactly two archives, `client` and `server` name them too.
pub fn merged_json(hosts: &[views::form::Host], paths: &[std::path::PathBuf]) -> String {
    let entry = |h: &views::form::Host, p: &std::path::Path| {
        serde_json::json!({
            "label": h.label,
            "archive": p.display().to_string(),
            "side": h.report.meta.side,
            "findings": h.report.findings,
        })
    };
    let mut pairs = Vec::new();
    let mut cross = Vec::new();
    for c in hosts.iter().filter(|h| h.side == Some("client")) {
        for s in hosts.iter().filter(|h| h.side == Some("server")) {
            let found = crate::triage::cross_side(c.report, s.report);
            pairs
                .push(serde_json::json!({"client": c.label, "server": s.label, "findings": found}));
            cross.extend(found);
        }
    }
    let listed: Vec<serde_json::Value> =
        hosts.iter().zip(paths).map(|(h, p)| entry(h, p)).collect();
    let mut v = serde_json::json!({
        "hosts": listed,
        "pairs": pairs,
        "cross_side": cross,
    });
    if let ([c, s], [cp, sp]) = (hosts, paths) {
        v["client"] = entry(c, cp);
        v["server"] = entry(s, sp);
    }
    serde_json::to_string_pretty(&v).expect("plain JSON values") + "\n"
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
        MergeFormat::Json => stdio::print(&merged_json(&hosts, &args.archives), stdio::Kind::Json)?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::SideArg;

    #[test]
    fn encoding_round_trips() {
        let s = "$ uname -a\nLinux host-1 6.18 #1 SMP x86_64 GNU/Linux\nNAME=\"Fedora Linux\" 100%&=?#+\n";
        let enc = percent_encode(s);
        assert!(enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        let mut dec = Vec::new();
        let b = enc.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                dec.push(u8::from_str_radix(&enc[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                dec.push(b[i]);
                i += 1;
            }
        }
        assert_eq!(String::from_utf8(dec).unwrap(), s);
        let big = |n: usize, narrative: usize| Form {
            fields: vec![
                form::Field {
                    id: "system".into(),
                    label: "System info".into(),
                    value: "x".repeat(n),
                },
                form::Field {
                    id: "what-did-you-do".into(),
                    label: "What did you do?".into(),
                    value: "y".repeat(narrative),
                },
            ],
        };
        assert!(form::link(&big(9000, 1)).is_none());
        assert!(form::link_line(&big(9000, 1)).contains("by hand"));
        // What does not fit is left out, and said.
        let l = form::link(&big(4000, 5000)).unwrap();
        assert!(l.url.len() <= MAX_URL);
        assert_eq!(l.left_out, ["What did you do?"]);
        assert!(form::link_line(&big(4000, 5000)).contains("\"What did you do?\" did not fit"));
        assert!(form::link(&big(10, 10))
            .unwrap()
            .url
            .ends_with("&what-did-you-do=yyyyyyyyyy"));
    }

    #[test]
    fn side_is_given_or_guessed() {
        use crate::report::{Data, Endpoint, Section, Status};
        let mut r: Report = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "mptcp-get-debug", "version": "0"},
            "meta": {"started_at": "2026-11-25T07:00:00Z", "finished_at": "2026-11-25T07:00:00Z",
                     "mode": "collect", "hostname": "h", "uid": 0, "privileged": true, "args": [],
                     "root": "/", "netns": [""]},
            "sections": []
        }))
        .unwrap();
        let role = |r: &Report, given| side(r, given).map(|s| (s.role, s.guessed));
        assert_eq!(role(&r, None), None);
        assert_eq!(
            role(&r, Some(SideArg::Server)),
            Some(("server".into(), false))
        );
        let endpoints = |flags: &[u32]| Section {
            collector: "endpoints".into(),
            description: String::new(),
            netns: None,
            status: Status::Ok,
            duration_ms: 0.0,
            data: vec![Data::Endpoints(
                flags
                    .iter()
                    .enumerate()
                    .map(|(i, &flags)| Endpoint {
                        id: i as u8 + 1,
                        addr: "10.0.0.1".parse().unwrap(),
                        port: 0,
                        flags,
                        ifindex: None,
                        dev: None,
                    })
                    .collect(),
            )],
            artifacts: vec![],
            notes: vec![],
            facts: None,
            title: None,
            entries: vec![],
        };
        r.sections = vec![endpoints(&[1])];
        assert_eq!(role(&r, None), Some(("server".into(), true)));
        r.sections = vec![endpoints(&[2, 2])];
        assert_eq!(role(&r, None), Some(("client".into(), true)));
        r.sections = vec![endpoints(&[1, 2])];
        assert_eq!(role(&r, None), None);
        // Counters of every namespace count: a second namespace that initiated makes a client, one
        // that initiated beside one that accepted makes no guess.
        let mib = |ns: &str, name: &str| Section {
            collector: "mib".into(),
            netns: Some(ns.into()),
            data: vec![Data::Mib(crate::report::Mib {
                groups: [(
                    "MPTcpExt".to_string(),
                    vec![crate::report::Counter {
                        name: name.to_string(),
                        value: 4,
                    }],
                )]
                .into_iter()
                .collect(),
                ..Default::default()
            })],
            ..endpoints(&[])
        };
        r.sections = vec![endpoints(&[1]), mib("a", "MPCapableSYNTX")];
        assert_eq!(role(&r, None), Some(("client".into(), true)));
        r.sections.push(mib("b", "MPCapableSYNRX"));
        assert_eq!(role(&r, None), None);
    }
}
