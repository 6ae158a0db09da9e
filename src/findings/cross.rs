//! Rules that need both sides of a connection: what one side announces or creates against what the
//! other side accepts.

use super::{finding, namespaces, DOCS_PM};
use crate::netlink::{MPTCP_PM_ADDR_FLAG_SIGNAL, MPTCP_PM_ADDR_FLAG_SUBFLOW};
use crate::report::{Finding, Report, Severity};

fn first_ns(r: &Report) -> Option<&str> {
    namespaces(r).into_iter().next().flatten()
}

pub fn cross_side(client: &Report, server: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    let (cns, sns) = (first_ns(client), first_ns(server));
    let server_signals = server
        .endpoints(sns)
        .map(|e| {
            e.iter()
                .filter(|e| e.flags & MPTCP_PM_ADDR_FLAG_SIGNAL != 0)
                .count()
        })
        .unwrap_or(0);
    if server_signals > 0 && client.limits(cns).and_then(|l| l.add_addr_accepted) == Some(0) {
        out.push(finding(
            "cross-add-addr",
            Severity::Warning,
            "The server announces addresses but the client accepts none: its add_addr_accepted limit is 0".into(),
            vec![format!("server: {server_signals} `signal` endpoint(s)"), "client: limits add_addr_accepted 0".into()],
            DOCS_PM,
        ));
    }
    let client_subflows = client
        .endpoints(cns)
        .map(|e| {
            e.iter()
                .filter(|e| e.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW != 0)
                .count()
        })
        .unwrap_or(0);
    if client_subflows > 0 && server.limits(sns).and_then(|l| l.subflows) == Some(0) {
        out.push(finding(
            "cross-subflows",
            Severity::Problem,
            "The client creates subflows but the server's subflows limit is 0: every join is rejected".into(),
            vec![format!("client: {client_subflows} `subflow` endpoint(s)"), "server: limits subflows 0".into()],
            DOCS_PM,
        ));
    }
    let key = |r: &Report| {
        r.redaction
            .as_ref()
            .filter(|x| x.enabled)
            .and_then(|x| x.key_id.clone())
    };
    if let (Some(a), Some(b)) = (key(client), key(server)) {
        if a != b {
            out.push(finding(
                "cross-redaction-keys",
                Severity::Info,
                "The two reports were redacted with different keys: addresses cannot be matched across them (use the same --redact-key FILE on both hosts)".into(),
                vec![format!("client key id {a}"), format!("server key id {b}")],
                DOCS_PM,
            ));
        }
    }
    out
}
