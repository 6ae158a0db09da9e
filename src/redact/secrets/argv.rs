//! Passwords given as short options, which only the command gives a meaning to: `-p` is a password for
//! `sshpass`, `mysql` and `openconnect` (its key's), but a port for ssh, nc and iperf3, "processes"
//! for ss, a pid elsewhere. So a short option is scrubbed only after a command known to take a
//! password that way, in the same command (up to `;`, `|`, `&` or the line's end):
//!
//! | command                                   | option (glued or not)      | secret part        |
//! |-------------------------------------------|----------------------------|--------------------|
//! | sshpass, openconnect, mysql*, mariadb*    | `-p`                       | the value          |
//! | ipmitool, mosquitto_pub/sub/rr            | `-P`                       | the value          |
//! | redis-cli                                 | `-a`                       | the value          |
//! | smbclient                                 | `-U`, `--user`             | after `%`          |
//! | curl                                      | `-u`, `--user`, `-U`, `--proxy-user` | after `:` |
//! | xfreerdp                                  | `/p:`                      | the value          |
//! | wpa_passphrase                            | second argument            | the value          |
//!
//! (For mysql a separate `-p VALUE` means "prompt" and VALUE is the database: scrubbing it costs
//! nothing and covers tools that do read it as the password.) Long options (`--password X`) are
//! handled for every command by keyed.rs.

struct Tool {
    names: &'static [&'static str],
    options: &'static [&'static str],
    /// The secret is what follows this byte in the value (`user%pass`, `user:pass`).
    after: Option<u8>,
}

const TOOLS: &[Tool] = &[
    Tool {
        names: &[
            "sshpass",
            "openconnect",
            "mysql",
            "mysqldump",
            "mysqladmin",
            "mysqlimport",
            "mysqlshow",
            "mysqlcheck",
            "mariadb",
            "mariadb-dump",
            "mariadb-admin",
        ],
        options: &["-p"],
        after: None,
    },
    Tool {
        names: &["ipmitool", "mosquitto_pub", "mosquitto_sub", "mosquitto_rr"],
        options: &["-P"],
        after: None,
    },
    Tool {
        names: &["redis-cli"],
        options: &["-a"],
        after: None,
    },
    Tool {
        names: &["smbclient"],
        options: &["-U", "--user"],
        after: Some(b'%'),
    },
    Tool {
        names: &["curl"],
        options: &["-u", "--user", "-U", "--proxy-user"],
        after: Some(b':'),
    },
    Tool {
        names: &["xfreerdp", "xfreerdp3"],
        options: &["/p:"],
        after: None,
    },
];

/// A word of a command line: its span, and the span of its content (inside quotes).
#[derive(Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    inner: (usize, usize),
}

/// The words after `from` up to the end of the command (at most 64).
fn words(b: &[u8], mut i: usize) -> Vec<Word> {
    let mut out = Vec::new();
    while out.len() < 64 {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() || matches!(b[i], b'\n' | b'\r' | b';' | b'|' | b'&') {
            break;
        }
        let start = i;
        if matches!(b[i], b'"' | b'\'') {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q && b[i] != b'\n' {
                i += 1;
            }
            let inner = (start + 1, i);
            i = (i + 1).min(b.len());
            out.push(Word {
                start,
                end: i,
                inner,
            });
        } else {
            while i < b.len()
                && !b[i].is_ascii_whitespace()
                && !matches!(b[i], b';' | b'|' | b'&' | b'"' | b'\'')
            {
                i += 1;
            }
            out.push(Word {
                start,
                end: i,
                inner: (start, i),
            });
        }
    }
    out
}

/// The secret part of a value (after `user%`, `user:` where the tool writes it so).
fn secret_part(b: &[u8], (s, e): (usize, usize), after: Option<u8>) -> Option<(usize, usize)> {
    let s = match after {
        Some(sep) => s + b[s..e].iter().position(|&c| c == sep)? + 1,
        None => s,
    };
    (e > s).then_some((s, e))
}

/// The command word at `at` (its own word, after a path or the line's start), if it is a tool above
/// or `wpa_passphrase`: the span of the password in its arguments.
pub(super) fn tool(b: &[u8], at: usize) -> Option<(usize, usize)> {
    if at > 0 && (b[at - 1].is_ascii_alphanumeric() || matches!(b[at - 1], b'_' | b'-' | b'.')) {
        return None;
    }
    let n = b[at..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        .count();
    let name = &b[at..at + n];
    // A command is followed by its arguments, not by `=` (`wpa_passphrase=` is a hostapd key).
    if !matches!(b.get(at + n), Some(b' ' | b'\t')) {
        return None;
    }
    let args = words(b, at + n);
    if name == b"wpa_passphrase" {
        let w = args.iter().filter(|w| b[w.start] != b'-').nth(1)?;
        return secret_part(b, w.inner, None);
    }
    let tool = TOOLS
        .iter()
        .find(|t| t.names.iter().any(|n| n.as_bytes() == name))?;
    for (k, w) in args.iter().enumerate() {
        let word = &b[w.start..w.end];
        for opt in tool.options {
            let o = opt.as_bytes();
            if word == o {
                if let Some(v) = args.get(k + 1).filter(|v| b[v.start] != b'-') {
                    if let Some(span) = secret_part(b, v.inner, tool.after) {
                        return Some(span);
                    }
                }
            } else if word.starts_with(o) && (o.len() == 2 || o.ends_with(b":")) {
                // `-pVALUE`, `/p:VALUE`.
                if let Some(span) = secret_part(b, (w.start + o.len(), w.end), tool.after) {
                    return Some(span);
                }
            } else if o.starts_with(b"--")
                && word.starts_with(o)
                && word.get(o.len()) == Some(&b'=')
            {
                // `--user=name:pass`.
                if let Some(span) = secret_part(b, (w.start + o.len() + 1, w.end), tool.after) {
                    return Some(span);
                }
            }
        }
    }
    None
}
