//! Route-netlink dumps rendered as iproute2 6.1 prints them: `ip addr show`, `ip route show table
//! all` (IPv4 then IPv6) and `ip rule show` / `ip -6 rule show`. Maintainers read these texts, so
//! field order, spacing and names follow iproute2 (checked line for line against it in namespaces).

use crate::netlink::rtnl::*;
use crate::report::endpoint::fmt_ip;
use std::collections::HashMap;
use std::fmt::Write;

/// `write!` into a String, which cannot fail.
macro_rules! put {
    ($s:expr, $($arg:tt)*) => {{
        let _ = write!($s, $($arg)*);
    }};
}

mod addrs;
mod routes;
mod rules;

pub use addrs::render_addrs;
pub use routes::{has_main_default, render_routes};
pub use rules::render_rules;

/// Number-to-name tables iproute2 reads from /etc/iproute2, with its built-in defaults.
#[derive(Debug, Clone)]
pub struct Names {
    pub tables: HashMap<u32, String>,
    pub protos: HashMap<u32, String>,
    pub groups: HashMap<u32, String>,
}

impl Default for Names {
    fn default() -> Self {
        let map = |v: &[(u32, &str)]| v.iter().map(|(k, n)| (*k, n.to_string())).collect();
        Names {
            tables: map(&[
                (0, "unspec"),
                (253, "default"),
                (254, "main"),
                (255, "local"),
            ]),
            protos: map(&[
                (0, "unspec"),
                (1, "redirect"),
                (2, "kernel"),
                (3, "boot"),
                (4, "static"),
                (8, "gated"),
                (9, "ra"),
                (10, "mrt"),
                (11, "zebra"),
                (12, "bird"),
                (13, "dnrouted"),
                (14, "xorp"),
                (15, "ntk"),
                (16, "dhcp"),
                (18, "keepalived"),
                (42, "babel"),
                (99, "openr"),
                (186, "bgp"),
                (187, "isis"),
                (188, "ospf"),
                (189, "rip"),
                (192, "eigrp"),
            ]),
            groups: map(&[(0, "default")]),
        }
    }
}

impl Names {
    /// The defaults overlaid with the files `read` returns (paths under /etc/iproute2); `list` names
    /// the `*.conf` files of a `.d` directory.
    pub fn load(
        read: impl Fn(&str) -> Option<String>,
        list: impl Fn(&str) -> Vec<String>,
    ) -> Names {
        let mut n = Names::default();
        let overlay = |map: &mut HashMap<u32, String>, base: &str| {
            let mut files = vec![format!("/etc/iproute2/{base}")];
            let dir = format!("/etc/iproute2/{base}.d");
            let mut confs: Vec<String> = list(&dir)
                .into_iter()
                .filter(|f| f.ends_with(".conf"))
                .collect();
            confs.sort();
            files.extend(confs.into_iter().map(|f| format!("{dir}/{f}")));
            for f in files {
                if let Some(text) = read(&f) {
                    parse_names(&text, map);
                }
            }
        };
        overlay(&mut n.tables, "rt_tables");
        overlay(&mut n.protos, "rt_protos");
        overlay(&mut n.groups, "group");
        n
    }

    fn table(&self, id: u32) -> String {
        self.tables
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn proto(&self, id: u8) -> String {
        let id = id as u32;
        self.protos
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn group(&self, id: u32) -> String {
        self.groups
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// `NUMBER NAME` lines (decimal or 0x hex), `#` comments, as iproute2's rt_names files.
fn parse_names(text: &str, map: &mut HashMap<u32, String>) {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(num), Some(name)) = (it.next(), it.next()) else {
            continue;
        };
        let id = match num.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => num.parse().ok(),
        };
        if let (Some(id), false) = (id, name.starts_with('#')) {
            map.insert(id, name.to_string());
        }
    }
}

fn scope_name(s: u8) -> String {
    match s {
        0 => "global".into(),
        200 => "site".into(),
        253 => "link".into(),
        254 => "host".into(),
        255 => "nowhere".into(),
        n => n.to_string(),
    }
}

/// Route types (RTN_*), also the names of rule actions 6..8.
fn type_name(t: u8) -> String {
    const NAMES: [&str; 12] = [
        "none",
        "unicast",
        "local",
        "broadcast",
        "anycast",
        "multicast",
        "blackhole",
        "unreachable",
        "prohibit",
        "throw",
        "nat",
        "xresolve",
    ];
    NAMES
        .get(t as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| t.to_string())
}

const OPERSTATES: [&str; 7] = [
    "UNKNOWN",
    "NOTPRESENT",
    "DOWN",
    "LOWERLAYERDOWN",
    "TESTING",
    "DORMANT",
    "UP",
];

pub fn operstate(s: u8) -> String {
    OPERSTATES
        .get(s as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("state {s:#x}"))
}

const IFF_UP: u32 = 0x1;

const IFF_RUNNING: u32 = 0x40;

const IFF_POINTOPOINT: u32 = 0x10;

/// Link flags in iproute2's order, NO-CARRIER first for an up link without carrier; leftover bits hex.
pub fn link_flags(flags: u32) -> Vec<String> {
    const ORDER: [(&str, u32); 18] = [
        ("LOOPBACK", 0x8),
        ("BROADCAST", 0x2),
        ("POINTOPOINT", 0x10),
        ("MULTICAST", 0x1000),
        ("NOARP", 0x80),
        ("ALLMULTI", 0x200),
        ("PROMISC", 0x100),
        ("MASTER", 0x400),
        ("SLAVE", 0x800),
        ("DEBUG", 0x4),
        ("DYNAMIC", 0x8000),
        ("AUTOMEDIA", 0x4000),
        ("PORTSEL", 0x2000),
        ("NOTRAILERS", 0x20),
        ("UP", 0x1),
        ("LOWER_UP", 0x10000),
        ("DORMANT", 0x20000),
        ("ECHO", 0x40000),
    ];
    let mut out = Vec::new();
    if flags & IFF_UP != 0 && flags & IFF_RUNNING == 0 {
        out.push("NO-CARRIER".to_string());
    }
    let mut left = flags & !IFF_RUNNING;
    for (name, bit) in ORDER {
        if left & bit != 0 {
            left &= !bit;
            out.push(name.to_string());
        }
    }
    if left != 0 {
        out.push(format!("{left:x}"));
    }
    out
}

fn name_of(links: &[LinkMsg], index: i32) -> String {
    links
        .iter()
        .find(|l| l.index == index)
        .map(|l| l.name.clone())
        .unwrap_or_else(|| format!("if{index}"))
}

fn host_len(family: u8) -> u8 {
    if family == AF_INET6 {
        128
    } else {
        32
    }
}

fn addr_text(d: &[u8]) -> String {
    ip_of(d).map(|a| fmt_ip(&a)).unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::nla::RawNla;

    fn route(dst: Option<[u8; 4]>, len: u8, attrs: Vec<(u16, Vec<u8>)>) -> RouteMsg {
        let mut a = attrs;
        if let Some(d) = dst {
            a.insert(0, (RTA_DST, d.to_vec()));
        }
        RouteMsg {
            family: AF_INET,
            dst_len: len,
            table: 254,
            protocol: 3,
            kind: 1,
            attrs: Attrs(a.into_iter().map(|(k, v)| RawNla::new(k, v)).collect()),
            ..RouteMsg::default()
        }
    }

    fn links() -> Vec<LinkMsg> {
        vec![LinkMsg {
            index: 2,
            name: "eth0".into(),
            ..LinkMsg::default()
        }]
    }

    #[test]
    fn renders_routes_like_iproute2() {
        let n = Names::default();
        let mut def = route(
            None,
            0,
            vec![
                (RTA_GATEWAY, vec![10, 0, 0, 1]),
                (RTA_OIF, 2u32.to_ne_bytes().to_vec()),
                (RTA_PRIORITY, 100u32.to_ne_bytes().to_vec()),
            ],
        );
        def.protocol = 16;
        let mut net = route(
            Some([10, 0, 0, 0]),
            24,
            vec![
                (RTA_OIF, 2u32.to_ne_bytes().to_vec()),
                (RTA_PREFSRC, vec![10, 0, 0, 5]),
            ],
        );
        net.protocol = 2;
        net.scope = 253;
        let mut local = route(Some([10, 0, 0, 5]), 32, vec![]);
        local.kind = 2;
        local.table = 255;
        let mut t100 = route(
            Some([10, 9, 0, 0]),
            16,
            vec![(RTA_OIF, 9u32.to_ne_bytes().to_vec())],
        );
        t100.table = 100;
        let out = render_routes(&[def, net, local, t100], &links(), &n);
        assert_eq!(
            out,
            "default via 10.0.0.1 dev eth0 proto dhcp metric 100 \n\
             10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5 \n\
             local 10.0.0.5 table local \n\
             10.9.0.0/16 dev if9 table 100 \n"
        );
    }

    #[test]
    fn names_files_override_and_extend_the_defaults() {
        let read = |p: &str| match p {
            "/etc/iproute2/rt_tables" => Some("# c\n255 local\n100\tisp1\n0x20 hex\n".to_string()),
            "/etc/iproute2/rt_tables.d/x.conf" => Some("200 isp2\n".to_string()),
            _ => None,
        };
        let list = |d: &str| {
            if d == "/etc/iproute2/rt_tables.d" {
                vec!["x.conf".to_string(), "skip.txt".to_string()]
            } else {
                vec![]
            }
        };
        let n = Names::load(read, list);
        assert_eq!(n.table(100), "isp1");
        assert_eq!(n.table(200), "isp2");
        assert_eq!(n.table(32), "hex");
        assert_eq!(n.table(254), "main");
        assert_eq!(n.table(7), "7");
    }

    #[test]
    fn flags_in_iproute2_order_with_no_carrier() {
        assert_eq!(
            link_flags(0x11043),
            ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
        );
        assert_eq!(
            link_flags(0x1003),
            ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP"]
        );
        assert_eq!(
            link_flags(0x8 | 0x1 | 0x40 | 0x10000),
            ["LOOPBACK", "UP", "LOWER_UP"]
        );
    }

    #[test]
    fn default_route_only_in_main() {
        let def = route(None, 0, vec![]);
        let mut other = route(None, 0, vec![]);
        other.table = 100;
        assert!(has_main_default(std::slice::from_ref(&def), AF_INET));
        assert!(!has_main_default(&[other], AF_INET));
        assert!(!has_main_default(&[def], AF_INET6));
    }
}
