//! Round trips on real captures, always run. Text: the reference captures (tests/fixtures/reference/,
//! iproute2 6.1 on Linux 6.18) parsed and emitted again give the same bytes (`ip mptcp endpoint` and
//! `limits show`, `ip mptcp monitor`, `ss -ManiH`). Binary: kernel answers recorded in namespaces
//! (tests/fixtures/netlink/, recorded by `netlink_record.rs`) decoded and emitted again give the same
//! bytes, rendered they give what iproute2 printed, and attributes this build does not know reach
//! the report.

use mptcp_get_debug::collect::collectors::sockets::parse_ss;
use mptcp_get_debug::collect::convert;
use mptcp_get_debug::netlink::event::{decode_event, EventAttr};
use mptcp_get_debug::netlink::genl::GenlMsg;
use mptcp_get_debug::netlink::mptcp_pm::{decode_addr, decode_limits, AddrAttr, PmAttr};
use mptcp_get_debug::netlink::nla::{emit_all, RawNla};
use mptcp_get_debug::netlink::socket::{datagrams_from_hex, messages, Message};
use mptcp_get_debug::report::{EventKind, MptcpInfo, PmEvent, RawAttr};
use mptcp_get_debug::views::formats::iproute::{
    parse_endpoints, parse_limits, render_endpoints, render_limits,
};
use mptcp_get_debug::views::formats::monitor::render_events;
use mptcp_get_debug::views::formats::ss::render_ss;
use pretty_assertions::assert_eq;
use std::collections::BTreeMap;
use std::path::Path;

fn fixture(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn datagrams(path: &str) -> Vec<Vec<u8>> {
    datagrams_from_hex(&fixture(path)).unwrap()
}

/// The generic netlink messages of a datagram (answers only; errors and DONE left out).
fn genl(datagram: &[u8]) -> Vec<GenlMsg> {
    messages(datagram)
        .map(|m| m.unwrap())
        .filter(|m| m.kind > 3)
        .map(|m| GenlMsg::parse(m.body).unwrap())
        .collect()
}

#[test]
fn endpoint_and_limits_text_round_trips() {
    for (path, text) in [
        ("ns_endpoints.txt", fixture("reference/ns_endpoints.txt")),
        (
            "modern/commands",
            fixture("modern/commands/ip mptcp endpoint show"),
        ),
    ] {
        let eps = parse_endpoints(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(render_endpoints(&eps), text, "{path}");
    }
    let limits = fixture("reference/ns_limits.txt");
    assert_eq!(render_limits(&parse_limits(&limits).unwrap()), limits);
}

/// One `ip mptcp monitor` line read back into an event (the tool never parses this format, the
/// test does, to emit it again).
fn monitor_line(line: &str) -> PmEvent {
    let (name, rest) = line[1..].split_once(']').unwrap();
    let kind = match name.trim() {
        "UNKNOWN 15" => EventKind::ListenerCreated,
        "UNKNOWN 16" => EventKind::ListenerClosed,
        "CREATED" => EventKind::Created,
        "ESTABLISHED" => EventKind::Established,
        "CLOSED" => EventKind::Closed,
        "ANNOUNCED" => EventKind::Announced,
        "REMOVED" => EventKind::Removed,
        "SF_ESTABLISHED" => EventKind::SubEstablished,
        "SF_CLOSED" => EventKind::SubClosed,
        "SF_PRIO" => EventKind::SubPriority,
        other => panic!("unexpected {other}"),
    };
    let mut e = PmEvent::new(chrono::DateTime::UNIX_EPOCH, kind);
    for kv in rest.split_whitespace() {
        let (k, v) = kv.split_once('=').unwrap();
        match k {
            "token" => e.token = Some(u32::from_str_radix(v, 16).unwrap()),
            "remid" => e.rem_id = Some(v.parse().unwrap()),
            "locid" => e.loc_id = Some(v.parse().unwrap()),
            "saddr4" | "saddr6" => e.saddr = Some(v.parse().unwrap()),
            "daddr4" | "daddr6" => e.daddr = Some(v.parse().unwrap()),
            "sport" => e.sport = Some(v.parse().unwrap()),
            "dport" => e.dport = Some(v.parse().unwrap()),
            "backup" => e.backup = Some(v.parse().unwrap()),
            "error" => e.error = Some(v.parse().unwrap()),
            "flags" => e.flags = Some(u16::from_str_radix(v, 16).unwrap()),
            "ifindex" => e.ifindex = Some(v.parse().unwrap()),
            other => panic!("unexpected key {other}"),
        }
    }
    e
}

/// iproute2 6.1's monitor text as current iproute2 prints it: a 16-wide name column, and listener
/// events named (6.1 prints only `[UNKNOWN 15]`, so their address and port come from `listener`).
fn modernise(text: &str, listener: &str) -> String {
    text.lines()
        .map(|l| match l {
            "[UNKNOWN 15]" => format!("[LISTENER_CREATED] {listener}\n"),
            "[UNKNOWN 16]" => format!("[ LISTENER_CLOSED] {listener}\n"),
            _ => {
                let (name, rest) = l[1..].split_once(']').unwrap();
                format!("[{:>16}]{rest}\n", name.trim())
            }
        })
        .collect()
}

#[test]
fn monitor_text_round_trips() {
    let text = fixture("reference/ns_monitor.txt");
    let events: Vec<PmEvent> = text.lines().map(monitor_line).collect();
    // The listener lines carry nothing in 6.1's text: render them bare, then compare.
    let rendered = render_events(&events);
    assert_eq!(rendered, modernise(&text, "").replace("] \n", "]\n"));
}

/// `ip mptcp monitor` (iproute2 6.1) during one loopback connection, the listener's events filled
/// in with its address (6.1 prints them bare), rendered as current iproute2 prints them.
#[test]
fn renders_the_ip61_capture_like_current_iproute2() {
    const LISTENER: &str = "saddr4=127.0.0.1 sport=10001";
    let text = fixture("events/ns_monitor_ip61.txt");
    let events: Vec<PmEvent> = text
        .lines()
        .map(|l| match l {
            "[UNKNOWN 15]" | "[UNKNOWN 16]" => monitor_line(&format!("{l} {LISTENER}")),
            _ => monitor_line(l),
        })
        .collect();
    let expected = modernise(&text, LISTENER);
    assert_eq!(render_events(&events), expected);
    assert!(expected.starts_with("[LISTENER_CREATED] saddr4=127.0.0.1 sport=10001\n"));
    assert!(expected.contains("\n[  SF_ESTABLISHED] token=1f0cdd34 "));
}

/// The typed `mptcp_info` behind an ss info line (the fields ss 6.1 prints; absent ones are zero).
fn mptcp_info(words: &BTreeMap<String, String>) -> MptcpInfo {
    let dec = |k: &str| words.get(k).map_or(0, |v| v.parse().unwrap());
    let hex = |k: &str| {
        words
            .get(k)
            .map_or(0, |v| u64::from_str_radix(v, 16).unwrap())
    };
    let mut flags = 0;
    if words.contains_key("fallback") {
        flags |= MptcpInfo::FLAG_FALLBACK;
    }
    if words.contains_key("remote_key") {
        flags |= MptcpInfo::FLAG_REMOTE_KEY_RECEIVED;
    }
    MptcpInfo {
        subflows: dec("subflows"),
        add_addr_signal: dec("add_addr_signal"),
        add_addr_accepted: dec("add_addr_accepted"),
        subflows_max: dec("subflows_max"),
        add_addr_signal_max: dec("add_addr_signal_max"),
        add_addr_accepted_max: dec("add_addr_accepted_max"),
        flags,
        token: hex("token") as u32,
        write_seq: hex("write_seq"),
        snd_una: hex("snd_una"),
        rcv_nxt: hex("rcv_nxt"),
        ..MptcpInfo::default()
    }
}

#[test]
fn ss_text_round_trips() {
    let text = fixture("reference/ns_ss_ManiH.txt");
    let mut socks = parse_ss(&text);
    assert_eq!(socks.len(), 3);
    for s in &mut socks {
        s.mptcp = Some(mptcp_info(&s.info));
    }
    assert_eq!(render_ss(&socks), text);
}

#[test]
fn get_addr_answers_decode_emit_and_render_like_iproute2() {
    let d = datagrams("netlink/mptcp_pm_get_addr.hex").remove(0);
    // Decode -> emit, message by message: the kernel's bytes.
    let mut again = Vec::new();
    for m in messages(&d).map(|m| m.unwrap()) {
        let g = GenlMsg::parse(m.body).unwrap();
        let attrs = PmAttr::decode_all(&g.attrs).unwrap();
        let body = GenlMsg::new(g.header.cmd, g.header.version, emit_all(&attrs)).emit();
        again.extend(Message { body: &body, ..m }.emit());
    }
    assert_eq!(again, d);
    // Into the report, rendered: what iproute2 prints when the devices are gone (`if<N>`).
    let eps: Vec<_> = genl(&d)
        .iter()
        .map(|g| convert::pm::endpoint(&decode_addr(g).unwrap(), None).unwrap())
        .collect();
    assert_eq!(
        render_endpoints(&eps),
        "192.0.2.1 id 1 subflow backup dev if3 \n\
         192.0.2.1 port 10123 id 7 signal \n\
         2001:db8::1 id 8 subflow fullmesh dev if3 \n\
         ::10.1.2.3 id 9 signal \n\
         198.51.100.1 id 10 subflow dev if5 \n"
    );
    let l = datagrams("netlink/mptcp_pm_get_limits.hex").remove(0);
    let limits = convert::pm::limits(&decode_limits(&genl(&l)[0]).unwrap());
    assert_eq!(render_limits(&limits), "add_addr_accepted 3 subflows 4 \n");
}

#[test]
fn unknown_endpoint_attributes_reach_the_report_and_not_the_text() {
    let d = datagrams("netlink/mptcp_pm_get_addr.hex").remove(0);
    let g = &genl(&d)[1];
    let mut attrs = decode_addr(g).unwrap().attrs;
    // A newer kernel's attribute 42 (a u32), and one nested with the NESTED flag.
    attrs.push(AddrAttr::Other(RawNla::new(42, 7u32.to_ne_bytes())));
    attrs.push(AddrAttr::Other(RawNla::new(
        0x8000 | 43,
        emit_all(&[RawNla::new(1, [1])]),
    )));
    let newer = GenlMsg::new(
        g.header.cmd,
        g.header.version,
        emit_all(&[PmAttr::Addr(attrs)]),
    );
    let ep = convert::pm::endpoint(&decode_addr(&newer).unwrap(), None).unwrap();
    assert_eq!(
        ep.unknown_attrs,
        [
            RawAttr {
                kind: 42,
                hex: "07000000".into()
            },
            RawAttr {
                kind: 0x8000 | 43,
                hex: "0500010001000000".into()
            }
        ]
    );
    assert_eq!(
        render_endpoints(std::slice::from_ref(&ep)),
        "192.0.2.1 port 10123 id 7 signal \n"
    );
    let json = serde_json::to_string(&ep).unwrap();
    assert!(
        json.contains(r#""unknown_attrs":[{"type":42,"hex":"07000000"}"#),
        "{json}"
    );
    assert_eq!(
        serde_json::from_str::<mptcp_get_debug::report::Endpoint>(&json).unwrap(),
        ep
    );
}

fn events(path: &str) -> Vec<PmEvent> {
    datagrams(path)
        .iter()
        .flat_map(|d| genl(d))
        .map(|g| convert::pm::event(&decode_event(&g).unwrap(), chrono::DateTime::UNIX_EPOCH))
        .collect()
}

#[test]
fn events_decode_emit_and_render_like_ip_mptcp_monitor() {
    for path in ["netlink/events_client.hex", "netlink/events_server.hex"] {
        for d in datagrams(path) {
            let mut again = Vec::new();
            for m in messages(&d).map(|m| m.unwrap()) {
                let msg = decode_event(&GenlMsg::parse(m.body).unwrap()).unwrap();
                again.extend(
                    Message {
                        body: &msg.encode().emit(),
                        ..m
                    }
                    .emit(),
                );
            }
            assert_eq!(again, d, "{path}");
        }
    }
    assert_eq!(
        render_events(&events("netlink/events_client.hex")),
        modernise(&fixture("netlink/events_client_ip61.txt"), "")
    );
    assert_eq!(
        render_events(&events("netlink/events_server.hex")),
        modernise(
            &fixture("netlink/events_server_ip61.txt"),
            "saddr4=10.1.1.2 sport=10001"
        )
    );
}

#[test]
fn event_fields_are_typed_with_the_right_byte_order_and_unknowns_kept() {
    let server = events("netlink/events_server.hex");
    let created = &server[1];
    assert_eq!(created.kind, EventKind::Created);
    assert_eq!(created.token, Some(0xebd288fb));
    assert_eq!((created.sport, created.dport), (Some(10001), Some(43322)));
    assert_eq!(created.saddr, Some("10.1.1.2".parse().unwrap()));
    assert!(created.is_server_side());
    let client = events("netlink/events_client.hex");
    assert!(!client[0].is_server_side());
    assert_eq!(client[4].error, Some(111));
    assert_eq!(client[3].ifindex, Some(3));
    // The CLOSED event renumbered 42, with an attribute 99 this build does not know.
    let d = datagrams("netlink/events_client.hex").remove(7);
    let mut msg = decode_event(&genl(&d)[0]).unwrap();
    msg.kind = 42;
    msg.attrs
        .push(EventAttr::Other(RawNla::new(99, 7u32.to_ne_bytes())));
    let e = convert::pm::event(
        &decode_event(&msg.encode()).unwrap(),
        chrono::DateTime::UNIX_EPOCH,
    );
    assert_eq!(e.kind, EventKind::Unknown(42));
    assert_eq!(
        e.unknown_attrs,
        [RawAttr {
            kind: 99,
            hex: "07000000".into()
        }]
    );
    assert_eq!(render_events(std::slice::from_ref(&e)), "[UNKNOWN 42]\n");
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.contains("\"kind\":\"unknown(42)\""), "{json}");
    assert_eq!(serde_json::from_str::<PmEvent>(&json).unwrap(), e);
}
