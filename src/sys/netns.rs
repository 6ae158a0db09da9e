//! Entering network namespaces with setns(2) (rustix's safe wrapper). setns affects only the calling
//! thread, so the engine runs each per-namespace collector on its own thread and enters the namespace
//! there first; sockets and child processes created afterwards on that thread live in the namespace.

use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};
use std::fs::File;
use std::os::fd::AsFd;

/// A namespace to collect in.
#[derive(Debug, Clone, PartialEq)]
pub struct Netns {
    /// What the user called it: a name under /run/netns, or "pid:N".
    pub label: String,
    /// The nsfs path to open.
    pub path: String,
}

impl Netns {
    pub fn named(name: &str) -> Netns {
        Netns {
            label: name.to_string(),
            path: format!("/run/netns/{name}"),
        }
    }

    pub fn pid(pid: u32) -> Netns {
        Netns {
            label: format!("pid:{pid}"),
            path: format!("/proc/{pid}/ns/net"),
        }
    }

    /// Parses `--netns` values: a name, a PID, or `all` (every name under /run/netns).
    pub fn resolve(spec: &str) -> Result<Vec<Netns>, String> {
        if spec == "all" {
            let mut names: Vec<String> = match std::fs::read_dir("/run/netns") {
                Ok(rd) => rd
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
                Err(_) => Vec::new(),
            };
            names.sort();
            return Ok(names.iter().map(|n| Netns::named(n)).collect());
        }
        if let Ok(pid) = spec.parse::<u32>() {
            return Ok(vec![Netns::pid(pid)]);
        }
        if spec.is_empty() || spec.contains('/') {
            return Err(format!(
                "--netns: {spec:?} is not a namespace name, PID or \"all\""
            ));
        }
        let ns = Netns::named(spec);
        if !std::path::Path::new(&ns.path).exists() {
            return Err(format!(
                "--netns: no network namespace named {spec:?} (/run/netns/{spec} is missing)"
            ));
        }
        Ok(vec![ns])
    }

    /// Moves the calling thread into this namespace.
    pub fn enter(&self) -> std::io::Result<()> {
        let f = File::open(&self.path)?;
        move_into_link_name_space(f.as_fd(), Some(LinkNameSpaceType::Network))?;
        Ok(())
    }
}
