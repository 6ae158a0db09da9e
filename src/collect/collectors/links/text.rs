//! Text of the `links` collector: `raw/links/links.txt` (one block per interface with every counter,
//! every feature and each source's error), and the parser for `ethtool -k` output, the fallback on
//! kernels without the ethtool netlink family.

use crate::netlink::drvinfo::DrvInfo;
use crate::netlink::ethtool::{Features, LinkModes};
use crate::netlink::link_stats::Stats64;
use crate::report::{LinkDetail, Offloads};

/// What the raw text shows beyond the typed facts: each source's full answer or why it failed.
#[derive(Debug)]
pub struct LinkRaw {
    pub stats: Option<Stats64>,
    pub carrier_changes: Option<u32>,
    pub drvinfo: Result<DrvInfo, String>,
    pub modes: Result<LinkModes, String>,
    pub features: Result<Features, String>,
    /// How the offloads were read when not over netlink (`ethtool -k`, or why not).
    pub offloads_note: Option<String>,
}

impl Default for LinkRaw {
    fn default() -> Self {
        LinkRaw {
            stats: None,
            carrier_changes: None,
            drvinfo: Err("not asked".into()),
            modes: Err("not asked".into()),
            features: Err("not asked".into()),
            offloads_note: None,
        }
    }
}

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "-".into()
    } else {
        names.join(" ")
    }
}

/// One block per interface, in the order given.
pub fn render(details: &[LinkDetail], raws: &[LinkRaw]) -> String {
    let mut s = String::new();
    for (d, r) in details.iter().zip(raws) {
        s.push_str(&format!(
            "{}: {}{} state {} mtu {} qdisc {}\n",
            d.index,
            d.name,
            d.kind
                .as_ref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default(),
            or_dash(&d.operstate),
            d.mtu.map_or("-".into(), |m| m.to_string()),
            or_dash(&d.qdisc),
        ));
        match &r.drvinfo {
            Ok(i) => s.push_str(&format!(
                "    driver {} version {} firmware {} bus-info {}\n",
                if i.driver.is_empty() { "-" } else { &i.driver },
                if i.version.is_empty() {
                    "-"
                } else {
                    &i.version
                },
                if i.fw_version.is_empty() {
                    "-"
                } else {
                    &i.fw_version
                },
                if i.bus_info.is_empty() {
                    "-"
                } else {
                    &i.bus_info
                },
            )),
            Err(e) => s.push_str(&format!("    driver info: {e}\n")),
        }
        s.push_str(&format!(
            "    driver {} bus {} device {}\n",
            or_dash(&d.driver),
            or_dash(&d.bus),
            or_dash(&d.bus_info)
        ));
        match &r.modes {
            Ok(m) => s.push_str(&format!(
                "    speed {} duplex {} autoneg {}\n",
                m.speed.map_or("unknown".into(), |v| format!("{v}Mb/s")),
                m.duplex.unwrap_or("unknown"),
                m.autoneg
                    .map_or("unknown", |a| if a { "on" } else { "off" }),
            )),
            Err(e) => s.push_str(&format!("    link modes: {e}\n")),
        }
        match (&r.features, &d.offloads) {
            (Ok(f), _) => {
                s.push_str(&format!("    features active: {}\n", list(&f.active)));
                let off: Vec<String> =
                    f.hw.iter()
                        .filter(|n| !f.active.contains(n))
                        .cloned()
                        .collect();
                s.push_str(&format!("    features off (changeable): {}\n", list(&off)));
                s.push_str(&format!("    features wanted: {}\n", list(&f.wanted)));
                s.push_str(&format!("    features fixed: {}\n", list(&f.nochange)));
            }
            (Err(_), Some(o)) => {
                s.push_str(&format!(
                    "    features active ({}): {}\n",
                    o.source,
                    list(&o.active)
                ));
                s.push_str(&format!(
                    "    features off (changeable): {}\n",
                    list(&o.off)
                ));
            }
            (Err(e), None) => s.push_str(&format!(
                "    features: {}\n",
                r.offloads_note.as_deref().unwrap_or(e)
            )),
        }
        match &r.stats {
            Some(st) => {
                for chunk in st.0.chunks(6) {
                    let words: Vec<String> =
                        chunk.iter().map(|(n, v)| format!("{n} {v}")).collect();
                    s.push_str(&format!("    {}\n", words.join("  ")));
                }
            }
            None => s.push_str("    counters: not reported\n"),
        }
        if let Some(c) = r.carrier_changes {
            s.push_str(&format!("    carrier_changes {c}\n"));
        }
    }
    s
}

/// ethtool's names for single features, where the kernel's name differs (`ethtool -k` prints these;
/// the kernel and ethtool netlink use the right-hand ones).
const LEGACY: &[(&str, &str)] = &[
    ("rx-checksumming", "rx-checksum"),
    ("generic-segmentation-offload", "tx-generic-segmentation"),
    ("generic-receive-offload", "rx-gro"),
    ("large-receive-offload", "rx-lro"),
    ("rx-vlan-offload", "rx-vlan-hw-parse"),
    ("tx-vlan-offload", "tx-vlan-hw-insert"),
    ("ntuple-filters", "rx-ntuple-filter"),
    ("receive-hashing", "rx-hashing"),
];

/// Parses `ethtool -k IF`: `name: on|off [fixed]` lines, groups (a line followed by indented ones)
/// replaced by their members, legacy names mapped to the kernel's.
pub fn parse_ethtool_k(text: &str) -> Offloads {
    let entries: Vec<(bool, String, bool, bool)> = text
        .lines()
        .filter_map(|line| {
            let indented = line.starts_with([' ', '\t']);
            let (name, rest) = line.trim().split_once(':')?;
            let mut words = rest.split_whitespace();
            let on = match words.next()? {
                "on" => true,
                "off" => false,
                _ => return None,
            };
            let fixed = rest.contains("[fixed]");
            let name = LEGACY
                .iter()
                .find(|(old, _)| *old == name)
                .map_or(name, |(_, new)| new);
            Some((indented, name.to_string(), on, fixed))
        })
        .collect();
    let mut o = Offloads {
        source: "ethtool -k".into(),
        ..Default::default()
    };
    for (i, (indented, name, on, fixed)) in entries.iter().enumerate() {
        let group = !indented && entries.get(i + 1).is_some_and(|n| n.0);
        if group {
            continue;
        }
        if *on {
            o.active.push(name.clone());
        } else if !fixed {
            o.off.push(name.clone());
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETHTOOL_K: &str = "Features for eth1:
rx-checksumming: on
tx-checksumming: on
\ttx-checksum-ipv4: off [fixed]
\ttx-checksum-ip-generic: on
scatter-gather: on
\ttx-scatter-gather: on
tcp-segmentation-offload: off
\ttx-tcp-segmentation: off
\ttx-tcp-ecn-segmentation: off [fixed]
generic-segmentation-offload: on
generic-receive-offload: off
large-receive-offload: off [fixed]
rx-gro-list: off
highdma: on [fixed]
";

    #[test]
    fn parses_ethtool_k_with_groups_and_legacy_names() {
        let o = parse_ethtool_k(ETHTOOL_K);
        assert_eq!(o.source, "ethtool -k");
        assert_eq!(
            o.active,
            [
                "rx-checksum",
                "tx-checksum-ip-generic",
                "tx-scatter-gather",
                "tx-generic-segmentation",
                "highdma"
            ]
        );
        assert_eq!(o.off, ["tx-tcp-segmentation", "rx-gro", "rx-gro-list"]);
        assert!(!o.is_on("rx-gro") && o.is_on("tx-generic-segmentation"));
        assert_eq!(
            parse_ethtool_k("garbage\n: \nx: maybe\n"),
            Offloads {
                source: "ethtool -k".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn renders_a_block_per_interface_with_every_counter() {
        let d = LinkDetail {
            name: "eth1".into(),
            index: 3,
            kind: Some("veth".into()),
            operstate: Some("UP".into()),
            mtu: Some(9000),
            qdisc: Some("noqueue".into()),
            driver: Some("veth".into()),
            ..Default::default()
        };
        let raw = LinkRaw {
            stats: Some(Stats64::parse(&[0u8; 8 * 25])),
            drvinfo: Ok(DrvInfo {
                driver: "veth".into(),
                version: "1.0".into(),
                ..Default::default()
            }),
            modes: Ok(LinkModes {
                speed: Some(10000),
                duplex: Some("full"),
                autoneg: Some(false),
            }),
            features: Ok(Features {
                hw: vec!["rx-gro".into(), "tx-tcp-segmentation".into()],
                active: vec!["tx-tcp-segmentation".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let text = render(&[d], &[raw]);
        assert!(
            text.starts_with("3: eth1 (veth) state UP mtu 9000 qdisc noqueue\n"),
            "{text}"
        );
        assert!(
            text.contains("    speed 10000Mb/s duplex full autoneg off\n"),
            "{text}"
        );
        assert!(
            text.contains("    features active: tx-tcp-segmentation\n"),
            "{text}"
        );
        assert!(
            text.contains("    features off (changeable): rx-gro\n"),
            "{text}"
        );
        assert!(text.contains("rx_otherhost_dropped 0"), "{text}");
        assert!(
            text.contains("    driver veth version 1.0 firmware - bus-info -\n"),
            "{text}"
        );
    }
}
