//! The MPTCP bug form, both versions: one `system` field holding every side (`- client:` /
//! `- server:`), or split `system-client` / `system-server` fields. One `Form` fills the ids of both
//! (GitHub ignores ids a form does not have), plus a skeleton for the narrative fields that the user
//! edits. The link stays under GitHub's URL limit by leaving fields out, and says which.

use super::sysinfo;
use crate::report::{Report, Role, Severity};
use serde::Serialize;
use std::fmt::Write;

pub const BUG_FORM: &str =
    "https://github.com/multipath-tcp/mptcp_net-next/issues/new?template=01-bug.yml";
/// GitHub refuses longer URLs.
pub const MAX_URL: usize = 8000;

/// One field of the form: its id (the query parameter), its label on the form, and the text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub value: String,
}

/// The fields to fill, most important first (the order in which they are kept in a link).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Form {
    pub fields: Vec<Field>,
}

/// One host in a form: the label its block carries (`client`, `server`, `host-1`) and its side, when
/// known for sure (given with `--side`, or by its position in `merge CLIENT SERVER`).
pub struct Host<'a> {
    pub label: String,
    pub side: Option<Role>,
    pub report: &'a Report,
}

fn field(id: &str, label: &str, value: String) -> Field {
    Field {
        id: id.into(),
        label: label.into(),
        value,
    }
}

fn side_label(side: Role) -> &'static str {
    match side {
        Role::Client => "System info: Client",
        Role::Server => "System info: Server",
    }
}

/// The form for one report: `system` (labelled when the side was given), the side's own field, and
/// the narrative skeleton.
pub fn for_report(report: &Report) -> Form {
    let side = report
        .meta
        .side
        .as_ref()
        .filter(|s| !s.guessed)
        .map(|s| s.role);
    let mut fields = vec![field("system", "System info", sysinfo::system_info(report))];
    if let Some(side) = side {
        fields.push(field(
            &format!("system-{side}"),
            side_label(side),
            sysinfo::host_block(report),
        ));
    }
    fields.extend(narrative(&[report]));
    Form { fields }
}

/// The form for several hosts (`merge`): every block in `system`, each side's blocks in its field.
pub fn for_hosts(hosts: &[Host]) -> Form {
    let all = sysinfo::labelled(hosts.iter().map(|h| (h.label.as_str(), h.report)));
    let mut fields = vec![field("system", "System info", all)];
    for side in [Role::Client, Role::Server] {
        let of_side: Vec<&Host> = hosts.iter().filter(|h| h.side == Some(side)).collect();
        let value = match of_side.as_slice() {
            [] => continue,
            [one] => sysinfo::host_block(one.report),
            many => sysinfo::labelled(many.iter().map(|h| (h.label.as_str(), h.report))),
        };
        fields.push(field(&format!("system-{side}"), side_label(side), value));
    }
    let reports: Vec<&Report> = hosts.iter().map(|h| h.report).collect();
    fields.extend(narrative(&reports));
    Form { fields }
}

/// The skeleton of "What did you do?", "What happened?", "What did you expect to have?" and
/// "Additional context": the facts the reports know, and TODO lines for what only the user knows.
pub fn narrative(reports: &[&Report]) -> Vec<Field> {
    let mut did = String::from("Steps to reproduce the behavior:\n");
    let mut step = 1;
    let mut recorded = Vec::new();
    for r in reports {
        if let Some(c) = r.reproduce.as_ref().and_then(|w| w.command.as_ref()) {
            recorded.push(format!(
                "{step}. ran `{}` ({}, recorded by mptcp-get-debug reproduce)",
                c.argv.join(" "),
                c.status()
            ));
            step += 1;
        }
    }
    if recorded.is_empty() {
        let _ = writeln!(
            did,
            "1. TODO: the setup (client, server, network paths, endpoints)"
        );
        let _ = writeln!(did, "2. TODO: what was run, and how");
    } else {
        let _ = writeln!(
            did,
            "TODO: the setup (client, server, network paths, endpoints)"
        );
        for l in recorded {
            let _ = writeln!(did, "{l}");
        }
    }
    let mut happened = String::from(
        "TODO: what happened (messages, what stopped working); text output rather than screenshots.\n",
    );
    let mut findings: Vec<_> = reports
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.severity != Severity::Info)
        .collect();
    findings.sort_by_key(|f| f.severity);
    let checks: Vec<String> = findings
        .into_iter()
        .map(|f| {
            let sev = if f.severity == Severity::Problem {
                "problem"
            } else {
                "warning"
            };
            format!("- {sev}: {}", f.title)
        })
        .collect();
    if !checks.is_empty() {
        happened.push_str("\nmptcp-get-debug's automatic checks found:\n");
        for c in dedup(checks) {
            let _ = writeln!(happened, "{c}");
        }
    }
    let expected =
        String::from("TODO: what you expected instead, and why the current behavior is wrong.\n");
    let mut context = String::new();
    for r in reports {
        let name = r
            .meta
            .archive
            .as_deref()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string());
        match name {
            Some(n) => {
                let _ = writeln!(
                    context,
                    "TODO: attach `{n}` ({} {}, redacted: review it first).",
                    r.tool.name, r.tool.version
                );
            }
            None => {
                let _ = writeln!(
                    context,
                    "Collected with {} {} ({} run; no archive written).",
                    r.tool.name, r.tool.version, r.meta.mode
                );
            }
        }
    }
    vec![
        field("what-did-you-do", "What did you do?", did),
        field("actual-behavior", "What happened?", happened),
        field(
            "expected-behavior",
            "What did you expect to have?",
            expected,
        ),
        field("additional-context", "Additional context", context),
    ]
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
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

/// A link and the fields that had to be left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub url: String,
    pub left_out: Vec<String>,
}

/// The form link with as many fields as fit under GitHub's limit, most important first; None when
/// not even `system` fits.
pub fn link(form: &Form) -> Option<Link> {
    let mut url = BUG_FORM.to_string();
    let mut left_out = Vec::new();
    for (i, f) in form.fields.iter().enumerate() {
        let part = format!("&{}={}", f.id, percent_encode(&f.value));
        if url.len() + part.len() <= MAX_URL {
            url.push_str(&part);
        } else if i == 0 {
            return None;
        } else {
            left_out.push(f.label.clone());
        }
    }
    Some(Link { url, left_out })
}

/// One line for the user: the link and what it fills in, or why there is none.
pub fn link_line(form: &Form) -> String {
    let system_len = form.fields.first().map_or(0, |f| f.value.len());
    match link(form) {
        Some(l) if l.left_out.is_empty() => format!(
            "open the MPTCP bug form with {} filled in (edit the TODO lines): {}",
            filled(form, &[]),
            l.url
        ),
        Some(l) => format!(
            "open the MPTCP bug form with {} filled in (edit the TODO lines; {} did not fit in a link: paste from the summary by hand): {}",
            filled(form, &l.left_out),
            quoted(&l.left_out),
            l.url
        ),
        None => format!(
            "the System info block is too long for a link ({system_len} bytes): open {BUG_FORM} and paste the summary's System info block by hand"
        ),
    }
}

fn quoted(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("\"{l}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn filled(form: &Form, left_out: &[String]) -> String {
    let kept: Vec<String> = form
        .fields
        .iter()
        .filter(|f| !left_out.contains(&f.label))
        .map(|f| f.label.clone())
        .collect();
    quoted(&kept)
}

#[cfg(test)]
mod link_tests {
    use super::*;
    use crate::views::form;

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
}
