//! NetworkManager and mptcpd collectors against fixture roots: summary snapshots, and keyfile secrets
//! never reaching the JSON report, even with --no-redact.

use crate::util::{bin, fixture_args, OkStdout};

fn summary(case: &str) -> String {
    let out = bin()
        .args(fixture_args(case))
        .args(["--no-archive", "--batch", "--no-redact"])
        .ok_stdout();
    String::from_utf8(out).unwrap()
}

fn snap(case: &str) {
    let text = summary(case);
    // The shared filters: times, versions, durations, the checkout's path, who ran the tests.
    insta::with_settings!({filters => crate::util::insta_filters()}, {
        insta::assert_snapshot!(format!("summary@{case}"), text);
    });
}

#[test]
fn nm_fedora_summary() {
    let s = summary("nm-fedora");
    assert!(s.contains("### NetworkManager"), "{s}");
    assert!(
        s.contains("Home WiFi (wifi) on wlp2s0: mptcp-flags 0x32 = enabled,signal,subflow, active"),
        "{s}"
    );
    assert!(
        s.contains("Wired (ethernet): mptcp-flags 1 = disabled, inactive"),
        "{s}"
    );
    assert!(s.contains("not a number"), "{s}");
    snap("nm-fedora");
}

#[test]
fn mptcpd_debian_summary() {
    let s = summary("mptcpd-debian");
    assert!(s.contains("### mptcpd"), "{s}");
    assert!(s.contains("mptcp.service: active"), "{s}");
    assert!(s.contains("path-manager addr_adv"), "{s}");
    assert!(s.contains("addr_adv.so"), "{s}");
    assert!(s.contains("line 8: not `key=value`"), "{s}");
    snap("mptcpd-debian");
}

#[test]
fn keyfile_secrets_never_in_json() {
    let out = bin()
        .args(fixture_args("nm-fedora"))
        .args(["--no-archive", "--batch", "--no-redact", "--format", "json"])
        .ok_stdout();
    let json = String::from_utf8(out).unwrap();
    assert!(
        json.contains("Home WiFi"),
        "the connections must be reported"
    );
    for secret in [
        "SuperSecretPSK123",
        "TopSecretPassword9",
        "psk=",
        "password=",
    ] {
        assert!(
            !json.contains(secret),
            "{secret} leaked into the JSON report"
        );
    }
}
