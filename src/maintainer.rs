//! Maintainer commands over archives: `show` (re-render, re-run findings), `merge` (client + server in
//! one summary with cross-side checks), `diff`, the prefilled bug-form link, and the client/server label.

use crate::archive::read_report;
use crate::cli::{DiffArgs, MergeArgs, ShowArgs, SideArg};
use crate::render::{self, sysinfo, SummaryOptions};
use crate::report::{Report, Side};
use anyhow::{Context, Result};
use std::fmt::Write;
use std::process::ExitCode;

mod diff;

pub use diff::diff_reports;

pub const BUG_FORM: &str =
    "https://github.com/multipath-tcp/mptcp_net-next/issues/new?template=01-bug.yml";
/// GitHub refuses longer URLs.
pub const MAX_URL: usize = 8000;

/// The report's side: as given, else guessed (and marked as a guess) from what the host did (counters,
/// sockets), else from its endpoints: only `signal` ones make a server, only `subflow` ones a client.
pub fn side(report: &Report, given: Option<SideArg>) -> Option<Side> {
    let (role, guessed) = match given {
        Some(SideArg::Client) => ("client", false),
        Some(SideArg::Server) => ("server", false),
        None => (guess_role(report)?, true),
    };
    Some(Side {
        role: role.into(),
        guessed,
    })
}

fn guess_role(report: &Report) -> Option<&'static str> {
    use crate::netlink::{MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW};
    // What the namespaces did, together: one role only when no namespace did the other.
    let all = crate::findings::namespaces(report);
    let (mut initiates, mut accepts) = (false, false);
    for ns in &all {
        if let Some((i, a)) = crate::findings::roles(report, *ns) {
            initiates |= i;
            accepts |= a;
        }
    }
    match (initiates, accepts) {
        (true, false) => return Some("client"),
        (false, true) => return Some("server"),
        (true, true) => return None,
        (false, false) => {}
    }
    let ns = all
        .into_iter()
        .find(|ns| report.endpoints(*ns).is_some())
        .flatten();
    let eps = report.endpoints(ns)?;
    let has = |flag: u32| eps.iter().any(|e| e.flags & flag != 0);
    match (
        has(MPTCP_PM_ADDR_FLAG_SUBFLOW),
        has(MPTCP_PM_ADDR_FLAG_SIGNAL),
    ) {
        (true, false) => Some("client"),
        (false, true) => Some("server"),
        _ => None,
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The bug-form link with `system` prefilled, or None when it would be too long for GitHub.
pub fn issue_url(system_info: &str) -> Option<String> {
    let url = format!("{BUG_FORM}&system={}", percent_encode(system_info));
    (url.len() <= MAX_URL).then_some(url)
}

/// One line for the user: the link, or why there is none.
pub fn issue_link_line(system_info: &str) -> String {
    match issue_url(system_info) {
        Some(u) => format!("open the MPTCP bug form with System info filled in: {u}"),
        None => format!(
            "the System info block is too long for a link ({} bytes): open {BUG_FORM} and paste the summary's System info block by hand",
            system_info.len()
        ),
    }
}

/// `--issue-url` on show/merge: the link on stdout, or a one-line error saying to paste by hand.
fn print_issue_url(system_info: &str) -> Result<ExitCode> {
    match issue_url(system_info) {
        Some(u) => {
            println!("{u}");
            Ok(ExitCode::SUCCESS)
        }
        None => anyhow::bail!("{}", issue_link_line(system_info)),
    }
}

fn load(path: &std::path::Path) -> Result<Report> {
    let mut r = read_report(path)?;
    // Findings of this version, which may know more rules than the collecting one.
    r.findings = crate::findings::evaluate(&r);
    Ok(r)
}

pub fn show(args: &ShowArgs) -> Result<ExitCode> {
    let report = load(&args.archive)?;
    if args.issue_url {
        return print_issue_url(&sysinfo::system_info(&report));
    }
    let template = args
        .template
        .as_ref()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("--template {}", p.display())))
        .transpose()?;
    // The archive path the collecting run printed, so the summary comes out byte for byte the same.
    let opts = SummaryOptions {
        archive: report.meta.archive.clone(),
        template,
    };
    print!("{}", render::render(&report, args.format, &opts)?);
    Ok(ExitCode::SUCCESS)
}

/// The merged summary of a client and a server report.
pub fn merged_summary(client: &Report, server: &Report) -> Result<String> {
    render::merge::render_merged(client, server)
}

pub fn merge(args: &MergeArgs) -> Result<ExitCode> {
    let (client, server) = (load(&args.client)?, load(&args.server)?);
    if args.issue_url {
        return print_issue_url(&sysinfo::system_info_two_sides(&client, &server));
    }
    print!("{}", merged_summary(&client, &server)?);
    Ok(ExitCode::SUCCESS)
}

pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let (a, b) = (load(&args.a)?, load(&args.b)?);
    println!(
        "# diff A -> B\n\nA: {}\nB: {}\n",
        args.a.display(),
        args.b.display()
    );
    print!("{}", diff_reports(&a, &b));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(issue_url(&"x".repeat(9000)).is_none());
        assert!(issue_link_line(&"x".repeat(9000)).contains("by hand"));
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
