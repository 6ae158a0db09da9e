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

/// Whether `e` is the Capped reader saying the archive's total was passed.
fn over_the_total(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<TotalExceeded>())
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
    read_members_with(input, name, limits, want, first_only, None)
}

/// Reads a wanted member larger than the member limit (still within the archive's total): gets its
/// bytes as a stream and gives what is to be kept of them.
type Big<'a> = &'a mut dyn FnMut(&mut dyn Read) -> std::io::Result<Vec<u8>>;

/// `read_members`, with `big` for wanted members over the member limit (else they are an error).
fn read_members_with(
    input: impl Read,
    name: &str,
    limits: &Limits,
    want: &mut dyn FnMut(&str) -> bool,
    first_only: bool,
    mut big: Option<Big>,
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
        if over_the_total(&e) {
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
        let too_big = || {
            let what = if extension {
                format!("an extension header of {size} bytes")
            } else {
                format!(
                    "member {:?} of {size} bytes",
                    String::from_utf8_lossy(&entry.header().path_bytes())
                )
            };
            anyhow!(
                "{name}: {what}, more than the {} limit for one member",
                mib(cap)
            )
        };
        if size > cap && (extension || big.is_none()) {
            return Err(too_big());
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
        let wanted = want(&path);
        if size > cap && !wanted {
            return Err(too_big());
        }
        if !wanted {
            continue;
        }
        let data = match big.as_mut() {
            Some(read_big) if size > cap => read_big(&mut entry).map_err(|e| {
                if over_the_total(&e) {
                    over_total()
                } else {
                    anyhow!(
                        "{name}: member {path:?} of {size} bytes, more than the {} limit for one member, and not readable in part: {e}",
                        mib(cap)
                    )
                }
            })?,
            _ => {
                let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
                entry.read_to_end(&mut data).map_err(corrupt)?;
                data
            }
        };
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
    report_within(input, name, &LIMITS, SOCKETS_READ)
}

/// `report_from_reader` within `limits`, keeping `keep` sockets a list of a report.json over the
/// member limit.
fn report_within(input: impl Read, name: &str, limits: &Limits, keep: usize) -> Result<Report> {
    // A busy server's report.json (tens of thousands of sockets) is over the member limit: read as
    // a stream, its socket lists keep their first sockets.
    let mut cut = Vec::new();
    let mut big = |r: &mut dyn Read| {
        let capped = super::json_cap::cap_socket_lists(r, keep, limits.member_size as usize)?;
        cut = capped.cut;
        Ok(capped.json)
    };
    let members = read_members_with(
        input,
        name,
        limits,
        &mut |p| p == "report.json",
        true,
        Some(&mut big),
    )?;
    let (_, data) = members.into_iter().next().ok_or_else(|| {
        anyhow!("{name}: no report.json inside (not an mptcp-get-debug archive?)")
    })?;
    let mut report = parse_report(&data, name)?;
    note_cut(&mut report, &cut, keep);
    Ok(report)
}

/// Sockets of one list read from a report.json over the member limit (the rest are skipped).
pub const SOCKETS_READ: usize = 4096;

/// Says, where a socket list was cut short when read, how many sockets it lost (in the order the
/// lists are in report.json: the sections' data, then each reproduce window's snapshots).
fn note_cut(report: &mut Report, cut: &[usize], keep: usize) {
    let mut cut = cut.iter().copied();
    let say = |n: usize| {
        format!("{n} more sockets are in the archive's report.json and raw/: only the first {keep} were read (the file is larger than a reader holds)")
    };
    for s in &mut report.sections {
        let lists = s
            .data
            .iter()
            .filter(|d| matches!(d, crate::report::Data::Sockets(_)))
            .count();
        let lost: usize = cut.by_ref().take(lists).sum();
        if lost > 0 {
            s.notes.push(say(lost));
            // The text rendered again from the list read is partial too (the views say so).
            for a in s.artifacts.iter_mut().filter(|a| a.in_raw) {
                a.truncated = true;
                a.original_size = 0;
            }
        }
    }
    for w in report
        .reproduce
        .iter_mut()
        .flat_map(|r| r.namespaces.iter_mut())
    {
        for snap in [&mut w.before, &mut w.after] {
            if snap.sockets.is_some() {
                match cut.next() {
                    Some(n) if n > 0 => snap.notes.push(say(n)),
                    _ => {}
                }
            }
        }
    }
}

/// Strings in report.json longer than this are cut when read (artifact contents: a command's output
/// is capped at 4 MiB when collected; anything else is a line or a name). A view may print a string
/// several times; this keeps what `show` renders bounded whatever the report holds.
pub const MAX_CONTENT: usize = 4 << 20;
pub const MAX_STRING: usize = 1 << 20;

/// Cuts over-long strings in place, saying so at the cut.
fn clamp_strings(v: &mut serde_json::Value, max: usize) {
    match v {
        serde_json::Value::String(s) => crate::report::cut_text(s, max),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Data, MptcpSocket, Section};

    fn archive_of(report: &Report) -> Vec<u8> {
        let json = serde_json::to_vec_pretty(report).unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(json.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        tar.append_data(&mut h, "top/report.json", &json[..])
            .unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn a_report_json_over_the_member_limit_is_read_with_its_socket_lists_cut_short() {
        let sock = |i: u32| MptcpSocket {
            state: "ESTAB".into(),
            local: format!("10.0.0.1:{i}").into(),
            peer: "10.0.0.2:80".into(),
            inode: Some(i),
            ..Default::default()
        };
        let mut r = Report::new(
            crate::report::Meta::new(chrono::Utc::now(), "h"),
            Vec::new(),
        );
        let mut sec = Section::ok("sockets", vec![Data::Sockets((0..500).map(sock).collect())]);
        sec.artifacts.push(crate::report::Artifact {
            name: "ss_-ManiH.txt".into(),
            source: crate::report::Source::File { path: "x".into() },
            content: String::new(),
            truncated: false,
            original_size: 0,
            spool: None,
            in_raw: true,
        });
        r.sections.push(sec);
        let bytes = archive_of(&r);
        let small = Limits {
            member_size: 40_000,
            ..LIMITS
        };
        // Within the limit it is read whole; over it, the list keeps its first sockets and says so.
        let whole = report_within(&bytes[..], "a.tar.gz", &LIMITS, 10).unwrap();
        assert_eq!(whole.sockets(None).unwrap().len(), 500);
        let cut = report_within(&bytes[..], "a.tar.gz", &small, 10).unwrap();
        let socks = cut.sockets(None).unwrap().to_vec();
        assert_eq!(socks, (0..10).map(sock).collect::<Vec<_>>());
        // The text is rendered again from what was read, and marked partial.
        let a = &cut.sections[0].artifacts[0];
        assert_eq!(a.content, crate::views::formats::ss::render_ss(&socks));
        assert!(a.truncated);
        let whole_text = &whole.sections[0].artifacts[0];
        assert!(!whole_text.truncated && whole_text.content.lines().count() == 1000);
        assert_eq!(
            cut.sections[0].notes,
            ["490 more sockets are in the archive's report.json and raw/: only the first 10 were read (the file is larger than a reader holds)"]
        );
        // Still over the limit once cut: an error naming the archive, not a partial report.
        let e = report_within(&bytes[..], "a.tar.gz", &small, 400).unwrap_err();
        let e = format!("{e:#}");
        assert!(e.starts_with("a.tar.gz: member \"report.json\" of "), "{e}");
        assert!(
            e.contains("more than the 40000 bytes limit for one member, and not readable in part"),
            "{e}"
        );
    }
}
