//! `mptcp-get-debug diff A B`: what changed between two reports (before/after a change, or two hosts),
//! area by area: versions, sysctls, endpoints, limits, counters, NetworkManager and mptcpd.

use crate::report::Report;
use crate::views::formats::iproute;
use std::collections::BTreeMap;
use std::fmt::Write;

type Facts = BTreeMap<String, String>;

/// Areas in display order; None when the report has no data for the area at all.
fn areas(r: &Report, label_ns: bool) -> Vec<(&'static str, Option<Facts>)> {
    let namespaces = crate::triage::namespaces(r);
    let at = |ns: Option<&str>| match ns {
        Some(n) if label_ns => format!("[netns {n}] "),
        _ => String::new(),
    };
    let per_ns = |f: &dyn Fn(Option<&str>, &str, &mut Facts) -> bool| {
        let mut out = Facts::new();
        let mut any = false;
        for &ns in &namespaces {
            any |= f(ns, &at(ns), &mut out);
        }
        any.then_some(out)
    };
    let mut versions = Facts::new();
    versions.insert("tool".into(), r.tool.version.clone());
    if let Some(k) = r.kernel() {
        versions.insert("kernel release".into(), k.release.clone());
        versions.insert("kernel build".into(), k.version.clone());
    }
    if let Some(d) = r.distro() {
        for key in ["PRETTY_NAME", "VERSION_ID"] {
            if let Some(v) = d.fields.get(key) {
                versions.insert(format!("os-release {key}"), v.clone());
            }
        }
    }
    let sysctls = per_ns(&|ns, at, out| {
        r.sysctls(ns).is_some_and(|list| {
            for s in list {
                out.insert(format!("{at}{}", s.name), s.value.clone());
            }
            true
        })
    });
    let endpoints = per_ns(&|ns, at, out| {
        r.endpoints(ns).is_some_and(|list| {
            for e in list {
                let line = iproute::render_endpoints(std::slice::from_ref(e));
                out.insert(format!("{at}id {}", e.id), line.trim_end().to_string());
            }
            true
        })
    });
    let limits = per_ns(&|ns, at, out| {
        r.limits(ns).is_some_and(|l| {
            let show = |v: Option<u32>| v.map_or("-".into(), |v| v.to_string());
            out.insert(format!("{at}add_addr_accepted"), show(l.add_addr_accepted));
            out.insert(format!("{at}subflows"), show(l.subflows));
            true
        })
    });
    let counters = per_ns(&|ns, at, out| {
        r.mib(ns)
            .and_then(|m| m.groups.get("MPTcpExt"))
            .is_some_and(|list| {
                for c in list {
                    out.insert(format!("{at}{}", c.name), c.value.to_string());
                }
                true
            })
    });
    let nm = r.network_manager().map(|nm| {
        let mut f = Facts::new();
        f.insert("installed".into(), nm.installed.to_string());
        f.insert("version".into(), nm.version.clone().unwrap_or("-".into()));
        let running = nm.running.map_or("unknown".into(), |b| b.to_string());
        f.insert("running".into(), running);
        let global = nm.global_mptcp_flags.clone().unwrap_or("-".into());
        f.insert("default connection.mptcp-flags".into(), global);
        for c in &nm.connections {
            let flags = match &c.mptcp_flags {
                Some(raw) => format!("{raw} ({})", c.mptcp_flags_decoded),
                None => c.mptcp_flags_decoded.clone(),
            };
            f.insert(format!("connection {:?} mptcp-flags", c.id), flags);
            let active = c.active.map_or("unknown".into(), |b| b.to_string());
            f.insert(format!("connection {:?} active", c.id), active);
        }
        f
    });
    let mptcpd = r.mptcpd().map(|m| {
        let mut f = Facts::new();
        f.insert("installed".into(), m.installed.to_string());
        f.insert("version".into(), m.version.clone().unwrap_or("-".into()));
        let state = m.service_state.clone().unwrap_or("unknown".into());
        f.insert("mptcp.service".into(), state);
        for (k, v) in &m.config {
            f.insert(format!("mptcpd.conf {k}"), v.clone());
        }
        f.insert("plugins".into(), m.plugins.join(" "));
        f
    });
    vec![
        ("versions", Some(versions)),
        ("sysctls", sysctls),
        ("endpoints", endpoints),
        ("limits", limits),
        ("MPTcpExt counters", counters),
        ("NetworkManager", nm),
        ("mptcpd", mptcpd),
    ]
}

/// What differs between `a` and `b`, one `## area` heading per area that changed.
pub fn diff_reports(a: &Report, b: &Report) -> String {
    // Two single-namespace reports (two hosts, or `--netns X` before and `--netns Y` after) compare
    // namespace to namespace whatever their names.
    let single = |r: &Report| crate::triage::namespaces(r).len() <= 1;
    let label_ns = !(single(a) && single(b));
    let mut o = String::new();
    for ((area, fa), (_, fb)) in areas(a, label_ns).into_iter().zip(areas(b, label_ns)) {
        let mut lines = String::new();
        match (fa, fb) {
            (None, None) => {}
            (Some(_), None) => lines.push_str("- collected in A only\n"),
            (None, Some(_)) => lines.push_str("- collected in B only\n"),
            (Some(fa), Some(fb)) => {
                let keys: std::collections::BTreeSet<&String> =
                    fa.keys().chain(fb.keys()).collect();
                for k in keys {
                    let (va, vb) = (fa.get(k), fb.get(k));
                    if va == vb {
                        continue;
                    }
                    let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(absent)".into());
                    let delta = match (
                        va.and_then(|v| v.parse::<i64>().ok()),
                        vb.and_then(|v| v.parse::<i64>().ok()),
                    ) {
                        (Some(x), Some(y)) if area == "MPTcpExt counters" => {
                            format!(" ({:+})", y - x)
                        }
                        _ => String::new(),
                    };
                    let _ = writeln!(lines, "- {k}: {} -> {}{delta}", show(va), show(vb));
                }
            }
        }
        if !lines.is_empty() {
            if !o.is_empty() {
                o.push('\n');
            }
            let _ = write!(o, "## {area}\n\n{lines}");
        }
    }
    if o.is_empty() {
        o.push_str("No differences in versions, sysctls, endpoints, limits, counters, NetworkManager or mptcpd.\n");
    }
    o
}
