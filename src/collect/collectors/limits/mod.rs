//! Path-manager limits over generic netlink (or recorded output), rendered like `ip mptcp limits show`.

use super::endpoints::{netlink_artifact, pm_stop};
use super::{Builtin, Ctx, Output, Result};
use crate::report::{Data, Entry, Facts, Section, View};
use crate::views::formats::iproute;

pub struct Limits;

impl Builtin for Limits {
    fn name(&self) -> &'static str {
        "limits"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Limits)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(l) = section.data.iter().find_map(|d| match d {
            Data::Limits(l) => Some(l),
            _ => None,
        }) else {
            return Vec::new();
        };
        let show = |v: Option<u32>| v.map_or("-".into(), |v| v.to_string());
        vec![
            Entry::code(iproute::render_limits(l))
                .titled("limits")
                .only(&[View::Text]),
            Entry::facts(
                "limits",
                vec![
                    ("add_addr_accepted".into(), show(l.add_addr_accepted)),
                    ("subflows".into(), show(l.subflows)),
                ],
            ),
        ]
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let l = ctx.env.pm.limits().map_err(pm_stop)?;
        out.artifacts.push(netlink_artifact(
            "limits.txt",
            "mptcp_pm",
            "get_limits",
            iproute::render_limits(&l),
        ));
        out.data.push(Data::Limits(l));
        Ok(())
    }
}
