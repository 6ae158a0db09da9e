use super::*;
use crate::netlink::socket::messages;
use proptest::prelude::*;

fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
    crate::netlink::nla::emit_all(&[RawNla::new(kind, payload)])
}

/// An inet_diag_msg header as the kernel builds it, then `attrs`.
fn msg(
    family: u8,
    state: u8,
    src: &[u8],
    sport: u16,
    dst: &[u8],
    dport: u16,
    attrs: &[u8],
) -> Vec<u8> {
    let mut b = vec![family, state, 0, 0];
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    let mut a = [0u8; 16];
    a[..src.len()].copy_from_slice(src);
    b.extend_from_slice(&a);
    let mut a = [0u8; 16];
    a[..dst.len()].copy_from_slice(dst);
    b.extend_from_slice(&a);
    b.extend_from_slice(&3u32.to_ne_bytes()); // if
    b.extend_from_slice(&[0xaa; 8]); // cookie
    for v in [0u32, 7, 4, 1000, 12345] {
        b.extend_from_slice(&v.to_ne_bytes()); // expires rqueue wqueue uid inode
    }
    assert_eq!(b.len(), INET_DIAG_MSG_LEN);
    b.extend_from_slice(attrs);
    b
}

#[test]
fn request_is_what_ss_sends() {
    let r = Request {
        family: libc::AF_INET as u8,
        protocol: IPPROTO_MPTCP,
        ext: ext_bit(INET_DIAG_INFO) | ext_bit(INET_DIAG_VEGASINFO) | ext_bit(INET_DIAG_CONG),
        states: 0xfff,
    };
    let m = r.encode();
    assert_eq!(m.len(), 56 + 8);
    assert_eq!(&m[0..4], &[2, 6, 0x0e, 0]);
    assert_eq!(&m[4..8], &0xfffu32.to_ne_bytes());
    assert_eq!(
        &m[56..],
        [attr(INET_DIAG_REQ_PROTOCOL, &262u32.to_ne_bytes())].concat()
    );
    let tcp = Request {
        protocol: IPPROTO_TCP,
        ..r
    }
    .encode();
    assert_eq!(tcp.len(), 56);
}

#[test]
fn decodes_an_mptcp_socket_with_its_info() {
    let mut info = vec![0u8; 96];
    info[0] = 1;
    info[3] = 2;
    info[8..12].copy_from_slice(&2u32.to_ne_bytes());
    info[12..16].copy_from_slice(&0x2fa43e04u32.to_ne_bytes());
    info[16..24].copy_from_slice(&0x9eb00423f3682bccu64.to_ne_bytes());
    info[44..48].copy_from_slice(&5u32.to_ne_bytes());
    info[81] = 3;
    let attrs = [
        attr(INET_DIAG_SHUTDOWN, &[0]),
        attr(INET_DIAG_PAD, &[]),
        attr(INET_DIAG_INFO, &info),
        attr(INET_DIAG_MARK, &9u32.to_ne_bytes()),
        attr(99, b"new"),
        attr(INET_DIAG_SHUTDOWN, &[1, 2]),
    ]
    .concat();
    let m = decode_msg(&msg(
        2,
        1,
        &[127, 0, 0, 1],
        10001,
        &[127, 0, 0, 2],
        38384,
        &attrs,
    ))
    .unwrap();
    assert_eq!((m.family, m.state, m.sport, m.dport), (2, 1, 10001, 38384));
    assert_eq!(m.src.to_string(), "127.0.0.1");
    assert_eq!(m.dst.to_string(), "127.0.0.2");
    assert_eq!((m.ifindex, m.rqueue, m.wqueue, m.inode), (3, 7, 4, 12345));
    assert_eq!(m.cookie, 0xaaaa_aaaa_aaaa_aaaa);
    assert_eq!(
        &m.attrs[..2],
        &[DiagAttr::Shutdown(0), DiagAttr::Info(info.clone())]
    );
    assert_eq!(m.attrs[2], DiagAttr::Mark(9));
    assert_eq!(m.attrs[3], DiagAttr::Other(RawNla::new(99, &b"new"[..])));
    // A known attribute of the wrong size is kept, not trusted.
    assert_eq!(
        m.attrs[4],
        DiagAttr::Other(RawNla::new(INET_DIAG_SHUTDOWN, [1, 2]))
    );
    let i = decode_mptcp_info(m.info().unwrap());
    assert_eq!(
        (i.subflows, i.subflows_max, i.flags, i.token),
        (1, 2, 2, 0x2fa43e04)
    );
    assert_eq!(i.write_seq, 0x9eb00423f3682bcc);
    assert_eq!(i.retransmits, Some(5));
    assert_eq!(i.endp_laminar_max, Some(3));
    assert_eq!(i.last_ack_recv, Some(0));
}

#[test]
fn short_mptcp_info_reads_zeros_then_none() {
    let i = decode_mptcp_info(&[1, 0, 0, 2]);
    assert_eq!((i.size, i.subflows, i.subflows_max, i.token), (4, 1, 2, 0));
    assert_eq!(i.local_addr_used, None);
    let i = decode_mptcp_info(&[0; 40]);
    assert_eq!(
        (i.local_addr_used, i.retransmits, i.bytes_sent),
        (None, None, None)
    );
    let i = decode_mptcp_info(&[0; 48]);
    assert_eq!(
        (i.local_addr_used, i.retransmits, i.bytes_retrans),
        (Some(0), Some(0), None)
    );
}

#[test]
fn decodes_a_subflow_with_its_ulp_info() {
    let mut tcp = vec![0u8; 232];
    tcp[68..72].copy_from_slice(&24u32.to_ne_bytes());
    tcp[72..76].copy_from_slice(&10u32.to_ne_bytes());
    tcp[80..84].copy_from_slice(&12u32.to_ne_bytes());
    tcp[100..104].copy_from_slice(&3u32.to_ne_bytes());
    tcp[200..208].copy_from_slice(&241664u64.to_ne_bytes());
    let sf = [
        attr(MPTCP_SUBFLOW_ATTR_TOKEN_REM, &0x2fa43e04u32.to_ne_bytes()),
        attr(MPTCP_SUBFLOW_ATTR_TOKEN_LOC, &0x1f0cdd34u32.to_ne_bytes()),
        attr(MPTCP_SUBFLOW_ATTR_PAD, &[]),
        attr(
            MPTCP_SUBFLOW_ATTR_MAP_SEQ,
            &0x9eb00423f3647bccu64.to_ne_bytes(),
        ),
        attr(MPTCP_SUBFLOW_ATTR_MAP_DATALEN, &1000u16.to_ne_bytes()),
        attr(MPTCP_SUBFLOW_ATTR_FLAGS, &0xccu32.to_ne_bytes()),
        attr(MPTCP_SUBFLOW_ATTR_ID_REM, &[0]),
        attr(MPTCP_SUBFLOW_ATTR_ID_LOC, &[1]),
        attr(42, &[1, 2, 3]),
    ]
    .concat();
    let mut nested = attr(INET_ULP_INFO_NAME, b"mptcp\0");
    let mut inner = attr(INET_ULP_INFO_MPTCP, &sf);
    inner[2..4].copy_from_slice(&(INET_ULP_INFO_MPTCP | 0x8000).to_ne_bytes());
    nested.extend(inner);
    let attrs = [
        attr(INET_DIAG_INFO, &tcp),
        attr(INET_DIAG_ULP_INFO, &nested),
    ]
    .concat();
    let m = decode_msg(&msg(
        10,
        1,
        &[0x20, 1, 0xd, 0xb8],
        55851,
        &[0x20, 1],
        10001,
        &attrs,
    ))
    .unwrap();
    assert_eq!(m.src.to_string(), "2001:db8::");
    let u = m.ulp().unwrap();
    assert_eq!(u.name.as_deref(), Some("mptcp"));
    let a = u.mptcp.as_ref().unwrap();
    assert_eq!(
        (a.token_rem, a.token_loc),
        (Some(0x2fa43e04), Some(0x1f0cdd34))
    );
    assert_eq!(
        (a.id_rem, a.id_loc, a.flags),
        (Some(0), Some(1), Some(0xcc))
    );
    assert_eq!(
        (a.map_seq, a.map_datalen),
        (Some(0x9eb00423f3647bcc), Some(1000))
    );
    assert_eq!(a.other, vec![RawNla::new(42, [1, 2, 3])]);
    let t = decode_tcp_info(m.info().unwrap()).unwrap();
    assert_eq!(
        (t.rtt_us, t.rttvar_us, t.snd_cwnd, t.total_retrans),
        (24, 10, 12, 3)
    );
    assert_eq!((t.bytes_sent, t.bytes_retrans), (Some(241664), Some(0)));
    assert_eq!(decode_tcp_info(&tcp[..100]), None);
    assert_eq!(decode_tcp_info(&tcp[..104]).unwrap().bytes_acked, None);
}

#[test]
fn truncated_answers_are_errors() {
    assert!(decode_msg(&[0; 71]).is_err());
    // A truncated attribute ends the attribute walk, nothing more.
    let mut b = msg(
        2,
        10,
        &[0; 4],
        80,
        &[0; 4],
        0,
        &attr(INET_DIAG_MARK, &1u32.to_ne_bytes()),
    );
    b.truncate(b.len() - 2);
    assert_eq!(decode_msg(&b).unwrap().attrs, vec![]);
}

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_msg(&bytes);
        let _ = decode_attrs(&bytes);
        let _ = decode_ulp(&bytes);
        let _ = decode_subflow(&bytes);
        let _ = decode_mptcp_info(&bytes);
        let _ = decode_tcp_info(&bytes);
        let _ = messages(&bytes).count();
    }
}
