//! MPTCP symbols of the running kernel's build config: /proc/config.gz, /boot/config-<release> or
//! /lib/modules/<release>/config; when none exists, what /proc/net/protocols and /proc/kallsyms show.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Entry, Facts, KernelConfig as KernelConfigData, Section, View};
use std::collections::BTreeMap;
use std::io::Read;

pub struct KernelConfig;

/// Symbols kept besides every `*MPTCP*` one: what MPTCP depends on or what changes its behaviour.
pub const RELATED: &[&str] = &[
    "CONFIG_INET_DIAG",
    "CONFIG_INET_TCP_DIAG",
    "CONFIG_IPV6",
    "CONFIG_KUNIT",
    "CONFIG_BPF_SYSCALL",
    "CONFIG_BPF_JIT",
    "CONFIG_TCP_MD5SIG",
    "CONFIG_SYN_COOKIES",
    "CONFIG_NET_NS",
    "CONFIG_IKCONFIG_PROC",
];

/// Picks the relevant lines of a kernel .config: `CONFIG_X=v` and `# CONFIG_X is not set`.
pub fn relevant_symbols(config: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in config.lines() {
        // Most of a config is irrelevant: decided on its first bytes and its name's, before
        // anything is searched for or allocated (a distribution's config has 10,000 lines).
        let (name, value) = if line.starts_with("CONFIG_") {
            match line.split_once('=') {
                Some((n, v)) => (n, v.trim_matches('"')),
                None => continue,
            }
        } else if line.starts_with("# CONFIG_") {
            match line[2..].strip_suffix(" is not set") {
                Some(n) => (n, "not set"),
                None => continue,
            }
        } else {
            continue;
        };
        if mentions_mptcp(name) || RELATED.contains(&name) {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

/// `name` holds "MPTCP" (a byte scan: names are short, a substring searcher costs more to set up).
fn mentions_mptcp(name: &str) -> bool {
    name.as_bytes().windows(5).any(|w| w == b"MPTCP")
}

impl Builtin for KernelConfig {
    fn name(&self) -> &'static str {
        "kconfig"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::KernelConfig)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(k) = section.data.iter().find_map(|d| match d {
            Data::KernelConfig(k) => Some(k),
            _ => None,
        }) else {
            return Vec::new();
        };
        if k.symbols.is_empty() {
            return Vec::new();
        }
        vec![Entry::code(config_lines(&k.symbols))
            .titled(format!("Kernel config ({})", k.source))
            .counted_as("symbols")
            .only(&[View::Summary, View::Text])]
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let fs = ctx.fs();
        let release = fs
            .read_trimmed("/proc/sys/kernel/osrelease")
            .unwrap_or_default();
        if let Some((source, text)) = ctx.kernel_config_text() {
            found(out, source, text);
            return Ok(());
        }
        // No config file: infer what we can without loading anything.
        let mut symbols = BTreeMap::new();
        if let Ok(protocols) = fs.read_to_string("/proc/net/protocols") {
            let has = |p: &str| {
                protocols
                    .lines()
                    .any(|l| l.split_whitespace().next() == Some(p))
            };
            symbols.insert(
                "CONFIG_MPTCP".into(),
                if has("MPTCP") {
                    "y (inferred from /proc/net/protocols)"
                } else {
                    "not set (inferred from /proc/net/protocols)"
                }
                .into(),
            );
            if has("MPTCPv6") {
                symbols.insert(
                    "CONFIG_MPTCP_IPV6".into(),
                    "y (inferred from /proc/net/protocols)".into(),
                );
            }
        }
        if symbols.is_empty() {
            return Err(Stop::Skipped(format!(
                "no kernel config found (/proc/config.gz, /boot/config-{release}, /lib/modules/{release}/config)"
            )));
        }
        out.notes
            .push("no kernel config file found: symbols inferred from /proc".into());
        out.data.push(Data::KernelConfig(KernelConfigData {
            source: "/proc/net/protocols".into(),
            symbols,
        }));
        Ok(())
    }
}

/// Finds and reads the running kernel's config: (where from, text). None when there is none.
pub fn read_config(fs: &crate::sys::Fs) -> Option<(String, String)> {
    if let Some(text) = fs
        .read_bytes("/proc/config.gz")
        .ok()
        .and_then(|gz| gunzip(&gz))
    {
        return Some(("/proc/config.gz".into(), text));
    }
    let release = fs.read_trimmed("/proc/sys/kernel/osrelease")?;
    [
        format!("/boot/config-{release}"),
        format!("/lib/modules/{release}/config"),
    ]
    .into_iter()
    .find_map(|p| fs.read_to_string(&p).ok().map(|t| (p, t)))
}

/// The text of a gzipped config (/proc/config.gz), decompressed up to the file cap; None when it is
/// not gzip or not text.
pub fn gunzip(gz: &[u8]) -> Option<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .take(crate::sys::fs::MAX_FILE)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The symbols as a .config writes them: `CONFIG_X=y`, `# CONFIG_X is not set`.
fn config_lines(symbols: &BTreeMap<String, String>) -> String {
    symbols
        .iter()
        .map(|(k, v)| {
            if v == "not set" {
                format!("# {k} is not set\n")
            } else {
                format!("{k}={v}\n")
            }
        })
        .collect()
}

fn found(out: &mut Output, source: &str, text: &str) {
    let symbols = relevant_symbols(text);
    let lines = config_lines(&symbols);
    out.artifacts.push(crate::report::Artifact {
        name: "kernel-config-mptcp.txt".into(),
        source: crate::report::Source::File {
            path: source.to_string(),
        },
        original_size: text.len() as u64,
        content: lines,
        truncated: false,
        spool: None,
        in_raw: false,
    });
    out.data.push(Data::KernelConfig(KernelConfigData {
        source: source.to_string(),
        symbols,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_mptcp_and_related() {
        let s = relevant_symbols("CONFIG_MPTCP=y\nCONFIG_MPTCP_IPV6=y\n# CONFIG_MPTCP_KUNIT_TEST is not set\nCONFIG_EXT4_FS=y\nCONFIG_INET_DIAG=m\nCONFIG_LOCALVERSION=\"-x\"\n");
        assert_eq!(s.len(), 4);
        assert_eq!(s["CONFIG_MPTCP_KUNIT_TEST"], "not set");
        assert_eq!(s["CONFIG_INET_DIAG"], "m");
        // Not symbol lines, or not quite: skipped.
        let s = relevant_symbols("#\n# MPTCP options\n# CONFIG_MPTCP is set\nMPTCP=y\n CONFIG_MPTCP=y\nCONFIG_MPTCP\nCONFIG_MPTCP_IPV6=y\n# CONFIG_INET_DIAG is not set");
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s["CONFIG_INET_DIAG"], "not set");
    }
}
