//! The redactor: one pass over everything that leaves the process (the Report, and through it every
//! archive member, the summary and stdout), before any byte is written.
//!
//! Names are learned from the whole report first (names.rs), then every string is rewritten once
//! (text.rs): names -> pseudonyms, secret values -> `[REDACTED]` (secrets.rs), IP addresses ->
//! prefix-preserving encryption (ip.rs), hardware addresses -> pseudonyms (mac.rs), found by a byte
//! scanner (scan.rs). With `--no-redact` only secrets are scrubbed. What became what goes to the
//! private map (map.rs), never into the archive.

mod dotted;
mod ip;
mod key;
mod mac;
mod map;
mod names;
mod patterns;
mod scan;
mod secrets;
mod text;
mod walk;

pub use ip::IpCipher;
pub use key::{from_hex as key_from_hex, generate as generate_key, Key};
pub use map::{read_input, PrivateMap};
pub use secrets::is_secret_key;

use crate::report::{RedactionSummary, Report};
use anyhow::Context;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use text::Rules;

#[derive(Debug, Clone, Default)]
pub struct RedactOptions {
    /// Redact identities (off with --no-redact; secrets are scrubbed regardless).
    pub enabled: bool,
    /// --redact-key FILE: read, or create with mode 0600.
    pub key_file: Option<PathBuf>,
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
}

impl Redactor {
    pub fn new(opts: &RedactOptions) -> anyhow::Result<Redactor> {
        Self::with_key(opts, None)
    }

    /// With a given key instead of the options' key file or a random one (tests, benches).
    pub fn with_key(opts: &RedactOptions, key: Option<Key>) -> anyhow::Result<Redactor> {
        let key = match (key, &opts.key_file) {
            (Some(k), _) => {
                key::from_hex(&key::to_hex(&k)).map_err(anyhow::Error::msg)?;
                k
            }
            (None, Some(path)) => key::load_or_create(path)?,
            (None, None) => key::generate(),
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

    /// Learns names to hide from the report (host name, users, connections) then rewrites every string
    /// in it.
    pub fn redact_report(&mut self, report: &mut Report) -> anyhow::Result<()> {
        let mut v = serde_json::to_value(&*report).context("redaction: serialising the report")?;
        if self.opts.enabled {
            let mut strings = Vec::new();
            walk::strings(&v, &mut strings);
            let before = self.book.entries.len();
            names::learn(report, &strings, &mut self.book);
            for e in &self.book.entries[before..] {
                self.rules.add_name(&e.original, &e.pseudonym);
            }
        }
        let mut secrets = 0;
        walk::rewrite(&mut v, &mut |s| self.rewrite(s), &mut || secrets += 1);
        self.rules.secrets += secrets;
        *report = serde_json::from_value(v).context("redaction produced an invalid report")?;
        Ok(())
    }

    fn rewrite(&mut self, text: &str) -> Option<String> {
        self.rules.rewrite(text, self.ids.as_mut())
    }

    /// Redacts a text with what is known so far (feed it original text only, never redacted output).
    pub fn redact_text(&mut self, text: &str) -> String {
        self.rewrite(text).unwrap_or_else(|| text.to_string())
    }

    /// The pseudonym used for the machine's host name (archive name, manifest); a name that is already
    /// a pseudonym is returned as is.
    pub fn host_label(&mut self, hostname: &str) -> String {
        self.redact_text(hostname)
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
            self.rules
                .names
                .iter()
                .any(|(rep, used)| *used && *rep == e.pseudonym)
        })
    }

    pub fn summary(&self) -> RedactionSummary {
        RedactionSummary {
            enabled: self.opts.enabled,
            counts: self.counts(),
            key_id: self.opts.enabled.then(|| self.key_id()),
            ..Default::default()
        }
    }

    /// A short fingerprint of the key (the encryption of a fixed address): two reports with different
    /// ids cannot have their addresses matched.
    pub fn key_id(&self) -> String {
        let probe = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
        match IpCipher::new(&self.key).encrypt(probe) {
            Some(IpAddr::V4(a)) => format!("{:08x}", u32::from(a)),
            Some(IpAddr::V6(a)) => format!("{:08x}", u128::from(a) as u32),
            None => String::new(),
        }
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

#[cfg(test)]
mod notation_tests;
#[cfg(test)]
mod tests;
