//! Writing the archive and its private map so that neither is ever lost, overwritten, half-written or
//! orphaned. The name is reserved by creating the hidden `.NAME.tar.gz.partial` exclusively (O_EXCL):
//! two runs in the same second get `NAME` and `NAME-2`. The archive is written into that file, the
//! map into `.NAME.tar.gz.map.json.partial`; only when both are complete are they linked to their
//! final names (link(2) never replaces a file). Any failure, and SIGINT/SIGTERM (system::interrupt),
//! removes every file of the run, and the error names the file that could not be written.

use super::{Entry, Member};
use crate::sys::interrupt;
use anyhow::{anyhow, bail, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Opens a new file with mode 0600, failing if it exists.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Suffixes tried before giving up (a directory full of same-second archives, or stale partials).
const MAX_SUFFIX: u32 = 10_000;

/// An archive name held by this run: its partial file exists (ours), its archive and map do not.
pub struct Reserved {
    dir: PathBuf,
    stem: String,
    tmp: PathBuf,
    file: Option<File>,
}

fn archive_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!("{stem}.tar.gz"))
}

fn map_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!("{stem}.tar.gz.map.json"))
}

impl Reserved {
    /// Reserves `stem`, else `stem-2`, `stem-3`, ... in `dir`.
    pub fn new(dir: &Path, stem: &str) -> Result<Reserved> {
        for n in 1..=MAX_SUFFIX {
            let s = if n == 1 {
                stem.to_string()
            } else {
                format!("{stem}-{n}")
            };
            if let Some(r) = Reserved::try_exact(dir, &s)? {
                return Ok(r);
            }
        }
        bail!(
            "{}: no free name for {stem}.tar.gz (tried {MAX_SUFFIX} suffixes)",
            dir.display()
        )
    }

    /// Reserves exactly `stem`; None when another run or an earlier archive holds it.
    pub fn try_exact(dir: &Path, stem: &str) -> Result<Option<Reserved>> {
        let tmp = dir.join(format!(".{stem}.tar.gz.partial"));
        let file = match interrupt::create_registered(&tmp, create_private) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
            Err(e) => bail!("cannot write to {}: {e}", dir.display()),
        };
        let r = Reserved {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            tmp,
            file: Some(file),
        };
        // A finished run links its archive before removing its partial: checked after the partial
        // is ours, a free name here stays free.
        let taken = |p: PathBuf| std::fs::symlink_metadata(p).is_ok();
        if taken(archive_path(dir, stem)) || taken(map_path(dir, stem)) {
            return Ok(None); // dropping `r` removes the partial
        }
        Ok(Some(r))
    }

    pub fn stem(&self) -> &str {
        &self.stem
    }

    /// `NAME.tar.gz`.
    pub fn archive_name(&self) -> String {
        format!("{}.tar.gz", self.stem)
    }

    /// Writes `members` under the top directory `NAME/`, and `map` (if any) next to it; returns the
    /// archive path. `shown` is how the path is told if the run is interrupted after this.
    pub fn write(
        mut self,
        members: &[Entry],
        mtime: u64,
        map: Option<&[u8]>,
        shown: &str,
    ) -> Result<PathBuf> {
        let final_path = archive_path(&self.dir, &self.stem);
        let final_map = map_path(&self.dir, &self.stem);
        let file = self.file.take().expect("written once");
        write_tar(file, &self.stem, members, mtime)
            .map_err(|e| anyhow!("cannot write {}: {e}", final_path.display()))?;
        let map_tmp = self
            .dir
            .join(format!(".{}.tar.gz.map.json.partial", self.stem));
        let mut made: Vec<PathBuf> = Vec::new();
        let result = (|| -> Result<()> {
            if let Some(map) = map {
                let cannot =
                    |e: std::io::Error| anyhow!("cannot write {}: {e}", final_map.display());
                let mut f =
                    interrupt::create_registered(&map_tmp, create_private).map_err(cannot)?;
                made.push(map_tmp.clone());
                f.write_all(map).map_err(cannot)?;
            }
            // link(2), not rename(2): never replaces a file that appeared meanwhile.
            interrupt::make_registered(&final_path, || std::fs::hard_link(&self.tmp, &final_path))
                .map_err(|e| anyhow!("{}: {e}", final_path.display()))?;
            made.push(final_path.clone());
            if map.is_some() {
                interrupt::make_registered(&final_map, || std::fs::hard_link(&map_tmp, &final_map))
                    .map_err(|e| anyhow!("{}: {e}", final_map.display()))?;
                made.push(final_map.clone());
            }
            Ok(())
        })();
        if let Err(e) = result {
            for p in &made {
                interrupt::remove(p);
            }
            return Err(e); // dropping self removes the partial archive
        }
        interrupt::commit(&[&final_path, &final_map], shown);
        interrupt::remove(&map_tmp);
        Ok(final_path)
    }
}

impl Drop for Reserved {
    fn drop(&mut self) {
        interrupt::remove(&self.tmp);
    }
}

fn write_tar(file: File, top: &str, entries: &[Entry], mtime: u64) -> std::io::Result<()> {
    // gzip's fast level: a debug archive is small, and speed matters more than bytes here.
    let mut gz = super::gz::GzTar::new(file);
    for e in entries {
        super::stream::append(&mut gz, top, e, mtime)?;
    }
    // No fsync: a debug archive lost to a crash is simply collected again, and fsync would double
    // the cost of a whole run. Errors of the last write show here.
    gz.finish()?;
    Ok(())
}

/// Writes `members` into `dir/<top>.tar.gz` (no map), refusing an existing name.
pub fn write(dir: &Path, top: &str, members: &[Member], mtime: u64) -> Result<PathBuf> {
    let final_path = archive_path(dir, top);
    let Some(r) = Reserved::try_exact(dir, top)? else {
        bail!("{}: already exists", final_path.display());
    };
    let entries: Vec<Entry> = members.iter().map(Member::entry).collect();
    r.write(&entries, mtime, None, &final_path.display().to_string())
}
