//! Path-manager endpoints over generic netlink (or recorded output), rendered like
//! `ip mptcp endpoint show`.

use super::{Builtin, Ctx, Output, Result};
use crate::netlink::PmError;
use crate::report::{Artifact, Data, Entry, Facts, Section, Source, View};
use crate::views::formats::iproute;

pub struct Endpoints;

pub(crate) fn pm_stop(e: PmError) -> super::Stop {
    match e {
        PmError::FamilyMissing => super::Stop::Skipped(e.to_string()),
        PmError::PermissionDenied => super::Stop::Skipped(e.to_string()),
        PmError::Other(m) => super::Stop::Failed(m),
    }
}

/// An artifact rendered from a netlink answer; `family` and `what` say which request (for the manifest).
pub(crate) fn netlink_artifact(name: &str, family: &str, what: &str, content: String) -> Artifact {
    Artifact {
        name: name.into(),
        source: Source::Command {
            argv: vec!["netlink".into(), family.into(), what.into()],
            exit_code: Some(0),
            stderr: String::new(),
            duration_ms: 0.0,
            timed_out: false,
            missing: false,
        },
        original_size: content.len() as u64,
        content,
        truncated: false,
        spool: None,
        in_raw: false,
    }
}

impl Builtin for Endpoints {
    fn name(&self) -> &'static str {
        "endpoints"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Endpoints)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(eps) = section.data.iter().find_map(|d| match d {
            Data::Endpoints(e) => Some(e),
            _ => None,
        }) else {
            return Vec::new();
        };
        let facts = eps
            .iter()
            .map(|e| {
                let line = iproute::render_endpoints(std::slice::from_ref(e));
                (format!("id {}", e.id), line.trim_end().to_string())
            })
            .collect();
        vec![
            Entry::code(iproute::render_endpoints(eps))
                .titled("endpoints")
                .when_empty("(none)")
                .only(&[View::Text]),
            Entry::facts("endpoints", facts),
        ]
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let eps = ctx.env.pm.endpoints().map_err(pm_stop)?;
        out.artifacts.push(netlink_artifact(
            "endpoints.txt",
            "mptcp_pm",
            "get_addr",
            iproute::render_endpoints(&eps),
        ));
        out.data.push(Data::Endpoints(eps));
        Ok(())
    }
}
