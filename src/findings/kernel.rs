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
    match eol_reason(&k.release, &today) {
        Some(why) => vec![finding(
            "kernel-eol",
            Severity::Warning,
            "Kernel out of support: please reproduce on a current stable or LTS kernel".into(),
            vec![format!("kernel {}", k.release), why],
            DOCS_SETUP,
        )],
        None => Vec::new(),
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
}
