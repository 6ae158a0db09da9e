//! The kernel itself: series out of support (from the one data file data/kernel-series.toml), and
//! WARNING/BUG splats in MPTCP code in its log.

use super::{finding, DOCS_DEBUGGING, DOCS_SETUP};
use crate::report::{Finding, Report, Severity};
use serde::Deserialize;

const SERIES: &str = include_str!("../../data/kernel-series.toml");

#[derive(Deserialize)]
struct Series {
    oldest_lts: String,
    oldest_current_stable: String,
    lts: Vec<Lts>,
}

#[derive(Deserialize)]
struct Lts {
    series: String,
    eol: String,
}

fn parse_series(s: &str) -> Option<(u32, u32)> {
    let mut it = s.split(|c: char| !c.is_ascii_digit());
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// Why a kernel release is out of support on `today` (YYYY-MM-DD), or None.
pub fn eol_reason(release: &str, today: &str) -> Option<String> {
    let data: Series = toml::from_str(SERIES).expect("data/kernel-series.toml is valid (tested)");
    let series = parse_series(release)?;
    let name = format!("{}.{}", series.0, series.1);
    if let Some(lts) = data
        .lts
        .iter()
        .find(|l| parse_series(&l.series) == Some(series))
    {
        return (today >= lts.eol.as_str())
            .then(|| format!("{name} LTS reached end of life on {}", lts.eol));
    }
    if series < parse_series(&data.oldest_lts)? {
        return Some(format!(
            "{name} is older than the oldest supported LTS ({})",
            data.oldest_lts
        ));
    }
    if series < parse_series(&data.oldest_current_stable)? {
        return Some(format!(
            "{name} is not a long-term series and is no longer maintained"
        ));
    }
    None
}

pub fn kernel_eol(r: &Report) -> Vec<Finding> {
    let Some(k) = r.kernel() else {
        return Vec::new();
    };
    let today = r.meta.started_at.format("%Y-%m-%d").to_string();
    let Some(why) = eol_reason(&k.release, &today) else {
        return Vec::new();
    };
    let field = |f: &str| {
        r.distro()
            .and_then(|d| d.fields.get(f))
            .map(String::as_str)
            .unwrap_or("")
    };
    let mut evidence = vec![format!("kernel {}", k.release), why];
    match maintained_by(&k.release, field("ID"), field("ID_LIKE")) {
        // An enterprise or LTS distribution kernel: the vendor backports MPTCP fixes to its own
        // series, so the upstream series' end of life says little; upstream still wants a current
        // kernel to look at a bug.
        Some(vendor) => {
            evidence.push(format!(
                "ID={} VERSION_ID={}",
                field("ID"),
                field("VERSION_ID")
            ));
            vec![finding(
                "kernel-eol",
                Severity::Info,
                format!("Distribution kernel on an upstream series out of support: MPTCP fixes reach it only through {vendor}'s own backports; report to {vendor} first, or reproduce on a current stable or LTS kernel for upstream"),
                evidence,
                DOCS_SETUP,
            )]
        }
        None => vec![finding(
            "kernel-eol",
            Severity::Warning,
            "Kernel out of support: please reproduce on a current stable or LTS kernel".into(),
            evidence,
            DOCS_SETUP,
        )],
    }
}

/// The vendor that maintains this kernel build, for the distributions that keep their own kernel
/// series with backports (RHEL and its rebuilds, Ubuntu, Debian, SUSE); None for upstream-tracking
/// ones (Fedora, Arch, ...) and self-built kernels.
pub fn maintained_by(release: &str, id: &str, id_like: &str) -> Option<&'static str> {
    let ids = format!(" {id} {id_like} ");
    let has = |x: &str| ids.contains(&format!(" {x} "));
    // RHEL-family builds carry `.elN` (5.14.0-570.12.1.el9_6.x86_64), whatever the rebuild.
    let el = release.split(['.', '_']).any(|p| {
        p.strip_prefix("el")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if el {
        return Some("the RHEL-family vendor");
    }
    // Ubuntu, Debian and SUSE builds: `<upstream>-<abi>-<flavour>` (6.8.0-85-generic, 6.1.0-18-amd64,
    // 6.4.0-150600.23.7-default).
    let mut parts = release.splitn(3, '-');
    let (_, abi, flavour) = (parts.next(), parts.next(), parts.next());
    let vendor_build = abi.is_some_and(|a| a.starts_with(|c: char| c.is_ascii_digit()))
        && flavour.is_some_and(|f| !f.is_empty());
    if !vendor_build {
        return None;
    }
    if has("ubuntu") {
        Some("Ubuntu")
    } else if has("debian") {
        Some("Debian")
    } else if has("suse") || has("sles") || has("opensuse-leap") {
        Some("SUSE")
    } else {
        None
    }
}

pub fn kernel_splat(r: &Report) -> Vec<Finding> {
    let Some(log) = r.kernel_log().filter(|l| l.splats > 0) else {
        return Vec::new();
    };
    let mut ev: Vec<String> = log
        .lines
        .iter()
        .filter(|l| l.contains("WARNING:") || l.contains("BUG:"))
        .take(3)
        .map(|l| l.trim().to_string())
        .collect();
    ev.push(format!(
        "{} splat(s) mentioning mptcp in {}",
        log.splats, log.source
    ));
    vec![finding(
        "kernel-splat",
        Severity::Problem,
        "The kernel log has WARNING/BUG splats in MPTCP code: a kernel bug, please attach the full trace".into(),
        ev,
        DOCS_DEBUGGING,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_data_and_verdicts() {
        assert_eq!(eol_reason("6.18.44-fc-v769", "2026-11-25"), None);
        assert_eq!(eol_reason("6.12.57-1-lts", "2026-11-25"), None);
        assert!(eol_reason("5.15.0-100-generic", "2027-01-05")
            .unwrap()
            .contains("end of life on 2026-12-31"));
        assert!(eol_reason("5.4.0-216-generic", "2026-11-25")
            .unwrap()
            .contains("older than the oldest"));
        assert!(eol_reason("6.14.2", "2026-11-25")
            .unwrap()
            .contains("not a long-term"));
        assert_eq!(eol_reason("7.3.1", "2026-11-25"), None);
        assert_eq!(eol_reason("garbage", "2026-11-25"), None);
    }

    #[test]
    fn distribution_kernels_are_recognised() {
        assert_eq!(
            maintained_by(
                "5.14.0-570.12.1.el9_6.x86_64",
                "rocky",
                "rhel centos fedora"
            ),
            Some("the RHEL-family vendor")
        );
        assert_eq!(
            maintained_by("6.8.0-85-generic", "ubuntu", "debian"),
            Some("Ubuntu")
        );
        assert_eq!(
            maintained_by("6.1.0-18-amd64", "debian", ""),
            Some("Debian")
        );
        assert_eq!(
            maintained_by("6.4.0-150600.23.7-default", "sles", "suse"),
            Some("SUSE")
        );
        // Upstream-tracking distributions and self-built kernels are not exempt.
        assert_eq!(maintained_by("6.14.2-arch1-1", "arch", ""), None);
        assert_eq!(maintained_by("6.14.2-200.fc42.x86_64", "fedora", ""), None);
        assert_eq!(maintained_by("6.14.2", "ubuntu", "debian"), None);
        assert_eq!(maintained_by("5.15.0-100-generic", "", ""), None);
    }
}
