//! Maintainer commands over archives: `show` (re-render, re-run findings), `merge` (client + server in
//! one summary with cross-side checks), `diff`, the prefilled bug-form link, and the client/server label.

use crate::archive::read_report;
use crate::cli::{DiffArgs, MergeArgs, ShowArgs, SideArg};
use crate::netlink::iproute;
use crate::render::{self, sysinfo, SummaryOptions};
use crate::report::{Report, Side};
use anyhow::Result;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::process::ExitCode;

pub const BUG_FORM: &str =
    "https://github.com/multipath-tcp/mptcp_net-next/issues/new?template=01-bug.yml";
/// GitHub refuses longer URLs.
pub const MAX_URL: usize = 8000;

/// The report's side: as given, else guessed from what the host did (and marked as a guess).
pub fn side(report: &Report, given: Option<SideArg>) -> Option<Side> {
    if let Some(s) = given {
        let role = if s == SideArg::Client {
            "client"
        } else {
            "server"
        };
        return Some(Side {
            role: role.into(),
            guessed: false,
        });
    }
    let ns = crate::findings::namespaces(report)
        .into_iter()
        .next()
        .flatten();
    match crate::findings::roles(report, ns)? {
        (true, false) => Some(Side {
            role: "client".into(),
            guessed: true,
        }),
        (false, true) => Some(Side {
            role: "server".into(),
            guessed: true,
        }),
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
            "the System info block is too long for a link ({} bytes): open {BUG_FORM} and paste it from summary.md by hand",
            system_info.len()
        ),
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
        let sys = sysinfo::system_info(&report);
        return match issue_url(&sys) {
            Some(u) => {
                println!("{u}");
                Ok(ExitCode::SUCCESS)
            }
            None => anyhow::bail!("{}", issue_link_line(&sys)),
        };
    }
    let opts = SummaryOptions {
        archive: report.meta.archive.clone(),
        template: None,
    };
    print!("{}", render::render(&report, args.format, &opts)?);
    Ok(ExitCode::SUCCESS)
}

fn finding_lines(out: &mut String, side: &str, r: &[crate::report::Finding]) {
    for f in r {
        let _ = writeln!(
            out,
            "- **{:?}** ({side}): {}{}",
            f.severity,
            f.title,
            f.link
                .as_ref()
                .map(|l| format!(" ([docs]({l}))"))
                .unwrap_or_default()
        );
        for e in &f.evidence {
            let _ = writeln!(out, "  - `{e}`");
        }
    }
}

/// The merged summary of a client and a server report.
pub fn merged_summary(client: &Report, server: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# MPTCP debug report: client and server\n");
    for (label, r) in [("client", client), ("server", server)] {
        let k = r
            .kernel()
            .map(|k| k.release.clone())
            .unwrap_or_else(|| "unknown kernel".into());
        let when = r.meta.started_at.format("%Y-%m-%d %H:%M:%S UTC");
        let _ = writeln!(
            o,
            "- {label}: {} {}, collected {when}{}",
            r.tool.name,
            r.tool.version,
            r.meta
                .archive
                .as_ref()
                .map(|a| format!(", `{a}`"))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "  kernel {k}");
    }
    let _ = writeln!(o, "\n## System info\n\nPaste this block as is into the \"System info\" field of the bug form.\n\n```\n{}```\n", sysinfo::system_info_two_sides(client, server));
    let cross = crate::findings::cross_side(client, server);
    let _ = writeln!(o, "## Automatic checks\n");
    if cross.is_empty() && client.findings.is_empty() && server.findings.is_empty() {
        let _ = writeln!(o, "Nothing found.");
    }
    finding_lines(&mut o, "both sides", &cross);
    finding_lines(&mut o, "client", &client.findings);
    finding_lines(&mut o, "server", &server.findings);
    o
}

pub fn merge(args: &MergeArgs) -> Result<ExitCode> {
    let (client, server) = (load(&args.client)?, load(&args.server)?);
    if args.issue_url {
        let sys = sysinfo::system_info_two_sides(&client, &server);
        return match issue_url(&sys) {
            Some(u) => {
                println!("{u}");
                Ok(ExitCode::SUCCESS)
            }
            None => anyhow::bail!("{}", issue_link_line(&sys)),
        };
    }
    print!("{}", merged_summary(&client, &server));
    Ok(ExitCode::SUCCESS)
}

/// Key facts of a report, flattened to "area: name" -> value, for diffs.
fn facts(r: &Report) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    if let Some(k) = r.kernel() {
        f.insert("kernel: release".into(), k.release.clone());
    }
    if let Some(d) = r.distro() {
        f.insert(
            "distro: PRETTY_NAME".into(),
            d.fields.get("PRETTY_NAME").cloned().unwrap_or_default(),
        );
    }
    for ns in crate::findings::namespaces(r) {
        let at = ns.map(|n| format!(" [{n}]")).unwrap_or_default();
        for s in r.sysctls(ns).into_iter().flatten() {
            f.insert(format!("sysctl{at}: {}", s.name), s.value.clone());
        }
        if let Some(e) = r.endpoints(ns) {
            for e in e {
                f.insert(
                    format!("endpoint{at}: id {}", e.id),
                    iproute::render_endpoints(std::slice::from_ref(e))
                        .trim_end()
                        .to_string(),
                );
            }
        }
        if let Some(l) = r.limits(ns) {
            f.insert(
                format!("limits{at}"),
                iproute::render_limits(l).trim_end().to_string(),
            );
        }
        if let Some(c) = r.mib(ns).and_then(|m| m.groups.get("MPTcpExt")) {
            for c in c {
                f.insert(format!("counter{at}: {}", c.name), c.value.to_string());
            }
        }
    }
    if let Some(nm) = r.network_manager() {
        f.insert("NetworkManager: installed".into(), nm.installed.to_string());
        f.insert(
            "NetworkManager: version".into(),
            nm.version.clone().unwrap_or_default(),
        );
        f.insert(
            "NetworkManager: running".into(),
            format!("{:?}", nm.running),
        );
        for c in &nm.connections {
            f.insert(
                format!("NetworkManager: {} mptcp-flags", c.id),
                c.mptcp_flags_decoded.clone(),
            );
        }
    }
    if let Some(m) = r.mptcpd() {
        f.insert("mptcpd: installed".into(), m.installed.to_string());
        f.insert(
            "mptcpd: version".into(),
            m.version.clone().unwrap_or_default(),
        );
        f.insert(
            "mptcpd: service".into(),
            m.service_state.clone().unwrap_or_default(),
        );
        for (k, v) in &m.config {
            f.insert(format!("mptcpd: {k}"), v.clone());
        }
    }
    f
}

/// Lines `- key: a -> b` for what differs (`(absent)` where one side lacks it).
pub fn diff_reports(a: &Report, b: &Report) -> String {
    let (fa, fb) = (facts(a), facts(b));
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut o = String::new();
    for k in keys {
        let (va, vb) = (fa.get(k), fb.get(k));
        if va != vb {
            let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(absent)".into());
            let delta = match (
                va.and_then(|v| v.parse::<i64>().ok()),
                vb.and_then(|v| v.parse::<i64>().ok()),
            ) {
                (Some(x), Some(y)) if k.starts_with("counter") => format!(" ({:+})", y - x),
                _ => String::new(),
            };
            let _ = writeln!(o, "- {k}: {} -> {}{delta}", show(va), show(vb));
        }
    }
    if o.is_empty() {
        o.push_str("No differences in sysctls, endpoints, limits, counters, versions, NetworkManager or mptcpd.\n");
    }
    o
}

pub fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let (a, b) = (load(&args.a)?, load(&args.b)?);
    println!("# diff {} -> {}\n", args.a.display(), args.b.display());
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
        assert!(issue_link_line(&"x".repeat(9000)).contains("paste it"));
    }
}
