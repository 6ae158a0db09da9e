//! Redaction as people attaching archives to public issues need it: no canary from the canary fixture
//! (identities, secrets) in any archive member or on stdout; consistent mappings; key files; the
//! private map outside the archive; and `unredact` restoring the originals.

use crate::util::{bin, fixture, fixture_args, only_archive, unpack, OkStdout};
use mptcp_get_debug::report::Report;
use std::path::Path;

const IDENTITIES: &[&str] = &[
    "zephyr-laptop07",
    "zephyr-laptop07_corp_acmewidgets_net",
    "acmewidgets",
    "alicecanary",
    "CanaryHomeWifi",
    "CanaryNet-5G",
    "CanaryWorkVpn",
    "3c:22:fb:12:34:56",
    "3c-22-fb-aa-bb-cc",
    "10.23.45.67",
    "10.23.45.68",
    "172.20.1.5",
    "88.12.34.56",
    "2a01:e0a:1ad:9c40::1234",
    "fe80::3e22:fbff:fe12:3456",
];
const SECRETS: &[&str] = &[
    "CanaryPsk-s3cr3t",
    "CanaryVpnPass!",
    "CanaryWgKeyqL0b2YyQh8Zc3r0N9bI0sRr7Xx1mF3nE=",
];

/// Runs a collect of the canary fixture into `dir`; returns (stdout, every archive member).
fn run(dir: &Path, extra: &[&str]) -> (String, Vec<(String, String)>) {
    let f = fixture("canary");
    let out = bin()
        .args(fixture_args("canary"))
        .arg("--collectors-dir")
        .arg(f.join("collectors"))
        .arg("-o")
        .arg(dir)
        .args(["--batch", "-q"])
        .args(extra)
        .ok_stdout();
    let members = unpack(&only_archive(dir))
        .into_iter()
        .map(|(p, d)| (p, String::from_utf8_lossy(&d).into_owned()))
        .collect();
    (String::from_utf8(out).unwrap(), members)
}

fn leaks<'a>(
    needles: &[&'a str],
    stdout: &str,
    members: &[(String, String)],
) -> Vec<(&'a str, String)> {
    let mut found = Vec::new();
    for n in needles {
        let lower = n.to_ascii_lowercase();
        for (path, text) in members
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .chain([("stdout", stdout)])
        {
            if text.to_ascii_lowercase().contains(&lower)
                || path.to_ascii_lowercase().contains(&lower)
            {
                found.push((*n, path.to_string()));
            }
        }
    }
    found
}

#[test]
fn no_canary_in_any_member() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, members) = run(dir.path(), &[]);
    assert!(members.len() > 10, "{members:?}");
    let l = leaks(&[IDENTITIES, SECRETS].concat(), &stdout, &members);
    assert!(l.is_empty(), "leaked: {l:?}");
    // The archive name uses the pseudonym, and the map sits next to the archive with mode 0600.
    let archive = only_archive(dir.path());
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("mptcp-debug-host-1-"), "{name}");
    let map = dir.path().join(format!("{name}.map.json"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&map).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!members.iter().any(|(p, _)| p.ends_with(".map.json")));
    let map_text = std::fs::read_to_string(&map).unwrap();
    assert!(map_text.contains("10.23.45.67") && map_text.contains("zephyr-laptop07"));
    // Evidence stays: tokens, ports, endpoint ids, flags, kept ranges.
    let summary = &members.iter().find(|(p, _)| p == "summary.md").unwrap().1;
    for kept in [
        "token:1f0cdd34",
        ":443",
        "id 2 signal",
        "2001:db8::99",
        "subflows 2",
        "127.0.0.1",
    ] {
        assert!(
            members.iter().any(|(_, t)| t.contains(kept)),
            "{kept} should be kept"
        );
    }
    assert!(
        summary.contains("Redaction: addresses are encrypted"),
        "{summary}"
    );
    assert!(
        summary.contains("ipv4") && summary.contains("mac") && summary.contains("hostname"),
        "{summary}"
    );
}

#[test]
fn secrets_go_even_without_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, members) = run(dir.path(), &["--no-redact"]);
    let l = leaks(SECRETS, &stdout, &members);
    assert!(l.is_empty(), "leaked: {l:?}");
    // Identities are kept as asked, and no map is written.
    assert!(members.iter().any(|(_, t)| t.contains("10.23.45.67")));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let summary = &members.iter().find(|(p, _)| p == "summary.md").unwrap().1;
    assert!(summary.contains("Redaction: off"), "{summary}");
}

fn report_of(members: &[(String, String)]) -> Report {
    serde_json::from_str(&members.iter().find(|(p, _)| p == "report.json").unwrap().1).unwrap()
}

fn endpoint_addrs(r: &Report) -> Vec<String> {
    r.endpoints(None)
        .unwrap()
        .iter()
        .map(|e| e.addr.to_string())
        .collect()
}

#[test]
fn mapping_is_consistent_within_a_run_and_across_runs_with_one_key() {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("shared.key");
    let key_arg = key.to_str().unwrap();
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (_, ma) = run(a.path(), &["--redact-key", key_arg]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (_, mb) = run(b.path(), &["--redact-key", key_arg]);
    let (_, mc) = run(c.path(), &[]);
    let (ra, rb, rc) = (report_of(&ma), report_of(&mb), report_of(&mc));
    assert_eq!(
        endpoint_addrs(&ra),
        endpoint_addrs(&rb),
        "same key, same mapping"
    );
    assert_ne!(
        endpoint_addrs(&ra),
        endpoint_addrs(&rc),
        "different keys, different mapping"
    );
    assert_eq!(
        ra.redaction.as_ref().unwrap().key_id,
        rb.redaction.as_ref().unwrap().key_id
    );
    assert_ne!(
        ra.redaction.as_ref().unwrap().key_id,
        rc.redaction.as_ref().unwrap().key_id
    );
    // The same address in two different files maps to the same output.
    let enc = &endpoint_addrs(&ra)[0];
    let addr_show = ma
        .iter()
        .find(|(p, _)| p.ends_with("ip_addr_show.txt"))
        .unwrap();
    let ss = ma
        .iter()
        .find(|(p, _)| p.ends_with("ss_-ManiH.txt"))
        .unwrap();
    assert!(
        addr_show.1.contains(&format!("inet {enc}/24")),
        "{enc} not in {}",
        addr_show.1
    );
    assert!(
        ss.1.contains(&format!("{enc}:38384")),
        "{enc} not in {}",
        ss.1
    );
}

#[test]
fn bad_key_file_is_a_one_line_error() {
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("k");
    std::fs::write(&k, "00".repeat(32)).unwrap();
    let out = bin()
        .args(fixture_args("modern"))
        .args(["--no-archive", "--redact-key"])
        .arg(&k)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("--redact-key") && err.contains("identical"),
        "{err}"
    );
    std::fs::write(&k, "zz").unwrap();
    let out = bin()
        .args(fixture_args("modern"))
        .args(["--no-archive", "--redact-key"])
        .arg(&k)
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("hexadecimal"));
}

#[test]
fn unredact_restores_the_originals() {
    let dir = tempfile::tempdir().unwrap();
    let (_, members) = run(dir.path(), &[]);
    let archive = only_archive(dir.path());
    let map = format!("{}.map.json", archive.display());
    let red = members
        .iter()
        .find(|(p, _)| p.ends_with("ip_addr_show.txt"))
        .unwrap()
        .1
        .clone();
    let file = dir.path().join("question.txt");
    std::fs::write(&file, &red).unwrap();
    let back = String::from_utf8(
        bin()
            .args(["unredact", "--map", &map])
            .arg(&file)
            .ok_stdout(),
    )
    .unwrap();
    let original =
        std::fs::read_to_string(fixture("canary").join("commands/ip addr show")).unwrap();
    // MACs come back in the canonical lower-case colon form.
    pretty_assertions::assert_eq!(
        back,
        original.replace("3C-22-FB-AA-BB-CC", "3c-22-fb-aa-bb-cc")
    );
    let host = String::from_utf8(
        bin()
            .args(["unredact", "--map", &map, "host-1 says hi"])
            .ok_stdout(),
    )
    .unwrap();
    assert_eq!(host, "zephyr-laptop07 says hi\n");
}

#[test]
fn unredact_refuses_a_file_that_is_not_a_map() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("m.json");
    std::fs::write(&f, "{}").unwrap();
    let out = bin()
        .args(["unredact", "--map"])
        .arg(&f)
        .arg("x")
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&out.get_output().stderr)
        .contains("not an mptcp-get-debug redaction map"));
}
