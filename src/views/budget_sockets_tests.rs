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
        SS,
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
        levels("", &SocketList::new(), "x", None, 10)[0],
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
    let lv = levels(SS, &typed.clone().into(), "raw", None, 60_000);
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
    let mut recs = records(SS);
    set_inodes(&mut recs, &typed.clone().into());
    let ranked = ranked(&recs);
    let (_, list) = ranked
        .iter()
        .find(|(t, _)| t.starts_with("Oldest"))
        .unwrap();
    assert_eq!(
        list.iter().map(|r| r.ino).collect::<Vec<_>>(),
        [Some(300), Some(900)]
    );
    // Typed sockets that do not match the text give no inodes (and no wrong ones).
    let mut recs = records(SS);
    set_inodes(&mut recs, &typed[..2].to_vec().into());
    assert!(recs.iter().all(|r| r.ino.is_none()));
    let mut swapped = typed.clone();
    swapped.swap(0, 1);
    set_inodes(&mut recs, &swapped.into());
    assert!(recs.iter().all(|r| r.ino.is_none()));
    set_inodes(&mut recs, &typed.clone().into());
    assert_eq!(
        recs.iter().map(|r| r.ino).collect::<Vec<_>>(),
        [Some(900), Some(300), Some(100)]
    );
}
