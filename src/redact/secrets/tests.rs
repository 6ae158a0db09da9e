//! Unit tests of the key rules and of the scrubber as text.rs runs it (no address sink, as with
//! `--no-redact`). The notation corpus is in redact/notation_tests.rs.

use super::*;
use crate::redact::scan::Sink;
use crate::redact::text::Rules;
use std::net::IpAddr;

struct Keep;

impl Sink for Keep {
    fn ip(&mut self, _: IpAddr) -> Option<IpAddr> {
        None
    }
    fn hw(&mut self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

fn scrub(t: &str) -> String {
    Rules::with_secrets()
        .rewrite::<Keep>(t, None)
        .unwrap_or_else(|| t.to_string())
}

#[test]
fn keys() {
    for k in [
        "psk",
        "password",
        "leap-password",
        "private-key",
        "PrivateKey",
        "PresharedKey",
        "Pre-shared Key",
        "pin",
        "secrets",
        "client_secret",
        "wep-key0",
        "wep_key3",
        "auth-token",
        "X-Auth-Token",
        "accessToken",
        "refresh_tokens",
        "api_key",
        "net.ipv4.tcp_fastopen_key",
        "\"password\"",
        "\"passcode\"",
        "Cookie",
        "Set-Cookie",
        "cookie",
        "mka-cak",
        "mka-ckn",
        "--password",
        "--token-secret",
        "--token",
    ] {
        assert!(is_secret_key(k), "{k}");
    }
    for k in [
        "token",
        "MPTCP token hash table entries",
        "token-count",
        "psk-flags",
        "mka-cak-flags",
        "key-mgmt",
        "id",
        "ssid",
        "remote_key",
        "bypass",
        "mptcp-flags",
        "spin",
        "CONFIG_SECRETMEM",
        "net.ipv4.ping_group_range",
        "net.ipv4.tcp_syncookies",
        "TcpExtSyncookiesSent",
        "TcpExtTCPFastOpenPassive",
    ] {
        assert!(!is_secret_key(k), "{k}");
    }
}

#[test]
fn shapes() {
    let t = "[wifi-security]\nkey-mgmt=wpa-psk\npsk=hunter2 secret\npsk-flags=0\n  PrivateKey = aGVsbG8=\n\"password\": \"p4\\\"ss\",\nprivate key: abc\ntoken:1f0cdd34 x auth_token=zz y\nproxy=http://bob:hunter3@proxy:3128/ http://[::1]:80/ Authorization: Bearer abc\n";
    let want = "[wifi-security]\nkey-mgmt=wpa-psk\npsk=[REDACTED]\npsk-flags=0\n  PrivateKey = [REDACTED]\n\"password\": \"[REDACTED]\",\nprivate key: [REDACTED]\ntoken:1f0cdd34 x auth_token=[REDACTED] y\nproxy=http://bob:[REDACTED]@proxy:3128/ http://[::1]:80/ Authorization: [REDACTED]\n";
    assert_eq!(scrub(t), want);
    let pem = "a\n-----BEGIN PRIVATE KEY-----\nMIIE\nabcd\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        scrub(pem),
        "a\n-----BEGIN PRIVATE KEY-----\n[REDACTED]\n-----END PRIVATE KEY-----\n"
    );
}

#[test]
fn mptcp_tokens_are_32_bit_numbers() {
    for (t, yes) in [
        ("2fa43e04 ", true),
        ("0x3a8e1f0c)", true),
        ("4294967295", true),
        ("\"1f0cdd34\"", true),
        ("0000(id:0)", true),
        ("4294967296", false),
        ("2fa43e04aa", false),
        ("ghp_x", false),
        ("1f0cdd34-x", false),
        ("", false),
    ] {
        assert_eq!(keyed::mptcp_token(t.as_bytes(), 0), yes, "{t:?}");
    }
}

#[test]
fn scrubbing_twice_changes_nothing_more() {
    let t = "password=a b\n--token xyz123 Cookie: a=1; b=2\n$6$saltsalt$hashhashhash\nsshpass -p pw ssh h\n";
    let once = scrub(t);
    assert_ne!(once, t);
    assert_eq!(scrub(&once), once);
}
