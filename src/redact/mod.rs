//! The redactor: one pass over everything that leaves the process. The Report is redacted before
//! findings, rendering and archiving, so every archive member, the summary and stdout come from redacted
//! data; no unredacted copy is ever written.
//!
//! Identities (addresses, MACs, host/user/connection names) are replaced consistently within a run;
//! secrets are scrubbed always, even with --no-redact. The private map (what became what, and the key)
//! is written next to the archive by the caller, never inside it.

pub mod ip;
pub mod names;
pub mod secrets;
pub mod unredact;

use crate::report::{Data, RedactionSummary, Report, Source};
use anyhow::{bail, Context};
use ip::{IpCipher, KEY_BYTES};
use names::NameClass;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct RedactOptions {
    /// Redact identities (off with --no-redact; secrets are scrubbed regardless).
    pub enabled: bool,
    /// --redact-key FILE: read, or create with mode 0600.
    pub key_file: Option<PathBuf>,
}

pub struct Redactor {
    opts: RedactOptions,
    key: [u8; KEY_BYTES],
    ips: IpCipher,
    hosts: NameClass,
    domains: NameClass,
    users: NameClass,
    conns: NameClass,
    macs: BTreeMap<String, String>,
    secrets: usize,
    /// All learned names, longest first: (original, pseudonym).
    names: Vec<(String, String)>,
}

/// Reads a key file, or creates it (mode 0600) with a new random key.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; KEY_BYTES]> {
    let shown = path.display();
    if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("--redact-key {shown}"))?;
        let key =
            parse_key(text.trim()).map_err(|e| anyhow::anyhow!("--redact-key {shown}: {e}"))?;
        return Ok(key);
    }
    let key = new_key();
    let mut f = crate::archive::create_private(path)
        .with_context(|| format!("--redact-key {shown}: cannot create"))?;
    std::io::Write::write_all(&mut f, format!("{}\n", hex(&key)).as_bytes())
        .with_context(|| format!("--redact-key {shown}"))?;
    Ok(key)
}

fn new_key() -> [u8; KEY_BYTES] {
    loop {
        let k = ipcrypt_rs::IpcryptPfx::generate_key();
        if ip::check_key(&k).is_ok() {
            return k;
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn parse_key(text: &str) -> Result<[u8; KEY_BYTES], String> {
    if text.len() != KEY_BYTES * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "not a key ({} hexadecimal digits expected)",
            KEY_BYTES * 2
        ));
    }
    let mut key = [0u8; KEY_BYTES];
    for (i, k) in key.iter_mut().enumerate() {
        *k = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    ip::check_key(&key)?;
    Ok(key)
}

/// Applies `f` to every string of a JSON value (object keys are names of fields, not data).
fn walk(v: &mut Value, f: &mut dyn FnMut(&str) -> Option<String>) {
    match v {
        Value::String(s) => {
            if let Some(n) = f(s) {
                *s = n;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, f)),
        Value::Object(o) => o.values_mut().for_each(|x| walk(x, f)),
        _ => {}
    }
}

impl Redactor {
    pub fn new(opts: &RedactOptions) -> anyhow::Result<Redactor> {
        let key = match &opts.key_file {
            Some(p) => load_or_create_key(p)?,
            None => new_key(),
        };
        let ips = IpCipher::new(&key).map_err(anyhow::Error::msg)?;
        Ok(Redactor {
            opts: opts.clone(),
            key,
            ips,
            hosts: NameClass::new("host"),
            domains: NameClass::new("domain"),
            users: NameClass::new("user"),
            conns: NameClass::new("conn"),
            macs: BTreeMap::new(),
            secrets: 0,
            names: Vec::new(),
        })
    }

    /// Learns a host name, short or fully qualified.
    pub fn learn_host(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.');
        let (short, domain) = name.split_once('.').unwrap_or((name, ""));
        if let Some(h) = self.hosts.learn(short) {
            if domain.contains('.') {
                if let Some(d) = self.domains.learn(domain) {
                    self.names.push((name.to_string(), format!("{h}.{d}")));
                }
            }
            self.names.push((short.to_string(), h));
        }
    }

    fn learn(&mut self, report: &Report) {
        self.learn_host(&report.meta.hostname.clone());
        if let Some(k) = report.kernel() {
            let n = k.nodename.clone();
            self.learn_host(&n);
        }
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } != 0 {
            if let Some(u) = current_user() {
                self.learn_user(&u);
            }
        }
        let json = serde_json::to_string(report).unwrap_or_default();
        for part in json.split("/home/").skip(1) {
            let user: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
                .collect();
            self.learn_user(&user);
        }
        let mut conn_names = Vec::new();
        if let Some(nm) = report.network_manager() {
            conn_names.extend(nm.connections.iter().map(|c| c.id.clone()));
        }
        for s in &report.sections {
            for a in &s.artifacts {
                let from_nm = matches!(&a.source, Source::File { path } if path.contains("NetworkManager"))
                    || a.name.contains("nmconnection");
                if from_nm {
                    for line in a.content.lines() {
                        if let Some(v) = line
                            .trim()
                            .strip_prefix("id=")
                            .or_else(|| line.trim().strip_prefix("ssid="))
                        {
                            conn_names.push(v.to_string());
                        }
                    }
                }
            }
            for d in &s.data {
                if let Data::NetworkManager(nm) = d {
                    conn_names.extend(nm.connections.iter().map(|c| c.id.clone()));
                }
            }
        }
        for c in conn_names {
            if let Some(p) = self.conns.learn(&c) {
                self.names.push((c, p));
            }
        }
        self.names
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        self.names.dedup();
    }

    fn learn_user(&mut self, user: &str) {
        if let Some(p) = self.users.learn(user) {
            self.names.push((user.to_string(), p));
        }
    }

    /// Learns names from the report, then rewrites every string in it.
    pub fn redact_report(&mut self, report: &mut Report) {
        if self.opts.enabled {
            self.learn(report);
        }
        let mut v = serde_json::to_value(&*report).expect("a Report always serialises");
        walk(&mut v, &mut |s| self.redact_str(s));
        match serde_json::from_value::<Report>(v) {
            Ok(r) => *report = r,
            // Cannot happen for well-formed redactions (addresses stay addresses); never keep an
            // unredacted report in that case.
            Err(e) => panic!("redaction produced an invalid report: {e}"),
        }
    }

    /// Redacts one text (used for text that does not come from the report).
    pub fn redact_text(&mut self, text: &str) -> String {
        self.redact_str(text).unwrap_or_else(|| text.to_string())
    }

    /// Secrets first (always), then names longest first, addresses embedded in names, MACs, and
    /// addresses. None when nothing changed.
    fn redact_str(&mut self, text: &str) -> Option<String> {
        let mut cur = secrets::scrub(text);
        self.secrets += usize::from(cur.is_some());
        if !self.opts.enabled {
            return cur;
        }
        let apply = |cur: &mut Option<String>, f: &mut dyn FnMut(&str) -> Option<String>| {
            if let Some(n) = f(cur.as_deref().unwrap_or(text)) {
                *cur = Some(n);
            }
        };
        for (orig, pseudo) in &self.names {
            apply(&mut cur, &mut |t| names::replace_name(t, orig, pseudo));
        }
        let (ips, macs) = (&mut self.ips, &mut self.macs);
        apply(&mut cur, &mut |t| dashed_ips(t, ips));
        apply(&mut cur, &mut |t| names::redact_macs(t, macs));
        apply(&mut cur, &mut |t| ip::redact_ips(t, ips));
        cur
    }

    /// The pseudonym used for the machine's host name (archive name, manifest).
    pub fn host_label(&self, hostname: &str) -> String {
        if !self.opts.enabled {
            return hostname.to_string();
        }
        let short = hostname.split('.').next().unwrap_or(hostname);
        match self.hosts.map.get(short) {
            Some(p) => p.clone(),
            // Already redacted (host-1.domain-1): its short pseudonym.
            None if self.hosts.map.values().any(|p| p == short) => short.to_string(),
            None => hostname.to_string(),
        }
    }

    pub fn summary(&self) -> RedactionSummary {
        let mut counts = BTreeMap::new();
        if self.opts.enabled {
            let v4 = self.ips.map.keys().filter(|i| i.is_ipv4()).count();
            counts.insert("ipv4".to_string(), v4);
            counts.insert("ipv6".to_string(), self.ips.map.len() - v4);
            counts.insert("mac".to_string(), self.macs.len());
            counts.insert(
                "hostname".to_string(),
                self.hosts.map.len() + self.domains.map.len(),
            );
            counts.insert("user".to_string(), self.users.map.len());
            counts.insert("connection".to_string(), self.conns.map.len());
        }
        counts.insert("secret".to_string(), self.secrets);
        counts.retain(|_, n| *n > 0);
        RedactionSummary {
            enabled: self.opts.enabled,
            counts,
            map_file: None,
            key_id: self.opts.enabled.then(|| self.ips.key_id()),
        }
    }

    /// The private map (what became what, and the key), written next to the archive.
    pub fn private_map(&self) -> Option<Value> {
        if !self.opts.enabled {
            return None;
        }
        let ips = |v4: bool| -> BTreeMap<String, String> {
            self.ips
                .map
                .iter()
                .filter(|(k, _)| k.is_ipv4() == v4)
                .map(|(k, v)| {
                    (
                        crate::netlink::iproute::fmt_ip(k),
                        crate::netlink::iproute::fmt_ip(v),
                    )
                })
                .collect()
        };
        Some(serde_json::json!({
            "format": "mptcp-get-debug redaction map 1",
            "key": hex(&self.key),
            "key_id": self.ips.key_id(),
            "ipv4": ips(true),
            "ipv6": ips(false),
            "mac": self.macs,
            "hostname": self.hosts.map.iter().chain(&self.domains.map).collect::<BTreeMap<_, _>>(),
            "user": self.users.map,
            "connection": self.conns.map,
        }))
    }
}

/// `ip-10-1-2-3` style names embed an address: encrypt it and keep the dashed form.
fn dashed_ips(text: &str, cipher: &mut IpCipher) -> Option<String> {
    if !text.contains("ip-") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(i) = rest.find("ip-") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let cand: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        let dotted = cand.trim_end_matches('-').replace('-', ".");
        if let Ok(IpAddr::V4(a)) = dotted.parse::<IpAddr>() {
            if let IpAddr::V4(e) = cipher.map(IpAddr::V4(a)) {
                let used = cand.trim_end_matches('-').len();
                out.push_str(&e.to_string().replace('.', "-"));
                rest = &rest[used..];
                changed = true;
            }
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn current_user() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; copied out at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// Refuses a map file that does not look like ours (used by `unredact`).
pub fn read_map(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("--map {}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .with_context(|| format!("--map {}: not JSON", path.display()))?;
    if v["format"] != "mptcp-get-debug redaction map 1" {
        bail!(
            "--map {}: not an mptcp-get-debug redaction map",
            path.display()
        );
    }
    Ok(v)
}
