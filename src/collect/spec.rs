//! Collector specs: the declarative half of a collector (`collectors/*.toml`).
//!
//! A spec declares everything its collector touches: files and globs copied into raw/, files its builtin
//! reads itself, every command it may run (argv, no shell), triggers that decide whether it applies,
//! paths never to read, where its part goes in every view (`order`) and what the views show of it
//! (`title`, `show`). It may name a Rust builtin for the part that needs logic; the builtin runs a
//! declared command itself only when the command depends on what another one gave (`deferred`). No
//! conditionals or loops here: anything with logic is a builtin.

use crate::sys::never_read;
use serde::Deserialize;
use thiserror::Error;

pub use super::spec_command::{placeholder, CommandSpec};

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
    /// Files or globs (absolute, under --root) copied into raw/ by the engine.
    #[serde(default)]
    pub files: Vec<String>,
    /// Files or globs the builtin reads itself (parsed, or kept under raw/ in the form it renders).
    #[serde(default)]
    pub reads: Vec<String>,
    /// Files the builtin reads through an allowlist of keys, because they hold secrets: never copied
    /// as they are (they may name never-read paths, which `forbid` usually lists too).
    #[serde(default)]
    pub allowlisted: Vec<String>,
    #[serde(default, rename = "command")]
    pub commands: Vec<CommandSpec>,
    /// Globs never read, even when `files` matches them (on top of the fixed never-read list).
    #[serde(default)]
    pub forbid: Vec<String>,
    /// The Rust builtin that does the rest (see src/collect/collectors/).
    #[serde(default)]
    pub builtin: Option<String>,
    /// Where this collector's sections go in report.json and in every view (summary, text, diff, the
    /// collector table), lower first; specs without one come after, in the order they were loaded.
    #[serde(default)]
    pub order: Option<u32>,
    /// Start only after every other collector has finished (it changes what they would read).
    #[serde(default)]
    pub last: bool,
    /// Start only after these collectors have finished (in the same namespace, or run once for the
    /// host): the ones that read what this one changes. Names of collectors not run are ignored; a collector that waits
    /// itself (`last`, `after`) is not waited for.
    #[serde(default)]
    pub after: Vec<String>,
    /// Its rough run time on a typical host, in tenths of a millisecond (default 1). A namespace's
    /// in-process collectors share a queue that runs the costliest first, so the queue ends sooner on
    /// few cores (the longest job is not the last one started). Only the order they start in changes.
    #[serde(default = "one")]
    pub cost: u32,
    /// Run without being asked for (the default). `false` makes an opt-in collector: it runs only
    /// when `--with` or `--only` names it (e.g. what another collector already gives, asked again
    /// another way at the cost of a program per namespace).
    #[serde(default = "yes")]
    pub default: bool,
    /// The heading of this collector's part in the views. A collector with a title always has its
    /// part: when it gave nothing (skipped, failed, timed out), the part says why.
    #[serde(default)]
    pub title: Option<String>,
    /// What the views show besides what the builtin presents: `artifacts` shows every file and
    /// command output as it is (in the summary, the text view and `diff`); `none` (the default)
    /// leaves them in raw/ and report.json.
    #[serde(default)]
    pub show: Show,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// A collector's name: lowercase letters, digits and '-'.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Show {
    #[default]
    None,
    Artifacts,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// All of these paths must exist (under --root).
    #[serde(default)]
    pub paths: Vec<String>,
    /// At least one of these paths, or of the `any_commands`, must exist.
    #[serde(default)]
    pub any_paths: Vec<String>,
    /// All of these programs must be installed.
    #[serde(default)]
    pub commands: Vec<String>,
    /// At least one of these programs, or of the `any_paths`, must be installed.
    #[serde(default)]
    pub any_commands: Vec<String>,
    /// All of these kernel modules must be loaded or built in (/proc/modules, /sys/module, the
    /// kernel's modules.builtin).
    #[serde(default)]
    pub kernel_modules: Vec<String>,
    /// Programs and netlink can be asked: the running system, or recorded outputs (--commands-from).
    #[serde(default)]
    pub live: bool,
    /// The running kernel is asked itself: not --root, not recorded outputs.
    #[serde(default)]
    pub running_kernel: bool,
    /// Files and kernel are this machine's: not --root, not --sysroot.
    #[serde(default)]
    pub this_machine: bool,
    /// Said instead of the generic reason when a trigger does not hold.
    #[serde(default)]
    pub reason: Option<String>,
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

    /// The sort key of `order`: specs without one after every spec with one.
    pub fn order_key(&self) -> u32 {
        self.order.unwrap_or(u32::MAX)
    }

    /// The declared command the builtin knows as `id`.
    pub fn command(&self, id: &str) -> Option<&CommandSpec> {
        self.commands.iter().find(|c| c.id.as_deref() == Some(id))
    }

    /// Whether `argv` is one of the commands this spec declares.
    pub fn declares(&self, argv: &[String]) -> bool {
        self.commands.iter().any(|c| c.matches(argv))
    }

    /// Whether this spec declares reading (or listing) `path`: a `files`, `reads` or `allowlisted`
    /// entry names it, a directory above it, or a file below it (the directory is listed to expand
    /// the glob), component by component with `*` and `?` within one.
    pub fn declares_read(&self, path: &str) -> bool {
        let covers = |pattern: &String| {
            let pat = pattern.trim_start_matches('/').split('/');
            let got = path.trim_start_matches('/').split('/');
            pat.zip(got).all(|(p, g)| crate::sys::fs::wildcard(p, g))
        };
        self.files
            .iter()
            .chain(&self.reads)
            .chain(&self.allowlisted)
            .any(covers)
    }

    fn validate(&self) -> Result<(), String> {
        if !valid_name(&self.name) {
            return Err(format!(
                "name {:?} must be lowercase letters, digits and '-'",
                self.name
            ));
        }
        if let Some(bad) = self
            .after
            .iter()
            .find(|a| !valid_name(a) || **a == self.name)
        {
            return Err(format!(
                "after: {bad:?} is not the name of another collector"
            ));
        }
        let one_line = |s: &str| !s.trim().is_empty() && !s.contains('\n');
        if !one_line(&self.description) {
            return Err("description must be one non-empty line".into());
        }
        if self.title.as_deref().is_some_and(|t| !one_line(t)) {
            return Err("title must be one non-empty line".into());
        }
        for p in self
            .files
            .iter()
            .chain(&self.reads)
            .chain(&self.allowlisted)
            .chain(&self.forbid)
            .chain(&self.triggers.paths)
            .chain(&self.triggers.any_paths)
        {
            if !p.starts_with('/') {
                return Err(format!("path {p:?} must be absolute"));
            }
        }
        self.check_never_read()?;
        self.check_commands()?;
        if self.files.is_empty() && self.commands.is_empty() && self.builtin.is_none() {
            return Err("collects nothing: give files, a command or a builtin".into());
        }
        Ok(())
    }

    fn check_commands(&self) -> Result<(), String> {
        let mut ids = Vec::new();
        for c in &self.commands {
            let shown = c.argv.join(" ");
            if c.argv.is_empty() || c.argv[0].is_empty() {
                return Err("a command needs a non-empty argv".into());
            }
            if c.timeout.is_some_and(|t| !(t > 0.0 && t <= 600.0)) {
                return Err(format!(
                    "{shown:?}: timeout must be between 0 and 600 seconds"
                ));
            }
            if let Some(id) = &c.id {
                if ids.contains(&id) {
                    return Err(format!("{shown:?}: id {id:?} is given twice"));
                }
                ids.push(id);
            }
            let words = c.argv.iter().filter(|w| placeholder(w).is_some()).count();
            if words > 0 && !c.deferred {
                return Err(format!(
                    "{shown:?}: a {{word}} is filled in by the builtin: the command must be `deferred`"
                ));
            }
            if c.deferred && (c.id.is_none() || self.builtin.is_none()) {
                return Err(format!(
                    "{shown:?}: a deferred command is run by the builtin: it needs an id and the spec a builtin"
                ));
            }
        }
        Ok(())
    }

    /// The fixed never-read list (src/sys/never_read.rs) applies on top of `forbid`: a file or glob
    /// that names a never-read path, or a command word or environment value that does, rejects the
    /// spec. A glob such as `/etc/*` that merely matches one is fine: the reader skips that file and
    /// notes it. Triggers only test existence and may name anything; `allowlisted` files are read
    /// through an allowlist only.
    fn check_never_read(&self) -> Result<(), String> {
        for p in self.files.iter().chain(&self.reads) {
            if let Some(c) = never_read::classify(p) {
                return Err(format!(
                    "files: {p} is never read ({}); no spec may name it",
                    c.why()
                ));
            }
        }
        for c in &self.commands {
            let stdin = c.stdin.iter().flat_map(|s| s.split_whitespace());
            for word in c
                .argv
                .iter()
                .chain(c.env.values())
                .map(String::as_str)
                .chain(stdin)
            {
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
        // The line the error starts on (an error at the very end is on the last line).
        Some(r) => format!(
            " (line {})",
            (text[..r.start.min(text.len())].matches('\n').count() + 1)
                .min(text.lines().count())
                .max(1)
        ),
        None => String::new(),
    }
}

/// `(file, text)` of each collectors/ file named.
macro_rules! embedded {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../collectors/", $file)))),*]
    };
}

/// The specs shipped inside the binary, so the single file in /usr/libexec works alone.
pub const EMBEDDED: &[(&str, &str)] = embedded![
    "kernel.toml",
    "distro.toml",
    "kconfig.toml",
    "sysctl.toml",
    "endpoints.toml",
    "limits.toml",
    "mib.toml",
    "sockets.toml",
    "iproute2.toml",
    "nstat.toml",
    "routing.toml",
    "kmsg.toml",
    "selftest.toml",
    "networkmanager.toml",
    "mptcpd.toml",
    "host.toml",
    "links.toml",
];

/// Embedded specs plus the `*.toml` files of extra directories (later names override earlier ones),
/// sorted by `order` (load order among equals).
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
    specs.sort_by_key(Spec::order_key);
    Ok(specs)
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
