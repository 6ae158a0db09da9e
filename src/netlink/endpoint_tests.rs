//! Decoding real kernel answers (captured once on 6.18 from a namespace set up with
//! `ip mptcp endpoint add ...`, hex of the recv(2) buffers) into typed endpoints and limits.

use super::*;
use crate::netlink::attr::GenlMsg;
use crate::netlink::iproute::render_endpoints;
use neli::nl::Nlmsghdr;
use neli::types::NlBuffer;
use neli::{FromBytesWithInput, ToBytes};
use std::io::Cursor;

/// GET_ADDR dump, one datagram with five endpoints:
/// 192.0.2.1 id 1 subflow backup dev (ifindex 3); 192.0.2.1 port 10123 id 7 signal;
/// 2001:db8::1 id 8 subflow fullmesh dev (3); ::10.1.2.3 id 9 signal; 198.51.100.1 id 10 subflow
/// dev (5, deleted afterwards).
const DUMP: &str = "480000001c00020064000000670c000003010000340001800600010002000000060005000000000005000200010000000800060006000000080007000300000008000300c0000201400000001c00020064000000670c0000030100002c0001800600010002000000060005008b2700000500020007000000080006000100000008000300c0000201540000001c00020064000000670c00000301000040000180060001000a00000006000500000000000500020008000000080006000a00000008000700030000001400040020010db80000000000000000000000014c0000001c00020064000000670c00000301000038000180060001000a000000060005000000000005000200090000000800060001000000140004000000000000000000000000000a010203480000001c00020064000000670c0000030100003400018006000100020000000600050000000000050002000a0000000800060002000000080007000500000008000300c6336401";

/// GET_LIMITS answer: add_addr_accepted 3, subflows 4.
const LIMITS: &str = "240000001c00000064000000670c00000601000008000200030000000800030004000000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn messages(bytes: &[u8]) -> Vec<Nlmsghdr<u16, GenlMsg>> {
    NlBuffer::<u16, GenlMsg>::from_bytes_with_input(&mut Cursor::new(bytes), bytes.len())
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn dump_decodes_to_typed_endpoints() {
    let msgs = messages(&hex(DUMP));
    assert_eq!(msgs.len(), 5);
    let eps: Vec<Endpoint> = msgs
        .iter()
        .map(|m| decode_endpoint(m.get_payload().unwrap()).unwrap())
        .collect();
    let expected = [
        (1, "192.0.2.1", 0, 0x2 | 0x4, Some(3)),
        (7, "192.0.2.1", 10123, 0x1, None),
        (8, "2001:db8::1", 0, 0x2 | 0x8, Some(3)),
        (9, "::10.1.2.3", 0, 0x1, None),
        (10, "198.51.100.1", 0, 0x2, Some(5)),
    ];
    for (ep, (id, addr, port, flags, ifindex)) in eps.iter().zip(expected) {
        assert_eq!(ep.id, id);
        assert_eq!(ep.addr, addr.parse::<IpAddr>().unwrap());
        assert_eq!(ep.port, port, "id {id}");
        assert_eq!(ep.flags, flags, "id {id}");
        assert_eq!(ep.ifindex, ifindex, "id {id}");
        assert_eq!(ep.dev, None);
    }
    // Without names (no such devices here) the indexes print the way iproute2 prints them.
    assert_eq!(
        render_endpoints(&eps),
        "192.0.2.1 id 1 subflow backup dev if3 \n\
         192.0.2.1 port 10123 id 7 signal \n\
         2001:db8::1 id 8 subflow fullmesh dev if3 \n\
         ::10.1.2.3 id 9 signal \n\
         198.51.100.1 id 10 subflow dev if5 \n"
    );
}

#[test]
fn dump_round_trips_to_the_same_bytes() {
    let bytes = hex(DUMP);
    let mut out = Cursor::new(Vec::new());
    for m in messages(&bytes) {
        m.to_bytes(&mut out).unwrap();
    }
    assert_eq!(out.into_inner(), bytes);
}

#[test]
fn limits_decode() {
    let msgs = messages(&hex(LIMITS));
    let l = decode_limits(msgs[0].get_payload().unwrap()).unwrap();
    assert_eq!(l.add_addr_accepted, Some(3));
    assert_eq!(l.subflows, Some(4));
}

#[test]
fn unknown_flag_bits_and_attributes_are_kept_or_skipped_not_fatal() {
    // The first endpoint of the dump, with flags 0x46 (subflow, backup, unknown 0x40) and an extra
    // attribute 9 (from a newer kernel) appended to the nest.
    let mut b = hex(&DUMP[..0x48 * 2]);
    b[0x34] = 0x46;
    b.splice(0x48.., hex("0800090001000000"));
    b[0] += 8; // nlmsg_len
    b[0x14] += 8; // nest length
    let m = &messages(&b)[0];
    let ep = decode_endpoint(m.get_payload().unwrap()).unwrap();
    assert_eq!(ep.flags, 0x46);
    assert_eq!(
        render_endpoints(&[ep]),
        "192.0.2.1 id 1 subflow backup rawflags 40 dev if3 \n"
    );
}

#[test]
fn truncated_attribute_is_an_error() {
    // Limits answer whose SUBFLOWS attribute claims only 2 bytes of payload.
    let mut b = hex(LIMITS);
    b[0x1c] = 6;
    let msgs = messages(&b);
    let err = decode_limits(msgs[0].get_payload().unwrap()).unwrap_err();
    assert_eq!(err, "MPTCP_PM_ATTR_SUBFLOWS: expected 4 bytes, got 2");
}
