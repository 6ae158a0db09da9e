//! Every SNMP/netstat counter as `nstat -zas` prints it, read straight from /proc/net (no nstat
//! process, no history file read or written, no nstat daemon asked): what the script's `nstat`
//! shows, for the namespace the thread is in. The read is shared with the mib collector
//! (`Ctx::counters`): both sections show the same instant.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Artifact, Counter, Source};
use crate::sys::Fs;
use crate::views::formats::nstat::{parse_good, parse_ugly, render_zas, Table, FILES};

pub struct Nstat;

/// The raw name the archive has always used for this text (`raw/nstat/nstat_-zas.txt`).
pub const ARTIFACT: &str = "nstat_-zas.txt";

/// What was read: the counters in nstat's order, the files' texts, and what could not be parsed.
#[derive(Debug, Default)]
pub struct Read {
    pub counters: Vec<Counter>,
    /// (path, text) of each file that exists, in nstat's order.
    pub files: Vec<(&'static str, String)>,
    pub problems: Vec<String>,
}

/// Reads the files nstat reads (a missing file is skipped, as nstat does; /proc/net/sctp exists only
/// with SCTP loaded).
pub fn read_counters(fs: &Fs) -> Read {
    let mut r = Read::default();
    for (path, table) in FILES {
        let text = match fs.read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                r.problems.push(format!("{path}: {e}"));
                continue;
            }
        };
        let parsed = match table {
            Table::Ugly => parse_ugly(&text),
            Table::Good => parse_good(&text),
        };
        match parsed {
            Ok(c) => r.counters.extend(c),
            Err(e) => r.problems.push(format!("{path}: {e}")),
        }
        r.files.push((path, text));
    }
    r
}

impl Builtin for Nstat {
    fn name(&self) -> &'static str {
        "nstat"
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        // Shared with mib: one read of the namespace's counters per collection.
        let read = ctx.counters();
        if read.files.is_empty() {
            return Err(Stop::Failed(
                "none of /proc/net/snmp, /proc/net/snmp6, /proc/net/netstat can be read".into(),
            ));
        }
        out.notes.extend(read.problems.iter().cloned());
        let text = render_zas(&read.counters);
        out.artifacts.push(Artifact {
            name: ARTIFACT.into(),
            source: Source::File {
                path: read
                    .files
                    .iter()
                    .map(|(p, _)| *p)
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            original_size: text.len() as u64,
            content: text,
            truncated: false,
            spool: None,
            in_raw: false,
        });
        Ok(())
    }
}
