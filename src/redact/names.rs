//! Names and MACs: consistent pseudonyms (host-1, user-1, conn-1, 02:4d:47:00:00:01) for host names,
//! user names, NetworkManager connection ids/SSIDs and MAC addresses, with variant forms matched
//! (any case, `_` or `-` written for `.`, the name inside a longer word such as an FQDN).

use std::collections::BTreeMap;

/// Locally administered OUI used for MAC pseudonyms ("MG").
pub const FAKE_OUI: &str = "02:4d:47";

/// Names never treated as identifying: they would wreck evidence (distribution ids, tool words).
const NEVER: &[&str] = &[
    "localhost",
    "localdomain",
    "root",
    "none",
    "(none)",
    "linux",
    "debian",
    "ubuntu",
    "fedora",
    "arch",
    "kernel",
    "user",
    "host",
    "default",
    "lo",
    "mptcp",
    "server",
    "client",
    "eth0",
    "wlan0",
    "nobody",
];

/// One class of names with its pseudonyms.
#[derive(Debug, Default, Clone)]
pub struct NameClass {
    pub prefix: &'static str,
    /// original -> pseudonym, in discovery order numbering.
    pub map: BTreeMap<String, String>,
}

impl NameClass {
    pub fn new(prefix: &'static str) -> NameClass {
        NameClass {
            prefix,
            map: BTreeMap::new(),
        }
    }

    /// Registers a name (ignoring ones too short or too common to be identifying).
    pub fn learn(&mut self, name: &str) -> Option<String> {
        let name = name.trim();
        if name.len() < 2
            || NEVER.contains(&name.to_ascii_lowercase().as_str())
            || name.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let n = self.map.len() + 1;
        Some(
            self.map
                .entry(name.to_string())
                .or_insert_with(|| format!("{}-{n}", self.prefix))
                .clone(),
        )
    }
}

fn boundary(b: Option<u8>) -> bool {
    b.is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Replaces every occurrence of `name` (any case; `.` may be written `_` or `-`) bounded by non
/// alphanumerics. Returns None when nothing changed.
pub fn replace_name(text: &str, name: &str, with: &str) -> Option<String> {
    let t = text.as_bytes();
    let n: Vec<u8> = name.bytes().map(|b| b.to_ascii_lowercase()).collect();
    if n.is_empty() || t.len() < n.len() {
        return None;
    }
    let first = n[0];
    let eq = |a: u8, b: u8| a.to_ascii_lowercase() == b || (b == b'.' && (a == b'_' || a == b'-'));
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i + n.len() <= t.len() {
        if t[i].to_ascii_lowercase() == first
            && boundary(i.checked_sub(1).map(|p| t[p]))
            && t[i..i + n.len()].iter().zip(&n).all(|(&a, &b)| eq(a, b))
            && boundary(t.get(i + n.len()).copied())
        {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(with);
            i += n.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

/// Finds MAC addresses (six hex pairs joined by `:` or `-`) and replaces them through `map`.
pub fn redact_macs(text: &str, map: &mut BTreeMap<String, String>) -> Option<String> {
    let t = text.as_bytes();
    if t.len() < 17 {
        return None;
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i + 17 <= t.len() {
        let sep = t[i + 2];
        let is_mac = (sep == b':' || sep == b'-')
            && (0..6)
                .all(|k| t[i + 3 * k].is_ascii_hexdigit() && t[i + 3 * k + 1].is_ascii_hexdigit())
            && (0..5).all(|k| t[i + 3 * k + 2] == sep)
            && (i == 0 || !(t[i - 1].is_ascii_hexdigit() || t[i - 1] == sep))
            && t.get(i + 17)
                .is_none_or(|&c| !(c.is_ascii_hexdigit() || c == sep));
        if !is_mac {
            i += 1;
            continue;
        }
        let mac = text[i..i + 17].to_ascii_lowercase().replace('-', ":");
        if mac != "00:00:00:00:00:00" && mac != "ff:ff:ff:ff:ff:ff" && !mac.starts_with(FAKE_OUI) {
            let n = map.len() + 1;
            let fake = map
                .entry(mac)
                .or_insert_with(|| {
                    format!(
                        "{FAKE_OUI}:{:02x}:{:02x}:{:02x}",
                        (n >> 16) & 0xff,
                        (n >> 8) & 0xff,
                        n & 0xff
                    )
                })
                .clone();
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(&if sep == b'-' {
                fake.replace(':', "-")
            } else {
                fake
            });
            copied = i + 17;
        }
        i += 17;
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_of_a_name_are_found() {
        let t = "Linux MyLaptop 6.1 myLaptop.corp.example.com mylaptop_corp_example_com mylaptops";
        let r = replace_name(t, "mylaptop.corp.example.com", "host-1.domain").unwrap();
        let r = replace_name(&r, "mylaptop", "host-1").unwrap();
        assert_eq!(r, "Linux host-1 6.1 host-1.domain host-1.domain mylaptops");
    }

    #[test]
    fn macs_get_consistent_pseudonyms() {
        let mut m = BTreeMap::new();
        let r = redact_macs(
            "link/ether 52:54:00:AB:cd:01 brd ff:ff:ff:ff:ff:ff and 52-54-00-ab-cd-01",
            &mut m,
        )
        .unwrap();
        assert_eq!(
            r,
            "link/ether 02:4d:47:00:00:01 brd ff:ff:ff:ff:ff:ff and 02-4d-47-00-00-01"
        );
        assert_eq!(redact_macs("12:34:56 aa:bb:cc:dd:ee:ff:00", &mut m), None);
    }

    #[test]
    fn common_words_are_not_names() {
        let mut c = NameClass::new("host");
        assert_eq!(c.learn("localhost"), None);
        assert_eq!(c.learn("debian"), None);
        assert_eq!(c.learn("box7").as_deref(), Some("host-1"));
        assert_eq!(c.learn("box7").as_deref(), Some("host-1"));
    }
}
