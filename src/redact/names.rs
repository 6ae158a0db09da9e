//! Names to hide, learned from the report before anything is rewritten: the machine's host name (short
//! and FQDN, and its domain), user names (from /home/NAME paths and the running user), NetworkManager
//! connection ids and SSIDs. Each gets a consistent pseudonym of its class (`host-1`, `domain-1`,
//! `user-1`, `conn-1`); the FQDN becomes `host-1.domain-1`. The learning walk itself is in learn.rs;
//! this file keeps the book and the text notations names are found in.

pub struct NameEntry {
    pub class: &'static str,
    pub original: String,
    pub pseudonym: String,
    /// Replaced in free text too; false for a name that is a word of the report's vocabulary, which is
    /// replaced only in the fields that are the name.
    pub in_text: bool,
    /// Replaced at least once in a name field (text replacements are counted by the rules).
    pub used: bool,
}

#[derive(Default)]
pub struct NameBook {
    pub entries: Vec<NameEntry>,
}

/// Names that are no one's: an unconfigured machine. Kept, since they tell the maintainer something.
const GENERIC_HOSTS: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "localhost6",
    "(none)",
    "unknown",
    "localdomain",
];

impl NameBook {
    /// Adds a name (case-insensitively unique); returns its pseudonym.
    pub fn add(&mut self, class: &'static str, original: &str) -> Option<String> {
        let o = original.trim();
        let bad: &[char] = if class == "connection" {
            &['\n', '\r']
        } else {
            &['\n', '\r', '/', '=', ' ', '\t', '@', ':']
        };
        // A one-letter name is replaced only where it is the name (see vocabulary.rs).
        if o.is_empty() || o.contains(bad) {
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
            in_text: true,
            used: false,
        });
        Some(pseudonym)
    }

    /// A host name, short or fully qualified.
    pub fn add_host(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.');
        if GENERIC_HOSTS.iter().any(|g| g.eq_ignore_ascii_case(name)) {
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

/// Host names that are vocabulary words, replaced only where the text says they are a host name: the
/// host column of a log line, `(user@HOST)`, a prompt `user@HOST:~`. None when nothing changed.
pub fn replace_name_positions(text: &str, book: &mut NameBook) -> Option<String> {
    // Every text goes through here when such a name exists (a host called `vm`): one that holds
    // none of these names, as most do, is not cut into lines and parsed for nothing.
    let named = book
        .entries
        .iter()
        .filter(|x| !x.in_text && x.class == "hostname")
        .any(|x| contains_ignore_ascii_case(text, &x.original));
    if !named {
        return None;
    }
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(h) = super::learn::syslog_host(line) {
            let at = line_start + (h.as_ptr() as usize - line.as_ptr() as usize);
            spans.push((at, at + h.len()));
        }
        line_start += line.len();
    }
    if text.contains('@') {
        for (_, h) in super::learn::at_hosts(text) {
            let at = h.as_ptr() as usize - text.as_ptr() as usize;
            spans.push((at, at + h.len()));
        }
    }
    spans.sort_unstable();
    let mut out = String::new();
    let mut pos = 0;
    for (s, e) in spans {
        let name = &text[s..e];
        let entry = book
            .entries
            .iter_mut()
            .find(|x| !x.in_text && x.class == "hostname" && x.original.eq_ignore_ascii_case(name));
        if let (Some(entry), true) = (entry, s >= pos) {
            entry.used = true;
            out.push_str(&text[pos..s]);
            out.push_str(&entry.pseudonym);
            pos = e;
        }
    }
    (pos > 0).then(|| out + &text[pos..])
}

/// Whether `needle` occurs in `hay`, ignoring ASCII case (as `eq_ignore_ascii_case` compares).
fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return true;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    h.len() >= n.len()
        && h[..=h.len() - n.len()]
            .iter()
            .enumerate()
            .any(|(i, &b)| (b == lower || b == upper) && h[i..i + n.len()].eq_ignore_ascii_case(n))
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
pub fn running_users(uid: u32) -> Vec<String> {
    let mut out: Vec<String> = std::env::var("SUDO_USER").into_iter().collect();
    if uid != 0 {
        out.extend(crate::sys::ids::user_name(uid));
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
        b.add_host("(none)");
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

    #[test]
    fn contains_ignoring_ascii_case() {
        for (hay, needle, want) in [
            ("Nov 29 12:00:01 VM kernel: x", "vm", true),
            ("Nov 29 12:00:01 vM kernel: x", "Vm", true),
            ("a host", "host", true),
            ("hos", "host", false),
            ("", "vm", false),
            ("x", "", true),
            ("ünï VM", "vm", true),
            ("VİM", "vim", false),
        ] {
            assert_eq!(
                contains_ignore_ascii_case(hay, needle),
                want,
                "{hay:?} {needle:?}"
            );
        }
    }
}
