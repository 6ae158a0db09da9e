//! Every `net.mptcp.*` sysctl of the namespace, read under /proc/sys/net/mptcp and rendered exactly like
//! `sysctl net.mptcp`. Names are listed from the directory, never hard-coded, so new knobs appear.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Artifact, Data, Entry, Facts, Section, Source, Sysctl as SysctlData, View};
use crate::views::formats::sysctl::render;

pub struct Sysctl;

pub const DIR: &str = "/proc/sys/net/mptcp";

impl Builtin for Sysctl {
    fn name(&self) -> &'static str {
        "sysctl"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Sysctls)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(list) = section.data.iter().find_map(|d| match d {
            Data::Sysctls(l) => Some(l),
            _ => None,
        }) else {
            return Vec::new();
        };
        let facts = list
            .iter()
            .map(|s| (s.name.clone(), s.value.clone()))
            .collect();
        vec![
            Entry::code(render(list))
                .titled("sysctl net.mptcp")
                .only(&[View::Text]),
            Entry::facts("sysctls", facts),
        ]
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let fs = ctx.fs();
        let names = fs
            .list_dir(DIR)
            .map_err(|e| Stop::Failed(format!("{DIR}: {e}")))?;
        let mut list = Vec::new();
        for n in names {
            match fs.read_to_string(&format!("{DIR}/{n}")) {
                // Multi-value sysctls use tabs; sysctl(8) prints them as they are.
                Ok(v) => list.push(SysctlData {
                    name: format!("net.mptcp.{n}"),
                    value: v.trim_end_matches('\n').to_string(),
                }),
                Err(e) => out.notes.push(format!("net.mptcp.{n}: {e}")),
            }
        }
        let text = render(&list);
        out.artifacts.push(Artifact {
            name: "sysctl_net.mptcp.txt".into(),
            source: Source::File { path: DIR.into() },
            original_size: text.len() as u64,
            content: text,
            truncated: false,
            spool: None,
            in_raw: false,
        });
        out.data.push(Data::Sysctls(list));
        Ok(())
    }
}
