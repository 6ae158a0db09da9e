//! The archive: a tar.gz streamed into a hidden temporary file (mode 0600) in the output directory and
//! renamed into place only when complete, so a failed run never leaves a half-written archive under the
//! final name.

use crate::report::{Report, Source};
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// One member to write: its path inside the archive and its bytes.
pub struct Member {
    pub path: String,
    pub data: Vec<u8>,
}

/// Members for every raw artifact: `raw/[netns-<ns>/]<collector>/<name>`.
pub fn raw_members(report: &Report) -> Vec<Member> {
    let mut out = Vec::new();
    for s in &report.sections {
        for a in &s.artifacts {
            let ns = s
                .netns
                .as_deref()
                .map(|n| format!("netns-{}/", sanitize(n)))
                .unwrap_or_default();
            let mut data = a.content.clone().into_bytes();
            if let Source::Command { stderr, .. } = &a.source {
                if !stderr.is_empty() {
                    out.push(Member {
                        path: format!("raw/{ns}{}/{}.stderr", s.collector, a.name),
                        data: stderr.clone().into_bytes(),
                    });
                }
            }
            if a.truncated {
                let note = format!(
                    "[mptcp-get-debug: output truncated, {} of {} bytes kept (the tail)]\n",
                    a.content.len(),
                    a.original_size
                );
                data.splice(0..0, note.into_bytes());
            }
            out.push(Member {
                path: format!("raw/{ns}{}/{}", s.collector, a.name),
                data,
            });
        }
    }
    out
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Opens a new file with mode 0600, failing if it exists.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// A stem whose archive (and map) does not exist yet in `dir`: `stem`, else `stem-2`, `stem-3`, ...
/// (two runs within one second must not collide).
pub fn free_stem(dir: &Path, stem: &str) -> String {
    let taken = |s: &str| {
        dir.join(format!("{s}.tar.gz")).exists()
            || dir.join(format!("{s}.tar.gz.map.json")).exists()
    };
    if !taken(stem) {
        return stem.to_string();
    }
    (2..)
        .map(|n| format!("{stem}-{n}"))
        .find(|s| !taken(s))
        .expect("an unused name exists")
}

/// Writes `members` under the top directory `top/` into `dir/<top>.tar.gz`, atomically.
pub fn write(dir: &Path, top: &str, members: &[Member], mtime: u64) -> Result<PathBuf> {
    let final_path = dir.join(format!("{top}.tar.gz"));
    if final_path.exists() {
        anyhow::bail!("{}: already exists", final_path.display());
    }
    let tmp = dir.join(format!(".{top}.tar.gz.partial-{}", std::process::id()));
    let file =
        create_private(&tmp).with_context(|| format!("cannot write to {}", dir.display()))?;
    let result = (|| -> Result<()> {
        // The fast level: a debug archive is small, and speed matters more than bytes here.
        let gz = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        for m in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(m.data.len() as u64);
            h.set_mode(0o600);
            h.set_mtime(mtime);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, format!("{top}/{}", m.path), &m.data[..])?;
        }
        let mut buf = tar.into_inner()?.finish()?;
        buf.flush()?;
        // No fsync: a debug archive lost to a crash is simply collected again, and fsync would double
        // the cost of a whole run.
        buf.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(format!("writing {}", final_path.display())));
    }
    // link(2) + unlink instead of rename(2): never replaces a file that appeared meanwhile.
    if let Err(e) = std::fs::hard_link(&tmp, &final_path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow::anyhow!("{}: {e}", final_path.display()));
    }
    let _ = std::fs::remove_file(&tmp);
    Ok(final_path)
}

/// Reads every member of an archive (for `show`, `merge`, `diff` and tests): paths without the top dir.
/// Concatenated gzip members (as `gzip` may write them) read as one stream.
pub fn read(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut ar = tar::Archive::new(flate2::read::MultiGzDecoder::new(f));
    let mut out = Vec::new();
    for entry in ar
        .entries()
        .with_context(|| format!("{}: not a tar.gz archive", path.display()))?
    {
        let mut entry = entry.with_context(|| format!("{}: corrupt archive", path.display()))?;
        let p = entry.path()?.to_string_lossy().into_owned();
        let p = p
            .split_once('/')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or(p);
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data)
            .with_context(|| format!("{}: corrupt archive", path.display()))?;
        out.push((p, data));
    }
    Ok(out)
}

/// The Report inside an archive.
pub fn read_report(path: &Path) -> Result<Report> {
    let members = read(path)?;
    let (_, data) = members
        .iter()
        .find(|(p, _)| p == "report.json")
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no report.json inside (not an mptcp-get-debug archive?)",
                path.display()
            )
        })?;
    let report: Report =
        serde_json::from_slice(data).with_context(|| format!("{}: report.json", path.display()))?;
    if report.schema_version > crate::report::SCHEMA_VERSION {
        anyhow::bail!(
            "{}: report schema {} is newer than this tool understands ({})",
            path.display(),
            report.schema_version,
            crate::report::SCHEMA_VERSION
        );
    }
    Ok(report)
}
