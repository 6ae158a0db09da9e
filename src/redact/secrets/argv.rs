//! Passwords given as short options, which only the command gives a meaning to: `-p` is a password for
//! `sshpass`, `mysql` and `openconnect` (its key's), but a port for ssh, nc and iperf3, "processes"
//! for ss, a pid elsewhere. So such an option is scrubbed only in the command line of a tool known to
//! take a password that way (the tool is looked for before the option, back to `;`, `|`, `&` or the
//! line's start). The option itself is the keyword, so every option of a command is found, in order.
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
//! Options after the command that sshpass runs are that command's (`sshpass -p pw ssh -p 22 h`).
//! (For mysql a separate `-p VALUE` means "prompt" and VALUE is the database: scrubbing it costs
//! nothing and covers tools that do read it as the password.) Long options (`--password X`) are
//! handled for every command by keyed.rs.

struct Tool {
    names: &'static [&'static str],
    options: &'static [&'static str],
    /// Runs a command (`sshpass -p pw ssh -p 22 h`): its options end at the first other word; these
    /// of its options take a value.
    wraps: Option<&'static [&'static str]>,
    /// The secret is what follows this byte in the value (`user%pass`, `user:pass`).
    after: Option<u8>,
}

const TOOLS: &[Tool] = &[
    Tool {
        names: &["sshpass"],
        options: &["-p"],
        wraps: Some(&["-p", "-f", "-d", "-P"]),
        after: None,
    },
    Tool {
        names: &[
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
        wraps: None,
    },
    Tool {
        names: &["ipmitool", "mosquitto_pub", "mosquitto_sub", "mosquitto_rr"],
        options: &["-P"],
        after: None,
        wraps: None,
    },
    Tool {
        names: &["redis-cli"],
        options: &["-a"],
        after: None,
        wraps: None,
    },
    Tool {
        names: &["smbclient"],
        options: &["-U", "--user"],
        after: Some(b'%'),
        wraps: None,
    },
    Tool {
        names: &["curl"],
        options: &["-u", "--user", "-U", "--proxy-user"],
        after: Some(b':'),
        wraps: None,
    },
    Tool {
        names: &["xfreerdp", "xfreerdp3"],
        options: &["/p:"],
        after: None,
        wraps: None,
    },
];

/// The word at `i` (up to whitespace or a shell separator): its span and its content (inside quotes).
fn word(b: &[u8], i: usize) -> Option<(usize, (usize, usize))> {
    if i >= b.len() || matches!(b[i], b'\n' | b'\r' | b';' | b'|' | b'&' | b' ' | b'\t') {
        return None;
    }
    if matches!(b[i], b'"' | b'\'') {
        let close = (i + 1..b.len())
            .find(|&j| b[j] == b[i] || b[j] == b'\n')
            .unwrap_or(b.len());
        return Some(((close + 1).min(b.len()), (i + 1, close)));
    }
    let e = (i..b.len())
        .find(|&j| b[j].is_ascii_whitespace() || matches!(b[j], b';' | b'|' | b'&' | b'"' | b'\''))
        .unwrap_or(b.len());
    Some((e, (i, e)))
}

/// The secret part of a value (after `user%`, `user:` where the tool writes it so; all of it when
/// the user is a token).
fn secret_part(b: &[u8], (s, e): (usize, usize), after: Option<u8>) -> Option<(usize, usize)> {
    let s = match after {
        Some(sep) => {
            let p = s + b[s..e].iter().position(|&c| c == sep)?;
            if super::shapes::holds_shape(b, s, p) {
                s
            } else {
                p + 1
            }
        }
        None => s,
    };
    (e > s).then_some((s, e))
}

/// The value of the next word after `i` (blanks skipped), unless it is another option.
fn next_value(b: &[u8], mut i: usize, after: Option<u8>) -> Option<(usize, usize)> {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    let (_, inner) = word(b, i)?;
    if b[i] == b'-' {
        return None;
    }
    secret_part(b, inner, after)
}

/// The tool whose command this option at `at` belongs to: a word of the same command (back to `;`,
/// `|`, `&` or the line's start) that is, after its directory, a tool's name, the nearest one; for a
/// tool that runs a command, only while no word of that command came before `at`.
fn tool_before(b: &[u8], at: usize) -> Option<&'static Tool> {
    let low = at.saturating_sub(512);
    let seg = b[low..at]
        .iter()
        .rposition(|&c| matches!(c, b'\n' | b';' | b'|' | b'&'))
        .map_or(low, |p| low + p + 1);
    // Shell words (quotes kept together), up to the option.
    let mut words: Vec<&[u8]> = Vec::new();
    let mut i = seg;
    while i < at {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let Some((end, (s, e))) = word(b, i) else {
            break;
        };
        words.push(&b[s..e.min(at)]);
        i = end.max(i + 1);
    }
    // `sshpass`, `/usr/bin/sshpass`, `ExecStart=sshpass`, `(sshpass`; not `x://sshpass`.
    let tool_of = |w: &[u8]| {
        let w = w
            .rsplit(|&c| matches!(c, b'=' | b'"' | b'\'' | b'('))
            .next()?;
        let (dir, name) = match w.iter().rposition(|&c| c == b'/') {
            Some(p) => (&w[..p], &w[p + 1..]),
            None => (&w[..0], w),
        };
        if !dir
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b'_' | b'-'))
        {
            return None;
        }
        TOOLS
            .iter()
            .find(|t| t.names.iter().any(|n| n.as_bytes() == name))
    };
    // The nearest tool before the option.
    let (k, tool) = words
        .iter()
        .enumerate()
        .rev()
        .find_map(|(k, w)| Some((k, tool_of(w)?)))?;
    if let Some(with_value) = tool.wraps {
        let mut value_next = false;
        for w in &words[k + 1..] {
            if value_next {
                value_next = false;
            } else if w.first() == Some(&b'-') {
                value_next = with_value.iter().any(|o| o.as_bytes() == *w);
            } else {
                return None;
            }
        }
    }
    Some(tool)
}

/// An option word at `at` (`-p`, `-pVALUE`, `--user=a:b`, `/p:VALUE`): the span of the password
/// when the command it belongs to takes one that way.
pub(super) fn option(b: &[u8], at: usize) -> Option<(usize, usize)> {
    if at == 0 || !matches!(b[at - 1], b' ' | b'\t') {
        return None;
    }
    let (end, (s, e)) = word(b, at)?;
    let w = &b[s..e];
    let tool = tool_before(b, at)?;
    for opt in tool.options.iter().map(|o| o.as_bytes()) {
        if w == opt {
            return next_value(b, end, tool.after);
        }
        if w.starts_with(opt) && (opt.len() == 2 || opt.ends_with(b":")) {
            // `-pVALUE`, `/p:VALUE`.
            return secret_part(b, (s + opt.len(), e), tool.after);
        }
        if opt.starts_with(b"--") && w.starts_with(opt) && w.get(opt.len()) == Some(&b'=') {
            // `--user=name:pass`.
            return secret_part(b, (s + opt.len() + 1, e), tool.after);
        }
    }
    None
}

/// `wpa_passphrase SSID PASSPHRASE` at `at`: the passphrase.
pub(super) fn wpa_passphrase(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let name = b"wpa_passphrase";
    if !b[at..].starts_with(name)
        || (at > 0 && !matches!(b[at - 1], b' ' | b'\t' | b'/' | b'\n' | b'=' | b'"' | b'\''))
        || !matches!(b.get(at + name.len()), Some(b' ' | b'\t'))
    {
        return None;
    }
    let mut i = at + name.len();
    let mut seen = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        let (end, inner) = word(b, i)?;
        if b[i] != b'-' {
            seen += 1;
            if seen == 2 {
                return secret_part(b, inner, None);
            }
        }
        i = end;
    }
}
