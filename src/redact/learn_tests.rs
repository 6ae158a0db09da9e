//! The notations names are learned from, the case-blind search and the shortcuts of the learning walk.
use super::*;

#[test]
fn notations() {
    assert_eq!(
        paren_users("uid=1000(alice) gid=1001(devs) euid=0(root) by bob(uid=1002)")
            .collect::<Vec<_>>(),
        ["alice", "devs", "bob"]
    );
    assert_eq!(
        url_users("see http://carol:pw@example.net/x and https://x.org/").collect::<Vec<_>>(),
        ["carol"]
    );
    assert_eq!(
        sudo_users("sudo:   dave : TTY=pts/0 ; PWD=/home/dave ; USER=root ; COMMAND=/bin/ls"),
        ["dave"]
    );
    assert_eq!(
        at_hosts("Linux version 6.18.0 (erin@build7.corp.example.net) (gcc 14) #1"),
        [("erin", "build7.corp.example.net")]
    );
    assert_eq!(at_hosts("[frank@ws3:~]$ x; a@b.c"), [("frank", "ws3")]);
    // A host name ends on a letter or digit: `(0@host_)` is a host glued to more, not a builder;
    // an underscore inside a build host's name is kept.
    assert!(at_hosts("(0@zqxhost_)").is_empty());
    assert_eq!(
        at_hosts("(mock@build_host-01)"),
        [("mock", "build_host-01")]
    );
    assert_eq!(
        syslog_host("Nov 29 12:00:01 oldname kernel: MPTCP: x"),
        Some("oldname")
    );
    assert_eq!(
        syslog_host("2026-11-29T12:00:01.123+0000 box2 sudo[12]: y"),
        Some("box2")
    );
    assert_eq!(syslog_host("Nov 29 is a date: nope"), None);
}

#[test]
fn addresses_teach_nothing_and_are_skipped() {
    for t in ["127.0.0.1:34200", "0.0.0.0:*", "[::]:443", "12345", ""] {
        assert!(no_notation(t), "{t}");
    }
    for t in ["[fe80::1%eth0]:22", "(1@2)", "a.b", "/home/x", "uid=1(x)"] {
        assert!(!no_notation(t), "{t}");
    }
}

#[test]
fn case_blind_search_finds_what_the_lowercased_text_would() {
    let cases = [
        ("aaaa", "aa"),
        ("Laptop.CORP.example.net laptop", "laptop"),
        ("é.Corp.é corp", "corp"),
        ("xyz", "xyzw"),
        ("", "a"),
        ("..a..A..", "."),
        ("1.2.3.4:22", "2.3"),
    ];
    for (hay, needle) in cases {
        let want: Vec<usize> = hay
            .to_ascii_lowercase()
            .match_indices(needle)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(find_ignore_case(hay, needle), want, "{hay:?} {needle:?}");
    }
}

#[test]
fn fqdns_under_the_known_domain() {
    // A short text is searched in place, a long one lowercased once: the same names.
    let text = "resolved LAPTOP.corp.example.net; peer nas.Corp.Example.net; laptop.service";
    for t in [
        text.to_string(),
        format!("{}{text}", "x ".repeat(LOWERCASE_FROM)),
    ] {
        let mut b = NameBook::default();
        b.add_host("laptop");
        learn_text(&t, &mut b, &Vocabulary::fixed());
        let names: Vec<String> = b
            .entries
            .iter()
            .map(|e| e.original.to_ascii_lowercase())
            .collect();
        assert!(names.contains(&"corp.example.net".into()), "{names:?}");
        assert!(names.contains(&"nas".into()), "{names:?}");
        assert!(!names.contains(&"service".into()), "{names:?}");
    }
}

#[test]
fn a_long_text_is_searched_a_window_at_a_time_with_the_same_matches() {
    // Matches straddling the 64 KiB windows, overlapping candidates ("aa" in "aaa"), multi-byte
    // characters at the window edges, upper case, and a name found nowhere.
    let mut text = String::new();
    let mut i = 0u64;
    while text.len() < 300_000 {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(match (i >> 60) % 8 {
            0 => "Corp.Example.NET ",
            1 => "aaa",
            2 => "é",
            3 => "laptop.corp.example.net\n",
            4 => "x",
            5 => "AA",
            6 => "€ ",
            _ => ".",
        });
    }
    let names: Vec<(String, bool)> = ["corp.example.net", "aa", "laptop", "", "absent.example"]
        .iter()
        .map(|n| (n.to_string(), false))
        .collect();
    let lower = text.to_ascii_lowercase();
    let mut want = Vec::new();
    for (k, (n, _)) in names.iter().enumerate().filter(|(_, (n, _))| !n.is_empty()) {
        want.extend(lower.match_indices(n.as_str()).map(|(i, _)| (k, i)));
    }
    assert!(want.len() > 10_000);
    assert_eq!(lowercase_matches(&text, &names), want);
}
