//! Names to hide, learned from the report before anything is rewritten: the machine's host name (short
//! and FQDN, and its domain), user names (from /home/NAME paths and the running user), NetworkManager
//! connection ids and SSIDs. Each gets a consistent pseudonym of its class (`host-1`, `domain-1`,
//! `user-1`, `conn-1`); the FQDN becomes `host-1.domain-1`.

use crate::report::{Data, Report, Source};
use std::collections::BTreeSet;

pub struct NameEntry {
    pub class: &'static str,
    pub original: String,
    pub pseudonym: String,
}

#[derive(Default)]
pub struct NameBook {
    pub entries: Vec<NameEntry>,
    /// Distribution ids (os-release ID, ID_LIKE): a host named after its distribution (the installer
    /// default) identifies no one, and replacing `debian` would wreck `ID=debian`.
    pub generic: Vec<String>,
}

const GENERIC_HOSTS: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "(none)",
    "unknown",
    "localdomain",
    "local",
    "lan",
    "home",
    "internal",
    "linux",
    "debian",
    "ubuntu",
    "fedora",
    "archlinux",
    "raspberrypi",
    "alpine",
    "kali",
];

impl NameBook {
    /// Adds a name (case-insensitively unique); returns its pseudonym.
    pub fn add(&mut self, class: &'static str, original: &str) -> Option<String> {
        let o = original.trim();
        if o.len() < 2 || o.contains(['\n', '/', '=']) {
            return None;
        }
        if let Some(e) = self
            .entries
            .iter()
            .find(|e| e.original.eq_ignore_ascii_case(o))
        {
            return Some(e.pseudonym.clone());
        }
        let prefix = match class {
            "hostname" => "host",
            "connection" => "conn",
            other => other,
        };
        // Derived FQDN pseudonyms (`host-1.domain-1`) do not take a number.
        let n = self
            .entries
            .iter()
            .filter(|e| e.class == class && !e.pseudonym.contains('.'))
            .count()
            + 1;
        let pseudonym = format!("{prefix}-{n}");
        self.entries.push(NameEntry {
            class,
            original: o.to_string(),
            pseudonym: pseudonym.clone(),
        });
        Some(pseudonym)
    }

    /// A host name, short or fully qualified.
    pub fn add_host(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.');
        if GENERIC_HOSTS.iter().any(|g| g.eq_ignore_ascii_case(name))
            || self.generic.iter().any(|g| g.eq_ignore_ascii_case(name))
        {
            return;
        }
        match name.split_once('.') {
            Some((short, domain)) => {
                let h = self.add("hostname", short);
                if let (Some(h), Some(d)) = (h, self.add_domain(domain)) {
                    let fqdn = self.add("hostname", name);
                    // The FQDN's pseudonym is derived, not numbered.
                    if let (Some(_), Some(e)) = (
                        fqdn,
                        self.entries
                            .iter_mut()
                            .find(|e| e.original.eq_ignore_ascii_case(name)),
                    ) {
                        e.pseudonym = format!("{h}.{d}");
                    }
                }
            }
            None => {
                self.add("hostname", name);
            }
        }
    }

    pub fn add_domain(&mut self, domain: &str) -> Option<String> {
        let d = domain.trim().trim_matches('.');
        if GENERIC_HOSTS.iter().any(|g| g.eq_ignore_ascii_case(d))
            || (!d.contains('.') && d.len() < 4)
        {
            return None;
        }
        self.add("domain", d)
    }
}

/// Everything the report says about names to hide.
pub fn learn(report: &Report, strings: &[&str], book: &mut NameBook) {
    if let Some(d) = report.distro() {
        for k in ["ID", "ID_LIKE", "VARIANT_ID"] {
            if let Some(v) = d.fields.get(k) {
                book.generic.extend(
                    v.split_whitespace()
                        .map(|s| s.trim_matches('"').to_string()),
                );
            }
        }
    }
    book.add_host(&report.meta.hostname);
    let mut ifaces: BTreeSet<String> = ["lo".to_string()].into();
    for (_, d) in report.data() {
        match d {
            Data::Kernel(k) => book.add_host(&k.nodename),
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
    let mut conns: Vec<String> = Vec::new();
    for s in &report.sections {
        for a in &s.artifacts {
            let path = match &a.source {
                Source::File { path } => path.as_str(),
                Source::Command { .. } => a.name.as_str(),
            };
            if path.ends_with("/etc/hostname") || path.ends_with("/proc/sys/kernel/hostname") {
                book.add_host(&a.content);
            } else if path.ends_with("/proc/sys/kernel/domainname") {
                book.add_domain(&a.content);
            } else if path.ends_with(".nmconnection") {
                for l in a.content.lines() {
                    if let Some(v) = l.strip_prefix("id=").or_else(|| l.strip_prefix("ssid=")) {
                        conns.push(v.trim().to_string());
                    }
                }
            }
        }
        for d in &s.data {
            if let Data::NetworkManager(nm) = d {
                conns.extend(nm.connections.iter().map(|c| c.id.clone()));
            }
        }
    }
    for c in conns {
        if !ifaces.contains(&c) && !c.bytes().all(|b| b.is_ascii_digit() || b == b';') {
            book.add("connection", &c);
        }
    }
    for u in running_users(report.meta.uid) {
        book.add("user", &u);
    }
    for s in strings {
        for u in home_users(s) {
            book.add("user", u);
        }
    }
}

/// NAME in every `/home/NAME` of a text.
pub fn home_users(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("/home/").filter_map(move |(i, m)| {
        let rest = &text[i + m.len()..];
        let n = rest
            .bytes()
            .take_while(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        let name = &rest[..n];
        (n >= 2 && name != "root" && !name.starts_with('.')).then_some(name)
    })
}

/// The invoking user: $SUDO_USER, and the name of the real uid unless it is root.
fn running_users(uid: u32) -> Vec<String> {
    let mut out: Vec<String> = std::env::var("SUDO_USER").into_iter().collect();
    if uid != 0 {
        let mut buf = vec![0 as libc::c_char; 4096];
        // SAFETY: a zeroed passwd is a valid out-parameter; buf outlives the call and the CStr read.
        unsafe {
            let mut pw: libc::passwd = std::mem::zeroed();
            let mut res: *mut libc::passwd = std::ptr::null_mut();
            if libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut res) == 0
                && !res.is_null()
                && !pw.pw_name.is_null()
            {
                out.push(
                    std::ffi::CStr::from_ptr(pw.pw_name)
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.retain(|u| u != "root");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_users_and_generic_names() {
        let mut b = NameBook::default();
        b.add_host("MyHost.Example.com");
        b.add_host("myhost");
        b.add_host("localhost");
        b.add_host("debian");
        b.generic.push("nixos".into());
        b.add_host("NixOS");
        let got: Vec<(&str, &str)> = b
            .entries
            .iter()
            .map(|e| (e.original.as_str(), e.pseudonym.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("MyHost", "host-1"),
                ("Example.com", "domain-1"),
                ("MyHost.Example.com", "host-1.domain-1")
            ]
        );
        let users: Vec<&str> =
            home_users("/home/alice/x /home/ /home/bob.smith:/home/.cache").collect();
        assert_eq!(users, ["alice", "bob.smith"]);
    }
}
