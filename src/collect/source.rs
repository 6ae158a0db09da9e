//! Where a run reads the system from. One enum names the four sources (the running system, a host root
//! seen from a container, an offline image, recorded outputs), and the collectors' environment is built
//! from it in one place: the sealed file reader, the command runner, the path-manager source.

use super::collectors::Env;
use crate::collect::pm_source::{NoPm, PmSource, RecordedPm};
use crate::sys::{FixtureRunner, Fs, RealRunner, Runner};
use crate::usage_bail;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What the collectors read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Source {
    /// The running system: files from /, kernel state, netlink and commands live.
    #[default]
    Live,
    /// `--sysroot DIR`: files from DIR (the host's root seen from a container), kernel state (/proc,
    /// /sys, netlink, sockets) and commands from the running system.
    Sysroot(PathBuf),
    /// `--root DIR`: an offline image, files only (no netlink, no commands).
    Image(PathBuf),
    /// `--commands-from DIR` (tests, offline analysis): files from `root` (an image, or / when none),
    /// command outputs and path-manager answers replayed from DIR.
    Recorded {
        root: Option<PathBuf>,
        commands: PathBuf,
    },
}

impl Source {
    /// The source the flags name (clap already refuses --sysroot with --root or --commands-from).
    pub fn from_flags(
        root: Option<&Path>,
        sysroot: Option<&Path>,
        commands_from: Option<&Path>,
    ) -> Source {
        match (root, sysroot, commands_from) {
            (_, Some(s), _) => Source::Sysroot(s.into()),
            (root, None, Some(c)) => Source::Recorded {
                root: root.map(Into::into),
                commands: c.into(),
            },
            (Some(r), None, None) if r != Path::new("/") => Source::Image(r.into()),
            _ => Source::Live,
        }
    }

    /// Commands may run and the path manager may be asked (live, or replayed from recorded outputs).
    pub fn runs_commands(&self) -> bool {
        !matches!(self, Source::Image(_))
    }

    /// The running kernel is asked directly (netlink, sock_diag), not replayed.
    pub fn native(&self) -> bool {
        matches!(self, Source::Live | Source::Sysroot(_))
    }

    /// The flag and directory files are read from, for messages (`--root /` for the live system).
    fn files(&self) -> (&'static str, &Path) {
        match self {
            Source::Live => ("--root", Path::new("/")),
            Source::Sysroot(d) => ("--sysroot", d),
            Source::Image(d) => ("--root", d),
            Source::Recorded { root, .. } => ("--root", root.as_deref().unwrap_or(Path::new("/"))),
        }
    }
}

/// The environment collectors see for `source`, with `timeout` for each command.
pub fn environment(source: &Source, timeout: f64) -> Result<Env> {
    let (flag, root) = source.files();
    if !root.is_dir() {
        usage_bail!("{flag} {}: not a directory", root.display());
    }
    if !(timeout > 0.0 && timeout <= 3600.0) {
        usage_bail!("--timeout {timeout}: must be between 0 and 3600 seconds");
    }
    let fs = match source {
        Source::Sysroot(_) => Fs::sysroot(root),
        _ => Fs::open(root),
    }
    .with_context(|| format!("{flag} {}", root.display()))?;
    let (runner, pm): (Arc<dyn Runner>, Arc<dyn PmSource>) = match source {
        Source::Recorded { commands, .. } => {
            if !commands.is_dir() {
                usage_bail!("--commands-from {}: not a directory", commands.display());
            }
            (
                Arc::new(FixtureRunner::new(commands)),
                Arc::new(RecordedPm {
                    dir: commands.clone(),
                }),
            )
        }
        Source::Live | Source::Sysroot(_) => (
            Arc::new(RealRunner),
            crate::collect::pm_source::live_source(),
        ),
        Source::Image(_) => (
            Arc::new(RealRunner),
            Arc::new(NoPm("netlink is not queried under --root".into())),
        ),
    };
    Ok(Env {
        fs,
        runner,
        pm,
        timeout: Duration::from_secs_f64(timeout),
        cap: 4 << 20,
        privileged: crate::sys::caps::privileged(),
        source: source.clone(),
        read_only: false,
        kconfig: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_one_source() {
        let p = |s: &str| Some(PathBuf::from(s));
        let f = |r: Option<PathBuf>, s: Option<PathBuf>, c: Option<PathBuf>| {
            Source::from_flags(r.as_deref(), s.as_deref(), c.as_deref())
        };
        assert_eq!(f(None, None, None), Source::Live);
        assert_eq!(f(p("/"), None, None), Source::Live);
        assert_eq!(f(p("/img"), None, None), Source::Image("/img".into()));
        assert_eq!(f(None, p("/host"), None), Source::Sysroot("/host".into()));
        assert_eq!(
            f(p("/img"), None, p("/rec")),
            Source::Recorded {
                root: p("/img"),
                commands: "/rec".into()
            }
        );
        assert!(Source::Live.native() && Source::Sysroot("/h".into()).native());
        assert!(!Source::Image("/i".into()).runs_commands());
        let rec = f(None, None, p("/rec"));
        assert!(rec.runs_commands() && !rec.native());
    }

    #[test]
    fn a_missing_directory_is_a_usage_error_naming_the_flag() {
        let e = environment(&Source::Image("/nonexistent-img".into()), 1.0)
            .err()
            .unwrap();
        assert!(crate::exit::is_usage(&e));
        assert_eq!(e.to_string(), "--root /nonexistent-img: not a directory");
        let e = environment(&Source::Sysroot("/nonexistent-host".into()), 1.0)
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "--sysroot /nonexistent-host: not a directory"
        );
        let e = environment(&Source::Live, 0.0).err().unwrap();
        assert!(e.to_string().starts_with("--timeout 0"));
    }
}
