//! Rules that need both sides of a connection: what one side announces or creates against what the
//! other side accepts, archives given in the wrong order, and reports whose addresses cannot be matched.

use super::{finding, namespaces, DOCS_PM};
use crate::netlink::iproute::render_endpoints;
use crate::netlink::{MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW};
use crate::report::{Finding, Report, Severity};

/// The namespace of a report that plays `role` ("client" or "server"): the first one whose counters or
/// sockets show it initiating (client) or accepting (server) MPTCP connections, else the first one with
/// path-manager limits, else the first one. A report can hold several namespaces (`--netns`); the
/// other side's connection lives in one of them.
pub fn role_ns<'a>(r: &'a Report, role: &str) -> Option<&'a str> {
    let all = namespaces(r);
    let acts = |ns: Option<&str>| match (super::roles(r, ns), role) {
        (Some((initiates, _)), "client") => initiates,
        (Some((_, accepts)), "server") => accepts,
        _ => false,
    };
    all.iter()
        .copied()
        .find(|ns| acts(*ns))
        .or_else(|| all.iter().copied().find(|ns| r.limits(*ns).is_some()))
        .or(all.first().copied())
        .flatten()
}

/// One side of the pair: its report, the namespace that played its role, and how evidence names it
/// (`client`, or `client (netns X)` when the report has more than one namespace).
struct Party<'a> {
    r: &'a Report,
    ns: Option<&'a str>,
    label: String,
}

impl<'a> Party<'a> {
    fn new(r: &'a Report, role: &str) -> Party<'a> {
        let ns = role_ns(r, role);
        let label = match ns {
            Some(ns) if namespaces(r).len() > 1 => format!("{role} (netns {ns})"),
            _ => role.to_string(),
        };
        Party { r, ns, label }
    }

    /// `label: <endpoint line>` for each of its endpoints with `flag`.
    fn endpoint_lines(&self, flag: u32) -> Vec<String> {
        let eps: Vec<_> = self
            .r
            .endpoints(self.ns)
            .map(|e| e.iter().filter(|e| e.flags & flag != 0).cloned().collect())
            .unwrap_or_default();
        render_endpoints(&eps)
            .lines()
            .map(|l| format!("{}: {}", self.label, l.trim_end()))
            .collect()
    }
}

/// The role a report was explicitly labelled with (`--side`), not a guess.
fn given_side(r: &Report) -> Option<&str> {
    r.meta
        .side
        .as_ref()
        .filter(|s| !s.guessed)
        .map(|s| s.role.as_str())
}

pub fn cross_side(client: &Report, server: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    if given_side(client) == Some("server") || given_side(server) == Some("client") {
        out.push(finding(
            "cross-sides-swapped",
            Severity::Warning,
            "The archives look swapped: merge takes the client's archive first, then the server's"
                .into(),
            vec![
                format!(
                    "first archive: --side {}",
                    given_side(client).unwrap_or("not given")
                ),
                format!(
                    "second archive: --side {}",
                    given_side(server).unwrap_or("not given")
                ),
            ],
            DOCS_PM,
        ));
    }
    let (c, sv) = (Party::new(client, "client"), Party::new(server, "server"));
    let signals = sv.endpoint_lines(MPTCP_PM_ADDR_FLAG_SIGNAL);
    if !signals.is_empty() && client.limits(c.ns).and_then(|l| l.add_addr_accepted) == Some(0) {
        let mut ev = signals;
        ev.push(format!("{}: limits add_addr_accepted 0", c.label));
        if let Some(d) = client
            .mib(c.ns)
            .and_then(|m| m.get("MPTcpExt", "AddAddrDrop"))
            .filter(|&d| d > 0)
        {
            ev.push(format!("{}: MPTcpExt AddAddrDrop = {d}", c.label));
        }
        out.push(finding(
            "cross-add-addr",
            Severity::Warning,
            "The server announces addresses but the client accepts none: its add_addr_accepted limit is 0".into(),
            ev,
            DOCS_PM,
        ));
    }
    let subflows = c.endpoint_lines(MPTCP_PM_ADDR_FLAG_SUBFLOW);
    if !subflows.is_empty() && server.limits(sv.ns).and_then(|l| l.subflows) == Some(0) {
        let mut ev = subflows;
        ev.push(format!("{}: limits subflows 0", sv.label));
        out.push(finding(
            "cross-subflows",
            Severity::Problem,
            "The client creates subflows but the server's subflows limit is 0: every join is rejected".into(),
            ev,
            DOCS_PM,
        ));
    }
    let redaction = |r: &Report| r.redaction.as_ref().map(|x| (x.enabled, x.key_id.clone()));
    match (redaction(client), redaction(server)) {
        (Some((true, Some(a))), Some((true, Some(b)))) if a != b => out.push(finding(
            "cross-redaction-keys",
            Severity::Info,
            "The two reports were redacted with different keys: addresses cannot be matched across them (use the same --redact-key FILE on both hosts)".into(),
            vec![format!("client key id {a}"), format!("server key id {b}")],
            DOCS_PM,
        )),
        (Some((a, _)), Some((b, _))) if a != b => out.push(finding(
            "cross-redaction-keys",
            Severity::Info,
            "Only one of the two reports is redacted: addresses cannot be matched across them".into(),
            vec![
                format!("client redaction {}", if a { "on" } else { "off" }),
                format!("server redaction {}", if b { "on" } else { "off" }),
            ],
            DOCS_PM,
        )),
        _ => {}
    }
    out
}
