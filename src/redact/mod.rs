//! The redactor: one pass over everything that leaves the process (the Report, and through it every
//! archive member, the summary and stdout), before any byte is written.
//!
//! The pass is typed (typed.rs): fields that are names are replaced whole, typed addresses are
//! encrypted, free text is rewritten token by token, and the report's vocabulary is never touched.
//! Names are learned from the whole report first (learn.rs, names.rs); a name that is a word of the
//! report's vocabulary (vocabulary.rs) is replaced only where it is the name. Free text goes through
//! text.rs: names -> pseudonyms, secret values -> `[REDACTED]` (secrets.rs), IP addresses ->
//! prefix-preserving encryption (ip.rs), hardware addresses -> pseudonyms (mac.rs), found by a byte
//! scanner (scan.rs). With `--no-redact` only secrets are scrubbed. What became what goes to the
//! private map (map.rs), never into the archive.

mod dotted;
mod ip;
mod key;
mod learn;
mod mac;
mod map;
mod names;
mod patterns;
mod scan;
mod secrets;
mod text;
mod typed;
mod vocabulary;
mod walk;

pub use ip::IpCipher;
pub use key::{
    default_path as default_key_path, from_hex as key_from_hex, generate as generate_key, Key,
    KeyChoice,
};
pub use map::{read_input, PrivateMap};
pub use secrets::is_secret_key;

use crate::report::{RedactionSummary, Report};
use std::collections::BTreeMap;
use std::net::IpAddr;
use text::Rules;

#[derive(Debug, Clone, Default)]
pub struct RedactOptions {
    /// Redact identities (off with --no-redact; secrets are scrubbed regardless).
    pub enabled: bool,
    /// Where the key comes from: a file (read, or created with mode 0600), or a fresh one.
    pub key: KeyChoice,
}

/// Addresses and hardware addresses seen so far, and what they became.
struct Identities {
    ip: IpCipher,
    mac: mac::MacTable,
}

impl scan::Sink for Identities {
    fn ip(&mut self, ip: IpAddr) -> Option<IpAddr> {
        self.ip.encrypt(ip)
    }
    fn hw(&mut self, addr: &[u8]) -> Option<Vec<u8>> {
        self.mac.pseudonym(addr)
    }
    fn net(&mut self, ip: IpAddr, len: u8) -> Option<IpAddr> {
        self.ip.encrypt_net(ip, len)
    }
}

pub struct Redactor {
    opts: RedactOptions,
    key: Key,
    ids: Option<Identities>,
    book: names::NameBook,
    rules: Rules,
    /// Learned names that are words of the report's vocabulary (replaced only where they are the name).
    vocabulary_names: usize,
    /// Why the persistent key was not used, when it was not.
    key_note: Option<String>,
}

impl Redactor {
    pub fn new(opts: &RedactOptions) -> anyhow::Result<Redactor> {
        Self::with_key(opts, None)
    }

    /// With a given key instead of the options' key file or a random one (tests, benches).
    pub fn with_key(opts: &RedactOptions, key: Option<Key>) -> anyhow::Result<Redactor> {
        let mut key_note = None;
        let key = match (key, &opts.key) {
            (Some(k), _) => {
                key::from_hex(&key::to_hex(&k)).map_err(anyhow::Error::msg)?;
                k
            }
            // Without identity redaction the key encrypts nothing: never create a key file for it.
            (None, _) if !opts.enabled => key::generate(),
            (None, KeyChoice::File(path)) => key::load_or_create(path, false)?,
            (None, KeyChoice::Persistent(path)) => match key::load_or_create(path, true) {
                Ok(k) => k,
                Err(e) => {
                    key_note = Some(format!(
                        "The persistent redaction key could not be used ({e:#}): this run used a fresh key, so its addresses do not match earlier runs'."
                    ));
                    key::generate()
                }
            },
            (None, KeyChoice::New) => key::generate(),
        };
        Ok(Redactor {
            opts: opts.clone(),
            key,
            ids: opts.enabled.then(|| Identities {
                ip: IpCipher::new(&key),
                mac: Default::default(),
            }),
            book: Default::default(),
            rules: Rules::with_secrets(),
            vocabulary_names: 0,
            key_note,
        })
    }

    /// Hides a name (of a class: hostname, domain, user, connection) from now on.
    pub fn add_name(&mut self, class: &'static str, name: &str) {
        if self.opts.enabled {
            let before = self.book.entries.len();
            if class == "hostname" {
                self.book.add_host(name);
            } else {
                self.book.add(class, name);
            }
            for e in &self.book.entries[before..] {
                self.rules.add_name(&e.original, &e.pseudonym);
            }
        }
    }

    /// Learns names to hide from the report (host names, users, connections), then rewrites each field
    /// of it for what it is (typed.rs).
    pub fn redact_report(&mut self, report: &mut Report) -> anyhow::Result<()> {
        use typed::Redact;
        if self.opts.enabled {
            let before = self.book.entries.len();
            let vocab = vocabulary::Vocabulary::of(report);
            learn::learn(report, &mut self.book, &vocab);
            for e in &mut self.book.entries[before..] {
                e.in_text = !vocab.contains(&e.original);
                if e.in_text {
                    self.rules.add_name(&e.original, &e.pseudonym);
                } else {
                    self.vocabulary_names += 1;
                }
            }
        }
        report.visit(&mut Rewriter { red: self });
        Ok(())
    }

    fn rewrite(&mut self, text: &str) -> Option<String> {
        let out = self.rules.rewrite(text, self.ids.as_mut());
        if self.vocabulary_names == 0 {
            return out;
        }
        // Names that are vocabulary words: only where they are the name.
        let t = out.as_deref().unwrap_or(text);
        match names::replace_name_positions(t, &mut self.book) {
            Some(n) => Some(n),
            None => out,
        }
    }

    /// A field that is a name of `class`: replaced whole when it is a known name, else free text.
    fn name_field(&mut self, class: &str, s: &mut String) {
        if self.opts.enabled {
            let t = s.trim();
            if let Some(e) = self.book.entries.iter_mut().find(|e| {
                (e.class == class || (class == "hostname" && e.class == "domain"))
                    && e.original.eq_ignore_ascii_case(t.trim_end_matches('.'))
            }) {
                e.used = true;
                let (lead, trail) = (s.len() - s.trim_start().len(), s.trim_end().len());
                *s = format!("{}{}{}", &s[..lead], e.pseudonym, &s[trail..]);
                return;
            }
        }
        if let Some(n) = self.rewrite(s) {
            *s = n;
        }
    }

    /// Redacts a text with what is known so far (feed it original text only, never redacted output).
    pub fn redact_text(&mut self, text: &str) -> String {
        self.rewrite(text).unwrap_or_else(|| text.to_string())
    }

    /// The pseudonym used for the machine's host name (archive name, manifest); a name that is already
    /// a pseudonym is returned as is.
    pub fn host_label(&mut self, hostname: &str) -> String {
        let mut s = hostname.to_string();
        self.name_field("hostname", &mut s);
        s
    }

    /// Distinct items per class that were replaced.
    fn counts(&self) -> BTreeMap<String, usize> {
        let mut c = BTreeMap::new();
        if let Some(ids) = &self.ids {
            for (o, _) in ids.ip.mapping() {
                *c.entry(if o.is_ipv4() { "ipv4" } else { "ipv6" }.to_string())
                    .or_insert(0) += 1;
            }
            if !ids.mac.is_empty() {
                c.insert("mac".into(), ids.mac.len());
            }
        }
        for e in self.used_names() {
            *c.entry(e.class.to_string()).or_insert(0) += 1;
        }
        if self.rules.secrets > 0 {
            c.insert("secret".into(), self.rules.secrets);
        }
        c
    }

    /// Names that were replaced at least once (only those go to the map and the counts).
    fn used_names(&self) -> impl Iterator<Item = &names::NameEntry> {
        self.book.entries.iter().filter(|e| {
            e.used
                || self
                    .rules
                    .names
                    .iter()
                    .any(|(rep, used)| *used && *rep == e.pseudonym)
        })
    }

    pub fn summary(&self) -> RedactionSummary {
        let mut notes: Vec<String> = self.key_note.iter().cloned().collect();
        if self.vocabulary_names > 0 {
            notes.push(format!(
                "{} name(s) that are also words of the report (e.g. a host called like an MPTCP term or a distribution) were replaced only where they are the name (host name, node name, log host column, user@host), not in free text.",
                self.vocabulary_names
            ));
        }
        RedactionSummary {
            enabled: self.opts.enabled,
            counts: self.counts(),
            key_id: self.opts.enabled.then(|| self.key_id()),
            notes,
            ..Default::default()
        }
    }

    /// A short fingerprint of the key: two reports with different ids cannot have their addresses
    /// matched. A hash of the key, so it tells nothing about any address.
    pub fn key_id(&self) -> String {
        key::id(&self.key)
    }

    /// The private map (what became what), written next to the archive; None with --no-redact.
    pub fn private_map(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.map()?).ok()
    }

    pub fn map(&self) -> Option<PrivateMap> {
        let ids = self.ids.as_ref()?;
        let mut classes: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (o, e) in ids.ip.mapping() {
            let class = if o.is_ipv4() { "ipv4" } else { "ipv6" };
            classes
                .entry(class.into())
                .or_default()
                .insert(o.to_string(), e.to_string());
        }
        for (o, e) in ids.ip.networks() {
            let class = if o.contains(':') { "ipv6" } else { "ipv4" };
            classes.entry(class.into()).or_default().insert(o, e);
        }
        for (o, p) in ids.mac.mapping() {
            classes.entry("mac".into()).or_default().insert(o, p);
        }
        for e in self.used_names() {
            classes
                .entry(e.class.into())
                .or_default()
                .insert(e.original.clone(), e.pseudonym.clone());
        }
        Some(PrivateMap {
            note: map::NOTE.into(),
            key: key::to_hex(&self.key),
            classes,
        })
    }
}

/// The rewriting pass over the typed report.
struct Rewriter<'a> {
    red: &'a mut Redactor,
}

impl typed::Visitor for Rewriter<'_> {
    fn text(&mut self, s: &mut String) {
        if let Some(n) = self.red.rewrite(s) {
            *s = n;
        }
    }
    fn host(&mut self, s: &mut String) {
        self.red.name_field("hostname", s);
    }
    fn connection(&mut self, s: &mut String) {
        self.red.name_field("connection", s);
    }
    fn ip(&mut self, a: &mut IpAddr) {
        if let Some(ids) = self.red.ids.as_mut() {
            if let Some(e) = ids.ip.encrypt(*a) {
                *a = e;
            }
        }
    }
    fn secret(&mut self, s: &mut String) {
        if s.as_str() != secrets::REDACTED {
            *s = secrets::REDACTED.to_string();
            self.red.rules.secrets += 1;
        }
    }
    fn uname(&mut self, s: &mut String) {
        // `Linux NODE rest...`: the node name is a name field, the rest free text.
        let b = s.as_str();
        let first_end = b.find(char::is_whitespace).unwrap_or(b.len());
        let node_start = first_end + (b[first_end..].len() - b[first_end..].trim_start().len());
        let node_end = b[node_start..]
            .find(char::is_whitespace)
            .map_or(b.len(), |i| node_start + i);
        let (head, node, tail) = (
            b[..node_start].to_string(),
            b[node_start..node_end].to_string(),
            b[node_end..].to_string(),
        );
        let (mut head, mut node, mut tail) = (head, node, tail);
        self.text(&mut head);
        self.host(&mut node);
        self.text(&mut tail);
        *s = head + &node + &tail;
    }
    fn json(&mut self, v: &mut serde_json::Value) {
        let mut secrets = 0;
        walk::rewrite(v, &mut |s| self.red.rewrite(s), &mut || secrets += 1);
        self.red.rules.secrets += secrets;
    }
}

#[cfg(test)]
mod notation_tests;
#[cfg(test)]
mod tests;
