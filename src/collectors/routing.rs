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
        if ctx.env.live {
            // All six at once: they are independent, and each is a whole process.
            const LINK: &[&str] = &["ip", "-j", "-d", "link", "show"];
            const ADDR: &[&str] = &["ip", "-j", "addr", "show"];
            const V4: &[&str] = &["ip", "route", "show", "table", "all"];
            const V6: &[&str] = &["ip", "-6", "route", "show", "table", "all"];
            let argvs: [&[&str]; 6] = [
                LINK,
                ADDR,
                &["ip", "rule", "show"],
                &["ip", "-6", "rule", "show"],
                V4,
                V6,
            ];
            let kept = out.artifacts.len();
            let res = ctx.run_kept_all(&argvs, out);
            // A result with neither exit status nor timeout: not recorded (--commands-from) or killed.
            if res[0].exit_code.is_none() && !res[0].timed_out && !res[0].missing {
                out.artifacts.truncate(kept);
                out.notes.push("`ip -j -d link show` gave no result (not recorded, or killed): links from files only".into());
            } else {
                for (argv, r) in argvs.iter().zip(&res) {
                    if let Some(p) = command_problem(argv, r) {
                        out.notes.push(p);
                    }
                }
                let (link, addr) = (&res[0], &res[1]);
                if link.success() {
                    match parse_links(&link.stdout, if addr.success() { &addr.stdout } else { "" })
                    {
                        Ok(l) => ifs.links = l,
                        Err(e) => out.notes.push(e),
                    }
                }
                if res[4].success() {
                    ifs.default_route_v4 = Some(has_main_default(&res[4].stdout));
                }
                if res[5].success() {
                    ifs.default_route_v6 = Some(has_main_default(&res[5].stdout));
                }
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
