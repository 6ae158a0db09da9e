//! The kernel itself: series out of support (from the data file kernel-series.toml, installed under
//! the data directory and refreshable without a new binary; a built-in copy is the fallback), and
//! WARNING/BUG splats in MPTCP code in its log.

use super::{finding, DOCS_DEBUGGING, DOCS_SETUP};
use crate::report::{Finding, Report, Severity};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../../data/kernel-series.toml");
const FILE: &str = "kernel-series.toml";
/// Environment variable naming a directory that holds kernel-series.toml.
pub const DATA_ENV: &str = "MPTCP_GET_DEBUG_DATA";

/// Where the data files are installed: set at build time by `make` (`MPTCP_GET_DEBUG_DATADIR`, from
/// PREFIX), else where distribution packages put them.
pub const DATA_DIR: &str = match option_env!("MPTCP_GET_DEBUG_DATADIR") {
    Some(d) => d,
    None => "/usr/share/mptcp-get-debug",
};

#[derive(Debug, Deserialize)]
pub struct Series {
    updated: toml::value::Datetime,
    oldest_lts: String,
    oldest_current_stable: String,
    lts: Vec<Lts>,
}

#[derive(Debug, Deserialize)]
struct Lts {
    series: String,
    eol: String,
}

/// The series table in use and where it came from.
pub struct SeriesData {
    pub series: Series,
    /// "built-in copy", "installed data file", "--kernel-series file", "$MPTCP_GET_DEBUG_DATA file".
    pub origin: &'static str,
}

impl Series {
    /// The `updated` day, YYYY-MM-DD.
    pub fn updated(&self) -> String {
        self.updated.to_string()
    }
}

/// Parses a kernel-series.toml; the error names what is wrong.
pub fn parse(text: &str) -> Result<Series, String> {
    let s: Series = toml::from_str(text).map_err(|e| e.to_string())?;
    if s.updated.date.is_none() || s.updated.time.is_some() {
        return Err("`updated` must be a day (YYYY-MM-DD)".into());
    }
    for v in [&s.oldest_lts, &s.oldest_current_stable]
        .into_iter()
        .chain(s.lts.iter().map(|l| &l.series))
    {
        if parse_series(v).is_none() {
            return Err(format!("{v:?} is not a kernel series like 6.12"));
        }
    }
    Ok(s)
}

static DATA: OnceLock<SeriesData> = OnceLock::new();

/// The series file's text: a regular file, at most a megabyte (the table is a few kilobytes; a FIFO
/// or /dev/zero named by mistake is an error, not a hang).
fn read_data(p: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)?;
    if !f.metadata()?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut text = String::new();
    f.take(1 << 20).read_to_string(&mut text)?;
    Ok(text)
}

/// Chooses the table for this run: `--kernel-series FILE`, else $MPTCP_GET_DEBUG_DATA/kernel-series.toml,
/// else the installed file or the built-in copy, whichever was updated last. A file named on the
/// command line or in the environment must be valid: the error (one line, naming the file) is how the
/// program was called, so the caller makes it a usage error. A broken installed file is passed over
/// with a note.
pub fn choose(given: Option<&Path>) -> anyhow::Result<()> {
    let read = |p: &Path, what: &str| -> anyhow::Result<Series> {
        let text = read_data(p).map_err(|e| anyhow::anyhow!("{what} {}: {e}", p.display()))?;
        parse(&text).map_err(|e| anyhow::anyhow!("{what} {}: {e}", p.display()))
    };
    let env_dir = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty());
    let data = if let Some(p) = given {
        SeriesData {
            series: read(p, "--kernel-series")?,
            origin: "--kernel-series file",
        }
    } else if let Some(dir) = env_dir {
        let p = PathBuf::from(dir).join(FILE);
        SeriesData {
            series: read(&p, DATA_ENV)?,
            origin: "$MPTCP_GET_DEBUG_DATA file",
        }
    } else {
        // Nothing to check up front: chosen when first needed (`data`, on a thread with time to
        // spare while the collectors run).
        return Ok(());
    };
    let _ = DATA.set(data);
    Ok(())
}

fn default_path() -> PathBuf {
    Path::new(DATA_DIR).join(FILE)
}

fn builtin() -> SeriesData {
    SeriesData {
        series: parse(BUILTIN).expect("data/kernel-series.toml is valid (tested)"),
        origin: "built-in copy",
    }
}

/// The installed file when it is there, valid, and not older than the built-in copy.
pub fn installed_or_builtin(path: &Path, quiet: bool) -> SeriesData {
    let built_in = builtin();
    let Ok(text) = read_data(path) else {
        return built_in;
    };
    match parse(&text) {
        Ok(s) if s.updated() >= built_in.series.updated() => SeriesData {
            series: s,
            origin: "installed data file",
        },
        Ok(_) => built_in,
        Err(e) => {
            if !quiet {
                eprintln!(
                    "mptcp-get-debug: note: {}: {e}; using the built-in kernel series data",
                    path.display()
                );
            }
            built_in
        }
    }
}

/// The table in use: the file `choose` was given, else the installed file or the built-in copy (a
/// broken installed file is said once, here).
pub fn data() -> &'static SeriesData {
    DATA.get_or_init(|| installed_or_builtin(&default_path(), false))
}

fn parse_series(s: &str) -> Option<(u32, u32)> {
    let mut it = s.split(|c: char| !c.is_ascii_digit());
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

/// Why a kernel release is out of support on `today` (YYYY-MM-DD) by the table in use, or None.
pub fn eol_reason(release: &str, today: &str) -> Option<String> {
    eol_reason_by(&data().series, release, today)
}

/// `eol_reason` by a given table.
pub fn eol_reason_by(data: &Series, release: &str, today: &str) -> Option<String> {
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

/// The evidence line saying which data the verdict rests on and how old it is (no path: the report
/// is public, and a path may hold a user name).
pub fn data_age(data: &SeriesData, today: &str) -> String {
    let updated = data.series.updated();
    let mut line = format!("kernel series data of {updated} ({})", data.origin);
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if let (Some(u), Some(t)) = (day(&updated), day(today)) {
        let days = (t - u).num_days();
        if days > 365 {
            line.push_str(&format!(
                ": {days} days older than this report, newer series may be missing (refresh kernel-series.toml)"
            ));
        }
    }
    line
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
    let mut evidence = vec![
        format!("kernel {}", k.release),
        why,
        data_age(data(), &today),
    ];
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
#[path = "kernel_tests.rs"]
mod tests;
