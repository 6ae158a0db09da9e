//! Property tests of the detectors: an address glued to random words by any separator the scanner
//! must accept is always found, and nothing around it changes; text made of the non-address shapes
//! MPTCP reports are full of (hex, counters, times, versions, tokens, code) comes back unchanged;
//! secret values vanish whatever they are; any input is handled without panicking, and scrubbing
//! twice changes nothing more.

use super::corpus::macs;
use super::{enc, redact};
use crate::redact::ip::keep;
use crate::redact::secrets::KEYWORDS;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// No keyword of the secret scrubber inside (`psk_` glued to an address would make a key).
fn innocent(w: &str) -> bool {
    let f: String = w
        .chars()
        .map(|c| {
            if c == '_' {
                '.'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    !KEYWORDS.iter().any(|k| f.contains(k)) && !f.contains("pwd")
}

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z]{0,6}".prop_filter("no secret keyword", |w| innocent(w))
}

/// Separators an address may be glued by.
const GLUE: &[&str] = &[
    "_", "-", "=", "(", ")", "[", "]", "/", ",", "'", "\"", " ", ";", "\n",
];

fn glue(exclude: &'static str) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(
        GLUE.iter()
            .copied()
            .filter(|g| !exclude.contains(*g))
            .collect::<Vec<_>>(),
    )
}

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>()
        .prop_map(Ipv4Addr::from)
        .prop_filter("kept addresses stay", |a| !keep(IpAddr::V4(*a)))
}

/// Global unicast, ULA or link-local, as they appear in reports.
fn v6() -> impl Strategy<Value = Ipv6Addr> {
    (
        prop_oneof![0x2000u128..0x4000, 0xfc00u128..0xfe00, 0xfe80u128..0xfec0],
        any::<u128>(),
        0usize..4,
    )
        .prop_map(|(top, low, zeros)| {
            // Runs of zero groups, so that `::` shows up.
            let mask = match zeros {
                0 => u128::MAX,
                1 => u128::MAX >> 64,
                2 => 0xffff,
                _ => u128::MAX >> 32 & !(0xffff_ffffu128 << 64),
            };
            Ipv6Addr::from(top << 112 | (low & mask & (u128::MAX >> 16)))
        })
        .prop_filter("kept addresses stay", |a| !keep(IpAddr::V6(*a)))
}

fn mac() -> impl Strategy<Value = [u8; 6]> {
    any::<[u8; 6]>()
        .prop_map(|mut m| {
            m[0] &= 0xfe; // unicast
            m
        })
        .prop_filter("all-zero stays", |m| m.iter().any(|&b| b != 0))
}

fn check(
    text: String,
    before: String,
    want_mid: String,
    after: String,
) -> Result<(), TestCaseError> {
    let got = redact(&text, true);
    prop_assert_eq!(
        got,
        format!("{before}{want_mid}{after}"),
        "input {:?}",
        text
    );
    Ok(())
}

proptest! {
    #[test]
    fn glued_ipv4_is_always_found(w1 in word(), g1 in glue(""), a in v4(), g2 in glue(""), w2 in word()) {
        let before = format!("{w1}{g1}");
        let after = format!("{g2}{w2}");
        let mid = enc(&a.to_string()).unwrap();
        check(format!("{before}{a}{after}"), before, mid, after)?;
    }

    #[test]
    fn glued_ipv6_is_always_found(w1 in word(), g1 in glue(""), a in v6(), g2 in glue(""), w2 in word()) {
        let before = format!("{w1}{g1}");
        let after = format!("{g2}{w2}");
        let mid = enc(&a.to_string()).unwrap();
        check(format!("{before}{a}{after}"), before, mid, after)?;
    }

    #[test]
    fn glued_mac_is_always_found(
        w1 in word(), g1 in glue(""), m in mac(), form in 0usize..5, g2 in glue(""), w2 in word(),
    ) {
        let hex = |upper: bool, sep: &str| {
            m.iter()
                .map(|b| if upper { format!("{b:02X}") } else { format!("{b:02x}") })
                .collect::<Vec<_>>()
                .join(sep)
        };
        let (written, g1, g2) = match form {
            0 => (hex(false, ":"), g1, g2),
            1 => (hex(true, ":"), g1, g2),
            // A `-` next to a dashed MAC may continue it: not a glue for this form.
            2 | 3 => (
                hex(form == 3, "-"),
                if g1 == "-" { "_" } else { g1 },
                if g2 == "-" { "_" } else { g2 },
            ),
            _ => {
                let h = hex(false, "");
                (format!("{}.{}.{}", &h[..4], &h[4..8], &h[8..]), g1, g2)
            }
        };
        let before = format!("{w1}{g1}");
        let after = format!("{g2}{w2}");
        check(format!("{before}{written}{after}"), before, macs(&written), after)?;
    }
}

/// One token of text that holds no address and no secret.
fn evidence_token() -> impl Strategy<Value = String> {
    let key = proptest::sample::select(vec![
        "seq",
        "sfseq",
        "ssnoff",
        "rtt",
        "ino",
        "sk",
        "id",
        "mss",
        "flags",
        "snd_una",
        "rcv_nxt",
        "write_seq",
        "remid",
        "locid",
        "maplen",
        "subflows",
    ]);
    prop_oneof![
        "[0-9a-f]{1,32}",
        (key.clone(), "[0-9a-f]{1,16}").prop_map(|(k, v)| format!("{k}:{v}")),
        (key, "[0-9]{1,12}").prop_map(|(k, v)| format!("{k}={v}")),
        "[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[0-9]{1,2})?",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(-[0-9][a-z]{2,7}[0-9]?|\\+deb[0-9]{2}u[0-9]|~rc[0-9])",
        "[0-9]{1,3}(\\.[0-9]{1,3}){5,8}",
        "[g-z][a-z]{0,5}::[g-z][a-z]{0,5}".prop_filter("no secret keyword", |w| innocent(w)),
        "[a-f]{1,3}::[a-f]{1,4}",
        "[a-f0-9]{1,4}:[a-f0-9]{1,4}",
        "([0-9a-f]{2}:){6}[0-9a-f]{2}",
        "([0-9A-F]{2}:){15}[0-9A-F]{2}",
        "([0-9a-f]{2}-){6}[0-9a-f]{2}",
        "[0-9a-f]{13,20}",
        "MPTcpExt[A-Z][a-z]{2,10}".prop_filter("no secret keyword", |w| innocent(w)),
        "0000:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]",
        "token:[0-9a-f]{1,8}(\\(id:[0-9]\\))?",
        "token=[0-9a-f]{8}",
        "token 0x[0-9a-f]{1,8}",
        "(psk|mptcp|password|mka-cak)-flags=[0-9]",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
    ]
}

fn separator() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec![" ", "\t", "\n", ", ", " | ", "  "])
}

const SECRET_KEYS: &[&str] = &[
    "psk",
    "password",
    "client_secret",
    "api_key",
    "PrivateKey",
    "wep-key2",
    "mka-cak",
    "auth_token",
    "passphrase",
    "X-Auth-Token",
    "leap-password",
    "private-key-password",
];

proptest! {
    #[test]
    fn text_without_addresses_or_secrets_is_unchanged(
        parts in proptest::collection::vec((evidence_token(), separator()), 1..24),
    ) {
        let text: String = parts.iter().map(|(t, s)| format!("{t}{s}")).collect();
        prop_assert_eq!(redact(&text, true), text.clone());
        prop_assert_eq!(redact(&text, false), text);
    }

    #[test]
    fn secret_values_vanish_whatever_they_are(
        pre in proptest::collection::vec(evidence_token(), 0..4),
        key in proptest::sample::select(SECRET_KEYS),
        sep in proptest::sample::select(vec![("=", ""), (" = ", ""), (": ", ""), ("=\"", "\""), (": '", "'")]),
        value in "[A-Za-z0-9+/_.!@#%^*-]{0,20}[0-9][A-Za-z0-9]{0,4}",
        post in proptest::collection::vec(evidence_token(), 0..4),
        identities: bool,
    ) {
        let (open, close) = sep;
        let head = format!("{}\n{key}{open}", pre.join(" "));
        let tail = format!("{close}\n{}", post.join(" "));
        let got = redact(&format!("{head}{value}{tail}"), identities);
        prop_assert_eq!(got, format!("{head}[REDACTED]{tail}"));
    }

    #[test]
    fn any_text_is_handled(text in prop_oneof![any::<String>(), soup(true)]) {
        let _ = redact(&text, true);
        let _ = redact(&text, false);
    }

    /// (Without quotes: in junk, quotes pair differently once a value between them is replaced.)
    #[test]
    fn scrubbing_twice_changes_nothing_more(text in prop_oneof![any::<String>(), soup(false)]) {
        let once = redact(&text, false);
        prop_assert_eq!(redact(&once, false), once.clone(), "input {:?}", text);
    }
}

/// Text made of the bytes and words the detectors react to.
fn soup(quotes: bool) -> impl Strategy<Value = String> {
    let bytes = if quotes {
        "[0-9a-fA-F:.\\-_=$\"' \\n/@%\\[\\]{}]{1,12}"
    } else {
        "[0-9a-fA-F:.\\-_=$ \\n/@%\\[\\]{}]{1,12}"
    };
    proptest::collection::vec(
        prop_oneof![
            bytes,
            proptest::sample::select(vec![
                "token",
                "password",
                "psk",
                "-----BEGIN PRIVATE KEY-----",
                "://",
                "$6$",
                "{SSHA}",
                "eyJ",
                "ghp_",
                "sshpass -p ",
                "--password ",
                "Cookie: ",
                "\u{e9}",
                "\u{2192}",
                "::ffff:",
                "10.1.2.3",
                "fe80::",
                "mac:",
                "MAC=",
                "curl -u ",
                "\n  ",
            ])
            .prop_map(str::to_string),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}
