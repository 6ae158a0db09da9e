//! Interfaces and routing of a namespace: links with flags, MTU and addresses (`ip -j`), policy rules
//! and routes of all tables (kept raw), rp_filter per interface and all/default, and whether default
//! routes exist. Subflows need an address on an up interface and a route out of it, so triage needs these.

use super::{command_problem, Builtin, Ctx, Output, Result};
use crate::report::{Data, Interfaces, Link};
use serde_json::Value;

pub struct Routing;

const CONF: &str = "/proc/sys/net/ipv4/conf";

/// Links from `ip -j -d link show`, addresses merged in from `ip -j addr show`.
pub fn parse_links(link_json: &str, addr_json: &str) -> std::result::Result<Vec<Link>, String> {
    let links: Vec<Value> =
        serde_json::from_str(link_json).map_err(|e| format!("ip -j link: {e}"))?;
    let mut out: Vec<Link> = links
        .iter()
        .map(|l| Link {
            name: str_of(l, "ifname"),
            index: l["ifindex"].as_i64().unwrap_or(0) as i32,
            state: str_of(l, "operstate"),
            flags: l["flags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            mtu: l["mtu"].as_u64().map(|m| m as u32),
            addrs: Vec::new(),
            rp_filter: None,
        })
        .collect();
    if !addr_json.trim().is_empty() {
        let addrs: Vec<Value> =
            serde_json::from_str(addr_json).map_err(|e| format!("ip -j addr: {e}"))?;
        for a in &addrs {
            let name = str_of(a, "ifname");
            let Some(link) = out.iter_mut().find(|l| l.name == name) else {
                continue;
            };
            for info in a["addr_info"].as_array().into_iter().flatten() {
                if let (Some(local), Some(len)) =
                    (info["local"].as_str(), info["prefixlen"].as_u64())
                {
                    link.addrs.push(format!("{local}/{len}"));
                }
            }
        }
    }
    Ok(out)
}

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or("").to_string()
}

/// Whether `ip route show table all` output has a default route in the main table.
pub fn has_main_default(routes: &str) -> bool {
    routes.lines().any(|l| {
        let l = l.trim_start();
        let l = l.strip_prefix("unicast ").unwrap_or(l);
        l.starts_with("default ") && !l.contains(" table ")
            || l.starts_with("default ") && l.contains(" table main")
    })
}

impl Builtin for Routing {
    fn name(&self) -> &'static str {
        "routing"
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let mut ifs = Interfaces::default();
        // A result with neither exit status nor timeout: not recorded (--commands-from) or killed.
        let probe = ctx
            .env
            .live
            .then(|| ctx.run(&["ip", "-j", "-d", "link", "show"]));
        let no_result = probe
            .as_ref()
            .is_some_and(|r| r.exit_code.is_none() && !r.timed_out && !r.missing);
        if no_result {
            out.notes.push(
                "`ip -j -d link show` gave no result (not recorded, or killed): links from files only"
                    .into(),
            );
        }
        if ctx.env.live && !no_result {
            let link = ctx.run_kept(&["ip", "-j", "-d", "link", "show"], out);
            let addr = ctx.run_kept(&["ip", "-j", "addr", "show"], out);
            for (argv, res) in [
                (&["ip", "-j", "-d", "link", "show"][..], &link),
                (&["ip", "-j", "addr", "show"][..], &addr),
            ] {
                if let Some(p) = command_problem(argv, res) {
                    out.notes.push(p);
                }
            }
            if link.success() {
                match parse_links(&link.stdout, if addr.success() { &addr.stdout } else { "" }) {
                    Ok(l) => ifs.links = l,
                    Err(e) => out.notes.push(e),
                }
            }
            for argv in [&["ip", "rule", "show"][..], &["ip", "-6", "rule", "show"]] {
                let res = ctx.run_kept(argv, out);
                if let Some(p) = command_problem(argv, &res) {
                    out.notes.push(p);
                }
            }
            let v4 = ["ip", "route", "show", "table", "all"];
            let v6 = ["ip", "-6", "route", "show", "table", "all"];
            let r4 = ctx.run_kept(&v4, out);
            let r6 = ctx.run_kept(&v6, out);
            if r4.success() {
                ifs.default_route_v4 = Some(has_main_default(&r4.stdout));
            } else if let Some(p) = command_problem(&v4, &r4) {
                out.notes.push(p);
            }
            if r6.success() {
                ifs.default_route_v6 = Some(has_main_default(&r6.stdout));
            } else if let Some(p) = command_problem(&v6, &r6) {
                out.notes.push(p);
            }
        } else if !ctx.env.live {
            out.notes.push(
                "commands not available (--root without recorded outputs): links from files only"
                    .into(),
            );
        }
        let fs = ctx.fs();
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
            out.artifacts.push(crate::report::Artifact {
                name: "sysctl_rp_filter.txt".into(),
                source: crate::report::Source::File {
                    path: format!("{CONF}/*/rp_filter"),
                },
                original_size: rp_text.len() as u64,
                content: rp_text,
                truncated: false,
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
    fn parses_links_and_addresses() {
        let link = r#"[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"operstate":"UNKNOWN"},
            {"ifindex":3,"ifname":"veth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"operstate":"UP"}]"#;
        let addr = r#"[{"ifindex":3,"ifname":"veth0","addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]"#;
        let l = parse_links(link, addr).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].flags, ["LOOPBACK", "UP", "LOWER_UP"]);
        assert_eq!(l[1].state, "UP");
        assert_eq!(l[1].mtu, Some(1500));
        assert_eq!(l[1].addrs, ["10.0.0.1/24", "fe80::1/64"]);
        assert!(parse_links("not json", "")
            .unwrap_err()
            .contains("ip -j link"));
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
