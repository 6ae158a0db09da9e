//! The fuzz targets: one function per entry point that reads something hostile (an archive a stranger
//! attached, a config file of a broken machine, a kernel answer), taking raw bytes and driving the
//! parser the way the tool does, then the views that print its result. Shared by the AFL binary
//! (`fuzz/src/main.rs`) and by the corpus test of the main crate (`tests/fuzz_corpus.rs`), so CI
//! replays exactly what was fuzzed. Nothing here touches the network or the file system.
//!
//! A target fails by panicking: a parser panic, or an invariant below that does not hold.

use mptcp_get_debug::archive::{self, Limits};
use mptcp_get_debug::collect::collectors::{
    kconfig, kernel, mib, mptcpd, mptcpd_unit, nm_conf, nm_flags, nm_keyfile, routing, sockets,
};
use mptcp_get_debug::collect::convert::{self, links::report_links};
use mptcp_get_debug::collect::rtnl_text::{self, Names};
use mptcp_get_debug::netlink::genl::{self, GenlMsg};
use mptcp_get_debug::netlink::mptcp_pm::{self, PmAttr};
use mptcp_get_debug::netlink::nla::emit_all;
use mptcp_get_debug::netlink::rtnl::{AddrMsg, LinkMsg, RouteMsg, RuleMsg, AF_INET, AF_INET6};
use mptcp_get_debug::netlink::socket::{error_of, messages, Message};
use mptcp_get_debug::netlink::{event, family};
use mptcp_get_debug::redact::{KeyChoice, RedactOptions, Redactor};
use mptcp_get_debug::report::Report;
use mptcp_get_debug::views::formats::{iproute, monitor as monitor_text};
use mptcp_get_debug::views::{self, form, merge, Format, SummaryOptions};
use std::collections::HashMap;
use std::io::Write;

/// A target: raw bytes in, a panic when something is wrong.
pub type Target = fn(&[u8]);

/// Every target by name: the corpus directory `fuzz/corpus/<name>/` belongs to the target `<name>`.
pub const TARGETS: &[(&str, Target)] = &[
    ("archive", archive),
    ("report", report),
    ("report_capped", report_capped),
    ("redact_text", redact_text),
    ("redact_report", redact_report),
    ("nm_keyfile", nm_keyfile),
    ("nm_conf", nm_conf),
    ("mptcpd_conf", mptcpd_conf),
    ("systemd_unit", systemd_unit),
    ("proc_net", proc_net),
    ("kconfig", kconfig),
    ("genl_pm", genl_pm),
    ("genl_event", genl_event),
    ("rtnl", rtnl),
    ("command_text", command_text),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// A tar.gz as `show`/`merge`/`diff` read it. Input that is not gzip is gzipped first (stored, no
/// compression), so the fuzzer mutates tar headers directly instead of deflate bits; gzip input is
/// taken as is (decompression bombs, concatenated members, truncated streams).
pub fn archive(data: &[u8]) {
    let gz;
    let input: &[u8] = if data.starts_with(&[0x1f, 0x8b]) {
        data
    } else {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
        enc.write_all(data).expect("writing to a Vec");
        gz = enc.finish().expect("writing to a Vec");
        &gz
    };
    // Every member, as `read` does, under limits small enough to keep a run fast; the limit checks
    // are the same code whatever the numbers.
    let small = Limits {
        member_size: 1 << 20,
        total_size: 8 << 20,
        members: 1000,
        path_len: 4096,
    };
    if let Ok(members) = archive::read_members(input, "fuzz.tar.gz", &small, &mut |_| true, false) {
        let mut total = 0;
        for (path, bytes) in &members {
            assert!(!path.starts_with('/'), "absolute member path {path:?}");
            assert!(
                !path.split('/').any(|c| c == ".."),
                "member path {path:?} leaves the archive"
            );
            assert!(bytes.len() as u64 <= small.member_size);
            total += bytes.len() as u64;
        }
        assert!(total <= small.total_size);
    }
    // The report only, under the real limits, as `show` does.
    if let Ok(r) = archive::report_from_reader(input, "fuzz.tar.gz") {
        views(&r);
    }
}

/// report.json as `show`, `merge` and `diff` load it (findings re-evaluated), and every view of it.
pub fn report(data: &[u8]) {
    let Ok(mut r) = archive::parse_report(data, "report.json") else {
        return;
    };
    r.findings = mptcp_get_debug::triage::evaluate(&r);
    views(&r);
}

/// report.json through the stream filter a reader uses when it is over the member limit: JSON is
/// copied byte for byte when no socket list is cut (malformed text may come out otherwise, for the
/// parser to refuse); with lists cut to two sockets, still a report that loads (when the input did)
/// and renders.
pub fn report_capped(data: &[u8]) {
    use mptcp_get_debug::archive::json_cap::cap_socket_lists;
    let json = serde_json::from_slice::<serde_json::Value>(data).is_ok();
    match cap_socket_lists(&mut &data[..], usize::MAX, 1 << 20) {
        Ok(all) if json => assert_eq!(all.json, data, "nothing cut, yet the copy differs"),
        Err(e) if json => panic!("JSON refused by the filter: {e}"),
        _ => {}
    }
    let Ok(cut) = cap_socket_lists(&mut &data[..], 2, 1 << 20) else {
        return;
    };
    let loaded = archive::parse_report(data, "report.json").is_ok();
    match archive::parse_report(&cut.json, "report.json") {
        Ok(mut r) => {
            r.findings = mptcp_get_debug::triage::evaluate(&r);
            views(&r);
        }
        Err(e) if loaded => panic!("a report that loads does not load once cut: {e:#}"),
        Err(_) => {}
    }
}

fn views(r: &Report) {
    let opts = SummaryOptions {
        archive: r.meta.archive.clone(),
        template: None,
    };
    for format in [Format::Md, Format::Text, Format::Json] {
        let _ = views::render(r, format, &opts);
    }
    let _ = form::link_line(&form::for_report(r));
    let _ = mptcp_get_debug::views::diff::diff_reports(r, r);
    let _ = merge::render_merged(r, r);
}

/// A Redactor with a fixed key: nothing read from or written to a key file.
fn redactor() -> Redactor {
    let opts = RedactOptions {
        enabled: true,
        key: KeyChoice::New,
    };
    let key: [u8; 32] = std::array::from_fn(|i| i as u8 * 7 + 1);
    Redactor::with_key(&opts, Some(key)).expect("a valid fixed key")
}

/// The redaction scanner over free text. The first line is a host name the redactor learns first
/// (names are rewritten too), the rest the text.
pub fn redact_text(data: &[u8]) {
    let t = text(data);
    let (name, body) = t.split_once('\n').unwrap_or(("", &t));
    let mut r = redactor();
    if !name.trim().is_empty() && name.len() <= 253 {
        r.add_name("hostname", name.trim());
        let _ = r.host_label(name.trim());
    }
    let _ = r.redact_text(body);
    let _ = r.summary();
}

/// The typed redaction of a whole report; what comes out must still load (it is what the archive
/// holds).
pub fn redact_report(data: &[u8]) {
    let Ok(mut rep) = archive::parse_report(data, "report.json") else {
        return;
    };
    let mut r = redactor();
    if r.redact_report(&mut rep).is_err() {
        return;
    }
    let json = views::render_json(&rep).expect("a report read from JSON serializes again");
    if let Err(e) = archive::parse_report(json.as_bytes(), "redacted report.json") {
        panic!("a redacted report does not load again: {e:#}");
    }
}

/// The keys a keyfile view may hold; anything else (psk, password, private keys) must never leave.
const KEYFILE_KEYS: &[&str] = &[
    "id",
    "uuid",
    "type",
    "interface-name",
    "mptcp-flags",
    "autoconnect",
    "method",
    "ssid",
    "mode",
];

/// A NetworkManager connection keyfile through the allowlist reader, and its file name.
pub fn nm_keyfile(data: &[u8]) {
    let view = nm_keyfile::allowlisted_keyfile(data).expect("reading a slice cannot fail");
    for line in view.lines() {
        if line.starts_with('[') {
            continue;
        }
        let key = line.split_once('=').map(|(k, _)| k).unwrap_or(line);
        assert!(KEYFILE_KEYS.contains(&key), "keyfile view leaks {line:?}");
    }
    if let Some(flags) = nm_conf::ini_value(&view, "connection", "mptcp-flags") {
        let _ = nm_flags::parse_mptcp_flags(&flags);
    }
    let name = text(data.get(..data.len().min(255)).unwrap_or_default());
    let _ = nm_keyfile::is_profile_name(&name, true);
    let _ = nm_keyfile::is_profile_name(&name, false);
}

/// NetworkManager.conf and conf.d snippets: the global mptcp-flags default and the merge order.
pub fn nm_conf(data: &[u8]) {
    let t = text(data);
    let mut g = nm_conf::GlobalDefault::default();
    nm_conf::apply(&mut g, "/etc/NetworkManager/NetworkManager.conf", &t);
    if let Some(v) = &g.value {
        let _ = nm_flags::parse_mptcp_flags(v);
    }
    let _ = nm_conf::ini_value(&t, "connection", "connection.mptcp-flags");
    let _ = nm_conf::ini_value(&t, "main", "plugins");
    // Lines as directory entries.
    let names: Vec<String> = t.lines().map(str::to_string).collect();
    let third = names.len() / 3;
    let _ = nm_conf::conf_order(
        &names[..third],
        &names[third..2 * third],
        &names[2 * third..],
        true,
    );
}

/// mptcpd.conf, with its lines also taken as plugin paths for the value checks.
pub fn mptcpd_conf(data: &[u8]) {
    let t = text(data);
    let (keys, _notes) = mptcpd::parse_conf(&t);
    let plugins: Vec<String> = t.lines().map(str::to_string).collect();
    let _ = mptcpd::check_values(&keys, &plugins, |k| format!("mptcpd.conf: {k}"));
    let _ = mptcpd::check_values(&keys, &[], |k| format!("mptcpd.conf: {k}"));
}

/// mptcp.service and its drop-ins (NUL separates the files): the ExecStart= that wins and its options.
pub fn systemd_unit(data: &[u8]) {
    let t = text(data);
    let starts = mptcpd_unit::exec_starts(t.split('\0'));
    for s in &starts {
        let (opts, _notes) = mptcpd_unit::options(s);
        let _ = mptcpd::check_values(&opts, &[], |k| format!("ExecStart: --{k}"));
    }
    let _ = mptcpd_unit::split_words(&t);
    let dirs: Vec<(&str, bool, Vec<String>)> = mptcpd_unit::UNIT_DIRS
        .iter()
        .zip(t.split('\0'))
        .map(|(d, names)| {
            (
                *d,
                names.len() % 2 == 0,
                names.lines().map(str::to_string).collect(),
            )
        })
        .collect();
    let _ = mptcpd_unit::unit_files(&dirs);
}

/// /proc/net/netstat and /proc/net/snmp (one parser: `Group: names` / `Group: values` pairs).
pub fn proc_net(data: &[u8]) {
    let _ = mib::parse_netstat(&text(data));
}

/// The kernel config: gzip input as /proc/config.gz, anything else as /boot/config-*.
pub fn kconfig(data: &[u8]) {
    if let Some(t) = kconfig::gunzip(data) {
        let _ = kconfig::relevant_symbols(&t);
    }
    let _ = kconfig::relevant_symbols(&text(data));
}

const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// The messages of one received datagram, framed as the sockets frame them (`socket::messages`:
/// netlink-packet-core's length checks; the first malformed message ends the datagram).
fn framed(data: &[u8]) -> Vec<Message<'_>> {
    messages(data).map_while(Result::ok).collect()
}

/// Answers of the `mptcp_pm` family (GET_ADDR dump, GET_LIMITS) and nlctrl's GETFAMILY, as the
/// request path reads them, made into the report's types and rendered as `ip mptcp endpoint/limits
/// show` print them. What decodes emits back to attributes that decode the same.
pub fn genl_pm(data: &[u8]) {
    let mut eps = Vec::new();
    for m in framed(data) {
        match m.kind {
            NLMSG_ERROR | NLMSG_DONE => {
                if let Some((errno, ext_ack)) = error_of(&m) {
                    let _ = genl::errno_error("fuzz", errno, ext_ack.as_deref()).to_string();
                }
            }
            _ => {
                let Ok(g) = GenlMsg::parse(m.body) else {
                    continue;
                };
                // (Below 60,000 bytes: re-padding a nested attribute may grow it by 3 bytes, and a
                // length field holds 65,535.)
                let attrs = PmAttr::decode_all(&g.attrs).ok();
                if let Some(attrs) = attrs.filter(|_| g.attrs.len() < 60_000) {
                    let again = PmAttr::decode_all(&emit_all(&attrs));
                    assert_eq!(
                        again.as_ref(),
                        Ok(&attrs),
                        "decode -> emit -> decode differs"
                    );
                }
                if let Ok(a) = mptcp_pm::decode_addr(&g) {
                    if let Ok(e) = convert::pm::endpoint(&a, None) {
                        eps.push(e);
                    }
                }
                if let Ok(l) = mptcp_pm::decode_limits(&g) {
                    let _ = iproute::render_limits(&convert::pm::limits(&l));
                }
                if let Ok(f) = family::parse_family(&g) {
                    let _ = f.group("mptcp_pm_events");
                }
            }
        }
    }
    let _ = iproute::render_endpoints(&eps);
}

/// `mptcp_pm_events` multicast datagrams, decoded, made into the report's events and rendered as
/// `ip mptcp monitor` prints them. A decoded event emits back to the same message.
pub fn genl_event(data: &[u8]) {
    let mut events = Vec::new();
    for m in framed(data) {
        let Ok(g) = GenlMsg::parse(m.body) else {
            continue;
        };
        let Ok(msg) = event::decode_event(&g) else {
            continue;
        };
        if g.attrs.len() < 60_000 {
            let again = event::decode_event(&msg.encode());
            assert_eq!(again.as_ref(), Ok(&msg), "decode -> emit -> decode differs");
        }
        events.push(convert::pm::event(&msg, chrono::DateTime::UNIX_EPOCH));
    }
    let _ = monitor_text::render_events(&events);
    for e in &events {
        let _ = e.is_server_side();
        if let Some(name) = monitor_text::monitor_name(e.kind) {
            let _ = name.len();
        }
    }
}

const RTM_NEWLINK: u16 = 16;
const RTM_NEWADDR: u16 = 20;
const RTM_NEWROUTE: u16 = 24;
const RTM_NEWRULE: u16 = 32;

/// A route-netlink dump datagram: framed as `RtSocket::dump` frames it, each body decoded by its
/// type, then rendered as `ip addr/route/rule show`.
pub fn rtnl(data: &[u8]) {
    let (mut links, mut addrs, mut routes, mut rules) = (vec![], vec![], vec![], vec![]);
    for m in framed(data) {
        let body = m.body;
        match m.kind {
            NLMSG_DONE | NLMSG_ERROR => break,
            RTM_NEWLINK => links.extend(LinkMsg::parse(body)),
            RTM_NEWADDR => addrs.extend(AddrMsg::parse(body)),
            RTM_NEWROUTE => routes.extend(RouteMsg::parse(body)),
            RTM_NEWRULE => rules.extend(RuleMsg::parse(body)),
            _ => {}
        }
    }
    let names = Names::default();
    let netns: HashMap<i32, String> = [(0, "peer".to_string())].into();
    let _ = rtnl_text::render_addrs(&links, &addrs, &names, &netns);
    let _ = rtnl_text::render_routes(&routes, &links, &names);
    let _ = rtnl_text::render_rules(&rules, &names);
    let _ = report_links(&links, &addrs);
    let _ = rtnl_text::has_main_default(&routes, AF_INET);
    let _ = rtnl_text::has_main_default(&routes, AF_INET6);
    for a in &addrs {
        let _ = a.own();
    }
}

/// Command output and small system files read from `--commands-from`/`--root` captures: `ip mptcp
/// endpoint/limits show`, `ss -ManiH`, `ip addr show`, os-release and iproute2's name tables.
pub fn command_text(data: &[u8]) {
    let t = text(data);
    if let Ok(eps) = iproute::parse_endpoints(&t) {
        let _ = iproute::render_endpoints(&eps);
    }
    if let Ok(l) = iproute::parse_limits(&t) {
        let _ = iproute::render_limits(&l);
    }
    let _ = sockets::parse_ss(&t);
    let _ = routing::parse_addr_show(&t);
    let _ = kernel::parse_os_release(&t);
    let _ = Names::load(|_| Some(t.clone()), |_| vec!["a.conf".into()]);
}
