//! Reading archives that strangers attached to issues: streamed member by member and bounded. Caps on
//! one member, on everything decompressed, on the number of members and on path length hold whatever
//! the archive says about itself; members that are not plain files inside the archive's own tree
//! (links, devices, absolute paths, `..`) are ignored. Nothing here reads a member whole unless it was
//! asked for, so `show` on a gzip bomb costs time up to a cap, never memory.

use crate::report::{Report, SCHEMA_VERSION};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// What one archive may hold before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one member (as declared by its header, checked before anything is read).
    pub member_size: u64,
    /// Bytes decompressed from the gzip stream in all, headers and skipped members included.
    pub total_size: u64,
    /// Tar entries of any kind, extension headers included.
    pub members: usize,
    /// Bytes in one member path (GNU long names and PAX paths included).
    pub path_len: usize,
}

/// The limits `show`, `merge`, `diff` and `unpack` apply. A real report.json is well under 1 MiB (at
/// most a few times the 4 MiB command cap): one member may be 32 MiB, which keeps two reports, their
/// parse and a view under 256 MB of memory.
pub const LIMITS: Limits = Limits {
    member_size: 32 << 20,
    total_size: 512 << 20,
    members: 10_000,
    path_len: 4096,
};

/// A PAX extended header is a few records; anything larger is not one we wrote.
const MAX_PAX: u64 = 64 << 10;

fn mib(n: u64) -> String {
    if n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n.is_multiple_of(1024) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Counts decompressed bytes and fails once there are more than `limit`.
struct Capped<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(TotalExceeded));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct TotalExceeded;

impl std::fmt::Display for TotalExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("decompressed size limit")
    }
}

impl std::error::Error for TotalExceeded {}

/// The member path below the archive's top directory, or None when the member is to be ignored
/// (absolute, `..`, empty, or naming the top directory itself).
fn inner_path(raw: &[u8]) -> Option<String> {
    let p = String::from_utf8_lossy(raw);
    let p = p.trim_end_matches('\0');
    if p.starts_with('/') {
        return None;
    }
    let parts: Vec<&str> = p
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.contains(&"..") {
        return None;
    }
    // `top/rest`; a member without a top directory keeps its name.
    let rest = if parts.len() > 1 {
        &parts[1..]
    } else {
        &parts[..]
    };
    (!rest.is_empty()).then(|| rest.join("/"))
}

/// The `path` record of a PAX extended header, if any.
fn pax_path(data: &[u8]) -> Option<Vec<u8>> {
    let mut rest = data;
    while !rest.is_empty() {
        // "<len> <key>=<value>\n", len counting the whole record.
        let sp = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..sp]).ok()?.parse().ok()?;
        if len <= sp || len > rest.len() {
            return None;
        }
        let rec = &rest[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(v) = rec.strip_prefix(b"path=") {
            return Some(v.to_vec());
        }
        rest = &rest[len..];
    }
    None
}

/// Streams the tar.gz in `input` (named `name` in errors) and returns the regular-file members for
/// which `want(path)` is true, in archive order, as (path below the top directory, bytes). Stops
/// after the first wanted member when `first_only`. Every limit is checked on the way, wanted or not.
pub fn read_members(
    input: impl Read,
    name: &str,
    limits: &Limits,
    want: &mut dyn FnMut(&str) -> bool,
    first_only: bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    let capped = Capped {
        inner: flate2::read::MultiGzDecoder::new(input),
        read: 0,
        limit: limits.total_size,
    };
    let mut ar = tar::Archive::new(capped);
    let over_total = || {
        anyhow!(
            "{name}: more than {} decompressed (the limit for one archive)",
            mib(limits.total_size)
        )
    };
    let corrupt = |e: std::io::Error| {
        if e.get_ref().is_some_and(|i| i.is::<TotalExceeded>()) {
            over_total()
        } else {
            anyhow!("{name}: not a readable tar.gz archive: {e}")
        }
    };
    let mut out = Vec::new();
    let mut count = 0usize;
    // A GNU long name or a PAX path for the next member.
    let mut next_path: Option<Vec<u8>> = None;
    for entry in ar.entries().map_err(corrupt)?.raw(true) {
        let mut entry = entry.map_err(corrupt)?;
        count += 1;
        if count > limits.members {
            bail!(
                "{name}: more than {} members (the limit for one archive)",
                limits.members
            );
        }
        let size = entry.size();
        let kind = entry.header().entry_type();
        let extension = kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions();
        let cap = if extension {
            MAX_PAX.max(limits.path_len as u64 + 1)
        } else {
            limits.member_size
        };
        if size > cap {
            let what = if extension {
                format!("an extension header of {size} bytes")
            } else {
                format!(
                    "member {:?} of {size} bytes",
                    String::from_utf8_lossy(&entry.header().path_bytes())
                )
            };
            bail!(
                "{name}: {what}, more than the {} limit for one member",
                mib(cap)
            );
        }
        if kind.is_gnu_longname() || kind.is_pax_local_extensions() {
            let mut data = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut data).map_err(corrupt)?;
            next_path = if kind.is_gnu_longname() {
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                data.truncate(end);
                Some(data)
            } else {
                pax_path(&data).or(next_path)
            };
            if let Some(p) = &next_path {
                check_path_len(name, p, limits)?;
            }
            continue;
        }
        if extension {
            // A long link name or global PAX header: links are ignored anyway.
            continue;
        }
        let raw_path = next_path
            .take()
            .unwrap_or_else(|| entry.header().path_bytes().into_owned());
        check_path_len(name, &raw_path, limits)?;
        // Plain files only: links, devices, FIFOs, directories and sparse files are ignored.
        if kind != tar::EntryType::Regular && kind.as_byte() != b'\0' {
            continue;
        }
        let Some(path) = inner_path(&raw_path) else {
            continue;
        };
        if !want(&path) {
            continue;
        }
        let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
        entry.read_to_end(&mut data).map_err(corrupt)?;
        out.push((path, data));
        if first_only {
            break;
        }
    }
    Ok(out)
}

fn check_path_len(name: &str, p: &[u8], limits: &Limits) -> Result<()> {
    if p.len() > limits.path_len {
        bail!(
            "{name}: a member path of {} bytes, more than the {}-byte limit",
            p.len(),
            limits.path_len
        );
    }
    Ok(())
}

fn open(path: &Path) -> Result<std::fs::File> {
    let f = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    if !f.metadata().map(|m| m.is_file()).unwrap_or(false) {
        bail!("{}: not a regular file", path.display());
    }
    Ok(f)
}

/// Every plain-file member of an archive (tests and tools): paths without the top directory.
/// Concatenated gzip members (as `gzip` may write them) read as one stream.
pub fn read(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    read_members(
        open(path)?,
        &path.display().to_string(),
        &LIMITS,
        &mut |_| true,
        false,
    )
}

/// The Report inside an archive: only `report.json` is kept (the first one), the rest is streamed past.
pub fn read_report(path: &Path) -> Result<Report> {
    report_from_reader(open(path)?, &path.display().to_string())
}

/// `read_report` over any reader (a fuzz target's bytes, a pipe).
pub fn report_from_reader(input: impl Read, name: &str) -> Result<Report> {
    let members = read_members(input, name, &LIMITS, &mut |p| p == "report.json", true)?;
    let (_, data) = members.into_iter().next().ok_or_else(|| {
        anyhow!("{name}: no report.json inside (not an mptcp-get-debug archive?)")
    })?;
    parse_report(&data, name)
}

/// Strings in report.json longer than this are cut when read (artifact contents: a command's output
/// is capped at 4 MiB when collected; anything else is a line or a name). A view may print a string
/// several times; this keeps what `show` renders bounded whatever the report holds.
pub const MAX_CONTENT: usize = 4 << 20;
pub const MAX_STRING: usize = 1 << 20;

/// Cuts over-long strings in place, saying so at the cut.
fn clamp_strings(v: &mut serde_json::Value, max: usize) {
    match v {
        serde_json::Value::String(s) if s.len() > max => {
            let mut cut = max;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let total = s.len();
            s.truncate(cut);
            s.push_str(&format!(
                "\n[mptcp-get-debug: cut here, {cut} of {total} bytes shown]\n"
            ));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|v| clamp_strings(v, max)),
        serde_json::Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                clamp_strings(
                    v,
                    if k == "content" {
                        MAX_CONTENT
                    } else {
                        MAX_STRING
                    },
                );
            }
        }
        _ => {}
    }
}

/// Parses `report.json` bytes. A newer schema is refused (its fields may mean something else); an
/// older or equal one is read as far as its fields match, and a missing field or a wrong type is a
/// one-line error naming the field. Strings longer than `MAX_STRING` (`MAX_CONTENT` for artifact
/// contents) are cut.
pub fn parse_report(data: &[u8], name: &str) -> Result<Report> {
    let mut v: serde_json::Value = serde_json::from_slice(data)
        .map_err(|e| anyhow!("{name}: report.json is not valid JSON: {e}"))?;
    let Some(obj) = v.as_object() else {
        bail!("{name}: report.json is not a JSON object");
    };
    // The version first, so a newer report says so instead of failing on a field it added.
    match obj.get("schema_version").map(|v| v.as_u64()) {
        None => bail!("{name}: report.json has no schema_version (not an mptcp-get-debug report?)"),
        Some(None) => bail!("{name}: report.json: schema_version is not a number"),
        Some(Some(n)) if n > SCHEMA_VERSION as u64 => bail!(
            "{name}: report schema {n} is newer than this tool understands ({SCHEMA_VERSION}): use a newer mptcp-get-debug"
        ),
        Some(Some(_)) => {}
    }
    clamp_strings(&mut v, MAX_STRING);
    let mut report: Report =
        serde_json::from_value(v).map_err(|e| anyhow!("{name}: report.json: {e}"))?;
    crate::views::formats::ss::fill_in_raw(&mut report, MAX_CONTENT);
    Ok(report)
}
