//! MPTCP sockets and their TCP subflows, asked natively over sock_diag (the request `ss -ManiH`
//! makes, plus a TCP dump for the subflows), with `ss -ManiH`'s text rendered from the same data for
//! the archive. Like the script's `ss -ManiH`, the request makes the kernel load mptcp_diag when it is
//! a module; the report says when this run did. With `--no-system-changes` nothing is asked that
//! would load a module. The spec's `ss -ManiH` is run instead when sock_diag cannot be asked (and
//! for recorded outputs). Nothing is asked in a namespace where /proc/net/protocols counts no MPTCP
//! socket: the dumps walk global tables, and `ss -ManiH` would print nothing there.

pub mod diag_modules;

use super::endpoints::netlink_artifact;
use super::sockets_modules::{self as modules, ModState};
use super::{Builtin, Ctx, Output, Result, Stop};
use crate::collect::convert::sockets::{collect_netns, Families};
use crate::report::{
    Artifact, Body, Data, Entry, Facts, Format, MptcpSocket, Section, SockDiagRun, SocketList,
    TextSpoolWriter, View,
};
use crate::views::formats::ss::{render_ss_list, render_ss_list_into};
use std::collections::BTreeMap;

pub struct Sockets;

/// The spec's `ss -ManiH` (run only when sock_diag cannot be asked).
const SS: &str = "ss";
/// What sockets.toml's `ss -ManiH` is, for the report (`SockDiagRun::source`) and for the raw/ name
/// the archive has always used for the sockets' text, whichever way they were asked.
const SS_LINE: &str = "ss -ManiH";
pub const ARTIFACT: &str = "ss_-ManiH.txt";
/// `SockDiagRun::source` when the kernel counted no MPTCP socket, so sock_diag was not asked.
pub const NOT_ASKED: &str = "/proc/net/protocols";

/// What this run may ask, given the modules and --no-system-changes.
struct Plan {
    /// Subflows are dumped too; else why not.
    subflows: std::result::Result<(), String>,
}

fn states(ctx: &Ctx) -> [ModState; 3] {
    modules::states(ctx.fs(), || {
        ctx.kernel_config_text().map(|(_, t)| t.as_str())
    })
}

/// Whether MPTCP sockets can be asked for without loading any module (the reproduce sampler asks
/// many times and never loads one); Err(reason) when not.
pub fn diag_available(ctx: &Ctx) -> std::result::Result<(), String> {
    if !ctx.fs().exists("/proc/sys/net/mptcp") {
        return Err("kernel without MPTCP (/proc/sys/net/mptcp is missing)".into());
    }
    let [inet, _, mptcp] = states(ctx);
    for (s, m) in [(inet, modules::INET_DIAG), (mptcp, modules::MPTCP_DIAG)] {
        if !s.safe() {
            return Err(modules::why_not(s, m)
                .unwrap_or_else(|| format!("{}: cannot tell whether it is loaded", m.0)));
        }
    }
    Ok(())
}

/// Whether the MPTCP sockets can be asked for here, and the subflows with them; Err(reason) when
/// the sockets cannot.
fn plan(ctx: &Ctx) -> std::result::Result<Plan, String> {
    if !ctx.fs().exists("/proc/sys/net/mptcp") {
        return Err("kernel without MPTCP (/proc/sys/net/mptcp is missing)".into());
    }
    let [inet, tcp, mptcp] = states(ctx);
    if mptcp == ModState::Absent {
        return Err(
            modules::why_not(mptcp, modules::MPTCP_DIAG).unwrap_or_default()
                + ": MPTCP sockets cannot be listed",
        );
    }
    if ctx.env.read_only {
        for (s, m) in [(inet, modules::INET_DIAG), (mptcp, modules::MPTCP_DIAG)] {
            if let Some(why) = modules::why_not(s, m).filter(|_| !s.safe()) {
                return Err(format!("--no-system-changes: {why}"));
            }
        }
    }
    // The TCP dump for the subflows would load tcp_diag, which `ss -ManiH` never does: it is asked
    // only when that cannot change anything.
    let subflows = match modules::why_not(tcp, modules::TCP_DIAG).filter(|_| !tcp.safe()) {
        None => Ok(()),
        Some(why) if tcp == ModState::Absent => Err(format!("subflows not listed: {why}")),
        Some(why) if ctx.env.read_only => {
            Err(format!("subflows not listed (--no-system-changes): {why}"))
        }
        Some(why) => Err(format!(
            "subflows not listed: {why}, which is more than the script's `ss -ManiH` changes; `modprobe tcp_diag` (or any `ss -t`) and collecting again lists them"
        )),
    };
    Ok(Plan { subflows })
}

/// The live kernel of an MPTCP-capable namespace that counts no MPTCP socket in it: nothing to ask.
fn idle(ctx: &Ctx) -> bool {
    live_counts(ctx) == Some((0, 0))
}

/// The namespace's MPTCP socket counts (`mptcp_in_use`), on the live kernel of an MPTCP-capable
/// namespace only; read once per collection (`applies` asks, then `collect`).
fn live_counts(ctx: &Ctx) -> Option<(u64, u64)> {
    *ctx.once("mptcp sockets counted", true, || {
        (ctx.env.native() && ctx.fs().exists("/proc/sys/net/mptcp"))
            .then(|| mptcp_in_use(ctx))
            .flatten()
    })
}

/// How many MPTCP sockets the kernel counts in this namespace, (AF_INET, AF_INET6), from the
/// `sockets` column of /proc/net/protocols; None when the file or its MPTCP line cannot be read.
pub fn mptcp_in_use(ctx: &Ctx) -> Option<(u64, u64)> {
    let text = ctx.fs().read_to_string("/proc/net/protocols").ok()?;
    protocols_mptcp_sockets(&text)
}

fn protocols_mptcp_sockets(text: &str) -> Option<(u64, u64)> {
    let mut lines = text.lines();
    let column = lines
        .next()?
        .split_whitespace()
        .position(|w| w == "sockets")?;
    let (mut v4, mut v6) = (None, None);
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        let slot = match words.first() {
            Some(&"MPTCP") => &mut v4,
            Some(&"MPTCPv6") => &mut v6,
            _ => continue,
        };
        *slot = Some(words.get(column)?.parse::<u64>().ok()?);
    }
    // A kernel without IPv6 has no MPTCPv6 line: no such sockets.
    Some((v4?, v6.unwrap_or(0)))
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
            state: f[0].into(),
            recv_q: f[1].parse().unwrap_or(0),
            send_q: f[2].parse().unwrap_or(0),
            local: f[3].into(),
            peer: f[4].into(),
            info: BTreeMap::new(),
            ..MptcpSocket::default()
        });
    }
    socks
}

fn push_run(out: &mut Output, run: SockDiagRun) {
    if let Ok(value) = serde_json::to_value(&run) {
        out.data.push(Data::Other {
            name: SockDiagRun::NAME.into(),
            value,
        });
    }
}

fn loaded_note(out: &mut Output, loaded: &[String], by: &str) {
    if !loaded.is_empty() {
        out.notes.push(format!(
            "this run made the kernel load {} ({by}; the script's `ss -ManiH` loads them the same way)",
            loaded.join(", ")
        ));
    }
}

/// Runs the spec's `ss -ManiH` (or replays its recorded output) and parses it.
fn from_ss(ctx: &Ctx, out: &mut Output) -> Result {
    if !ctx.can_run(SS) {
        return Err(Stop::Skipped("ss is not installed".into()));
    }
    let before = modules::loaded(ctx.fs());
    let res = ctx.run_declared(SS, &[], out);
    if let Some(problem) = super::command_problem(&ctx.argv_of(SS), &res) {
        return Err(if res.missing {
            Stop::Skipped(problem)
        } else {
            Stop::Failed(problem)
        });
    }
    let modules_loaded = if ctx.env.native() {
        modules::newly_loaded(&before, &modules::loaded(ctx.fs()))
    } else {
        Vec::new()
    };
    loaded_note(out, &modules_loaded, "`ss -ManiH` asked sock_diag");
    out.data.push(Data::Sockets(parse_ss(&res.stdout).into()));
    push_run(
        out,
        SockDiagRun {
            source: SS_LINE.into(),
            modules_loaded,
            subflows_missing: Some("subflows are not listed from `ss -ManiH` text".into()),
            ..SockDiagRun::default()
        },
    );
    Ok(())
}

/// The `ss -ManiH` text of a spooled list, written to a spool of its own as it is rendered (it is as
/// large as the list); in memory only if no spool file can be made.
fn spooled_artifact(sockets: &SocketList, what: &str, notes: &mut Vec<String>) -> Artifact {
    let spooled = TextSpoolWriter::create().and_then(|mut w| {
        render_ss_list_into(sockets, &mut w)?;
        w.finish()
    });
    match spooled {
        Ok(spool) => {
            let mut a = netlink_artifact(ARTIFACT, "sock_diag", what, String::new());
            a.original_size = spool.len();
            a.spool = Some(spool);
            a.in_raw = true;
            a
        }
        Err(e) => {
            notes.push(format!(
                "the sockets' text is held in memory: no spool file ({e})"
            ));
            netlink_artifact(ARTIFACT, "sock_diag", what, render_ss_list(sockets))
        }
    }
}

impl Builtin for Sockets {
    fn name(&self) -> &'static str {
        "sockets"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Sockets)
    }

    /// The sockets as `ss -ManiH` prints them (the artifact, not a copy): the views shorten it by
    /// state and by the connections that matter.
    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(a) = section.artifacts.first() else {
            return Vec::new();
        };
        vec![Entry::new(Body::Artifact {
            name: a.name.clone(),
            format: Format::Sockets,
            marks: Vec::new(),
        })
        .when_empty("No MPTCP sockets.")
        .counted_as("lines")
        .all_in(Some(&a.name))
        .only(&[View::Summary, View::Text])]
    }

    /// Not a program, but as slow as one on a busy host (the kernel's dumps of tens of thousands of
    /// sockets take a large part of a second): on its own thread, started first, it overlaps with
    /// everything else.
    fn own_thread(&self) -> bool {
        true
    }

    fn applies(&self, ctx: &Ctx) -> std::result::Result<(), String> {
        if !ctx.env.native() && !ctx.env.live() {
            return Err("needs the live system (or recorded `ss -ManiH` output)".into());
        }
        if idle(ctx) {
            return Ok(());
        }
        plan(ctx).map(|_| ())
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        // Both dumps walk global tables (every MPTCP token of the host, every TCP socket of the
        // namespace): when the kernel counts no MPTCP socket in this namespace there is nothing to
        // ask (so no module could be loaded, and nothing to weigh), and `ss -ManiH` would print
        // nothing.
        let counts = live_counts(ctx);
        if counts == Some((0, 0)) {
            out.artifacts.push(netlink_artifact(
                ARTIFACT,
                "sock_diag",
                "not asked: /proc/net/protocols counts no MPTCP socket in this namespace, so `ss -ManiH` prints nothing",
                String::new(),
            ));
            out.data.push(Data::Sockets(Default::default()));
            push_run(
                out,
                SockDiagRun {
                    source: NOT_ASKED.into(),
                    ..SockDiagRun::default()
                },
            );
            return Ok(());
        }
        let plan = plan(ctx).map_err(Stop::Skipped)?;
        if !ctx.env.native() {
            return from_ss(ctx, out);
        }
        let before = modules::loaded(ctx.fs());
        // Only the families the kernel counts sockets of: each dump walks a global table.
        let families = counts.map_or(Families::BOTH, |(v4, v6)| Families::from_counts(v4, v6));
        let dump = match collect_netns(plan.subflows.is_ok(), families) {
            Ok(d) => d,
            // No handler for MPTCP: `ss -ManiH` would print nothing and succeed; say why instead.
            Err(e) if e.errno == Some(libc::ENOENT) => {
                return Err(Stop::Skipped(format!(
                    "{e}: the kernel has no MPTCP socket diagnostics (INET_MPTCP_DIAG)"
                )))
            }
            Err(e) => {
                out.notes
                    .push(format!("{e}; listing the sockets with `ss -ManiH` instead"));
                return from_ss(ctx, out);
            }
        };
        let modules_loaded = modules::newly_loaded(&before, &modules::loaded(ctx.fs()));
        loaded_note(
            out,
            &modules_loaded,
            "sock_diag was asked for MPTCP sockets",
        );
        let subflows_missing = plan.subflows.err().or(dump.subflows_missing);
        out.notes.extend(subflows_missing.iter().cloned());
        out.notes.extend(dump.notes);
        if dump.unmatched_total > 0 {
            let kept = match dump.unmatched.len() {
                n if n < dump.unmatched_total => format!(" (report.json lists the first {n})"),
                _ => String::new(),
            };
            out.notes.push(format!(
                "{} subflow(s) matched no MPTCP socket (closing, or opened between the dumps){kept}",
                dump.unmatched_total
            ));
        }
        let what = "inet_diag MPTCP sockets, as `ss -ManiH` prints them";
        out.artifacts.push(if dump.sockets.spooled() {
            spooled_artifact(&dump.sockets, what, &mut out.notes)
        } else {
            netlink_artifact(ARTIFACT, "sock_diag", what, render_ss_list(&dump.sockets))
        });
        // Kept until the run ends, with no room to spare, or in a spool past SocketList::HELD.
        out.data.push(Data::Sockets(dump.sockets));
        push_run(
            out,
            SockDiagRun {
                source: "sock_diag".into(),
                modules_loaded,
                subflows_missing,
                unmatched_subflows: dump.unmatched,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::collectors::Env;

    /// An environment over a root holding `modules` as /proc/modules and `config` as the kernel
    /// config (a distribution kernel: every diag a module).
    fn env(modules: &str, read_only: bool) -> (tempfile::TempDir, Env) {
        let d = tempfile::tempdir().unwrap();
        let config = "CONFIG_INET_DIAG=m\nCONFIG_INET_TCP_DIAG=m\nCONFIG_INET_MPTCP_DIAG=m\n";
        for (p, text) in [
            ("proc/sys/net/mptcp/enabled", "1\n"),
            ("proc/sys/kernel/osrelease", "6.1.0-13-amd64\n"),
            ("boot/config-6.1.0-13-amd64", config),
            ("proc/modules", modules),
        ] {
            let path = d.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let source = crate::collect::source::Source::Image(d.path().to_path_buf());
        let mut env = crate::collect::source::environment(&source, 1.0).unwrap();
        env.read_only = read_only;
        (d, env)
    }

    fn plan_of(modules: &str, read_only: bool) -> std::result::Result<Plan, String> {
        let (_d, env) = env(modules, read_only);
        plan(&Ctx {
            env: &env,
            netns: None,
            spec: None,
            shared: None,
        })
    }

    #[test]
    fn module_policy() {
        let none = "";
        let diag = "inet_diag 28672 0 - Live 0x0\n";
        let all = "mptcp_diag 1 0 - Live 0x0\ntcp_diag 1 0 - Live 0x0\ninet_diag 1 2 - Live 0x0\n";
        // By default mptcp_diag may be loaded (as `ss -ManiH` loads it), tcp_diag not.
        let p = plan_of(none, false).unwrap();
        assert!(p.subflows.unwrap_err().contains("modprobe tcp_diag"));
        // --no-system-changes: not asked at all while a module would be loaded.
        let e = plan_of(diag, true).err().unwrap();
        assert!(
            e.starts_with("--no-system-changes: mptcp_diag is a module that is not loaded"),
            "{e}"
        );
        assert!(plan_of(all, true).unwrap().subflows.is_ok());
        assert!(plan_of(all, false).unwrap().subflows.is_ok());
    }

    #[test]
    fn counts_mptcp_sockets_from_proc_net_protocols() {
        let head = "protocol  size sockets  memory press maxhdr  slab module     cl co di\n";
        let text = format!(
            "{head}MPTCPv6   2064      2      85   no       0   yes  kernel      y  y  y\nTCP       2400      9      1   no     320   yes  kernel      y  y  y\nMPTCP     1936      3      85   no       0   yes  kernel      y  y  y\n"
        );
        assert_eq!(protocols_mptcp_sockets(&text), Some((3, 2)));
        // No MPTCPv6 line (a kernel without IPv6): no such sockets.
        let idle = format!("{head}MPTCP     1936      0      85   no       0   yes  kernel   y\n");
        assert_eq!(protocols_mptcp_sockets(&idle), Some((0, 0)));
        // No MPTCP line, no header, or a column that is not a number: cannot tell.
        assert_eq!(
            protocols_mptcp_sockets(&format!("{head}TCP 2400 9\n")),
            None
        );
        assert_eq!(protocols_mptcp_sockets(""), None);
        assert_eq!(
            protocols_mptcp_sockets(&format!("{head}MPTCP 1936 x\n")),
            None
        );
    }

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
