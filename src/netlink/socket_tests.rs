//! Framing, errors and extended ACKs on hand-made datagrams.

use super::*;
use crate::netlink::nla::{emit_all, RawNla};

fn msg(kind: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
    let mut m = ((16 + payload.len()) as u32).to_ne_bytes().to_vec();
    m.extend_from_slice(&kind.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&7u32.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(payload);
    m.resize((m.len() + 3) & !3, 0);
    m
}

#[test]
fn frames_messages_and_stops_at_a_bad_length() {
    let mut d = msg(0x1c, 2, &[1, 1, 0, 0]);
    d.extend(msg(NLMSG_DONE, 2, &0i32.to_ne_bytes()));
    let all: Vec<_> = messages(&d).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].kind, all[0].seq, all[0].body),
        (0x1c, 7, &[1, 1, 0, 0][..])
    );
    // A length below the header, or past the datagram: an error, nothing after it.
    for bad in [8u32, 64] {
        let mut d = msg(0x1c, 0, &[1, 1, 0, 0]);
        d[0..4].copy_from_slice(&bad.to_ne_bytes());
        let got: Vec<_> = messages(&d).collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
    }
    assert!(messages(&[0; 7]).next().unwrap().is_err());
}

#[test]
fn errors_carry_errno_and_the_extended_ack_text() {
    let request = msg(0x1c, 5, &[3, 1, 0, 0]);
    let mut body = (-22i32).to_ne_bytes().to_vec();
    body.extend(&request);
    body.extend(emit_all(&[RawNla::new(
        NLMSGERR_ATTR_MSG,
        &b"missing attribute\0"[..],
    )]));
    let d = msg(NLMSG_ERROR, NLM_F_ACK_TLVS, &body);
    let m = messages(&d).next().unwrap().unwrap();
    assert_eq!(error_of(&m), Some((22, Some("missing attribute".into()))));
    // Capped: only the request's header is echoed.
    let mut body = (-1i32).to_ne_bytes().to_vec();
    body.extend(&request[..16]);
    body.extend(emit_all(&[RawNla::new(NLMSGERR_ATTR_MSG, &b"no\0"[..])]));
    let d = msg(NLMSG_ERROR, NLM_F_ACK_TLVS | NLM_F_CAPPED, &body);
    let m = messages(&d).next().unwrap().unwrap();
    assert_eq!(error_of(&m), Some((1, Some("no".into()))));
    // An ACK, and i32::MIN (no overflow).
    let ack = msg(NLMSG_ERROR, 0, &[0; 20]);
    assert_eq!(error_of(&messages(&ack).next().unwrap().unwrap()), None);
    let mut min = i32::MIN.to_ne_bytes().to_vec();
    min.extend(&request[..16]);
    let d = msg(NLMSG_ERROR, 0, &min);
    assert_eq!(
        error_of(&messages(&d).next().unwrap().unwrap()),
        Some((i32::MAX, None))
    );
    assert_eq!(
        NlError::Kernel {
            errno: libc::EINVAL,
            ext_ack: Some("missing attribute".into())
        }
        .to_string(),
        "Invalid argument: missing attribute"
    );
}
