//! Rules that need both sides of a connection: what one side announces or creates against what the
//! other side accepts or can use, archives given in the wrong order, and reports whose addresses
//! cannot be matched. What happened on the path (stripped options, dropped joins) is in cross_paths.

use super::facts::{global_addrs, parse_ip};
use super::{finding, namespaces, DOCS_PM};
use crate::report::{Endpoint, Finding, Report, Role, Severity};

/// The namespace of a report that plays `role`: the first one whose counters or sockets show it
/// initiating (client) or accepting (server) MPTCP connections, else the first one with path-manager
/// limits, else the first one. A report can hold several namespaces (`--netns`); the other side's
/// connection lives in one of them.
pub fn role_ns(r: &Report, role: Role) -> Option<&str> {
    let all = namespaces(r);
    let acts = |ns: Option<&str>| match (super::facts::roles(r, ns), role) {
        (Some((initiates, _)), Role::Client) => initiates,
        (Some((_, accepts)), Role::Server) => accepts,
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
pub(super) struct Party<'a> {
    pub r: &'a Report,
    pub ns: Option<&'a str>,
    pub label: String,
}

impl<'a> Party<'a> {
    pub fn new(r: &'a Report, role: Role) -> Party<'a> {
        let ns = role_ns(r, role);
        let label = match ns {
            Some(ns) if namespaces(r).len() > 1 => format!("{role} (netns {ns})"),
            _ => role.to_string(),
        };
        Party { r, ns, label }
    }

    /// `label: <endpoint line>` for each of its endpoints with `flag`.
    pub fn endpoint_lines(&self, flag: u32) -> Vec<String> {
        self.r
            .endpoints(self.ns)
            .into_iter()
            .flatten()
            .filter(|e| e.has(flag))
            .map(|e| format!("{}: {}", self.label, e.iproute_line().trim_end()))
            .collect()
    }

    /// `label: MPTcpExt NAME = V`, when the counter was collected.
    pub fn counter(&self, name: &str) -> Option<(u64, String)> {
        let v = super::facts::mptcp_counter(self.r, self.ns, name)?;
        Some((v, format!("{}: MPTcpExt {name} = {v}", self.label)))
    }

    pub fn says(&self, what: impl std::fmt::Display) -> String {
        format!("{}: {what}", self.label)
    }
}

/// The role a report was explicitly labelled with (`--side`), not a guess.
fn given_side(r: &Report) -> Option<Role> {
    r.meta.side.as_ref().filter(|s| !s.guessed).map(|s| s.role)
}

pub fn cross_side(client: &Report, server: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    if given_side(client) == Some(Role::Server) || given_side(server) == Some(Role::Client) {
        out.push(finding(
            "cross-sides-swapped",
            Severity::Warning,
            "The archives look swapped: merge takes the client's archive first, then the server's"
                .into(),
            vec![
                format!(
                    "first archive: --side {}",
                    given_side(client).map_or("not given", Role::as_str)
                ),
                format!(
                    "second archive: --side {}",
                    given_side(server).map_or("not given", Role::as_str)
                ),
            ],
            DOCS_PM,
        ));
    }
    let (c, sv) = (
        Party::new(client, Role::Client),
        Party::new(server, Role::Server),
    );
    let signals = sv.endpoint_lines(Endpoint::FLAG_SIGNAL);
    if !signals.is_empty() && client.limits(c.ns).and_then(|l| l.add_addr_accepted) == Some(0) {
        let mut ev = signals;
        ev.push(format!("{}: limits add_addr_accepted 0", c.label));
        // What the 6.18 kernel counts when it ignores announcements: AddAddr and EchoAddTx.
        for name in ["AddAddr", "EchoAddTx"] {
            if let Some((_, line)) = c.counter(name).filter(|(v, _)| *v > 0) {
                ev.push(line);
            }
        }
        out.push(finding(
            "cross-add-addr",
            Severity::Warning,
            "The server announces addresses but the client accepts none: its add_addr_accepted limit is 0".into(),
            ev,
            DOCS_PM,
        ));
    }
    let subflows = c.endpoint_lines(Endpoint::FLAG_SUBFLOW);
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
    out.extend(join_initial_denied(&c, &sv));
    out.extend(announce_family(&c, &sv));
    out.extend(fullmesh(&c, &sv));
    out.extend(super::cross_paths::checks(&c, &sv));
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

/// The client has `subflow` endpoints, and the server forbids joins to its initial address (the C
/// flag) and announces no other: none of them can ever be used.
fn join_initial_denied(c: &Party, sv: &Party) -> Option<Finding> {
    let subflows = c.endpoint_lines(Endpoint::FLAG_SUBFLOW);
    if subflows.is_empty() || sv.r.sysctl(sv.ns, "allow_join_initial_addr_port") != Some("0") {
        return None;
    }
    if sv
        .r
        .endpoints(sv.ns)?
        .iter()
        .any(|e| e.has(Endpoint::FLAG_SIGNAL))
    {
        return None;
    }
    let mut ev = subflows;
    ev.push(sv.says("net.mptcp.allow_join_initial_addr_port = 0"));
    ev.push(sv.says("no `signal` endpoint"));
    Some(finding("cross-join-initial-denied", Severity::Problem, "The client's `subflow` endpoints can never be used: the server refuses joins to its initial address and announces no other".into(), ev, DOCS_PM))
}

fn family(v6: bool) -> &'static str {
    if v6 {
        "IPv6"
    } else {
        "IPv4"
    }
}

/// Every address the server announces is of a family the client has no usable address of (its
/// interfaces), or that none of the client's open connections uses: it can never join them.
fn announce_family(c: &Party, sv: &Party) -> Option<Finding> {
    let signals: Vec<_> =
        sv.r.endpoints(sv.ns)?
            .iter()
            .filter(|e| e.has(Endpoint::FLAG_SIGNAL))
            .collect();
    let v6 = signals.first()?.addr.is_ipv6();
    if signals.iter().any(|e| e.addr.is_ipv6() != v6) {
        return None;
    }
    let ifs = c.r.interfaces(c.ns).filter(|i| !i.links.is_empty())?;
    let has_family = global_addrs(ifs)
        .iter()
        .any(|(_, a)| parse_ip(a).is_some_and(|ip| ip.is_ipv6() == v6));
    if has_family {
        return None;
    }
    let mut ev = sv.endpoint_lines(Endpoint::FLAG_SIGNAL);
    ev.push(c.says(format!("no usable {} address on any interface", family(v6))));
    Some(finding("cross-announce-family", Severity::Warning, format!("The server announces only {} addresses, which the client can never use: it has no {} address", family(v6), family(v6)), ev, DOCS_PM))
}

/// The client's `fullmesh` endpoints against the addresses the server will have: its initial one and
/// the announced ones the client accepts. N endpoints x R addresses need N x R - 1 subflows.
fn fullmesh(c: &Party, sv: &Party) -> Option<Finding> {
    let n =
        c.r.endpoints(c.ns)?
            .iter()
            .filter(|e| e.has(Endpoint::FLAG_FULLMESH))
            .count() as u32;
    let limits = c.r.limits(c.ns)?;
    let (limit, accepted) = (limits.subflows?, limits.add_addr_accepted?);
    let signals =
        sv.r.endpoints(sv.ns)?
            .iter()
            .filter(|e| e.has(Endpoint::FLAG_SIGNAL))
            .count() as u32;
    let peers = 1 + signals.min(accepted);
    let need = (n * peers).saturating_sub(1);
    if n == 0 || limit >= need {
        return None;
    }
    let mut ev = c.endpoint_lines(Endpoint::FLAG_FULLMESH);
    ev.push(c.says(format!(
        "limits subflows {limit} add_addr_accepted {accepted}"
    )));
    ev.push(sv.says(format!("{signals} `signal` endpoint(s)")));
    ev.push(format!(
        "{n} fullmesh endpoint(s) x {peers} server address(es) need {need} additional subflows"
    ));
    Some(finding("cross-fullmesh", Severity::Warning, format!("The client's subflows limit ({limit}) is below what its `fullmesh` endpoints need to reach every server address ({need})"), ev, DOCS_PM))
}

#[cfg(test)]
#[path = "cross_tests.rs"]
mod tests;
