//! Path-manager limits over generic netlink (or recorded output), rendered like `ip mptcp limits show`.

use super::endpoints::{netlink_artifact, pm_stop};
use super::{Builtin, Ctx, Output, Result};
use crate::report::Data;
use crate::views::formats::iproute;

pub struct Limits;

impl Builtin for Limits {
    fn name(&self) -> &'static str {
        "limits"
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
