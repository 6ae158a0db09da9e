use super::*;
use crate::report::MptcpInfo;

fn sock(
    state: &str,
    q: (u64, u64),
    local: &str,
    peer: &str,
    info: Option<MptcpInfo>,
) -> MptcpSocket {
    MptcpSocket {
        state: state.into(),
        recv_q: q.0,
        send_q: q.1,
        local: local.into(),
        peer: peer.into(),
        mptcp: info,
        ..MptcpSocket::default()
    }
}

fn estab(token: u32, seq: u64, ack: u64) -> MptcpInfo {
    MptcpInfo {
        size: 96,
        subflows: 1,
        subflows_max: 2,
        flags: MptcpInfo::FLAG_REMOTE_KEY_RECEIVED,
        token,
        write_seq: seq,
        snd_una: seq,
        rcv_nxt: ack,
        ..MptcpInfo::default()
    }
}

#[test]
fn renders_the_captured_ss_output_byte_for_byte() {
    // Captured from iproute2 6.1 on Linux 6.18 (see /work/shared/reference/captures).
    let expected = include_str!("../../../tests/fixtures/modern/commands/ss -ManiH");
    let socks = vec![
        sock(
            "ESTAB",
            (0, 0),
            "127.0.0.1:10001",
            "127.0.0.1:38384",
            Some(estab(0x2fa43e04, 0x9eb00423f3682bcc, 0x19972db9f521525d)),
        ),
        sock(
            "ESTAB",
            (0, 0),
            "127.0.0.1:38384",
            "127.0.0.1:10001",
            Some(estab(0x1f0cdd34, 0x19972db9f521525d, 0x9eb00423f3682bcc)),
        ),
        sock(
            "LISTEN",
            (0, 4),
            "127.0.0.1:10001",
            "0.0.0.0:*",
            Some(MptcpInfo::default()),
        ),
    ];
    pretty_assertions::assert_eq!(render_ss(&socks), expected);
}

#[test]
fn no_sockets_print_nothing() {
    assert_eq!(render_ss(&[]), "");
}

#[test]
fn the_last_info_field_is_not_measured() {
    // ss flushes every field but the last before laying out: a longer last info line sets no width.
    let socks = vec![
        sock("LISTEN", (0, 0), "0.0.0.0:1", "0.0.0.0:*", None),
        sock(
            "ESTAB",
            (0, 0),
            "10.0.0.1:2",
            "10.0.0.2:3",
            Some(estab(1, 2, 3)),
        ),
    ];
    assert_eq!(
        render_ss(&socks),
        "LISTEN 0      0       0.0.0.0:1  0.0.0.0:*\n\t\n\
         ESTAB  0      0      10.0.0.1:2 10.0.0.2:3\n\t subflows:1 subflows_max:2 remote_key token:1 write_seq:2 snd_una:2 rcv_nxt:3\n"
    );
}

#[test]
fn queues_print_as_signed_ints_and_bound_devices_after_the_address() {
    let socks = vec![sock(
        "ESTAB",
        (u32::MAX as u64, 1234567),
        "[2001:db8::1]%eth0:443",
        "[::ffff:10.0.0.1]:5000",
        None,
    )];
    assert_eq!(
        render_ss(&socks),
        "ESTAB -1     1234567 [2001:db8::1]%eth0:443 [::ffff:10.0.0.1]:5000\n\t\n"
    );
}

#[test]
fn a_long_table_lays_out_per_five_chunks_like_ss() {
    // ss lays out what it buffered once five 1 MiB chunks are in use, with the widths seen so far,
    // then goes on: wider addresses that come later do not shift the lines already printed.
    let n = 40_000;
    let socks: Vec<MptcpSocket> = (0..n)
        .map(|i| {
            let local = if i < 30_000 {
                "10.0.0.1:40000".to_string()
            } else {
                format!("[2001:db8::{i:x}]:40000")
            };
            sock(
                "ESTAB",
                (0, 0),
                &local,
                "10.1.0.1:80",
                Some(estab(i + 1, 1, 2)),
            )
        })
        .collect();
    let text = render_ss(&socks);
    let lines: Vec<&str> = text.lines().step_by(2).collect();
    assert_eq!(lines.len(), n as usize);
    let narrow = "ESTAB 0      0      10.0.0.1:40000 10.1.0.1:80";
    let first_wide = lines.iter().position(|l| *l != narrow).unwrap();
    // One layout batch holds 5 MiB of ss's buffer: about 27,000 of these sockets.
    assert!((26_000..29_000).contains(&first_wide), "{first_wide}");
    // The next batch is laid out with the IPv6 addresses' width ("[2001:db8::9c3f]:" + the space).
    assert_eq!(
        lines[first_wide],
        "ESTAB 0      0              10.0.0.1:40000 10.1.0.1:80"
    );
    assert!(lines[n as usize - 1].starts_with("ESTAB 0      0      [2001:db8::9c3f]:40000"));
    // Every info line of a batch is padded to that batch's widest (but the last) info field.
    let info: Vec<&str> = text.lines().skip(1).step_by(2).collect();
    assert_eq!(info[0].len(), info[1].len());
}

#[test]
fn ipv6_text_like_glibc() {
    let t = |s: &str| fmt_ip(&s.parse().unwrap());
    assert_eq!(t("::"), "::");
    assert_eq!(t("::1"), "::1");
    // Checked against the C library itself in tests/ntop.rs.
    assert_eq!(t("::5"), "::5");
    assert_eq!(t("::10.1.2.3"), "::10.1.2.3");
    assert_eq!(t("::ffff:10.1.2.4"), "::ffff:10.1.2.4");
    assert_eq!(t("2001:db8::1:0:0:1"), "2001:db8::1:0:0:1");
    assert_eq!(t("2001:db8:0:0:1::1"), "2001:db8::1:0:0:1");
    assert_eq!(t("fe80::1"), "fe80::1");
}

#[test]
fn endpoints_like_ss() {
    let any6: IpAddr = "::".parse().unwrap();
    let v6 = libc::AF_INET6 as u8;
    assert_eq!(addr_text(v6, any6, 80, None, false), "*:80");
    assert_eq!(addr_text(v6, any6, 0, None, true), "[::]:*");
    assert_eq!(
        addr_text(
            libc::AF_INET as u8,
            "10.0.0.1".parse().unwrap(),
            5,
            Some("lo"),
            false
        ),
        "10.0.0.1%lo:5"
    );
}

#[test]
fn a_text_kept_in_raw_only_is_rendered_once_from_the_typed_sockets_when_read_back() {
    use crate::report::{Artifact, Data, Meta, Report, Section, Source};
    let socks: Vec<MptcpSocket> = (0..3)
        .map(|i| {
            sock(
                "ESTAB",
                (0, 0),
                &format!("10.0.0.1:{i}"),
                "10.0.0.2:80",
                Some(estab(i, 1, 2)),
            )
        })
        .collect();
    let in_raw = |name: &str| Artifact {
        name: name.into(),
        source: Source::File { path: name.into() },
        content: String::new(),
        truncated: false,
        original_size: 0,
        spool: None,
        in_raw: true,
    };
    let mut sockets = Section::ok("sockets", vec![Data::Sockets(socks.clone().into())]);
    // An archive may mark more artifacts `in_raw` than the tool does: only the text is rendered.
    sockets.artifacts = vec![
        in_raw("other.txt"),
        in_raw("ss_-ManiH.txt"),
        in_raw("ss_-ManiH.txt"),
    ];
    let mut elsewhere = Section::ok("mib", vec![Data::Sockets(socks.clone().into())]);
    elsewhere.artifacts = vec![in_raw("ss_-ManiH.txt")];
    let mut r = Report::new(Meta::new(chrono::Utc::now(), "h"), vec![sockets, elsewhere]);
    fill_in_raw(&mut r, 1 << 20);
    let texts: Vec<&str> = r.sections[0]
        .artifacts
        .iter()
        .map(|a| a.content.as_str())
        .collect();
    assert_eq!(texts, ["", render_ss(&socks).as_str(), ""]);
    assert!(r.sections[1].artifacts[0].content.is_empty());
    // Cut at the limit, saying so.
    let mut r2 = Report::new(
        Meta::new(chrono::Utc::now(), "h"),
        vec![{
            let mut s = Section::ok("sockets", vec![Data::Sockets(socks.clone().into())]);
            s.artifacts = vec![in_raw("ss_-ManiH.txt")];
            s
        }],
    );
    fill_in_raw(&mut r2, 100);
    let whole = render_ss(&socks);
    assert_eq!(
        r2.sections[0].artifacts[0].content,
        format!(
            "{}\n[mptcp-get-debug: cut here, 100 of {} bytes shown]\n",
            &whole[..100],
            whole.len()
        )
    );
}
