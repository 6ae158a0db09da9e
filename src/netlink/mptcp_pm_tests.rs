//! Real kernel answers (captured on 6.18 from a namespace set up with `ip mptcp endpoint add ...`,
//! tests/fixtures/netlink/) decoded into protocol messages, and emitted back to the same bytes.

use super::*;
use crate::netlink::genl::GenlMsg;
use crate::netlink::socket::{datagrams_from_hex, messages, Message};
use std::net::IpAddr;

const DUMP: &str = include_str!("../../tests/fixtures/netlink/mptcp_pm_get_addr.hex");
const LIMITS: &str = include_str!("../../tests/fixtures/netlink/mptcp_pm_get_limits.hex");

fn answers(hex: &str) -> (Vec<u8>, Vec<(Message<'static>, GenlMsg)>) {
    let d = datagrams_from_hex(hex).unwrap().remove(0);
    let leaked: &'static [u8] = Box::leak(d.clone().into_boxed_slice());
    let msgs = messages(leaked)
        .map(|m| {
            let m = m.unwrap();
            (m, GenlMsg::parse(m.body).unwrap())
        })
        .collect();
    (d, msgs)
}

#[test]
fn the_dump_decodes_to_typed_addresses() {
    let (_, msgs) = answers(DUMP);
    assert_eq!(msgs.len(), 5);
    let addrs: Vec<PmAddr> = msgs.iter().map(|(_, g)| decode_addr(g).unwrap()).collect();
    let expected = [
        (1, "192.0.2.1", 0, 0x2 | 0x4, Some(3)),
        (7, "192.0.2.1", 10123, 0x1, None),
        (8, "2001:db8::1", 0, 0x2 | 0x8, Some(3)),
        (9, "::10.1.2.3", 0, 0x1, None),
        (10, "198.51.100.1", 0, 0x2, Some(5)),
    ];
    for (a, (id, addr, port, flags, ifindex)) in addrs.iter().zip(expected) {
        assert_eq!(a.id(), id);
        assert_eq!(a.addr().unwrap(), addr.parse::<IpAddr>().unwrap());
        assert_eq!(a.port(), port, "id {id}");
        assert_eq!(a.flags(), flags, "id {id}");
        assert_eq!(a.ifindex(), ifindex, "id {id}");
        assert_eq!(a.unknown().count(), 0);
    }
}

#[test]
fn decode_then_emit_gives_the_kernels_bytes() {
    for hex in [DUMP, LIMITS] {
        let (bytes, msgs) = answers(hex);
        let mut out = Vec::new();
        for (m, g) in &msgs {
            let attrs = PmAttr::decode_all(&g.attrs).unwrap();
            let again = GenlMsg::new(g.header.cmd, g.header.version, emit_all(&attrs));
            assert_eq!(&again, g);
            out.extend(
                Message {
                    body: &again.emit(),
                    ..*m
                }
                .emit(),
            );
        }
        assert_eq!(out, bytes);
    }
}

#[test]
fn limits_decode() {
    let (_, msgs) = answers(LIMITS);
    let l = decode_limits(&msgs[0].1).unwrap();
    assert_eq!(l.add_addr_accepted, Some(3));
    assert_eq!(l.subflows, Some(4));
}

#[test]
fn unknown_address_attributes_are_kept_and_emitted_again() {
    let (_, msgs) = answers(DUMP);
    let mut a = decode_addr(&msgs[0].1).unwrap();
    a.attrs
        .push(AddrAttr::Other(RawNla::new(42, [1, 2, 3, 4, 5])));
    let msg = GenlMsg::new(
        MPTCP_PM_CMD_GET_ADDR,
        MPTCP_PM_VER,
        emit_all(&[PmAttr::Addr(a.attrs.clone())]),
    );
    let back = decode_addr(&msg).unwrap();
    assert_eq!(back, a);
    assert_eq!(
        back.unknown().collect::<Vec<_>>(),
        [&RawNla::new(42, [1, 2, 3, 4, 5])]
    );
}

#[test]
fn malformed_known_attributes_are_named() {
    let bad = emit_all(&[PmAttr::Addr(vec![AddrAttr::Other(RawNla::new(
        MPTCP_PM_ADDR_ATTR_ID,
        [1, 2],
    ))])]);
    let msg = GenlMsg::new(MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER, bad);
    assert_eq!(
        decode_addr(&msg).unwrap_err(),
        "MPTCP_PM_ADDR_ATTR_ID: expected 1 bytes, got 2"
    );
    let none = GenlMsg::new(MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER, Vec::new());
    assert!(decode_addr(&none).is_err());
}
