//! What a run will collect: the specs (built in, the system's drop-in directory, `--collectors-dir`,
//! chosen by `--only`/`--with`/`--skip`) and the network namespaces (`--netns`). Errors are usage errors
//! naming the option.

use super::spec::{self, Spec};
use crate::exit::usage;
use crate::sys::Netns;
use crate::usage_bail;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Local collector specs: set at build time by `make` (from SYSCONFDIR), else /etc.
pub const SYSTEM_COLLECTORS_DIR: &str = match option_env!("MPTCP_GET_DEBUG_COLLECTORS_DIR") {
    Some(d) => d,
    None => "/etc/mptcp-get-debug/collectors.d",
};

/// Which collectors a run asks for: `--only`, `--with` (opt-in collectors added to the default
/// set) and `--skip`, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub only: Vec<String>,
    pub with: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    /// Every collector, the opt-in ones too (`list`, and looking a spec up by name).
    pub fn all() -> Selection {
        Selection {
            only: Vec::new(),
            with: vec!["*".into()],
            skip: Vec::new(),
        }
    }

    fn wants(&self, spec: &Spec) -> bool {
        let named = |names: &[String]| names.iter().any(|n| n == &spec.name || n == "*");
        let asked = match self.only.is_empty() {
            false => named(&self.only),
            true => spec.default || named(&self.with),
        };
        asked && !named(&self.skip)
    }
}

/// Specs to run: built-in + the system directory (when the files are the running system's) +
/// `--collectors-dir`, chosen by `--only`/`--with`/`--skip`.
pub fn load_specs(dirs: &[PathBuf], with_system_dir: bool, pick: &Selection) -> Result<Vec<Spec>> {
    for d in dirs {
        if !d.is_dir() {
            usage_bail!("--collectors-dir {}: not a directory", d.display());
        }
    }
    let mut all_dirs = Vec::new();
    if with_system_dir && Path::new(SYSTEM_COLLECTORS_DIR).is_dir() {
        all_dirs.push(PathBuf::from(SYSTEM_COLLECTORS_DIR));
    }
    all_dirs.extend(dirs.iter().cloned());
    // A broken spec in /etc/mptcp-get-debug/collectors.d or --collectors-dir is a configuration error.
    let mut specs = spec::load_all(&all_dirs).map_err(usage)?;
    for (flag, names) in [
        ("--only", &pick.only),
        ("--with", &pick.with),
        ("--skip", &pick.skip),
    ] {
        // `*` (every opt-in collector) only for --with.
        let known =
            |n: &String| (n == "*" && flag == "--with") || specs.iter().any(|s| &s.name == n);
        if let Some(bad) = names.iter().find(|n| !known(n)) {
            usage_bail!("{flag}: unknown collector {bad:?} (see `mptcp-get-debug list`)");
        }
    }
    specs.retain(|s| pick.wants(s));
    Ok(specs)
}

/// The namespaces `--netns` names (`None` is the tool's own), each once, in the order given.
pub fn namespaces(specs: &[String]) -> Result<Vec<Option<Netns>>> {
    if specs.is_empty() {
        return Ok(vec![None]);
    }
    let mut out: Vec<Option<Netns>> = Vec::new();
    for s in specs {
        if s == "all" && !out.contains(&None) {
            out.push(None);
        }
        for ns in Netns::resolve(s).map_err(|e| usage(anyhow::Error::msg(e)))? {
            if !out.contains(&Some(ns.clone())) {
                out.push(Some(ns));
            }
        }
    }
    Ok(out)
}
