//! sock_diag answers decoded from built bytes: a subflow with its tcp_info and MPTCP ULP info, and the
//! short structs of older kernels.

use super::*;

fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut v = ((4 + data.len()) as u16).to_ne_bytes().to_vec();
    v.extend_from_slice(&kind.to_ne_bytes());
    v.extend_from_slice(data);
    v.resize((v.len() + 3) & !3, 0);
    v
}

fn diag_msg(local: [u8; 4], sport: u16, remote: [u8; 4], dport: u16) -> Vec<u8> {
    let mut b = vec![libc::AF_INET as u8, 1, 0, 0];
    b.extend_from_slice(&sport.to_be_bytes());
    b.extend_from_slice(&dport.to_be_bytes());
    b.extend_from_slice(&local);
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&remote);
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&3u32.to_ne_bytes()); // idiag_if
    b.resize(DIAG_MSG_LEN, 0);
    b
}

#[test]
fn decodes_a_subflow_with_tcp_and_ulp_info() {
    let mut b = diag_msg([10, 0, 2, 1], 40000, [10, 0, 2, 2], 10001);
    let mut tcp = vec![0u8; 232];
    tcp[100..104].copy_from_slice(&7u32.to_ne_bytes());
    tcp[120..128].copy_from_slice(&1_000_000u64.to_ne_bytes());
    tcp[200..208].copy_from_slice(&1_000_500u64.to_ne_bytes());
    b.extend(attr(INET_DIAG_INFO, &tcp));
    let mut m = attr(MPTCP_SUBFLOW_ATTR_TOKEN_LOC, &0x2fa43e04u32.to_ne_bytes());
    m.extend(attr(MPTCP_SUBFLOW_ATTR_FLAGS, &0xecu32.to_ne_bytes()));
    m.extend(attr(MPTCP_SUBFLOW_ATTR_ID_LOC, &[2]));
    let mut ulp = attr(INET_ULP_INFO_NAME, b"mptcp\0");
    ulp.extend(attr(INET_ULP_INFO_MPTCP, &m));
    b.extend(attr(INET_DIAG_ULP_INFO, &ulp));
    let d = decode_diag_msg(&b).unwrap();
    assert_eq!(d.id.local, "10.0.2.1:40000".parse().unwrap());
    assert_eq!(d.id.remote, "10.0.2.2:10001".parse().unwrap());
    assert_eq!(d.id.ifindex, 3);
    let t = decode_tcp_info(d.attr(INET_DIAG_INFO).unwrap()).unwrap();
    assert_eq!(
        (t.total_retrans, t.bytes_acked, t.bytes_sent),
        (7, Some(1_000_000), Some(1_000_500))
    );
    let u = decode_ulp(d.attr(INET_DIAG_ULP_INFO).unwrap()).unwrap();
    assert_eq!((u.token_loc, u.id_loc), (0x2fa43e04, 2));
    assert!(u.backup(), "0xec has BKUP_LOC");
}

#[test]
fn old_and_short_structs() {
    // A 5.x mptcp_info (48 bytes... ends before the byte counters).
    let mut m = vec![0u8; 43];
    m[0] = 1;
    m[12..16].copy_from_slice(&0xabcdu32.to_ne_bytes());
    let i = decode_mptcp_info(&m).unwrap();
    assert_eq!((i.subflows, i.token, i.bytes_sent), (1, 0xabcd, None));
    let mut full = vec![0u8; 96];
    full[56..64].copy_from_slice(&5u64.to_ne_bytes());
    full[72..80].copy_from_slice(&4u64.to_ne_bytes());
    let i = decode_mptcp_info(&full).unwrap();
    assert_eq!((i.bytes_sent, i.bytes_acked), (Some(5), Some(4)));
    assert!(decode_mptcp_info(&[1, 2]).is_none());
    assert!(decode_tcp_info(&[0; 90]).is_none());
    assert_eq!(decode_tcp_info(&[0; 104]).unwrap().bytes_acked, None);
    assert!(decode_diag_msg(&[0; 50]).is_none());
    assert!(decode_ulp(&attr(INET_ULP_INFO_NAME, b"tls\0")).is_none());
}
