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
    let (list, problem) = b.finish();
    assert_eq!(problem, None);
    list
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

/// Every field set, to something other than its default.
fn full() -> MptcpSocket {
    let mut s = sock(5);
    s.info.insert("token".into(), "abc".into());
    s.send_q = u64::MAX;
    let m = s.mptcp.as_mut().unwrap();
    (
        m.subflows,
        m.add_addr_signal,
        m.add_addr_accepted,
        m.subflows_max,
    ) = (1, 2, 3, 4);
    (m.add_addr_signal_max, m.add_addr_accepted_max, m.flags) = (5, 6, 3);
    (m.write_seq, m.snd_una, m.rcv_nxt) = (u64::MAX - 1, 1 << 63, 12345);
    (m.local_addr_used, m.local_addr_max, m.csum_enabled) = (Some(1), Some(2), Some(0));
    (m.retransmits, m.bytes_retrans, m.bytes_received) = (Some(9), Some(10), Some(11));
    (m.subflows_total, m.endp_laminar_max, m.endp_fullmesh_max) = (Some(3), Some(0), Some(8));
    (m.last_data_sent, m.last_data_recv, m.last_ack_recv) = (Some(1), Some(2), Some(u32::MAX));
    m.bytes_acked = Some(7);
    let f = &mut s.subflows[0];
    (f.recv_q, f.send_q, f.token_rem, f.id_loc, f.id_rem) = (1, 2, Some(3), Some(4), Some(5));
    (f.flags, f.relwrite_seq, f.map_seq, f.map_sfseq) = (Some(0x1ff), Some(6), Some(7), Some(8));
    (f.ssn_offset, f.map_datalen) = (Some(9), Some(u16::MAX));
    f.tcp = Some(crate::report::TcpInfo {
        ca_state: 4,
        retransmits: 1,
        backoff: 2,
        rto_us: 204_000,
        snd_mss: 1448,
        rcv_mss: 536,
        unacked: 3,
        lost: 1,
        retrans: 1,
        pmtu: 1500,
        rtt_us: 120,
        rttvar_us: 40,
        snd_ssthresh: 7,
        snd_cwnd: 10,
        total_retrans: 5,
        bytes_acked: Some(1),
        bytes_received: Some(2),
        min_rtt_us: Some(3),
        bytes_sent: Some(4),
        bytes_retrans: Some(5),
    });
    s
}

#[test]
fn the_spool_codec_keeps_every_field_and_refuses_damaged_records() {
    use crate::report::spool_codec::{decode, Codec};
    for s in [full(), MptcpSocket::default(), sock(0)] {
        let mut w = Vec::new();
        s.put(&mut w);
        assert_eq!(decode::<MptcpSocket>(&w), Some(s.clone()));
        // Every shorter record, and one with a byte too many, is malformed (no panic).
        for n in 0..w.len() {
            assert_eq!(decode::<MptcpSocket>(&w[..n]), None, "{n} of {}", w.len());
        }
        w.push(0);
        assert_eq!(decode::<MptcpSocket>(&w), None);
    }
    // A length far past the record is refused before anything is allocated for it.
    let mut huge = Vec::new();
    u64::MAX.put(&mut huge);
    assert_eq!(decode::<Vec<MptcpSocket>>(&huge), None);
    assert_eq!(decode::<String>(&huge), None);
    // Spooled, the full socket reads back whole.
    let mut b = SocketListBuilder::with_bound(0);
    b.push(full());
    assert_eq!(b.finish().0.to_vec(), [full()]);
}

#[test]
fn a_spooled_list_derives_a_value_once_a_held_one_each_time() {
    use std::cell::Cell;
    let count = |list: &SocketList, calls: &Cell<usize>| {
        list.derived("listeners", |l| {
            calls.set(calls.get() + 1);
            l.heads().filter(|h| h.state == "LISTEN").count()
        })
    };
    let (spooled, held) = (build(100, 5), build(100, 500));
    let (a, b) = (Cell::new(0), Cell::new(0));
    for _ in 0..3 {
        assert_eq!(count(&spooled, &a), 1);
        assert_eq!(count(&held, &b), 1);
    }
    assert_eq!((a.get(), b.get()), (1, 3));
    // Another key, another value; a clone shares the spool and what was derived from it.
    assert_eq!(spooled.derived("total", |l| l.len()), 100);
    assert_eq!(spooled.clone().derived("listeners", |_| 999usize), 1);
    // An edited list is a new spool: nothing derived from the old one carries over.
    let mut edited = spooled.clone();
    edited.edit_each(|s| s.state = "LISTEN".into()).unwrap();
    assert_eq!(count(&edited, &a), 100);
}

#[test]
fn a_spooled_list_gives_the_heads_a_held_one_gives() {
    // Head::get reads the first fields of a record as spool_codec writes them: a field moved in
    // front of the inode would show here.
    let (held, spooled) = (build(300, 1000), build(300, 3));
    let mut with_info: Vec<MptcpSocket> = (0..3).map(sock).collect();
    with_info[1].info.insert("subflows".into(), "2".into());
    let mut b = SocketListBuilder::with_bound(0);
    with_info.iter().cloned().for_each(|s| b.push(s));
    for (a, b) in [(held, spooled), (with_info.into(), b.finish().0)] {
        assert!(!a.spooled() && b.spooled());
        let (ha, hb): (Vec<Head>, Vec<Head>) = (a.heads().collect(), b.heads().collect());
        assert_eq!(ha.len(), a.len());
        assert_eq!(ha, hb);
        assert!(ha
            .iter()
            .zip(a.iter())
            .all(|(h, s)| h.local == s.local && h.inode == s.inode));
    }
}
