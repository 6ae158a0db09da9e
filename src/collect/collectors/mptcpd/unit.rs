//! mptcpd's systemd unit: the `ExecStart=` line that actually starts the daemon, after drop-ins, and
//! the options on it. mptcpd reads mptcpd.conf first and lets its command line override it, so a
//! `--path-manager=` in a drop-in silently beats the file a user edited.

use std::collections::BTreeMap;

pub const UNIT: &str = "mptcp.service";

/// Unit directories, highest priority first (systemd.unit(5), system manager).
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// mptcpd's long options that carry a value, named like the mptcpd.conf keys they override.
pub const VALUE_OPTIONS: &[&str] = &[
    "log",
    "plugin-dir",
    "path-manager",
    "addr-flags",
    "notify-flags",
    "load-plugins",
];

/// mptcpd's options without a value.
const FLAG_OPTIONS: &[&str] = &["debug", "help", "usage", "version"];

/// The files systemd reads for the unit, in order: the unit file (the first one found in priority
/// order; it is not merged with lower ones), then the `*.conf` drop-ins of every `mptcp.service.d`,
/// sorted by file name across directories, a higher-priority directory masking a same-named file.
/// `dirs` gives, per UNIT_DIRS entry, whether it holds the unit file and its drop-in names.
pub fn unit_files(dirs: &[(&str, bool, Vec<String>)]) -> Vec<String> {
    let mut files: Vec<String> = dirs
        .iter()
        .find(|(_, has_unit, _)| *has_unit)
        .map(|(d, _, _)| format!("{d}/{UNIT}"))
        .into_iter()
        .collect();
    let mut drop_ins: BTreeMap<&str, String> = BTreeMap::new();
    for (dir, _, names) in dirs.iter().rev() {
        for n in names.iter().filter(|n| n.ends_with(".conf")) {
            drop_ins.insert(n, format!("{dir}/{UNIT}.d/{n}"));
        }
    }
    files.extend(drop_ins.into_values());
    files
}

/// The `ExecStart=` commands left after reading the texts in order: an empty assignment clears the
/// earlier ones, as systemd does. Lines ending in `\` continue on the next one.
pub fn exec_starts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut found = Vec::new();
    for text in texts {
        let mut section = String::new();
        let mut logical = String::new();
        for raw in text.lines() {
            let part = raw.trim();
            if let Some(cont) = part.strip_suffix('\\') {
                logical.push_str(cont.trim_end());
                logical.push(' ');
                continue;
            }
            logical.push_str(part);
            let line = std::mem::take(&mut logical);
            if line.starts_with('[') && line.ends_with(']') {
                section = line;
            } else if section == "[Service]" {
                if let Some((k, v)) = line.split_once('=') {
                    if k.trim() == "ExecStart" {
                        match v.trim() {
                            "" => found.clear(),
                            v => found.push(v.to_string()),
                        }
                    }
                }
            }
        }
    }
    found
}

/// Splits a command line as systemd does for the simple cases: whitespace, single and double quotes.
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') | (None, '\\') => {
                cur.get_or_insert_with(String::new).extend(chars.next())
            }
            (Some(_), c) => cur.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(cur.take()),
            (None, c) => cur.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(cur);
    words
}

/// The mptcpd options on an ExecStart command (`--key=value` or `--key value`), plus one note per
/// option mptcpd does not know.
pub fn options(exec_start: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut opts = BTreeMap::new();
    let mut notes = Vec::new();
    let words = split_words(exec_start);
    let mut it = words.iter().skip(1).peekable();
    while let Some(w) = it.next() {
        let Some(opt) = w.strip_prefix("--") else {
            if w.starts_with('-') && w != "-d" {
                notes.push(format!("ExecStart: unknown option {w:?}"));
            }
            continue;
        };
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (opt, None),
        };
        if VALUE_OPTIONS.contains(&name) {
            let value = value.or_else(|| it.next_if(|n| !n.starts_with('-')).cloned());
            match value {
                Some(v) => {
                    opts.insert(name.to_string(), v);
                }
                None => notes.push(format!("ExecStart: --{name} has no value")),
            }
        } else if !FLAG_OPTIONS.contains(&name) {
            notes.push(format!("ExecStart: unknown option \"--{name}\""));
        }
    }
    (opts, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_file_then_drop_ins_by_name() {
        let files = unit_files(&[
            (
                "/etc/systemd/system",
                false,
                vec!["50-pm.conf".into(), "README".into()],
            ),
            ("/run/systemd/system", false, vec![]),
            (
                "/usr/lib/systemd/system",
                true,
                vec!["10-vendor.conf".into(), "50-pm.conf".into()],
            ),
            ("/lib/systemd/system", true, vec![]),
        ]);
        assert_eq!(
            files,
            [
                "/usr/lib/systemd/system/mptcp.service",
                "/usr/lib/systemd/system/mptcp.service.d/10-vendor.conf",
                // /etc masks the same-named vendor drop-in
                "/etc/systemd/system/mptcp.service.d/50-pm.conf",
            ]
        );
    }

    #[test]
    fn drop_ins_reset_exec_start() {
        let unit = "[Unit]\nExecStart=/not/a/service/key\n[Service]\nExecStart=/usr/libexec/mptcpd --log=journal\n";
        let drop =
            "[Service]\nExecStart=\nExecStart=/usr/libexec/mptcpd \\\n  --path-manager=sspi\n";
        assert_eq!(
            exec_starts([unit, drop]),
            ["/usr/libexec/mptcpd --path-manager=sspi"]
        );
        // A drop-in that forgets the reset leaves two: systemd refuses to start such a service.
        assert_eq!(exec_starts([unit, "[Service]\nExecStart=/x\n"]).len(), 2);
        assert!(exec_starts(["[Service]\nType=simple\n"]).is_empty());
    }

    #[test]
    fn command_line_options() {
        let (o, n) = options(
            "-/usr/libexec/mptcpd --log=journal --path-manager sspi --addr-flags=\"subflow,signal\" -d --frobnicate --load-plugins",
        );
        assert_eq!(o["log"], "journal");
        assert_eq!(o["path-manager"], "sspi");
        assert_eq!(o["addr-flags"], "subflow,signal");
        assert_eq!(o.len(), 3);
        assert_eq!(
            n,
            [
                "ExecStart: unknown option \"--frobnicate\"",
                "ExecStart: --load-plugins has no value"
            ]
        );
        assert_eq!(split_words("a 'b c' \"d\\\"e\""), ["a", "b c", "d\"e"]);
    }
}
