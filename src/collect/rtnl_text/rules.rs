//! `ip rule show`: priority, selectors, then the action.

use super::*;

/// `ip rule show` (or `ip -6 rule show`).
pub fn render_rules(rules: &[RuleMsg], names: &Names) -> String {
    let mut s = String::new();
    for r in rules {
        render_rule(&mut s, r, names);
    }
    s
}

fn render_rule(s: &mut String, r: &RuleMsg, names: &Names) {
    const FIB_RULE_INVERT: u32 = 0x2;
    const FIB_RULE_UNRESOLVED: u32 = 0x4;
    const FIB_RULE_IIF_DETACHED: u32 = 0x8;
    const FIB_RULE_OIF_DETACHED: u32 = 0x10;
    let hl = host_len(r.family);
    let prio = r.attr(FRA_PRIORITY).and_then(u32_of).unwrap_or(0);
    put!(s, "{prio}:\t");
    if r.flags & FIB_RULE_INVERT != 0 {
        s.push_str("not ");
    }
    match r.attr(FRA_SRC) {
        Some(d) => {
            put!(s, "from {}", addr_text(d));
            if r.src_len != hl {
                put!(s, "/{}", r.src_len);
            }
        }
        None if r.src_len != 0 => put!(s, "from 0/{}", r.src_len),
        None => s.push_str("from all"),
    }
    match r.attr(FRA_DST) {
        Some(d) => {
            put!(s, " to {}", addr_text(d));
            if r.dst_len != hl {
                put!(s, "/{}", r.dst_len);
            }
        }
        None if r.dst_len != 0 => put!(s, " to 0/{}", r.dst_len),
        None => {}
    }
    if r.tos != 0 {
        put!(s, " tos 0x{:02x}", r.tos);
    }
    let mark = r.attr(FRA_FWMARK).and_then(u32_of);
    let mask = r.attr(FRA_FWMASK).and_then(u32_of);
    if mark.is_some() || mask.is_some() {
        let hex = |v: u32| {
            if v == 0 {
                "0".to_string()
            } else {
                format!("0x{v:x}")
            }
        };
        put!(s, " fwmark {}", hex(mark.unwrap_or(0)));
        if let Some(m) = mask.filter(|m| *m != u32::MAX) {
            put!(s, "/{}", hex(m));
        }
    }
    if let Some(d) = r.attr(FRA_IIFNAME) {
        put!(s, " iif {}", str_of(d));
        if r.flags & FIB_RULE_IIF_DETACHED != 0 {
            s.push_str(" [detached]");
        }
    }
    if let Some(d) = r.attr(FRA_OIFNAME) {
        put!(s, " oif {}", str_of(d));
        if r.flags & FIB_RULE_OIF_DETACHED != 0 {
            s.push_str(" [detached]");
        }
    }
    if r.attr(FRA_L3MDEV).and_then(u8_of).unwrap_or(0) != 0 {
        s.push_str(" lookup [l3mdev-table]");
    }
    if let Some(d) = r.attr(FRA_UID_RANGE) {
        if let (Some(a), Some(b)) = (u32_of(d), d.get(4..).and_then(u32_of)) {
            put!(s, " uidrange {a}-{b}");
        }
    }
    if let Some(p) = r.attr(FRA_IP_PROTO).and_then(u8_of) {
        put!(s, " ipproto {}", ip_proto(p));
    }
    for (kind, word) in [(FRA_SPORT_RANGE, "sport"), (FRA_DPORT_RANGE, "dport")] {
        if let Some(d) = r.attr(kind).filter(|d| d.len() >= 4) {
            let (a, b) = (
                u16::from_ne_bytes([d[0], d[1]]),
                u16::from_ne_bytes([d[2], d[3]]),
            );
            if a == b {
                put!(s, " {word} {a}");
            } else {
                put!(s, " {word} {a}-{b}");
            }
        }
    }
    if let Some(d) = r.attr(FRA_TUN_ID).filter(|d| d.len() == 8) {
        let id = u64::from_be_bytes(d.try_into().unwrap_or_default());
        put!(s, " tun_id {id}");
    }
    if r.table != 0 {
        put!(s, " lookup {}", names.table(r.table));
        if let Some(pl) = r.attr(FRA_SUPPRESS_PREFIXLEN).and_then(u32_of) {
            if pl != u32::MAX {
                put!(s, " suppress_prefixlength {}", pl as i32);
            }
        }
        if let Some(g) = r.attr(FRA_SUPPRESS_IFGROUP).and_then(u32_of) {
            if g != u32::MAX {
                put!(s, " suppress_ifgroup {}", names.group(g));
            }
        }
    }
    if let Some(f) = r.attr(FRA_FLOW).and_then(u32_of) {
        let (from, to) = (f >> 16, f & 0xffff);
        if from != 0 {
            put!(s, " realms {from}/{to}");
        } else {
            put!(s, " realms {to}");
        }
    }
    match r.action {
        1 => {}
        2 => {
            match r.attr(FRA_GOTO).and_then(u32_of) {
                Some(g) => put!(s, " goto {g}"),
                None => s.push_str(" goto none"),
            }
            if r.flags & FIB_RULE_UNRESOLVED != 0 {
                s.push_str(" [unresolved]");
            }
        }
        3 => s.push_str(" nop"),
        a => put!(s, " {}", type_name(a)),
    }
    if let Some(p) = r.attr(FRA_PROTOCOL).and_then(u8_of) {
        if p != 0 && p != 2 {
            put!(s, " proto {}", names.proto(p));
        }
    }
    s.push('\n');
}

fn ip_proto(p: u8) -> String {
    match p {
        1 => "icmp".into(),
        2 => "igmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        33 => "dccp".into(),
        47 => "gre".into(),
        50 => "esp".into(),
        51 => "ah".into(),
        58 => "ipv6-icmp".into(),
        132 => "sctp".into(),
        136 => "udplite".into(),
        n => n.to_string(),
    }
}
