//! MIB counters: the MPTcpExt and TcpExt groups of /proc/net/netstat by group (names from each
//! header line, since counters are added and removed between kernel versions), and every SNMP/netstat
//! counter in nstat's names and order, which reproduce mode compares before and after its window.
//! Our own parser, not procfs-core's: it has none for /proc/net/netstat, and its fixed-field `Snmp`
//! would drop the counters a kernel adds (see views/formats/nstat.rs).

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::collect::spec::artifact_name_for_file;
use crate::report::{
    Artifact, Body, Column, Counter, Data, Entry, Facts, Mib as MibData, Section, Source, View,
};
use std::collections::BTreeMap;

pub struct Mib;

/// Groups kept in the typed report; the whole file is kept raw in the archive.
pub const GROUPS: &[&str] = &["MPTcpExt", "TcpExt"];

/// Parses /proc/net/netstat (or /proc/net/snmp): pairs of `Group: names...` / `Group: values...` lines.
pub fn parse_netstat(text: &str) -> std::result::Result<BTreeMap<String, Vec<Counter>>, String> {
    let mut groups = BTreeMap::new();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    while let Some(header) = lines.next() {
        let (group, names) = header
            .split_once(':')
            .ok_or_else(|| format!("line without a group: {header:?}"))?;
        let values = lines
            .next()
            .ok_or_else(|| format!("{group}: header without a values line"))?;
        let (vgroup, values) = values
            .split_once(':')
            .ok_or_else(|| format!("{group}: bad values line"))?;
        if vgroup != group {
            return Err(format!("{group}: values line belongs to {vgroup}"));
        }
        let names: Vec<&str> = names.split_whitespace().collect();
        let values: Vec<&str> = values.split_whitespace().collect();
        if names.len() != values.len() {
            return Err(format!(
                "{group}: {} names but {} values",
                names.len(),
                values.len()
            ));
        }
        let counters = names
            .iter()
            .zip(values)
            .map(|(n, v)| {
                // Some snmp values are signed (e.g. Tcp MaxConn -1): keep them as 0 rather than failing.
                Counter {
                    name: n.to_string(),
                    value: v.parse().unwrap_or(0),
                }
            })
            .collect();
        groups.insert(group.to_string(), counters);
    }
    Ok(groups)
}

impl Builtin for Mib {
    fn name(&self) -> &'static str {
        "mib"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Mib)
    }

    /// The non-zero MPTcpExt counters (shortened to the largest), and every one of them for `diff`.
    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(mib) = section.data.iter().find_map(|d| match d {
            Data::Mib(m) => Some(m),
            _ => None,
        }) else {
            return Vec::new();
        };
        let Some(counters) = mib.groups.get("MPTcpExt") else {
            return vec![Entry::text("No MPTcpExt counters: a kernel without MPTCP.")
                .only(&[View::Summary, View::Text])];
        };
        let rows = |all: bool| -> Vec<Vec<String>> {
            counters
                .iter()
                .filter(|c| all || c.value != 0)
                .map(|c| vec![c.name.clone(), c.value.to_string()])
                .collect()
        };
        let columns = vec![Column::text("counter"), Column::number("value")];
        let netstat = artifact_name_for_file("/proc/net/netstat");
        let raw = section.artifacts.iter().any(|a| a.name == netstat);
        let mut nonzero = Entry::table(columns.clone(), rows(false))
            .when_empty("All MPTcpExt counters are zero.")
            .counted_as("non-zero counters")
            .all_in(raw.then_some(netstat.as_str()))
            .only(&[View::Summary, View::Text]);
        if let Body::Table { rank, .. } = &mut nonzero.body {
            *rank = Some(1);
        }
        vec![
            nonzero,
            Entry::table(columns, rows(true))
                .titled("MPTcpExt counters")
                .only(&[View::Diff]),
        ]
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        // Shared with nstat: one read of the namespace's counters per collection.
        let read = ctx.counters();
        let Some((_, text)) = read.files.iter().find(|(p, _)| *p == "/proc/net/netstat") else {
            return Err(Stop::Failed(format!(
                "/proc/net/netstat: {}",
                read.problems
                    .iter()
                    .find_map(|p| p.strip_prefix("/proc/net/netstat: "))
                    .unwrap_or("missing")
            )));
        };
        let mut groups =
            parse_netstat(text).map_err(|e| Stop::Failed(format!("/proc/net/netstat: {e}")))?;
        if !groups.contains_key("MPTcpExt") {
            out.notes
                .push("no MPTcpExt counters in /proc/net/netstat: kernel without MPTCP".into());
        }
        groups.retain(|g, _| GROUPS.contains(&g.as_str()));
        out.notes.extend(read.problems.iter().cloned());
        for (path, text) in &read.files {
            out.artifacts.push(Artifact {
                name: artifact_name_for_file(path),
                source: Source::File {
                    path: path.to_string(),
                },
                original_size: text.len() as u64,
                content: text.clone(),
                truncated: false,
                spool: None,
                in_raw: false,
            });
        }
        out.data.push(Data::Mib(MibData {
            groups,
            nstat: read.counters.clone(),
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_header() {
        let g =
            parse_netstat("TcpExt: A B\nTcpExt: 1 2\nMPTcpExt: New Old\nMPTcpExt: 7 0\n").unwrap();
        assert_eq!(
            g["MPTcpExt"][0],
            Counter {
                name: "New".into(),
                value: 7
            }
        );
        assert_eq!(g["TcpExt"].len(), 2);
    }

    #[test]
    fn mismatched_lines_are_an_error() {
        assert!(parse_netstat("X: a b\nX: 1\n").is_err());
        assert!(parse_netstat("X: a\n").is_err());
    }
}
