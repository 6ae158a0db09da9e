//! iproute2's text format for endpoints and limits: rendered byte for byte like current
//! `ip mptcp endpoint show` / `ip mptcp limits show`, and parsed back (recorded outputs, comparisons).

use crate::report::{Endpoint, Limits};
use std::fmt::Write;
use std::net::IpAddr;

// One definition of the endpoint line, in the report's model (triage quotes it as evidence).
pub use crate::report::endpoint::{flag_words, fmt_ip};

/// One line per endpoint, each with iproute2's trailing space and a newline.
pub fn render_endpoints(eps: &[Endpoint]) -> String {
    eps.iter().map(|e| e.iproute_line() + "\n").collect()
}

pub fn render_limits(l: &Limits) -> String {
    let mut out = String::new();
    if let Some(v) = l.add_addr_accepted {
        let _ = write!(out, "add_addr_accepted {v} ");
    }
    if let Some(v) = l.subflows {
        let _ = write!(out, "subflows {v} ");
    }
    out.push('\n');
    out
}

/// Parses `ip mptcp endpoint show` output (any iproute2 version: `rawflags N` is accepted).
pub fn parse_endpoints(text: &str) -> Result<Vec<Endpoint>, String> {
    let mut eps = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let mut words = line.split_whitespace();
        let addr: IpAddr = words
            .next()
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| format!("line {}: no address at the start: {line:?}", n + 1))?;
        let mut ep = Endpoint {
            id: 0,
            addr,
            port: 0,
            flags: 0,
            ifindex: None,
            dev: None,
            unknown_attrs: Vec::new(),
        };
        while let Some(w) = words.next() {
            let mut value = || {
                words
                    .next()
                    .ok_or_else(|| format!("line {}: {w} without a value", n + 1))
            };
            match w {
                "id" => {
                    ep.id = value()?
                        .parse()
                        .map_err(|e| format!("line {}: id: {e}", n + 1))?
                }
                "port" => {
                    ep.port = value()?
                        .parse()
                        .map_err(|e| format!("line {}: port: {e}", n + 1))?
                }
                "dev" => {
                    let dev = value()?.to_string();
                    match dev.strip_prefix("if").and_then(|i| i.parse().ok()) {
                        Some(i) => ep.ifindex = Some(i),
                        None => ep.dev = Some(dev),
                    }
                }
                "rawflags" => {
                    let v = value()?;
                    ep.flags |= u32::from_str_radix(v.trim_start_matches("0x"), 16)
                        .map_err(|e| format!("line {}: rawflags: {e}", n + 1))?;
                }
                flag => match Endpoint::FLAG_NAMES.iter().find(|(name, _)| *name == flag) {
                    Some((_, bit)) => ep.flags |= bit,
                    None => return Err(format!("line {}: unknown word {flag:?}", n + 1)),
                },
            }
        }
        eps.push(ep);
    }
    Ok(eps)
}

pub fn parse_limits(text: &str) -> Result<Limits, String> {
    let mut l = Limits::default();
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        let v: u32 = words
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("limits: {w} without a number"))?;
        match w {
            "add_addr_accepted" => l.add_addr_accepted = Some(v),
            "subflows" => l.subflows = Some(v),
            other => return Err(format!("limits: unknown word {other:?}")),
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_round_trips() {
        let text = "127.0.0.2 id 1 subflow dev lo \n";
        let eps = parse_endpoints(text).unwrap();
        assert_eq!(eps[0].flags, Endpoint::FLAG_SUBFLOW);
        assert_eq!(eps[0].dev.as_deref(), Some("lo"));
        assert_eq!(render_endpoints(&eps), text);
        let l = "add_addr_accepted 0 subflows 2 \n";
        assert_eq!(render_limits(&parse_limits(l).unwrap()), l);
    }

    #[test]
    fn unknown_flags_kept_raw() {
        let eps = parse_endpoints("10.0.0.1 id 3 rawflags 10 \n").unwrap();
        assert_eq!(eps[0].flags, 0x10);
    }
}
