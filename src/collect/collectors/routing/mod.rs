//! Interfaces and routing of a namespace: links with flags, MTU and addresses, policy rules and routes
//! of all tables, rp_filter per interface and all/default, and whether default routes exist. Subflows
//! need an address on an up interface and a route out of it, so triage needs these.
//!
//! On the running system everything comes from one route-netlink socket (four dumps, no process), and
//! the texts are rendered as the spec's `ip` commands print them. With recorded outputs (or if netlink
//! fails) the same texts come from those commands themselves and the links are parsed from
//! `ip addr show`.

pub mod present;

use super::endpoints::netlink_artifact;
use super::{command_problem, Builtin, Ctx, Output, Result};
use crate::collect::convert::links::report_links;
use crate::collect::rtnl_text::{self, Names};
use crate::netlink::rtnl::{LinkMsg, RtSocket, AF_INET, AF_INET6};
use crate::report::{Artifact, Data, Entry, Facts, Interfaces, Link, Section, Source};

pub struct Routing;

const CONF: &str = "/proc/sys/net/ipv4/conf";

/// The spec's iproute2 commands (ids), in archive order: addresses, IPv4 and IPv6 routes of all
/// tables, IPv4 and IPv6 rules.
const COMMANDS: [&str; 5] = ["addr", "routes4", "routes6", "rules4", "rules6"];

/// The raw/ name of each of the `COMMANDS`' texts.
fn artifact_names(ctx: &Ctx) -> Vec<String> {
    COMMANDS
        .iter()
        .map(|id| crate::collect::spec::artifact_name_for(&ctx.argv_of(id)))
        .collect()
}

/// Links, addresses, routes and rules over route netlink, rendered like the `COMMANDS`.
fn native(
    ctx: &Ctx,
    names: &Names,
    ifs: &mut Interfaces,
    notes: &mut Vec<String>,
) -> std::io::Result<Vec<Artifact>> {
    let artifacts = artifact_names(ctx);
    let mut sock = RtSocket::open()?;
    // The dump the links collector shows too (one per namespace and collection).
    let links: Vec<LinkMsg> = match ctx.link_dump().as_ref() {
        Ok(bodies) => bodies.iter().filter_map(|b| LinkMsg::parse(b)).collect(),
        Err(e) => return Err(std::io::Error::other(e.clone())),
    };
    let addrs = sock.addrs()?;
    let (r4, r6) = (sock.routes(AF_INET)?, sock.routes(AF_INET6)?);
    let (u4, u6) = (sock.rules(AF_INET)?, sock.rules(AF_INET6)?);
    // Peers in other namespaces are named like iproute2 names them, from /run/netns.
    let netns_names = if links.iter().any(|l| l.link_netnsid.is_some()) {
        sock.netns_names(std::path::Path::new("/run/netns"))
    } else {
        Default::default()
    };
    ifs.links = report_links(&links, &addrs);
    ifs.default_route_v4 = Some(rtnl_text::has_main_default(&r4, AF_INET));
    ifs.default_route_v6 = Some(rtnl_text::has_main_default(&r6, AF_INET6));
    let texts = [
        (
            "getlink+getaddr",
            rtnl_text::render_addrs(&links, &addrs, names, &netns_names),
        ),
        (
            "getroute inet",
            rtnl_text::render_routes(&r4, &links, names),
        ),
        (
            "getroute inet6",
            rtnl_text::render_routes(&r6, &links, names),
        ),
        ("getrule inet", rtnl_text::render_rules(&u4, names)),
        ("getrule inet6", rtnl_text::render_rules(&u6, names)),
    ];
    if sock.dropped > 0 {
        notes.push(format!(
            "{} route-netlink entries beyond the first {} of a dump were not kept",
            sock.dropped,
            crate::netlink::rtnl::DUMP_LIMIT
        ));
    }
    Ok(artifacts
        .iter()
        .zip(texts)
        .map(|(name, (what, text))| {
            let original = text.len() as u64;
            let mut art = netlink_artifact(name, "rtnetlink", what, head(text, ctx.env.cap));
            art.truncated = art.content.len() as u64 != original;
            art.original_size = original;
            art
        })
        .collect())
}

/// The first `cap` bytes of `text`, cut at a line end.
fn head(mut text: String, cap: usize) -> String {
    if text.len() > cap {
        let cut = text[..cap].rfind('\n').map(|i| i + 1).unwrap_or(0);
        text.truncate(cut);
    }
    text
}

/// The same from the `ip` commands (recorded outputs, or the fallback when netlink fails).
fn from_commands(ctx: &Ctx, out: &mut Output, ifs: &mut Interfaces) {
    let kept = out.artifacts.len();
    let runs: Vec<super::Run> = COMMANDS.iter().map(|id| (*id, &[][..])).collect();
    let res = ctx.run_declared_all(&runs, out);
    // A result with neither exit status nor timeout: not recorded (--commands-from) or killed.
    if res[0].exit_code.is_none() && !res[0].timed_out && !res[0].missing {
        out.artifacts.truncate(kept);
        out.notes.push(
            "`ip addr show` gave no result (not recorded, or killed): links from files only".into(),
        );
        return;
    }
    for (id, r) in COMMANDS.iter().zip(&res) {
        if let Some(p) = command_problem(&ctx.argv_of(id), r) {
            out.notes.push(p);
        }
    }
    if res[0].success() {
        ifs.links = parse_addr_show(&res[0].stdout);
    }
    if res[1].success() {
        ifs.default_route_v4 = Some(has_main_default(&res[1].stdout));
    }
    if res[2].success() {
        ifs.default_route_v6 = Some(has_main_default(&res[2].stdout));
    }
}

/// Links and their addresses from `ip addr show` text.
pub fn parse_addr_show(text: &str) -> Vec<Link> {
    let mut links: Vec<Link> = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') {
            let Some((index, rest)) = line.split_once(": ") else {
                continue;
            };
            let Some((name, rest)) = rest.split_once(": ") else {
                continue;
            };
            let Ok(index) = index.trim().parse() else {
                continue;
            };
            let flags = rest
                .strip_prefix('<')
                .and_then(|r| r.split_once('>'))
                .map(|(f, _)| {
                    f.split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let words: Vec<&str> = rest.split_whitespace().collect();
            let after = |key: &str| {
                words
                    .iter()
                    .position(|w| *w == key)
                    .and_then(|i| words.get(i + 1))
                    .copied()
            };
            links.push(Link {
                name: name.split('@').next().unwrap_or(name).to_string(),
                index,
                state: after("state").unwrap_or("").to_string(),
                flags,
                mtu: after("mtu").and_then(|m| m.parse().ok()),
                addrs: Vec::new(),
                rp_filter: None,
            });
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let (Some(link), Some(&("inet" | "inet6"))) = (links.last_mut(), words.first()) else {
            continue;
        };
        let addr = match (words.get(1), words.get(2), words.get(3)) {
            // `inet 10.0.0.1 peer 10.0.0.2/32`: the local address with the peer's prefix length.
            (Some(local), Some(&"peer"), Some(peer)) => match peer.split_once('/') {
                Some((_, len)) => format!("{local}/{len}"),
                None => local.to_string(),
            },
            (Some(a), _, _) => a.to_string(),
            _ => continue,
        };
        link.addrs.push(addr);
    }
    links
}

/// Whether `ip route show table all` output has a default route in the main table.
pub fn has_main_default(routes: &str) -> bool {
    routes.lines().any(|l| {
        let l = l.trim_start();
        let l = l.strip_prefix("unicast ").unwrap_or(l);
        l.starts_with("default ") && (!l.contains(" table ") || l.contains(" table main"))
    })
}

impl Builtin for Routing {
    fn name(&self) -> &'static str {
        "routing"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Interfaces)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        super::routing_present::present(section)
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let mut ifs = Interfaces::default();
        let fs = ctx.fs();
        if ctx.env.native() {
            // The host's files, the same for every namespace: read once per collection.
            let names = ctx.once("iproute2 names", false, || {
                Names::load(
                    |p| fs.read_to_string(p).ok(),
                    |d| fs.list_dir(d).unwrap_or_default(),
                )
            });
            match native(ctx, &names, &mut ifs, &mut out.notes) {
                Ok(arts) => out.artifacts.extend(arts),
                Err(e) => {
                    out.notes.push(format!(
                        "route netlink: {e}; reading links and routes from `ip` instead"
                    ));
                    ifs = Interfaces::default();
                    from_commands(ctx, out, &mut ifs);
                }
            }
        } else if ctx.env.live() {
            from_commands(ctx, out, &mut ifs);
        } else {
            out.notes.push(
                "commands not available (--root without recorded outputs): links from files only"
                    .into(),
            );
        }
        let rp = |n: &str| {
            fs.read_trimmed(&format!("{CONF}/{n}/rp_filter"))
                .and_then(|v| v.parse::<u8>().ok())
        };
        ifs.rp_filter_all = rp("all");
        ifs.rp_filter_default = rp("default");
        let mut rp_text = String::new();
        let from_files = ifs.links.is_empty();
        for n in fs.list_dir(CONF).unwrap_or_default() {
            let v = rp(&n);
            if let Some(v) = v {
                rp_text.push_str(&format!("net.ipv4.conf.{n}.rp_filter = {v}\n"));
            }
            if n == "all" || n == "default" {
                continue;
            }
            match ifs.links.iter_mut().find(|l| l.name == n) {
                Some(l) => l.rp_filter = v,
                // Without `ip` output the conf directory is the interface list.
                None if from_files => ifs.links.push(Link {
                    name: n.clone(),
                    rp_filter: v,
                    ..Link::default()
                }),
                None => {}
            }
        }
        if !rp_text.is_empty() {
            out.artifacts.push(Artifact {
                name: "sysctl_rp_filter.txt".into(),
                source: Source::File {
                    path: format!("{CONF}/*/rp_filter"),
                },
                original_size: rp_text.len() as u64,
                content: rp_text,
                truncated: false,
                spool: None,
                in_raw: false,
            });
        }
        out.data.push(Data::Interfaces(ifs));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_links_and_addresses_from_ip_addr_show() {
        let text = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
3: veth0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1400 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000
    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    altname enp0s3
    inet 10.0.0.1/24 brd 10.0.0.255 scope global veth0
       valid_lft forever preferred_lft forever
    inet 10.9.0.1 peer 10.9.0.2/32 scope global veth0
       valid_lft forever preferred_lft forever
    inet6 fe80::1/64 scope link
       valid_lft forever preferred_lft forever
";
        let l = parse_addr_show(text);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].name.as_str(), l[0].index), ("lo", 1));
        assert_eq!(l[0].flags, ["LOOPBACK", "UP", "LOWER_UP"]);
        assert_eq!(l[0].addrs, ["127.0.0.1/8"]);
        assert_eq!(l[1].name, "veth0");
        assert_eq!(l[1].state, "LOWERLAYERDOWN");
        assert_eq!(l[1].mtu, Some(1400));
        assert_eq!(l[1].flags[0], "NO-CARRIER");
        assert_eq!(l[1].addrs, ["10.0.0.1/24", "10.9.0.1/32", "fe80::1/64"]);
    }

    #[test]
    fn head_keeps_whole_lines_within_the_cap() {
        assert_eq!(head("a\nbb\nccc\n".into(), 6), "a\nbb\n");
        assert_eq!(head("a\nbb\n".into(), 100), "a\nbb\n");
        assert_eq!(head("abcdef".into(), 3), "");
    }

    #[test]
    fn finds_main_table_default_only() {
        assert!(has_main_default(
            "default via 10.0.0.1 dev eth0 proto dhcp\n"
        ));
        assert!(!has_main_default(
            "default via 10.0.0.1 dev eth0 table 100\nlocal 127.0.0.1 dev lo table local\n"
        ));
        assert!(!has_main_default("10.0.0.0/24 dev eth0 scope link\n"));
    }
}
