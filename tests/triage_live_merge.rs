//! `merge` on the archives of both sides of a live fault: what neither side shows alone, with rule
//! ids in `merge --format json` (a stripping middlebox told from a peer without MPTCP, joins dropped
//! on the path, announcements the client can never use).

use crate::testns::TestNs;
use crate::triage_live::*;
use crate::util::{bin, only_archive, OkStdout};
use serde_json::Value;

/// Archives of both sides (collected while the server still runs), merged as JSON.
fn merged(c: &TestNs, s: &TestNs) -> Value {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let archives: Vec<_> = [c, s]
        .iter()
        .zip(&dirs)
        .map(|(ns, dir)| {
            bin()
                .args(["--netns", &ns.name, "--no-redact", "--batch", "-q", "-o"])
                .arg(dir.path())
                .ok_stdout();
            only_archive(dir.path())
        })
        .collect();
    let out = bin()
        .args(["merge", "--format", "json"])
        .args(&archives)
        .ok_stdout();
    serde_json::from_slice(&out).unwrap()
}

/// The cross-side finding `rule` at `severity` with these evidence lines.
fn cross<'a>(v: &'a Value, rule: &str, severity: &str, evidence: &[&str]) -> &'a Value {
    let f = v["cross_side"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:#}", v["cross_side"]));
    assert_eq!(f["severity"], severity, "{f:#}");
    for e in evidence {
        assert!(
            f["evidence"].as_array().unwrap().iter().any(|x| x == e),
            "{rule}: no {e:?} in {f:#}"
        );
    }
    f
}

fn side_has(v: &Value, side: &str, rule: &str) -> bool {
    v[side]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == rule)
}

/// Client 10.0.1.1 -- 10.0.1.254 middlebox 10.0.9.254 -- 10.0.9.2 server; the client talks to the
/// middlebox's address, where a proxy accepts with plain TCP and forwards over plain TCP.
#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn middlebox_stripping_mptcp() {
    let (Some(c), Some(m), Some(s)) = (TestNs::new(), TestNs::new(), TestNs::new()) else {
        return;
    };
    link(&c, "c1", &["10.0.1.1/24"], &m, "m1", &["10.0.1.254/24"]);
    link(&m, "m2", &["10.0.9.254/24"], &s, "s1", &["10.0.9.2/24"]);
    let _server = serve(&s, "10.0.9.2", false);
    let _proxy = start(&m, &["relay", "10.0.1.254", "9000", "10.0.9.2", "9000"]);
    connect(&c, "10.0.1.254", &["count=2"]);
    let v = merged(&c, &s);
    cross(
        &v,
        "cross-middlebox",
        "problem",
        &[
            "client: MPTcpExt MPCapableFallbackSYNACK = 2",
            "server: MPTcpExt MPCapableSYNRX = 0",
            "server: MPTCP listening on 10.0.9.2:9000",
        ],
    );
    assert!(side_has(&v, "client", "fallback"), "{v:#}");
    assert_eq!(v["server"]["side"]["role"], "server");
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn peer_without_mptcp() {
    let Some((c, s)) = pair(false) else { return };
    let _server = serve(&s, "10.0.1.2", true);
    connect(&c, "10.0.1.2", &["count=2"]);
    let v = merged(&c, &s);
    cross(
        &v,
        "cross-peer-no-mptcp",
        "problem",
        &[
            "client: MPTcpExt MPCapableFallbackSYNACK = 2",
            "server: no MPTCP listening socket (ss -Ml)",
        ],
    );
    assert!(v["cross_side"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "cross-middlebox"));
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn joins_dropped_between_the_hosts() {
    let Some((c, s)) = pair(true) else { return };
    c.ip("mptcp endpoint add 10.0.2.1 dev c2 subflow");
    for dev in ["s1", "s2"] {
        drop_ingress(&s, dev, MP_JOIN_SYN);
    }
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2", "hold=300"]);
    let v = merged(&c, &s);
    cross(
        &v,
        "cross-joins",
        "problem",
        &[
            "client: MPTcpExt MPJoinSynTx = 2",
            "client: MPTcpExt MPJoinSynAckRx = 0",
            "server: MPTcpExt MPJoinSynRx = 0",
        ],
    );
}

#[test]
#[ignore = "needs root and network namespaces (run by .ci/run)"]
fn announcements_the_client_can_never_use() {
    let Some((c, s)) = pair(true) else { return };
    c.ip("mptcp endpoint add 10.0.2.1 dev c2 subflow");
    c.ip("mptcp limits set subflows 2 add_addr_accepted 0");
    sysctl(&s, "net.mptcp.allow_join_initial_addr_port=0");
    let _server = serve(&s, "10.0.1.2", false);
    connect(&c, "10.0.1.2", &["count=2", "hold=200"]);
    let v = merged(&c, &s);
    cross(
        &v,
        "cross-join-initial-denied",
        "problem",
        &[
            "client: 10.0.2.1 id 1 subflow dev c2",
            "server: net.mptcp.allow_join_initial_addr_port = 0",
        ],
    );
    assert!(side_has(&v, "server", "joins-impossible"), "{v:#}");
}
