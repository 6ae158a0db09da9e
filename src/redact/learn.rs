//! Learning the names to hide, before anything is rewritten. Two walks over the typed report:
//! first the fields that are names (host name, node name, host-name files, connection ids, the
//! `uname -a` line), then free text, where names show up in known notations: the host column of log
//! lines, `/home/NAME`, `uid=1000(NAME)`, sudo and PAM lines, URL user info, the kernel builder
//! `(user@host.domain)`, shell prompts, FQDNs under the machine's own DNS domain, `/etc/hosts`, and
//! NetworkManager keyfiles (their `id=`/`ssid=` and their file names).

use super::names::{home_users, NameBook};
use super::typed::{Redact, Visitor};
use super::vocabulary::Vocabulary;
use crate::report::{Data, Report, Source};
use std::collections::BTreeSet;
use std::net::IpAddr;

pub fn learn(report: &mut Report, book: &mut NameBook, vocab: &Vocabulary) {
    // The machine's own name first: it is `host-1` in every report.
    book.add_host(&report.meta.hostname);
    let mut ifaces: BTreeSet<String> = ["lo".to_string()].into();
    let mut conns = Vec::new();
    for s in &report.sections {
        for d in &s.data {
            match d {
                Data::Interfaces(i) => ifaces.extend(i.links.iter().map(|l| l.name.clone())),
                Data::Endpoints(es) => ifaces.extend(es.iter().filter_map(|e| e.dev.clone())),
                Data::NetworkManager(nm) => {
                    let devices = nm
                        .connections
                        .iter()
                        .flat_map(|c| [&c.interface, &c.device]);
                    ifaces.extend(devices.flatten().cloned())
                }
                _ => {}
            }
        }
        for a in &s.artifacts {
            let path = match &a.source {
                Source::File { path } => path.as_str(),
                Source::Command { .. } => a.name.as_str(),
            };
            if path.ends_with("/proc/sys/kernel/domainname") {
                book.add_domain(&a.content);
            } else if path.ends_with(".nmconnection") {
                for l in a.content.lines() {
                    if let Some(v) = l.strip_prefix("id=").or_else(|| l.strip_prefix("ssid=")) {
                        conns.push(v.trim().to_string());
                    }
                }
                if let Some(stem) = path
                    .rsplit('/')
                    .next()
                    .and_then(|f| f.strip_suffix(".nmconnection"))
                {
                    conns.push(stem.to_string());
                }
            } else if path.ends_with("/etc/hosts") {
                for l in a.content.lines() {
                    let l = l.split('#').next().unwrap_or("");
                    let mut words = l.split_whitespace();
                    if words
                        .next()
                        .and_then(|w| w.parse::<IpAddr>().ok())
                        .is_some()
                    {
                        words
                            .filter(|w| !w.starts_with("ip6-"))
                            .for_each(|w| book.add_host(w));
                    }
                }
            }
        }
    }
    let mut names = Learner {
        book,
        phase: Phase::Names,
        conns,
        vocab,
        known: Known::default(),
    };
    report.visit(&mut names);
    for c in std::mem::take(&mut names.conns) {
        if !ifaces.contains(&c) && !c.bytes().all(|b| b.is_ascii_digit() || b == b';') {
            names.book.add("connection", &c);
        }
    }
    for u in super::names::running_users(report.meta.uid) {
        names.book.add("user", &u);
    }
    names.phase = Phase::Text;
    report.visit(&mut names);
}

#[derive(PartialEq)]
enum Phase {
    Names,
    Text,
}

struct Learner<'a> {
    book: &'a mut NameBook,
    phase: Phase,
    conns: Vec<String>,
    vocab: &'a Vocabulary,
    known: Known,
}

impl Visitor for Learner<'_> {
    fn text(&mut self, s: &mut String) {
        if self.phase == Phase::Text {
            learn_text_with(s, self.book, self.vocab, &mut self.known);
        }
    }
    fn host(&mut self, s: &mut String) {
        if self.phase == Phase::Names {
            self.book.add_host(s);
        }
    }
    fn connection(&mut self, s: &mut String) {
        if self.phase == Phase::Names {
            self.conns.push(s.trim().to_string());
        }
    }
    fn ip(&mut self, _: &mut IpAddr) {}
    fn secret(&mut self, _: &mut String) {}
    fn edits(&self) -> bool {
        false
    }
    fn reads_text(&self) -> bool {
        self.phase == Phase::Text
    }
    fn uname(&mut self, s: &mut String) {
        if self.phase == Phase::Names {
            if let Some(node) = s.split_whitespace().nth(1) {
                self.book.add_host(node);
            }
        } else {
            learn_text_with(s, self.book, self.vocab, &mut self.known);
        }
    }
    fn json(&mut self, v: &mut serde_json::Value) {
        if self.phase == Phase::Text {
            let mut texts = Vec::new();
            strings(v, &mut texts);
            for t in texts {
                learn_text_with(t, self.book, self.vocab, &mut self.known);
            }
        }
    }
}

fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Names in the notations of free text.
#[cfg(test)]
pub fn learn_text(text: &str, book: &mut NameBook, vocab: &Vocabulary) {
    learn_text_with(text, book, vocab, &mut Known::default())
}

/// `learn_text`, with the names to look for kept from one text to the next.
fn learn_text_with(text: &str, book: &mut NameBook, vocab: &Vocabulary, known: &mut Known) {
    if no_notation(text) {
        return;
    }
    for u in once(home_users(text)) {
        book.add("user", u);
    }
    if text.contains('(') {
        for u in once(paren_users(text)) {
            book.add("user", u);
        }
    }
    if text.contains("://") {
        for u in once(url_users(text)) {
            book.add("user", u);
        }
    }
    if text.contains("sudo")
        || text.contains("USER=")
        || text.contains("LOGNAME=")
        || text.contains("for ")
        || text.contains("user ")
    {
        for u in once(sudo_users(text)) {
            book.add("user", u);
        }
    }
    if text.contains('@') {
        for (user, host) in once(at_hosts(text)) {
            book.add("user", user);
            book.add_host(host);
        }
    }
    if text.contains(':') {
        for h in once(text.lines().filter_map(syslog_host)) {
            book.add_host(h);
        }
    }
    if text.contains('@') {
        for u in once(own_domain_mail(text, book)) {
            book.add("user", &u);
        }
    }
    let before = book.entries.len();
    fqdns_of_known(text, book, vocab, known);
    if book.entries.len() > before {
        // A domain learned just now may have neighbours in the same text.
        fqdns_of_known(text, book, vocab, known);
    }
}

/// Each distinct item once, in the order first seen: adding a name the book has changes nothing but
/// costs a search of the book and an allocation, and a log names its host on every line.
fn once<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = Vec::new();
    for i in items {
        if !v.contains(&i) {
            v.push(i);
        }
    }
    v
}

/// A text of digits and `.:[]*` only (an IPv4 socket address, a counter): every notation above
/// needs a letter, `@`, `/`, `(` or `-`, so nothing can be learned from it. Most texts of a busy
/// host's report are such addresses.
fn no_notation(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b':' | b'[' | b']' | b'*'))
}

/// `uid=1000(NAME)`, `gid=1000(NAME)`, `by NAME(uid=1000)`.
pub fn paren_users(text: &str) -> impl Iterator<Item = &str> {
    let ids = ["uid=", "gid=", "euid=", "auid=", "ouid=", "fsuid=", "suid="];
    let by_id = text.match_indices('(').filter_map(move |(i, _)| {
        let before = &text[..i];
        let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let key_end = before.len() - digits;
        (digits > 0 && ids.iter().any(|k| before[..key_end].ends_with(k)))
            .then(|| word_at(&text[i + 1..]))
            .filter(|w| text[i + 1 + w.len()..].starts_with(')'))
    });
    let named = text.match_indices("(uid=").map(move |(i, _)| {
        let before = &text[..i];
        &before[start_of_run(before, is_name_char)..]
    });
    by_id.chain(named).filter(|w| usable_user(w))
}

/// The user of `scheme://USER[:password]@host`.
pub fn url_users(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("://").filter_map(move |(i, m)| {
        let rest = &text[i + m.len()..];
        let auth_end = rest.find(['/', ' ', '\t', '\n', '"', '\'', '>'])?;
        let auth = &rest[..auth_end.min(rest.len())];
        let at = auth.rfind('@')?;
        let user = auth[..at].split(':').next()?;
        usable_user(user).then_some(user)
    })
}

/// `sudo:  NAME : TTY=...`, `USER=NAME`, `for user NAME`, `session opened for user NAME(`, sshd's
/// `Accepted publickey for NAME from` and `Invalid user NAME from`.
pub fn sudo_users(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, m) in text.match_indices("sudo:") {
        let rest = text[i + m.len()..].trim_start_matches(' ');
        let w = word_at(rest);
        if rest[w.len()..].trim_start_matches(' ').starts_with(": ") {
            out.push(w);
        }
    }
    for key in [
        "USER=",
        "for user ",
        "LOGNAME=",
        "Invalid user ",
        "invalid user ",
    ] {
        for (i, m) in text.match_indices(key) {
            out.push(word_at(&text[i + m.len()..]));
        }
    }
    // sshd: `Accepted publickey for NAME from`, `Failed password for [invalid user] NAME from`.
    for (i, m) in text.match_indices(" for ") {
        let rest = &text[i + m.len()..];
        let w = word_at(rest);
        if rest[w.len()..].starts_with(" from ") && w != "invalid" {
            out.push(w);
        }
    }
    out.retain(|w| usable_user(w));
    out
}

/// `(USER@HOST)` of /proc/version and `USER@HOST:path$` of a shell prompt.
pub fn at_hosts(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('@') {
        let before = &text[..i];
        let user_start = start_of_run(before, is_name_char);
        let user = &before[user_start..];
        let opener = before[..user_start].chars().last();
        let host = host_at(&text[i + 1..]);
        let closer = text[i + 1 + host.len()..].chars().next();
        let builder = opener == Some('(') && closer == Some(')');
        let prompt = matches!(opener, None | Some('[' | ' ' | '\n'))
            && closer == Some(':')
            && text[i + 1 + host.len() + 1..].starts_with(['~', '/']);
        if (builder || prompt) && !user.is_empty() && !host.is_empty() {
            out.push((user, host));
        }
    }
    out
}

/// NAME of `NAME@DOMAIN` mail addresses under a domain the book knows (the organisation's own).
fn own_domain_mail(text: &str, book: &NameBook) -> Vec<String> {
    let domains: Vec<String> = book
        .entries
        .iter()
        .filter(|e| e.class == "domain")
        .map(|e| e.original.to_ascii_lowercase())
        .collect();
    let mut out = Vec::new();
    for (i, _) in text.match_indices('@') {
        let host = host_at(&text[i + 1..]).to_ascii_lowercase();
        if domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        {
            let before = &text[..i];
            let start = start_of_run(before, |c| is_name_char(c) || c == '+');
            out.push(before[start..].to_string());
        }
    }
    out.retain(|u| usable_user(u));
    out
}

/// HOST in a syslog or journal line: `Nov 29 12:00:01 HOST ident[pid]: ...` (also with sub-second
/// time stamps) or `2026-11-29T12:00:01+0000 HOST ident: ...`.
pub fn syslog_host(line: &str) -> Option<&str> {
    // Most lines are no such line: told by their first word, before the line is split.
    let rest = line.trim_start_matches(' ').as_bytes();
    let first = &rest[..rest.iter().position(|&b| b == b' ').unwrap_or(rest.len())];
    if !((first.len() == 3 && first.iter().all(u8::is_ascii_alphabetic))
        || (first.len() >= 19 && first[4] == b'-' && first[10] == b'T'))
    {
        return None;
    }
    let mut w = line.split(' ').filter(|s| !s.is_empty());
    let first = w.next()?;
    if first.len() == 3 && first.chars().all(|c| c.is_ascii_alphabetic()) {
        let day = w.next()?;
        let time = w.next()?;
        if !(day.len() <= 2 && day.bytes().all(|b| b.is_ascii_digit()) && is_clock(time)) {
            return None;
        }
    } else if !(first.len() >= 19 && first.as_bytes()[4] == b'-' && first.as_bytes()[10] == b'T') {
        return None;
    }
    let host = w.next()?;
    let ident = w.next()?;
    (ident.ends_with(':') && !host.ends_with(':')).then_some(host)
}

fn is_clock(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 8 && b[2] == b':' && b[5] == b':' && b[..2].iter().all(u8::is_ascii_digit)
}

/// The names `fqdns_of_known` looks for, taken from the book once and again only when it has grown
/// (the learning walk calls it for every text of the report: tens of thousands of socket addresses).
#[derive(Default)]
pub struct Known {
    /// How many book entries this was taken from (the book only ever grows).
    seen: usize,
    /// (name, is a domain), lowercased.
    names: Vec<(String, bool)>,
}

impl Known {
    fn refresh(&mut self, book: &NameBook, vocab: &Vocabulary) {
        if self.seen == book.entries.len() {
            return;
        }
        for e in &book.entries[self.seen..] {
            if matches!(e.class, "domain" | "hostname")
                && !e.original.contains(' ')
                && !vocab.contains(&e.original)
            {
                self.names
                    .push((e.original.to_ascii_lowercase(), e.class == "domain"));
            }
        }
        self.seen = book.entries.len();
    }
}

/// Where `needle` (lowercase) occurs in `hay`, ignoring ASCII case, left to right and not
/// overlapping: what `match_indices` finds in the lowercased text, without making it. A long text
/// (a log) is better lowercased once for all names (`LOWERCASE_FROM`): the library's search is
/// vectorized.
fn find_ignore_case(hay: &str, needle: &str) -> Vec<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let mut found = Vec::new();
    let Some((&first, _)) = n.split_first() else {
        return found;
    };
    let upper = first.to_ascii_uppercase();
    let mut at = 0;
    while at + n.len() <= h.len() {
        let Some(i) = h[at..=h.len() - n.len()]
            .iter()
            .position(|&b| b == first || b == upper)
        else {
            break;
        };
        let i = at + i;
        if h[i..i + n.len()].eq_ignore_ascii_case(n) {
            found.push(i);
            at = i + n.len();
        } else {
            at = i + 1;
        }
    }
    found
}

/// From this length on, a text is lowercased once rather than searched byte by byte.
const LOWERCASE_FROM: usize = 1024;

/// Any `name.DOMAIN` for a domain the book knows, and `SHORTHOST.some.domain` (two labels at least:
/// `laptop.service` is a file) for a short host name the book knows: the machine's own domain, and its
/// neighbours under it. A name that is a vocabulary word (`mptcp`) says nothing about domains.
fn fqdns_of_known(text: &str, book: &mut NameBook, vocab: &Vocabulary, known: &mut Known) {
    if !text.contains('.') {
        return;
    }
    known.refresh(book, vocab);
    let mut windowed = match text.len() >= LOWERCASE_FROM {
        true => lowercase_matches(text, &known.names).into_iter().peekable(),
        false => Vec::new().into_iter().peekable(),
    };
    let mut found = Vec::new();
    for (k, (name, is_domain)) in known.names.iter().enumerate() {
        let at: Vec<usize> = match text.len() >= LOWERCASE_FROM {
            true => std::iter::from_fn(|| windowed.next_if(|m| m.0 == k).map(|m| m.1)).collect(),
            false => find_ignore_case(text, name),
        };
        for i in at {
            let (start, end) = token_span(text, i, i + name.len());
            let token = text[start..end].trim_end_matches('.');
            let ok = if *is_domain {
                start < i && text[..i].ends_with('.')
            } else {
                start == i
                    && token[name.len()..].starts_with('.')
                    && token[name.len() + 1..].split('.').count() >= 2
            };
            if ok && token.split('.').count() >= 2 && token.contains(char::is_alphabetic) {
                found.push(token);
            }
        }
    }
    for f in once(found) {
        book.add_host(f);
    }
}

/// Where each of `names` (lowercase) occurs in `text`, ignoring ASCII case: (name's index, offset),
/// by name then offset, exactly what `match_indices` finds in the lowercased text. The text is
/// lowercased a window at a time (each window reaching one name's length into the next), never
/// whole: the largest texts (a busy host's sockets, a long kernel log) are not copied.
fn lowercase_matches(text: &str, names: &[(String, bool)]) -> Vec<(usize, usize)> {
    const WINDOW: usize = 64 * 1024;
    let boundary = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let longest = names.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    // Where each name's search goes on: after its last match (matches do not overlap).
    let mut next = vec![0usize; names.len()];
    let mut found = Vec::new();
    let mut window = String::new();
    let mut s = 0;
    while s < text.len() {
        let e = boundary((s + WINDOW).min(text.len()));
        let reach = boundary((e + longest.saturating_sub(1)).min(text.len()));
        window.clear();
        window.push_str(&text[s..reach]);
        window.make_ascii_lowercase();
        for (k, (name, _)) in names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let from = next[k].max(s);
            if from >= e {
                continue;
            }
            for (i, _) in window[from - s..].match_indices(name.as_str()) {
                let at = from + i;
                if at >= e {
                    break;
                }
                found.push((k, at));
                next[k] = at + name.len();
            }
        }
        s = e;
    }
    found.sort_unstable();
    found
}

/// The dotted host-name token around `s..e`.
fn token_span(t: &str, s: usize, e: usize) -> (usize, usize) {
    let b = t.as_bytes();
    let host = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.');
    let mut start = s;
    while start > 0 && host(b[start - 1]) {
        start -= 1;
    }
    let mut end = e;
    while end < b.len() && host(b[end]) {
        end += 1;
    }
    while start < s && b[start] == b'.' {
        start += 1;
    }
    (start, end)
}

/// Where the run of `keep` characters that ends `s` starts (a char boundary).
fn start_of_run(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .rev()
        .find(|(_, c)| !keep(*c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn word_at(s: &str) -> &str {
    let n = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
    s[..n].trim_end_matches('.')
}

/// The host name starting `s`: letters, digits, `-`, `.` and `_` (build hosts use it), ending as a
/// host name label ends, on a letter or digit (`host_` and `host-` are a host glued to more).
fn host_at(s: &str) -> &str {
    let n = s
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_')))
        .unwrap_or(s.len());
    s[..n].trim_end_matches(['.', '-', '_'])
}

fn usable_user(w: &str) -> bool {
    w.chars().count() >= 2
        && w != "root"
        && !w.starts_with(['.', '-'])
        && !w.chars().all(|c| c.is_ascii_digit())
        && w.chars().any(char::is_alphabetic)
}

#[cfg(test)]
#[path = "learn_tests.rs"]
mod tests;
