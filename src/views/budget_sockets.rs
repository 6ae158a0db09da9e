//! The summary's MPTCP sockets part: every socket as `ss -ManiH` printed it while that fits, else the
//! sockets counted by state and by number of subflows and the connections that matter most (fallen
//! back, most subflows, retransmitting, oldest) in full, then where the rest is in the archive.
//!
//! It reads the raw `ss -ManiH` text, record by record (a socket line and its indented info line), so
//! what it shows is byte for byte what the system printed, whichever collector produced the text.

use super::budget::fence_for;
use serde::Serialize;

/// Connections shown per category at each summarized level.
const SHOWN_PER_CATEGORY: [usize; 6] = [50, 20, 10, 5, 2, 1];

/// One socket as `ss -ManiH` printed it, with the facts the summary ranks by.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// The socket line and its continuation lines, newline-terminated.
    pub text: &'a str,
    pub state: &'a str,
    /// `subflows:N`: subflows beyond the first (0 when absent: ss prints only non-zero fields).
    pub subflows: u64,
    pub fallback: bool,
    /// `retransmits:N`, else `bytes_retrans:N`.
    pub retrans: u64,
    /// `ino:N` when the text has it (socket inodes grow with creation: the lowest is the oldest).
    pub ino: Option<u64>,
}

/// Splits `ss -ManiH` output into records. Lines before the first socket line (a truncated head) are
/// skipped; blank-only lines belong to the record they follow.
pub fn records(text: &str) -> Vec<Record<'_>> {
    let mut starts: Vec<usize> = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if !line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            starts.push(pos);
        }
        pos += line.len();
    }
    starts.push(text.len());
    starts
        .windows(2)
        .map(|w| record(&text[w[0]..w[1]]))
        .collect()
}

fn record(text: &str) -> Record<'_> {
    let mut r = Record {
        text,
        state: text.split_whitespace().next().unwrap_or(""),
        subflows: 0,
        fallback: false,
        retrans: 0,
        ino: None,
    };
    let (mut retransmits, mut bytes_retrans) = (None, None);
    for word in text.split_whitespace().skip(5) {
        let (key, value) = word.split_once(':').unwrap_or((word, ""));
        let num = || value.parse::<u64>().ok();
        match key {
            "subflows" => r.subflows = num().unwrap_or(0),
            "fallback" => r.fallback = true,
            "retransmits" => retransmits = num(),
            "bytes_retrans" => bytes_retrans = num(),
            "ino" => r.ino = num(),
            _ => {}
        }
    }
    r.retrans = retransmits.or(bytes_retrans).unwrap_or(0);
    r
}

#[derive(Serialize, Clone)]
pub struct Category {
    /// What makes these connections matter ("Fallen back to TCP", ...).
    pub title: String,
    /// How many connections are in this category.
    pub count: usize,
    /// How many of them are in `text` (a connection is shown once, in its first category).
    pub shown: usize,
    pub text: String,
}

/// The sockets part at one level of detail; the template's `sockets` macro renders it.
#[derive(Serialize, Clone)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum SocketsLevel {
    /// Not collected: why.
    Missing {
        why: String,
    },
    None,
    Full {
        fence: String,
        text: String,
        note: Option<String>,
    },
    Summary {
        total: usize,
        by_state: Vec<(String, usize)>,
        by_subflows: Vec<(u64, usize)>,
        categories: Vec<Category>,
        fence: String,
        shown: usize,
        raw: String,
        note: Option<String>,
    },
}

/// (state, sockets) and (subflows beyond the first, connections).
type Counts = (Vec<(String, usize)>, Vec<(u64, usize)>);

/// Sockets by state, most first (then by name).
pub fn by_state(recs: &[Record]) -> Vec<(String, usize)> {
    counts(recs).0
}

/// Counts by state (most first, then by name) and connections by `subflows:` (LISTEN sockets aside).
fn counts(recs: &[Record]) -> Counts {
    let mut states: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut subflows: std::collections::BTreeMap<u64, usize> = Default::default();
    for r in recs {
        *states.entry(r.state).or_default() += 1;
        if r.state != "LISTEN" {
            *subflows.entry(r.subflows).or_default() += 1;
        }
    }
    let mut by_state: Vec<(String, usize)> = states
        .into_iter()
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    by_state.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (by_state, subflows.into_iter().collect())
}

/// The connections of each category, most telling first (ties keep ss's order): fallen back, most
/// subflows, retransmitting, oldest, the others, then the listeners.
fn ranked<'r, 'a>(recs: &'r [Record<'a>]) -> Vec<(String, Vec<&'r Record<'a>>)> {
    let conns: Vec<&Record> = recs.iter().filter(|r| r.state != "LISTEN").collect();
    let pick = |keep: &dyn Fn(&Record) -> bool, key: &dyn Fn(&Record) -> u64| {
        let mut v: Vec<&Record> = conns.iter().copied().filter(|r| keep(r)).collect();
        v.sort_by_key(|r| std::cmp::Reverse(key(r)));
        v
    };
    let most = conns.iter().map(|r| r.subflows).max().unwrap_or(0);
    vec![
        ("Fallen back to TCP".into(), pick(&|r| r.fallback, &|_| 0)),
        (
            format!("With the most subflows ({most} beyond the first)"),
            pick(&|r| most > 0 && r.subflows == most, &|_| 0),
        ),
        (
            "Retransmitting (most retransmits first)".into(),
            pick(&|r| r.retrans > 0, &|r| r.retrans),
        ),
        (
            "Oldest (lowest socket inode first)".into(),
            pick(&|r| r.ino.is_some(), &|r| u64::MAX - r.ino.unwrap_or(0)),
        ),
        (
            "Other connections, in the order ss lists them".into(),
            pick(
                &|r| {
                    !(r.fallback
                        || (most > 0 && r.subflows == most)
                        || r.retrans > 0
                        || r.ino.is_some())
                },
                &|_| 0,
            ),
        ),
        (
            "Listening".into(),
            recs.iter().filter(|r| r.state == "LISTEN").collect(),
        ),
    ]
}

/// Text for a code block: ends with a newline unless empty.
fn lines(mut text: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Gives each record the inode of its typed socket: `ss -ManiH` prints no inode, but the text in the
/// archive was rendered from (or parsed into) the typed sockets, one record each, in the same order.
/// Records are paired only when both lists agree on every record's state and local address.
pub fn set_inodes(recs: &mut [Record], sockets: &crate::report::SocketList) {
    if recs.len() != sockets.len() {
        return;
    }
    let mut inodes = Vec::with_capacity(recs.len());
    for (r, s) in recs.iter().zip(sockets.heads()) {
        let mut words = r.text.split_whitespace();
        if words.next() != Some(s.state.as_str()) || words.nth(2) != Some(s.local.as_str()) {
            return;
        }
        inodes.push(s.inode);
    }
    for (r, ino) in recs.iter_mut().zip(inodes) {
        r.ino = r.ino.or(ino.map(u64::from));
    }
}

/// The levels of one namespace's sockets part, richest first. `raw` is where the archive keeps the
/// whole text; `note` says when the text itself was truncated when collected; `sockets` are the
/// typed sockets the text shows (their inodes rank the oldest).
pub fn levels(
    text: &str,
    sockets: &crate::report::SocketList,
    raw: &str,
    note: Option<String>,
    budget: usize,
) -> Vec<SocketsLevel> {
    let mut recs = records(text);
    set_inodes(&mut recs, sockets);
    if recs.is_empty() {
        return vec![SocketsLevel::None];
    }
    let mut out = Vec::new();
    let fence = fence_for(text);
    if text.len() < budget {
        out.push(SocketsLevel::Full {
            fence: fence.clone(),
            text: lines(text.to_string()),
            note: note.clone(),
        });
    }
    let (by_state, by_subflows) = counts(&recs);
    let ranked = ranked(&recs);
    for per in SHOWN_PER_CATEGORY.into_iter().chain([0]) {
        let mut seen = std::collections::HashSet::new();
        let mut categories = Vec::new();
        for (title, list) in &ranked {
            let take: Vec<&str> = list
                .iter()
                .filter(|r| seen.insert(r.text.as_ptr()))
                .take(per)
                .map(|r| r.text)
                .collect();
            if !list.is_empty() {
                categories.push(Category {
                    title: title.clone(),
                    count: list.len(),
                    shown: take.len(),
                    text: lines(take.concat()),
                });
            }
        }
        out.push(SocketsLevel::Summary {
            total: recs.len(),
            by_state: by_state.clone(),
            by_subflows: by_subflows.clone(),
            categories,
            fence: fence.clone(),
            shown: seen.len(),
            raw: raw.to_string(),
            note: note.clone(),
        });
    }
    out
}

#[cfg(test)]
#[path = "budget_sockets_tests.rs"]
mod tests;
