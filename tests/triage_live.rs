//! The live triage harness: real faults built in network namespaces (veth links, real MPTCP
//! connections from tests/triage_live/peer.py, endpoints and limits set with `ip mptcp`, firewalls
//! from `tc` filters that redirect matching packets to a device that is down, i.e. drop them, since
//! no firewall tool is installed), then the real binary run with `--netns` into each namespace. The
//! scenarios are in triage_live_faults.rs, triage_live_healthy.rs and triage_live_merge.rs.

use crate::testns::{run_ok, TestNs};
use crate::util::bin;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const PEER: &str = include_str!("triage_live/peer.py");

/// A process started in a namespace (a server, a relay, a held connection), killed by its pid when
/// dropped, so it never outlives the test.
pub struct Bg(Child);

impl Drop for Bg {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ip netns exec NS python3 -c PEER args` (ip execs python, so the child's pid is python's).
fn peer_cmd(ns: &TestNs, args: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name, "python3", "-c", PEER]);
    c.args(args);
    c
}

/// Starts `peer.py serve|relay ...` in `ns` and waits until it listens.
pub fn start(ns: &TestNs, args: &[&str]) -> Bg {
    let mut child = peer_cmd(ns, args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "peer {args:?} did not start");
    Bg(child)
}

/// An MPTCP (or plain TCP) server echoing on port 9000 of `addr` (0.0.0.0: every address) in `ns`.
pub fn serve(ns: &TestNs, addr: &str, tcp: bool) -> Bg {
    let mut args = vec!["serve", addr, "9000"];
    if tcp {
        args.push("tcp");
    }
    start(ns, &args)
}

/// `peer.py connect addr 9000 opts...` from `ns`; its stdout, which must say every connection
/// succeeded unless `fail-ok` is among the options.
pub fn connect(ns: &TestNs, addr: &str, opts: &[&str]) -> String {
    connect_port(ns, addr, "9000", opts)
}

/// `connect` to another port.
pub fn connect_port(ns: &TestNs, addr: &str, port: &str, opts: &[&str]) -> String {
    let mut args = vec!["connect", addr, port];
    args.extend(opts);
    // A client is bounded in time whatever the path does: its own timeouts, and this.
    let mut cmd = Command::new("timeout");
    cmd.args(["30", "ip", "netns", "exec", &ns.name, "python3", "-c", PEER]);
    let out = cmd.args(&args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "connect {args:?} in {}: {stdout}{}",
        ns.name,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// An MPTCP connection from `ns` to addr:9000 held open for `hold_ms`, returned once established (so
/// a check sees it); dropping it ends it.
pub fn open_connection(ns: &TestNs, addr: &str, hold_ms: u32) -> Bg {
    let hold = format!("hold={hold_ms}");
    let mut child = peer_cmd(ns, &["connect", addr, "9000", "tell", &hold])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "established", "no connection to {addr}");
    Bg(child)
}

/// A veth link `a_dev` in `a` (with addresses) to `b_dev` in `b`, both up.
pub fn link(a: &TestNs, a_dev: &str, a_addrs: &[&str], b: &TestNs, b_dev: &str, b_addrs: &[&str]) {
    a.ip(&format!(
        "link add {a_dev} type veth peer name {b_dev} netns {}",
        b.name
    ));
    for (ns, dev, addrs) in [(a, a_dev, a_addrs), (b, b_dev, b_addrs)] {
        for addr in addrs {
            // nodad: IPv6 addresses usable at once.
            let nodad = if addr.contains(':') { " nodad" } else { "" };
            ns.ip(&format!("addr add {addr} dev {dev}{nodad}"));
        }
        ns.ip(&format!("link set {dev} up"));
    }
}

/// A client and a server namespace joined by c1 10.0.1.1/24 <-> s1 10.0.1.2/24, and when
/// `second_link`, by c2 10.0.2.1/24 <-> s2 10.0.2.2/24 too. Default limits (subflows 2).
pub fn pair(second_link: bool) -> Option<(TestNs, TestNs)> {
    let c = TestNs::new()?;
    let s = TestNs::new()?;
    link(&c, "c1", &["10.0.1.1/24"], &s, "s1", &["10.0.1.2/24"]);
    if second_link {
        link(&c, "c2", &["10.0.2.1/24"], &s, "s2", &["10.0.2.2/24"]);
    }
    Some((c, s))
}

pub fn sysctl(ns: &TestNs, setting: &str) {
    ns.exec(&["sysctl", "-qw", setting]);
}

/// A firewall on `dev`'s ingress in `ns`: packets matching the `tc` u32 `selector` are redirected to
/// a veth that is down, which drops them (no gact action needed).
pub fn drop_ingress(ns: &TestNs, dev: &str, selector: &str) {
    if ns.ip("link show").lines().all(|l| !l.contains(" sink@")) {
        ns.ip("link add sink type veth peer name sinkpeer");
    }
    let tc = |args: &str| {
        let mut argv = vec!["tc"];
        argv.extend(args.split_whitespace());
        ns.exec(&argv)
    };
    if !tc(&format!("qdisc show dev {dev}")).contains("clsact") {
        tc(&format!("qdisc add dev {dev} clsact"));
    }
    tc(&format!(
        "filter add dev {dev} ingress protocol ip u32 {selector} action mirred egress redirect dev sink"
    ));
}

/// IPv4 TCP SYNs carrying MP_JOIN: Linux puts MPTCP after MSS, SACK_PERM+timestamps and window
/// scale (20 option bytes), so the option starts at IP offset 60: kind 30, length 12 (only the SYN's
/// MP_JOIN is 12 bytes long).
pub const MP_JOIN_SYN: &str = "match u16 0x1e0c 0xffff at 60";
/// IPv4 TCP SYNs carrying MP_CAPABLE (kind 30, length 4 in a SYN) at the same place.
pub const MP_CAPABLE_SYN: &str = "match u16 0x1e04 0xffff at 60";

/// What `check --format json` said about a namespace.
pub struct Checked {
    pub code: i32,
    pub json: Value,
}

impl Checked {
    pub fn findings(&self) -> Vec<&Value> {
        self.json["findings"].as_array().unwrap().iter().collect()
    }

    fn ids(&self) -> Vec<String> {
        self.findings()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["severity"].as_str().unwrap(),
                    f["rule"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// The finding `rule` at `severity`, whose evidence holds each of `evidence` (as whole lines).
    pub fn expect(&self, rule: &str, severity: &str, evidence: &[&str]) -> &Value {
        let f = self
            .findings()
            .into_iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} finding in {:#}", self.json));
        assert_eq!(f["severity"], severity, "{f:#}");
        let lines: Vec<&str> = f["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        for e in evidence {
            assert!(
                lines.contains(e),
                "{rule}: no evidence line {e:?} in {lines:#?}"
            );
        }
        assert!(
            f["link"]
                .as_str()
                .unwrap()
                .starts_with("https://www.mptcp.dev/"),
            "{f:#}"
        );
        f
    }

    pub fn absent(&self, rule: &str) {
        assert!(
            !self.ids().iter().any(|i| i.ends_with(&format!(":{rule}"))),
            "{rule} in {:#}",
            self.json
        );
    }

    /// Nothing at warning or above, and the exit status that says so.
    pub fn quiet(&self) {
        let loud: Vec<String> = self
            .ids()
            .into_iter()
            .filter(|i| !i.starts_with("info:"))
            .collect();
        assert!(loud.is_empty(), "false alarm: {loud:?} in {:#}", self.json);
        assert_eq!(self.code, 0);
    }
}

/// `mptcp-get-debug check --netns NS --format json --no-redact`, whose exit status must match its
/// findings (1 with one at warning or above, else 0).
pub fn check(ns: &TestNs) -> Checked {
    let out = bin()
        .args([
            "check",
            "--netns",
            &ns.name,
            "--format",
            "json",
            "--no-redact",
            "-q",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let code = out.status.code().unwrap();
    let loud = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["severity"] != "info");
    assert_eq!(code, i32::from(loud), "exit status against {json:#}");
    assert_eq!(json["ok"], !loud);
    Checked { code, json }
}

/// A counter of a namespace, as nstat reads it (to assert the fault really happened).
pub fn counter(ns: &TestNs, name: &str) -> u64 {
    let out = run_ok("ip", &["netns", "exec", &ns.name, "nstat", "-az", name]);
    out.lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(name)).then(|| w.next()?.parse().ok())?
        })
        .unwrap_or(0)
}
