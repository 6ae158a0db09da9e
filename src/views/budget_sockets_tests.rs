//! Records, levels and the inodes that rank the oldest connections.
use super::*;
use crate::report::SocketList;

const SS: &str = "ESTAB  0      0      127.0.0.1:10001 127.0.0.1:38384\n\t subflows:1 subflows_max:2 remote_key token:2fa43e04\nESTAB  0      0      127.0.0.1:38385 127.0.0.1:10001\n\t fallback token:1f0cdd34 retransmits:3\nLISTEN 0      4      127.0.0.1:10001   0.0.0.0:*    \n\t          \n";

#[test]
fn records_keep_the_exact_text_and_facts() {
    let r = records(SS);
    assert_eq!(r.len(), 3);
    assert_eq!(r.iter().map(|r| r.text).collect::<String>(), SS);
    assert_eq!(
        (r[0].state, r[0].subflows, r[0].fallback),
        ("ESTAB", 1, false)
    );
    assert_eq!((r[1].fallback, r[1].retrans), (true, 3));
    assert_eq!(r[2].state, "LISTEN");
    // Continuation lines before the first socket line (a truncated head) are skipped.
    let tail = &SS[SS.find('\t').unwrap()..];
    assert_eq!(records(tail).len(), 2);
    assert!(records(tail)[0]
        .text
        .starts_with("ESTAB  0      0      127.0.0.1:38385"));
}

#[test]
fn summarized_levels_show_what_matters_once() {
    let lv = levels(
        SsText::Str(SS),
        &SocketList::new(),
        "raw/sockets/ss_-ManiH",
        None,
        60_000,
    );
    assert!(matches!(lv[0], SocketsLevel::Full { .. }));
    let SocketsLevel::Summary {
        total,
        by_state,
        by_subflows,
        categories,
        shown,
        ..
    } = &lv[1]
    else {
        panic!("second level summarizes")
    };
    assert_eq!(*total, 3);
    assert_eq!(
        by_state,
        &[("ESTAB".to_string(), 2), ("LISTEN".to_string(), 1)]
    );
    assert_eq!(by_subflows, &[(0, 1), (1, 1)]);
    let titles: Vec<&str> = categories.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Fallen back to TCP",
            "With the most subflows (1 beyond the first)",
            "Retransmitting (most retransmits first)",
            "Listening"
        ]
    );
    // The fallen-back connection also retransmits: shown once, under the first category.
    assert!(categories[2].text.is_empty());
    assert_eq!(*shown, 3);
    let SocketsLevel::Summary { shown, .. } = lv.last().unwrap() else {
        panic!()
    };
    assert_eq!(*shown, 0);
    assert!(matches!(
        levels(SsText::Str(""), &SocketList::new(), "x", None, 10)[0],
        SocketsLevel::None
    ));
}

#[test]
fn the_oldest_come_from_the_typed_sockets_inodes() {
    use crate::report::MptcpSocket;
    let sock = |state: &str, local: &str, inode| MptcpSocket {
        state: state.into(),
        local: local.into(),
        inode: Some(inode),
        ..Default::default()
    };
    let typed = vec![
        sock("ESTAB", "127.0.0.1:10001", 900),
        sock("ESTAB", "127.0.0.1:38385", 300),
        sock("LISTEN", "127.0.0.1:10001", 100),
    ];
    let lv = levels(SsText::Str(SS), &typed.clone().into(), "raw", None, 60_000);
    let SocketsLevel::Summary { categories, .. } = &lv[1] else {
        panic!("second level summarizes")
    };
    let oldest = categories
        .iter()
        .find(|c| c.title.starts_with("Oldest"))
        .expect("an oldest category");
    // Both connections have an inode; the listener is not a connection. Each is already shown
    // under an earlier category, so the oldest category only counts them here.
    assert_eq!((oldest.count, oldest.shown), (2, 0));
    // Plain connections are listed oldest first.
    let plain = "ESTAB 0 0 10.0.0.1:1 10.0.0.2:80\n\t token:1\nESTAB 0 0 10.0.0.1:2 10.0.0.2:80\n\t token:2\nESTAB 0 0 10.0.0.1:3 10.0.0.2:80\n\t token:3\n";
    let typed: Vec<MptcpSocket> = [
        ("10.0.0.1:1", 900),
        ("10.0.0.1:2", 300),
        ("10.0.0.1:3", 500),
    ]
    .into_iter()
    .map(|(l, i)| sock("ESTAB", l, i))
    .collect();
    let oldest = |typed: Vec<MptcpSocket>| {
        let lv = levels(SsText::Str(plain), &typed.into(), "raw", None, 60_000);
        let SocketsLevel::Summary { categories, .. } = &lv[1] else {
            panic!()
        };
        categories
            .iter()
            .map(|c| (c.title.clone(), c.text.clone()))
            .collect::<Vec<_>>()
    };
    let got = oldest(typed.clone());
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].0.starts_with("Oldest"));
    let at: Vec<usize> = ["10.0.0.1:2 ", "10.0.0.1:3 ", "10.0.0.1:1 "]
        .iter()
        .map(|p| got[0].1.find(p).expect(p))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    // Typed sockets that do not match the text give no inodes (and no wrong ones).
    for wrong in [
        typed[..2].to_vec(),
        vec![typed[1].clone(), typed[0].clone(), typed[2].clone()],
    ] {
        let got = oldest(wrong);
        assert_eq!(got.len(), 1);
        assert!(got[0].0.starts_with("Other connections"), "{got:?}");
        assert_eq!(got[0].1, plain);
    }
}

/// A text of `n` records with every kind of connection, and its typed sockets.
fn big(n: usize) -> (String, Vec<crate::report::MptcpSocket>) {
    let mut text = String::new();
    let mut typed = Vec::new();
    for i in 0..n {
        let state = if i % 97 == 0 { "LISTEN" } else { "ESTAB" };
        let local = format!("10.0.{}.1:{}", i % 7, 1000 + i);
        let mut info = String::from("\t");
        if i % 5 == 0 {
            info += &format!(" subflows:{}", i % 3);
        }
        if i % 11 == 0 {
            info += " fallback";
        }
        if i % 13 == 0 {
            info += &format!(" retransmits:{}", i % 17);
        }
        text += &format!("{state} 0 0 {local} 10.9.9.9:443\n{info} token:{i:x}\n");
        typed.push(crate::report::MptcpSocket {
            state: state.into(),
            local: local.into(),
            inode: Some((n * 7 - i * 3) as u32),
            ..Default::default()
        });
    }
    (text, typed)
}

#[test]
fn a_spooled_text_gives_the_levels_the_same_text_in_memory_gives() {
    use crate::report::{SocketListBuilder, TextSpoolWriter};
    use std::io::Write;
    let (text, typed) = big(3000);
    let mut w = TextSpoolWriter::create().unwrap();
    w.write_all(text.as_bytes()).unwrap();
    let spool = w.finish().unwrap();
    let mut b = SocketListBuilder::with_bound(10);
    typed.iter().cloned().for_each(|s| b.push(s));
    let spooled_typed = b.finish().0;
    assert!(spooled_typed.spooled());
    let json = |lv: Vec<SocketsLevel>| serde_json::to_string(&lv).unwrap();
    let held = json(levels(
        SsText::Str(&text),
        &typed.clone().into(),
        "raw",
        None,
        60_000,
    ));
    assert_eq!(
        json(levels(
            SsText::Spool(&spool),
            &spooled_typed,
            "raw",
            None,
            60_000
        )),
        held
    );
    assert_eq!(
        json(levels(
            SsText::Spool(&spool),
            &typed.into(),
            "raw",
            None,
            60_000
        )),
        held
    );
    // Every category has its connections, the most telling first.
    assert!(held.contains("Oldest (lowest socket inode first)"));
    assert!(held.contains("Retransmitting"));
    // A small spooled text is shown whole, like one in memory.
    let small = "ESTAB 0 0 10.0.0.1:1 10.0.0.2:80\n\t token:1\n";
    let mut w = TextSpoolWriter::create().unwrap();
    w.write_all(small.as_bytes()).unwrap();
    let sp = w.finish().unwrap();
    let none = SocketList::new();
    assert_eq!(
        json(levels(SsText::Spool(&sp), &none, "raw", None, 60_000)),
        json(levels(SsText::Str(small), &none, "raw", None, 60_000))
    );
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    for r in records(&text) {
        *states.entry(r.state.to_string()).or_default() += 1;
    }
    let want = most_first(states);
    assert_eq!(want[0].0, "ESTAB");
    assert_eq!(by_state_of(SsText::Spool(&spool)), want);
    assert_eq!(by_state_of(SsText::Str(&text)), want);
}
