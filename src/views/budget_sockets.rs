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
    let mut out = Vec::new();
    records_of(text, |t| out.push(record(t)));
    out
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

/// Sockets by state of a text walked record by record, most first (then by name).
pub fn by_state_of(text: SsText) -> Vec<(String, usize)> {
    let mut states: std::collections::BTreeMap<String, usize> = Default::default();
    text.for_each_record(|r| *states.entry(r.state.to_string()).or_default() += 1);
    most_first(states)
}

/// Counts by state, most first (then by name).
pub fn most_first(states: std::collections::BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = states.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Text for a code block: ends with a newline unless empty.
fn lines(mut text: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Where the `ss -ManiH` text is: in memory, or in a spool file (a spooled socket list's).
#[derive(Clone, Copy)]
pub enum SsText<'a> {
    Str(&'a str),
    Spool(&'a crate::report::TextSpool),
}

impl SsText<'_> {
    fn len(&self) -> u64 {
        match self {
            SsText::Str(s) => s.len() as u64,
            SsText::Spool(s) => s.len(),
        }
    }

    /// Each record in order (as `records` splits them); a spool that cannot be read ends the walk.
    pub fn for_each_record(&self, mut f: impl FnMut(Record<'_>)) {
        match self {
            SsText::Str(s) => records_of(s, |t| f(record(t))),
            SsText::Spool(sp) => {
                use std::io::BufRead;
                // Line by line; a record is the socket line and the lines after it.
                let (mut rec, mut line, mut input) = (String::new(), String::new(), sp.reader());
                loop {
                    line.clear();
                    match input.read_line(&mut line) {
                        Ok(n) if n > 0 => {}
                        _ => break,
                    }
                    if starts_record(&line) {
                        if !rec.is_empty() {
                            f(record(&rec));
                        }
                        rec.clear();
                        rec.push_str(&line);
                    } else if !rec.is_empty() {
                        rec.push_str(&line);
                    }
                }
                if !rec.is_empty() {
                    f(record(&rec));
                }
            }
        }
    }
}

/// A socket line (continuation lines are indented; blank lines belong to the record before).
fn starts_record(line: &str) -> bool {
    !line.starts_with([' ', '\t']) && !line.trim().is_empty()
}

/// Calls `f` with the text of each record of `text`, in order.
fn records_of<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let mut start: Option<usize> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if starts_record(line) {
            if let Some(s) = start {
                f(&text[s..pos]);
            }
            start = Some(pos);
        }
        pos += line.len();
    }
    if let Some(s) = start {
        f(&text[s..]);
    }
}

/// Whether a record and its typed socket agree on state and local address (`ss -ManiH` prints no
/// inode, but the text was rendered from, or parsed into, the typed sockets, in the same order).
fn pairs(r: &Record, s: &crate::report::socket_list::Head) -> bool {
    let mut words = r.text.split_whitespace();
    words.next() == Some(s.state.as_str()) && words.nth(2) == Some(s.local.as_str())
}

/// One connection kept to be shown: its place in ss's order, what ranks it, its text.
struct Kept {
    seq: usize,
    key: u64,
    text: String,
}

/// The most telling connections of one category, bounded: the first `keep` by key (highest
/// first), ties in ss's order.
struct Top {
    title: String,
    count: usize,
    keep: usize,
    list: Vec<Kept>,
}

impl Top {
    fn new(title: String, keep: usize) -> Top {
        Top {
            title,
            count: 0,
            keep,
            list: Vec::new(),
        }
    }

    fn offer(&mut self, seq: usize, key: u64, text: &str) {
        self.count += 1;
        self.list.push(Kept {
            seq,
            key,
            text: text.to_string(),
        });
        if self.list.len() >= 2 * self.keep.max(1) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.list
            .sort_by(|a, b| b.key.cmp(&a.key).then(a.seq.cmp(&b.seq)));
        self.list.truncate(self.keep);
    }
}

/// The levels of one namespace's sockets part, richest first. `raw` is where the archive keeps the
/// whole text; `note` says when the text itself was truncated when collected; `sockets` are the
/// typed sockets the text shows (their inodes rank the oldest). The text is walked twice, one
/// record at a time, and only the connections a level can show are kept: its size does not
/// matter.
pub fn levels(
    text: SsText,
    sockets: &crate::report::SocketList,
    raw: &str,
    note: Option<String>,
    budget: usize,
) -> Vec<SocketsLevel> {
    // First walk: counts, the most subflows, and whether the typed sockets match the text.
    let mut states: std::collections::BTreeMap<String, usize> = Default::default();
    let mut subflows: std::collections::BTreeMap<u64, usize> = Default::default();
    let (mut total, mut most) = (0usize, 0u64);
    let (mut heads, mut agree) = (sockets.heads(), true);
    text.for_each_record(|r| {
        total += 1;
        agree = agree && heads.next().is_some_and(|s| pairs(&r, &s));
        *states.entry(r.state.to_string()).or_default() += 1;
        if r.state != "LISTEN" {
            *subflows.entry(r.subflows).or_default() += 1;
            most = most.max(r.subflows);
        }
    });
    if total == 0 {
        return vec![SocketsLevel::None];
    }
    let mut out = Vec::new();
    if text.len() < budget as u64 {
        let whole = match text {
            SsText::Str(s) => Some(s.to_string()),
            SsText::Spool(sp) => sp.read_all().ok(),
        };
        if let Some(whole) = whole {
            out.push(SocketsLevel::Full {
                fence: fence_for(&whole),
                text: lines(whole),
                note: note.clone(),
            });
        }
    }
    let by_state = most_first(states);
    let by_subflows: Vec<(u64, usize)> = subflows.into_iter().collect();
    // Second walk: each category's most telling connections. A category can lose what the ones
    // before it show (a connection is shown once): it keeps enough to fill its room anyway.
    let per = SHOWN_PER_CATEGORY[0];
    let titles = [
        "Fallen back to TCP".to_string(),
        format!("With the most subflows ({most} beyond the first)"),
        "Retransmitting (most retransmits first)".into(),
        "Oldest (lowest socket inode first)".into(),
        "Other connections, in the order ss lists them".into(),
        "Listening".into(),
    ];
    let mut tops: Vec<Top> = titles
        .into_iter()
        .enumerate()
        .map(|(k, t)| Top::new(t, per * (k + 1)))
        .collect();
    // The typed sockets give the records their inodes when they pair one for one.
    let with_inodes = agree && total == sockets.len();
    let mut heads = with_inodes.then(|| sockets.heads());
    let mut seq = 0usize;
    text.for_each_record(|r| {
        let ino = r
            .ino
            .or_else(|| heads.as_mut()?.next()?.inode.map(u64::from));
        seq += 1;
        if r.state == "LISTEN" {
            tops[5].offer(seq, 0, r.text);
            return;
        }
        let most_subflows = most > 0 && r.subflows == most;
        if r.fallback {
            tops[0].offer(seq, 0, r.text);
        }
        if most_subflows {
            tops[1].offer(seq, 0, r.text);
        }
        if r.retrans > 0 {
            tops[2].offer(seq, r.retrans, r.text);
        }
        if let Some(i) = ino {
            tops[3].offer(seq, u64::MAX - i, r.text);
        }
        if !(r.fallback || most_subflows || r.retrans > 0 || ino.is_some()) {
            tops[4].offer(seq, 0, r.text);
        }
    });
    tops.iter_mut().for_each(Top::trim);
    // A fence no run of backticks in the text closes (an interface name may hold some): of the
    // whole text in memory, of what is shown of a spooled one.
    let fence = match text {
        SsText::Str(s) => fence_for(s),
        SsText::Spool(_) => {
            let shown: Vec<&str> = tops
                .iter()
                .flat_map(|t| &t.list)
                .map(|k| k.text.as_str())
                .collect();
            fence_for(&shown.concat())
        }
    };
    for per in SHOWN_PER_CATEGORY.into_iter().chain([0]) {
        let mut seen = std::collections::HashSet::new();
        let mut categories = Vec::new();
        for top in &tops {
            let take: Vec<&str> = top
                .list
                .iter()
                .filter(|k| seen.insert(k.seq))
                .take(per)
                .map(|k| k.text.as_str())
                .collect();
            if top.count > 0 {
                categories.push(Category {
                    title: top.title.clone(),
                    count: top.count,
                    shown: take.len(),
                    text: lines(take.concat()),
                });
            }
        }
        out.push(SocketsLevel::Summary {
            total,
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
