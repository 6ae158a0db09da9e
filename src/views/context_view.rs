//! The summary's "Additional context": every section's entries (report/present.rs), whatever
//! collector made them, each offered at a few levels of detail for the budget (see budget.rs): a
//! table keeps its largest or first rows, a list its first items, preformatted text its first lines
//! (a log: its latest lines and its marked spans), `ss` output its counts and the connections that
//! matter (budget_sockets.rs), then only how many there are and where they all are. Sections are
//! found by their typed kind (`Facts`), never by a collector's name.

use super::budget::{fence_for, SUMMARY_BUDGET};
use super::budget_sockets::{self, SocketsLevel, SsText};
use super::excerpt::{excerpt, keeps};
use crate::report::{Artifact, Body, Entry, Facts, Format, Report, Section, Source, View};
use serde::Serialize;

/// Rows of a table and items of a list kept when shortened.
const ROWS_SHOWN: usize = 10;
const ITEMS_SHOWN: usize = 20;

/// One level of one entry, as the template's `entry_part` macro prints it.
#[derive(Serialize, Clone)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryLevel {
    Text {
        caption: Option<String>,
        text: String,
    },
    /// The collector gave nothing: why.
    Missing { why: String },
    /// The body is empty: what to say instead.
    Empty {
        caption: Option<String>,
        text: String,
    },
    Code {
        caption: Option<String>,
        fence: String,
        /// The lines shown, with `[… N lines]` where some are left out.
        text: String,
        shown: usize,
        count: usize,
        noun: String,
        /// Where all of it is.
        at: String,
        note: Option<String>,
    },
    Sockets {
        caption: Option<String>,
        s: SocketsLevel,
    },
    List {
        caption: Option<String>,
        items: Vec<String>,
        more: usize,
        noun: String,
        at: String,
    },
    Table {
        caption: Option<String>,
        header: Vec<String>,
        /// `---` or `---:` per column.
        align: Vec<&'static str>,
        rows: Vec<Vec<String>>,
        more: usize,
        noun: String,
        at: String,
    },
}

/// The entries `view` shows of `section`, each with its heading: its own title, else (for the first
/// one) the section's title or its collector's name; None continues under the heading before it.
pub fn entries_of(section: &Section, view: View) -> Vec<(Option<String>, &Entry)> {
    section
        .entries
        .iter()
        .filter(|e| e.in_view(view))
        .enumerate()
        .map(|(i, e)| {
            let heading = e.title.clone().or_else(|| {
                (i == 0).then(|| {
                    section
                        .title
                        .clone()
                        .unwrap_or_else(|| section.collector.clone())
                })
            });
            (heading, e)
        })
        .collect()
}

/// The artifact an entry names, in its section.
pub fn artifact<'a>(section: &'a Section, name: &str) -> Option<&'a Artifact> {
    section.artifacts.iter().find(|a| a.name == name)
}

/// Where all of an entry is: its raw/ file in the archive, else report.json.
pub fn all_at(section: &Section, entry: &Entry) -> String {
    entry
        .raw
        .as_deref()
        .filter(|n| artifact(section, n).is_some())
        .map(|n| crate::report::raw_path(section.netns.as_deref(), &section.collector, n))
        .unwrap_or_else(|| "report.json".into())
}

/// The spool holding an artifact entry's text, when it is too large to hold.
pub fn spool_of<'a>(section: &'a Section, body: &Body) -> Option<&'a crate::report::TextSpool> {
    match body {
        Body::Artifact { name, .. } => artifact(section, name)?.spool.as_ref(),
        _ => None,
    }
}

/// The text of a code or artifact entry, and a note when the artifact was truncated.
pub fn code_text<'a>(section: &'a Section, body: &'a Body) -> Option<(&'a str, Option<String>)> {
    match body {
        Body::Code { text, .. } => Some((text, None)),
        Body::Artifact { name, .. } => {
            let a = artifact(section, name)?;
            if !a.truncated {
                return Some((&a.content, None));
            }
            if a.in_raw {
                // Rendered when read back, from a socket list read in part (archive::read).
                let note = "Only the first sockets of this list were read from the archive's report.json (it is larger than a reader holds): all of them are in raw/.";
                return Some((&a.content, Some(note.into())));
            }
            let (what, part) = match a.source {
                Source::Command { .. } => ("output", "last"),
                Source::File { .. } => ("file", "first"),
            };
            let note = format!(
                "The {what} was {} bytes: only its {part} {} were kept.",
                a.original_size,
                a.content.len()
            );
            // A kept tail starts in the middle of a line: begin at the next one.
            let text = match a.source {
                Source::Command { .. } => a.content.split_once('\n').map_or("", |(_, r)| r),
                Source::File { .. } => &a.content,
            };
            Some((text, Some(note)))
        }
        _ => None,
    }
}

/// The levels of one entry, richest first; the last is shown whatever the room.
pub fn levels(section: &Section, entry: &Entry) -> Vec<EntryLevel> {
    let caption = entry.caption.clone();
    let noun = entry.noun.clone().unwrap_or_else(|| "lines".into());
    let at = all_at(section, entry);
    let empty = || EntryLevel::Empty {
        caption: caption.clone(),
        text: entry.empty.clone().unwrap_or_else(|| "(none)".into()),
    };
    match &entry.body {
        Body::Text { text } => vec![EntryLevel::Text {
            caption,
            text: text.clone(),
        }],
        Body::Missing => vec![EntryLevel::Missing {
            why: why_not_section(section),
        }],
        Body::List { items } if items.is_empty() => vec![empty()],
        Body::List { items } => cut_levels(items.len(), ITEMS_SHOWN, |n| EntryLevel::List {
            caption: caption.clone(),
            items: items[..n].iter().map(|i| i.replace('\n', " ")).collect(),
            more: items.len() - n,
            noun: noun.clone(),
            at: at.clone(),
        }),
        Body::Table { rows, .. } if rows.is_empty() => vec![empty()],
        Body::Table {
            columns,
            rows,
            rank,
        } => {
            let order = table_order(rows, *rank);
            cut_levels(rows.len(), ROWS_SHOWN, |n| {
                let mut keep = order[..n].to_vec();
                keep.sort_unstable();
                EntryLevel::Table {
                    caption: caption.clone(),
                    header: columns.iter().map(|c| cell(&c.name)).collect(),
                    align: columns
                        .iter()
                        .map(|c| if c.numeric { "---:" } else { "---" })
                        .collect(),
                    rows: keep
                        .iter()
                        .map(|&i| rows[i].iter().map(|c| cell(c)).collect())
                        .collect(),
                    more: rows.len() - n,
                    noun: noun.clone(),
                    at: at.clone(),
                }
            })
        }
        Body::Code { format, marks, .. } | Body::Artifact { format, marks, .. } => {
            let spool = spool_of(section, &entry.body);
            let Some((text, note)) = code_text(section, &entry.body) else {
                return vec![EntryLevel::Missing {
                    why: "its output is not in the report".into(),
                }];
            };
            let ss = match spool {
                Some(sp) if !sp.is_empty() => SsText::Spool(sp),
                _ if text.trim().is_empty() => return vec![empty()],
                _ => SsText::Str(text),
            };
            if *format == Format::Sockets {
                // The typed sockets the text shows: their inodes rank the oldest.
                let none = crate::report::SocketList::new();
                let typed = section
                    .data
                    .iter()
                    .find_map(|d| match d {
                        crate::report::Data::Sockets(s) => Some(s),
                        _ => None,
                    })
                    .unwrap_or(&none);
                return budget_sockets::levels(ss, typed, &at, note, SUMMARY_BUDGET)
                    .into_iter()
                    .map(|s| match s {
                        SocketsLevel::None => empty(),
                        s => EntryLevel::Sockets {
                            caption: caption.clone(),
                            s,
                        },
                    })
                    .collect();
            }
            // Only socket texts are spooled; any other is read whole.
            let whole;
            let text = match ss {
                SsText::Spool(sp) => {
                    whole = sp.read_all().unwrap_or_default();
                    whole.as_str()
                }
                SsText::Str(t) => t,
            };
            let lines: Vec<&str> = text.lines().collect();
            let level = |keep: Vec<bool>| {
                let text = excerpt(&lines, &keep, *format == Format::Log);
                EntryLevel::Code {
                    caption: caption.clone(),
                    fence: fence_for(&text),
                    shown: keep.iter().filter(|&&k| k).count(),
                    text,
                    count: lines.len(),
                    noun: noun.clone(),
                    at: at.clone(),
                    note: note.clone(),
                }
            };
            keeps(&lines, *format, marks)
                .into_iter()
                .map(level)
                .collect()
        }
    }
}

/// A level with all `len` items, one with the first `few` (when there are more), one with none.
fn cut_levels<T>(len: usize, few: usize, level: impl Fn(usize) -> T) -> Vec<T> {
    let mut out = vec![level(len)];
    if len > few {
        out.push(level(few));
    }
    out.push(level(0));
    out
}

/// The order rows are kept in when a table is shortened: by the rank column, largest first (ties
/// in table order), else as they are.
fn table_order(rows: &[Vec<String>], rank: Option<usize>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    if let Some(c) = rank {
        let value = |i: usize| -> u128 { rows[i].get(c).and_then(|v| v.parse().ok()).unwrap_or(0) };
        order.sort_by(|&a, &b| value(b).cmp(&value(a)).then(a.cmp(&b)));
    }
    order
}

/// A table cell that cannot break the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Why a section gave nothing (its status detail).
fn why_not_section(s: &Section) -> String {
    Some(s.status.detail())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{} gave nothing", s.collector))
}

/// Why the collector giving `facts` gave nothing in `ns` (its status detail), for "not collected"
/// lines.
pub fn why_not(report: &Report, facts: Facts, ns: Option<&str>) -> String {
    report
        .section(facts, ns)
        .map(why_not_section)
        .unwrap_or_else(|| "its collector did not run".into())
}

/// The archive path of the first artifact of the collector giving `facts` in `ns`, else
/// report.json.
pub fn raw_of(report: &Report, facts: Facts, ns: Option<&str>) -> String {
    report
        .section(facts, ns)
        .and_then(|s| Some((s, s.artifacts.first()?)))
        .map(|(s, a)| crate::report::raw_path(ns, &s.collector, &a.name))
        .unwrap_or_else(|| "report.json".into())
}

#[cfg(test)]
#[path = "context_view_tests.rs"]
mod tests;
