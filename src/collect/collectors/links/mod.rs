//! Per interface of a namespace, what a throughput problem is judged by: driver and bus, speed and
//! duplex, MTU, qdisc, offload features and the counters that show loss. The typed facts feed the
//! findings and the summary's table; `raw/links/links.txt` keeps everything (every counter, every
//! feature, each source's error).
//!
//! Sources are chosen for being right in any namespace: route netlink and ethtool netlink sockets,
//! and the GDRVINFO ioctl, all opened on the thread that entered the namespace. sysfs is only a
//! fallback for the tool's own namespace, and only when it demonstrably shows the same device (same
//! index and hardware address), because /sys/class/net shows the namespace that mounted sysfs.

pub mod present;
pub mod text;

use super::endpoints::netlink_artifact;
use super::links_text::{self, LinkRaw};
use super::{command_problem, Builtin, Ctx, Output, Result, Stop};
use crate::netlink::drvinfo::IoctlSocket;
use crate::netlink::ethtool::{Ethtool, Features};
use crate::netlink::link_stats::decode_link_extra;
use crate::netlink::rtnl::LinkMsg;
use crate::netlink::PmError;
use crate::report::{Data, Entry, Facts, LinkCounters, LinkDetail, Offloads, Section};

pub struct Links;

/// The spec's `ethtool -k {interface}`, run for each interface on kernels without ethtool netlink.
const ETHTOOL: &str = "ethtool";

/// Offloads from ethtool netlink: what is on, and what is off but could be turned on.
pub fn offloads_from(f: &Features) -> Offloads {
    Offloads {
        source: "ethtool netlink".into(),
        active: f.active.clone(),
        off: f
            .hw
            .iter()
            .filter(|n| !f.active.contains(n))
            .cloned()
            .collect(),
    }
}

fn counters(s: &crate::netlink::link_stats::Stats64) -> LinkCounters {
    LinkCounters {
        rx_packets: s.get("rx_packets"),
        tx_packets: s.get("tx_packets"),
        rx_bytes: s.get("rx_bytes"),
        tx_bytes: s.get("tx_bytes"),
        rx_errors: s.get("rx_errors"),
        tx_errors: s.get("tx_errors"),
        rx_dropped: s.get("rx_dropped"),
        tx_dropped: s.get("tx_dropped"),
        rx_fifo_errors: s.get("rx_fifo_errors"),
        tx_fifo_errors: s.get("tx_fifo_errors"),
        rx_missed_errors: s.get("rx_missed_errors"),
        rx_over_errors: s.get("rx_over_errors"),
        rx_crc_errors: s.get("rx_crc_errors"),
        tx_carrier_errors: s.get("tx_carrier_errors"),
        collisions: s.get("collisions"),
    }
}

/// An I/O error's text without Rust's " (os error N)" suffix.
fn io_text(e: &std::io::Error) -> String {
    e.raw_os_error()
        .map_or_else(|| e.to_string(), crate::netlink::socket::describe_errno)
}

/// The last path component of a sysfs link (`.../drivers/virtio_net` -> `virtio_net`).
fn link_name(path: &str) -> Option<String> {
    // The tool's own namespace on the live system only (see from_sysfs): the path is the host's.
    let target = std::fs::read_link(path).ok()?;
    Some(target.file_name()?.to_string_lossy().into_owned())
}

/// Driver and bus from sysfs, only where sysfs shows this very device: the tool's own namespace, the
/// same interface index and the same hardware address (checked only when there is a device).
fn from_sysfs(ctx: &Ctx, l: &LinkMsg) -> (Option<String>, Option<String>) {
    if ctx.netns.is_some() || !ctx.fs().is_live() {
        return (None, None);
    }
    if l.name.contains('/') {
        return (None, None);
    }
    let dir = format!("/sys/class/net/{}", l.name);
    let driver = link_name(&format!("{dir}/device/driver"));
    let bus = link_name(&format!("{dir}/device/subsystem"));
    // A virtual interface (lo, veth, bridge, ...) has no device: nothing to check.
    if driver.is_none() && bus.is_none() {
        return (None, None);
    }
    let fs = ctx.fs();
    let same_index = fs.read_trimmed(&format!("{dir}/ifindex")) == Some(l.index.to_string());
    let mac = l.address.as_ref().map(|a| {
        a.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    });
    let same_addr = mac.is_none() || fs.read_trimmed(&format!("{dir}/address")) == mac;
    if !same_index || !same_addr {
        return (None, None);
    }
    (driver, bus)
}

/// The spec's `ethtool -k IF` (kernels without the ethtool netlink family), kept as an artifact and
/// parsed.
fn offloads_from_command(ctx: &Ctx, name: &str, out: &mut Output) -> (Option<Offloads>, String) {
    let res = ctx.run_declared(ETHTOOL, &[("interface", &[name])], out);
    let mut argv = ctx.argv_of(ETHTOOL);
    if let Some(last) = argv.last_mut() {
        *last = name;
    }
    match command_problem(&argv, &res) {
        Some(p) => (None, p),
        None => (
            Some(links_text::parse_ethtool_k(&res.stdout)),
            "from `ethtool -k`".into(),
        ),
    }
}

impl Builtin for Links {
    fn name(&self) -> &'static str {
        "links"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Links)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(links) = section.data.iter().find_map(|d| match d {
            Data::Links(l) => Some(l),
            _ => None,
        }) else {
            return Vec::new();
        };
        super::links_present::present(links, section.artifacts.first().map(|a| a.name.as_str()))
    }

    /// Needs the running kernel (the spec's `running_kernel` trigger): netlink would describe this
    /// host, not the one recorded.
    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        // The dump the routing collector shows too (one per namespace and collection).
        let dump = ctx.link_dump();
        let bodies = dump
            .as_ref()
            .as_ref()
            .map_err(|e| Stop::Failed(format!("route netlink link dump: {e}")))?;
        let mut ethtool = match Ethtool::open() {
            Ok(e) => Ok(e),
            Err(PmError::FamilyMissing) => Err(if ctx.can_run(ETHTOOL) {
                "no ethtool netlink family (kernel before 5.6?): offloads from `ethtool -k`, no speed".to_string()
            } else {
                "no ethtool netlink family (kernel before 5.6?) and no ethtool program: no speed or offloads".to_string()
            }),
            Err(e) => Err(format!("ethtool netlink: {e}")),
        };
        if let Err(why) = &ethtool {
            out.notes.push(why.clone());
        }
        let fallback = matches!(&ethtool, Err(w) if w.contains("from `ethtool -k`"));
        // Every interface's link modes and features in two dumps (hundreds of veths would be hundreds
        // of requests); an interface a dump leaves out is asked alone, for its own answer or error.
        let (mut modes, mut features) = match &mut ethtool {
            Ok(e) => (
                e.linkmodes_all().unwrap_or_default(),
                e.features_all().unwrap_or_default(),
            ),
            Err(_) => Default::default(),
        };
        let ioctl = IoctlSocket::open();
        let mut details = Vec::new();
        let mut raws = Vec::new();
        for body in bodies {
            let Some(l) = LinkMsg::parse(body) else {
                continue;
            };
            let extra = decode_link_extra(body);
            let mut raw = LinkRaw {
                stats: extra.stats.clone(),
                carrier_changes: extra.carrier_changes,
                ..Default::default()
            };
            let mut d = LinkDetail {
                name: l.name.clone(),
                index: l.index,
                kind: l.info_kind.clone(),
                operstate: l.operstate.map(crate::collect::rtnl_text::operstate),
                mtu: l.mtu,
                qdisc: l.qdisc.clone(),
                bus: extra.parent_bus.clone(),
                bus_info: extra.parent_dev.clone(),
                counters: extra.stats.as_ref().map(counters),
                ..Default::default()
            };
            let drv = match &ioctl {
                Ok(s) => s.drvinfo(&l.name).map_err(|e| io_text(&e)),
                Err(e) => Err(io_text(e)),
            };
            match drv {
                Ok(i) => {
                    d.driver = Some(i.driver.clone()).filter(|s| !s.is_empty());
                    if !i.bus_info.is_empty() {
                        d.bus_info = Some(i.bus_info.clone());
                    }
                    raw.drvinfo = Ok(i);
                }
                Err(e) => raw.drvinfo = Err(e),
            }
            if d.driver.is_none() || d.bus.is_none() {
                let (driver, bus) = from_sysfs(ctx, &l);
                d.driver = d.driver.or(driver);
                d.bus = d.bus.or(bus);
            }
            match &mut ethtool {
                Ok(e) => {
                    raw.modes = match modes.remove(&l.index) {
                        Some(m) => Ok(m),
                        None => e.linkmodes(l.index).map_err(|e| e.to_string()),
                    };
                    if let Ok(m) = &raw.modes {
                        d.speed_mbps = m.speed;
                        d.duplex = m.duplex.map(String::from);
                        d.autoneg = m.autoneg;
                    }
                    raw.features = match features.remove(&l.index) {
                        Some(f) => Ok(f),
                        None => e.features(l.index).map_err(|e| e.to_string()),
                    };
                    d.offloads = raw.features.as_ref().ok().map(offloads_from);
                }
                Err(why) => {
                    raw.modes = Err(why.clone());
                    raw.features = Err(why.clone());
                    if fallback {
                        let (o, how) = offloads_from_command(ctx, &l.name, out);
                        d.offloads = o;
                        raw.offloads_note = Some(how);
                    }
                }
            }
            raws.push(raw);
            details.push(d);
        }
        let text = links_text::render(&details, &raws);
        out.artifacts.push(netlink_artifact(
            "links.txt",
            "rtnetlink+ethtool",
            "getlink+linkmodes+features+drvinfo",
            text,
        ));
        out.data.push(Data::Links(details));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethtool_k_fallback_goes_through_the_runner_and_is_kept() {
        let root = tempfile::tempdir().unwrap();
        let cmds = tempfile::tempdir().unwrap();
        std::fs::write(
            cmds.path().join("ethtool -k eth1"),
            "Features for eth1:\ngeneric-receive-offload: off\ntcp-segmentation-offload: on\n\ttx-tcp-segmentation: on\n",
        )
        .unwrap();
        std::fs::write(cmds.path().join("ethtool -k eth1.exit"), "0").unwrap();
        let env = crate::collect::source::environment(
            &crate::collect::source::Source::Recorded {
                root: Some(root.path().into()),
                commands: cmds.path().into(),
            },
            1.0,
        )
        .unwrap();
        let spec = crate::collect::spec::load_all(&[])
            .unwrap()
            .into_iter()
            .find(|s| s.name == "links")
            .unwrap();
        let ctx = Ctx {
            env: &env,
            netns: None,
            spec: Some(&spec),
            shared: None,
        };
        let mut out = Output::default();
        let (o, how) = offloads_from_command(&ctx, "eth1", &mut out);
        let o = o.unwrap_or_else(|| panic!("{how}"));
        assert_eq!(
            (o.source.as_str(), o.active.as_slice(), o.off.as_slice()),
            (
                "ethtool -k",
                &["tx-tcp-segmentation".to_string()][..],
                &["rx-gro".to_string()][..]
            )
        );
        assert_eq!(out.artifacts[0].name, "ethtool_-k_eth1.txt");
        // Not recorded (or failing): no offloads, and why.
        let (none, why) = offloads_from_command(&ctx, "eth2", &mut out);
        assert!(none.is_none() && why.contains("ethtool -k eth2"), "{why}");
        // Under recorded outputs the collector itself does not run: netlink would describe this host.
        assert!(crate::collect::engine::would_skip(&spec, &ctx)
            .unwrap()
            .contains("recorded outputs"));
    }
}
