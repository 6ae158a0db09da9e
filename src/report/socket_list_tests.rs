//! Held and spooled lists read, write, edit and compare alike.
use super::*;
use crate::report::{MptcpInfo, Subflow};

fn sock(i: usize) -> MptcpSocket {
    MptcpSocket {
        state: if i == 0 { "LISTEN" } else { "ESTAB" }.into(),
        recv_q: i as u64,
        local: format!("10.0.{}.1:{}", i / 250, 1000 + i).into(),
        peer: "10.0.9.9:443".into(),
        inode: Some(i as u32),
        mptcp: Some(MptcpInfo {
            size: 72,
            token: 0xdead_0000 + i as u32,
            bytes_sent: Some(1 << 40),
            ..MptcpInfo::default()
        }),
        subflows: (0..i % 3)
            .map(|k| Subflow {
                state: "ESTAB".into(),
                local: format!("10.0.1.1:{k}").into(),
                peer: "10.0.9.9:443".into(),
                dev: Some("eth0".into()),
                token_loc: Some(7),
                ..Subflow::default()
            })
            .collect(),
        ..MptcpSocket::default()
    }
}

fn build(n: usize, bound: usize) -> SocketList {
    let mut b = SocketListBuilder::with_bound(bound);
    (0..n).for_each(|i| b.push(sock(i)));
    assert_eq!(b.problem(), None);
    b.finish()
}

#[test]
fn a_list_past_its_bound_is_spooled_and_reads_back_the_same_in_order() {
    let want: Vec<MptcpSocket> = (0..1000).map(sock).collect();
    let held = build(1000, 5000);
    let spooled = build(1000, 10);
    assert!(!held.spooled() && spooled.spooled());
    assert!(spooled.spool_bytes() > 0);
    assert_eq!((held.len(), spooled.len()), (1000, 1000));
    assert_eq!(spooled.to_vec(), want);
    assert_eq!(held, spooled);
    // Two walks at once (clones share the file, each walk has its own offset).
    let copy = spooled.clone();
    assert!(spooled.iter().zip(copy.iter()).all(|(a, b)| a == b));
    let mut n = 0;
    spooled.try_for_each(|_| n += 1).unwrap();
    assert_eq!(n, 1000);
    // Exactly at the bound the list stays in memory.
    assert!(!build(10, 10).spooled());
    assert!(build(11, 10).spooled());
}

#[test]
fn spooled_and_held_lists_serialize_as_the_same_json_array() {
    let held = build(300, 1000);
    let spooled = build(300, 3);
    let v: Vec<MptcpSocket> = (0..300).map(sock).collect();
    let json = serde_json::to_string(&v).unwrap();
    assert_eq!(serde_json::to_string(&held).unwrap(), json);
    assert_eq!(serde_json::to_string(&spooled).unwrap(), json);
    let back: SocketList = serde_json::from_str(&json).unwrap();
    assert!(!back.spooled());
    assert_eq!(back, spooled);
    assert_eq!(serde_json::to_string(&SocketList::new()).unwrap(), "[]");
}

#[test]
fn editing_a_spooled_list_rewrites_it_and_leaves_clones_as_they_were() {
    let mut list = build(50, 4);
    let before = list.clone();
    list.edit_each(|s| s.local = "192.0.2.1:1".into()).unwrap();
    assert!(list.spooled());
    assert_eq!(list.len(), 50);
    assert!(list.iter().all(|s| s.local == "192.0.2.1:1"));
    assert!(before.iter().all(|s| s.local != "192.0.2.1:1"));
    assert_ne!(list, before);
}

#[test]
fn held_lists_are_edited_in_place_and_compare_by_content() {
    let mut list: SocketList = (0..3).map(sock).collect();
    list.held_mut().unwrap()[1].recv_q = 99;
    assert_eq!(list.iter().nth(1).unwrap().recv_q, 99);
    assert!(build(20, 2).held_mut().is_none());
    assert_ne!(build(3, 10), build(4, 10));
    assert!(format!("{:?}", build(20, 2)).starts_with("SocketList(spooled: 20"));
}
