//! MPTCP sockets as `ss -ManiH` shows them. `ss -M` makes the kernel load `mptcp_diag` when it is a
//! module that is not loaded yet; the tool must not change the system, so it only runs `ss` when the
//! diag support is built in or already loaded.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, MptcpSocket};
use std::collections::BTreeMap;

pub struct Sockets;

pub const ARGV: &[&str] = &["ss", "-ManiH"];

/// Whether `ss -M` can run without loading a module; Err(reason) when not.
pub fn diag_available(ctx: &Ctx) -> std::result::Result<(), String> {
    let fs = ctx.fs();
    if !fs.exists("/proc/sys/net/mptcp") {
        return Err("kernel without MPTCP (/proc/sys/net/mptcp is missing)".into());
    }
    if let Ok(modules) = fs.read_to_string("/proc/modules") {
        if modules
            .lines()
            .any(|l| l.split_whitespace().next() == Some("mptcp_diag"))
        {
            return Ok(());
        }
    }
    // Built in: the kernel config says so, or the module's directory exists without a module file
    // (/sys/module/<name> exists for built-in code that has parameters or a version, not always).
    let release = fs
        .read_trimmed("/proc/sys/kernel/osrelease")
        .unwrap_or_default();
    let builtin_list = fs
        .read_to_string(&format!("/lib/modules/{release}/modules.builtin"))
        .unwrap_or_default();
    if builtin_list.lines().any(|l| l.ends_with("/mptcp_diag.ko")) {
        return Ok(());
    }
    match config_value(ctx, "CONFIG_INET_MPTCP_DIAG").as_deref() {
        Some("y") => Ok(()),
        Some("m") => Err("mptcp_diag is a module that is not loaded: `ss -M` would load it".into()),
        Some(_) => Err("kernel built without INET_MPTCP_DIAG: `ss -M` cannot list MPTCP sockets".into()),
        None => Err("cannot tell whether mptcp_diag is built in (no kernel config): not running `ss -M`, which could load it".into()),
    }
}

fn config_value(ctx: &Ctx, symbol: &str) -> Option<String> {
    let (_, text) = ctx.kernel_config_text()?;
    let prefix = format!("{symbol}=");
    Some(
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
            .unwrap_or_else(|| "not set".into()),
    )
}

/// Parses `ss -ManiH` output: a socket line, then an indented info line.
pub fn parse_ss(text: &str) -> Vec<MptcpSocket> {
    let mut socks: Vec<MptcpSocket> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = socks.last_mut() {
                for word in line.split_whitespace() {
                    let (k, v) = word.split_once(':').unwrap_or((word, ""));
                    last.info.insert(k.to_string(), v.to_string());
                }
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 {
            continue;
        }
        socks.push(MptcpSocket {
            state: f[0].to_string(),
            recv_q: f[1].parse().unwrap_or(0),
            send_q: f[2].parse().unwrap_or(0),
            local: f[3].to_string(),
            peer: f[4].to_string(),
            info: BTreeMap::new(),
        });
    }
    socks
}

impl Builtin for Sockets {
    fn name(&self) -> &'static str {
        "sockets"
    }

    fn runs_programs(&self) -> bool {
        true
    }

    fn applies(&self, ctx: &Ctx) -> std::result::Result<(), String> {
        diag_available(ctx)
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        diag_available(ctx).map_err(Stop::Skipped)?;
        let res = ctx.run_kept(ARGV, out);
        if let Some(problem) = super::command_problem(ARGV, &res) {
            return Err(if res.missing {
                Stop::Skipped(problem)
            } else {
                Stop::Failed(problem)
            });
        }
        out.data.push(Data::Sockets(parse_ss(&res.stdout)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_capture() {
        let text = "ESTAB  0      0      127.0.0.1:10001 127.0.0.1:38384\n\t subflows:1 subflows_max:2 remote_key token:2fa43e04\nLISTEN 0      4      127.0.0.1:10001   0.0.0.0:*    \n\t          \n";
        let s = parse_ss(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].info["subflows"], "1");
        assert_eq!(s[0].info["remote_key"], "");
        assert_eq!(s[1].state, "LISTEN");
        assert_eq!(s[1].send_q, 4);
        assert!(s[1].info.is_empty());
    }
}
