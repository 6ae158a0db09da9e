//! Collector specs: the declarative half of a collector (`collectors/*.toml`).
//!
//! A spec says what to collect — files and globs to copy, commands to run, triggers that decide
//! whether it applies, paths never to read — and may name a Rust builtin for the part that needs logic.
//! No conditionals or loops here: anything with logic is a builtin.

use crate::sys::never_read;
use serde::Deserialize;
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    pub description: String,
    /// Run once in every collected network namespace (sysctls, endpoints, counters, ...).
    #[serde(default)]
    pub per_netns: bool,
    #[serde(default)]
    pub triggers: Triggers,
    /// Files or globs (absolute, under --root) copied into raw/.
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default, rename = "command")]
    pub commands: Vec<CommandSpec>,
    /// Globs never read, even when `files` matches them (on top of the fixed never-read list).
    #[serde(default)]
    pub forbid: Vec<String>,
    /// The Rust builtin that does the rest (see src/collect/collectors/).
    #[serde(default)]
    pub builtin: Option<String>,
    /// Shown in the summary's "System info" block in this order (lower first); None = not shown there.
    #[serde(default)]
    pub order: Option<u32>,
    /// Start only after every other collector has finished (it changes what they would read).
    #[serde(default)]
    pub last: bool,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// All of these paths must exist (under --root).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Any of these paths must exist.
    #[serde(default)]
    pub any_paths: Vec<String>,
    /// All of these programs must be on the safe PATH.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Only when running on the live system (not under --root without recorded commands).
    #[serde(default)]
    pub live: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    pub argv: Vec<String>,
    /// Seconds; defaults to --timeout.
    #[serde(default)]
    pub timeout: Option<f64>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Name of the raw/ file; defaults to the argv joined with '_'.
    #[serde(default)]
    pub output: Option<String>,
    /// Programs that must exist for this command to run (defaults to argv[0]).
    #[serde(default)]
    pub skip_unless: Vec<String>,
}

impl CommandSpec {
    pub fn artifact_name(&self) -> String {
        self.output
            .clone()
            .unwrap_or_else(|| artifact_name_for(&self.argv))
    }
}

/// Raw outputs are named as the report's model says (a reader finds them by these names).
pub use crate::report::{artifact_name_for, artifact_name_for_file};

#[derive(Debug, Error)]
pub enum SpecError {
    #[error("{file}: {msg}")]
    Invalid { file: String, msg: String },
}

impl Spec {
    /// Parses and validates one spec file's text.
    pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
        let spec: Spec = toml::from_str(text).map_err(|e| SpecError::Invalid {
            file: file.to_string(),
            msg: e.message().to_string() + &line_hint(text, e.span()),
        })?;
        spec.validate().map_err(|msg| SpecError::Invalid {
            file: file.to_string(),
            msg,
        })?;
        Ok(spec)
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "name {:?} must be lowercase letters, digits and '-'",
                self.name
            ));
        }
        if self.description.trim().is_empty() || self.description.contains('\n') {
            return Err("description must be one non-empty line".into());
        }
        for p in self
            .files
            .iter()
            .chain(&self.forbid)
            .chain(&self.triggers.paths)
            .chain(&self.triggers.any_paths)
        {
            if !p.starts_with('/') {
                return Err(format!("path {p:?} must be absolute"));
            }
        }
        self.check_never_read()?;
        for c in &self.commands {
            if c.argv.is_empty() || c.argv[0].is_empty() {
                return Err("a command needs a non-empty argv".into());
            }
            if c.timeout.is_some_and(|t| !(t > 0.0 && t <= 600.0)) {
                return Err(format!(
                    "{:?}: timeout must be between 0 and 600 seconds",
                    c.argv.join(" ")
                ));
            }
        }
        if self.files.is_empty() && self.commands.is_empty() && self.builtin.is_none() {
            return Err("collects nothing: give files, a command or a builtin".into());
        }
        Ok(())
    }
}

impl Spec {
    /// The fixed never-read list (src/sys/never_read.rs) applies on top of `forbid`: a file or glob
    /// that names a never-read path, or a command word or environment value that does, rejects the
    /// spec. A glob such as `/etc/*` that merely matches one is fine: the reader skips that file and
    /// notes it. Triggers only test existence and may name anything.
    fn check_never_read(&self) -> Result<(), String> {
        for p in &self.files {
            if let Some(c) = never_read::classify(p) {
                return Err(format!(
                    "files: {p} is never read ({}); no spec may name it",
                    c.why()
                ));
            }
        }
        for c in &self.commands {
            for word in c.argv.iter().chain(c.env.values()) {
                for p in never_read::paths_in(word) {
                    if let Some(class) = never_read::classify(&p) {
                        return Err(format!(
                            "command `{}` names {p}, which is never read ({}); no spec may name it",
                            c.argv.join(" "),
                            class.why()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn line_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => format!(
            " (line {})",
            text[..r.start.min(text.len())].lines().count().max(1)
        ),
        None => String::new(),
    }
}

/// The specs shipped inside the binary, so the single file in /usr/libexec works alone.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("kernel.toml", include_str!("../../collectors/kernel.toml")),
    ("distro.toml", include_str!("../../collectors/distro.toml")),
    (
        "kconfig.toml",
        include_str!("../../collectors/kconfig.toml"),
    ),
    ("sysctl.toml", include_str!("../../collectors/sysctl.toml")),
    (
        "endpoints.toml",
        include_str!("../../collectors/endpoints.toml"),
    ),
    ("limits.toml", include_str!("../../collectors/limits.toml")),
    ("mib.toml", include_str!("../../collectors/mib.toml")),
    (
        "sockets.toml",
        include_str!("../../collectors/sockets.toml"),
    ),
    (
        "iproute2.toml",
        include_str!("../../collectors/iproute2.toml"),
    ),
    ("nstat.toml", include_str!("../../collectors/nstat.toml")),
    (
        "routing.toml",
        include_str!("../../collectors/routing.toml"),
    ),
    ("kmsg.toml", include_str!("../../collectors/kmsg.toml")),
    (
        "selftest.toml",
        include_str!("../../collectors/selftest.toml"),
    ),
    (
        "networkmanager.toml",
        include_str!("../../collectors/networkmanager.toml"),
    ),
    ("mptcpd.toml", include_str!("../../collectors/mptcpd.toml")),
    ("host.toml", include_str!("../../collectors/host.toml")),
    ("links.toml", include_str!("../../collectors/links.toml")),
];

/// Embedded specs plus the `*.toml` files of extra directories (later names override earlier ones).
pub fn load_all(extra_dirs: &[std::path::PathBuf]) -> Result<Vec<Spec>, SpecError> {
    let mut specs: Vec<Spec> = Vec::new();
    let mut push = |spec: Spec| match specs.iter_mut().find(|s| s.name == spec.name) {
        Some(existing) => *existing = spec,
        None => specs.push(spec),
    };
    for (file, text) in EMBEDDED {
        push(Spec::parse(&format!("collectors/{file}"), text)?);
    }
    for dir in extra_dirs {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<_> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for f in files {
            let name = f.display().to_string();
            let text = std::fs::read_to_string(&f).map_err(|e| SpecError::Invalid {
                file: name.clone(),
                msg: e.to_string(),
            })?;
            push(Spec::parse(&name, &text)?);
        }
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_keys_with_file_name() {
        let err = Spec::parse(
            "x.toml",
            "name='a'\ndescription='d'\nbuiltin='k'\nbogus=1\n",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("x.toml: "), "{msg}");
        assert!(msg.contains("bogus"), "{msg}");
    }

    #[test]
    fn rejects_relative_paths_and_empty_specs() {
        assert!(Spec::parse("x", "name='a'\ndescription='d'\nfiles=['etc/x']\n").is_err());
        assert!(Spec::parse("x", "name='a'\ndescription='d'\n").is_err());
    }

    #[test]
    fn specs_naming_a_never_read_path_are_rejected() {
        let spec =
            |body: &str| Spec::parse("x.toml", &format!("name='a'\ndescription='d'\n{body}"));
        for body in [
            "files=['/etc/shadow']",
            "files=['/etc/gshadow-']",
            "files=['/proc/self/environ']",
            "files=['/proc/*/environ']",
            "files=['/etc/ssh/ssh_host_*_key']",
            "files=['/home/*/.ssh/id_rsa']",
            "files=['/etc/ssl/private/*']",
            "files=['/opt/x/server.pem']",
            "files=['/etc/NetworkManager/system-connections/*']",
            "files=['/etc/wireguard/wg0.conf']",
            "[[command]]\nargv=['cat', '/etc/shadow']",
            "[[command]]\nargv=['sh', '-c', 'cat /root/.ssh/id_ed25519']",
            "[[command]]\nargv=['tool', '--key=/etc/x.key']",
            "[[command]]\nargv=['tool']\nenv={ F = '/proc/1/mem' }",
        ] {
            let msg = spec(body).unwrap_err().to_string();
            assert!(msg.starts_with("x.toml: "), "{msg}");
            assert!(
                msg.contains("is never read (") || msg.contains("which is never read ("),
                "{msg}"
            );
            assert!(!msg.contains('\n'), "{msg}");
        }
        // Merely matching one is fine (the reader skips it with a note); triggers only test existence.
        for body in [
            "files=['/etc/*']",
            "files=['/etc/ssh/*']",
            "files=['/etc/os-release']\n[triggers]\npaths=['/etc/shadow']",
            "forbid=['/etc/shadow']\nbuiltin='k'",
        ] {
            assert!(spec(body).is_ok(), "{body}");
        }
    }

    #[test]
    fn no_embedded_spec_names_a_never_read_path() {
        for (file, text) in EMBEDDED {
            Spec::parse(file, text).unwrap();
        }
    }

    #[test]
    fn artifact_names() {
        let argv: Vec<String> = ["ss", "-ManiH"].iter().map(|s| s.to_string()).collect();
        assert_eq!(artifact_name_for(&argv), "ss_-ManiH.txt");
        assert_eq!(artifact_name_for_file("/etc/os-release"), "etc/os-release");
    }
}
