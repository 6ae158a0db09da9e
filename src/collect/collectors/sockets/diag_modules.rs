//! Whether asking sock_diag would make the kernel load a module: the kernel loads `inet_diag`,
//! `tcp_diag` and `mptcp_diag` on the first request that needs them when they are modules (as
//! `ss -M` makes it load mptcp_diag). Tells loaded, built in, a module not loaded, not in this kernel
//! or unknown apart, from /proc/modules (procfs-core's parser), /sys/module, modules.builtin and the
//! kernel config, and which modules a run loaded (compared before and after).

use crate::sys::Fs;
use procfs_core::{FromRead, KernelModules};

/// The diag modules a socket collection may need: (module, its kernel config symbol).
pub const INET_DIAG: (&str, &str) = ("inet_diag", "CONFIG_INET_DIAG");
pub const TCP_DIAG: (&str, &str) = ("tcp_diag", "CONFIG_INET_TCP_DIAG");
pub const MPTCP_DIAG: (&str, &str) = ("mptcp_diag", "CONFIG_INET_MPTCP_DIAG");
pub const ALL: [(&str, &str); 3] = [INET_DIAG, TCP_DIAG, MPTCP_DIAG];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModState {
    Loaded,
    BuiltIn,
    /// A module that is not loaded: a request would load it.
    Module,
    /// Not in this kernel (config `not set`): a request would fail (after a modprobe attempt).
    Absent,
    /// The kernel cannot load modules at all (no /proc/modules): a request changes nothing.
    NoModules,
    /// Cannot tell (no kernel config, not listed anywhere).
    Unknown,
}

impl ModState {
    /// Asking for it cannot load anything.
    pub fn safe(self) -> bool {
        matches!(
            self,
            ModState::Loaded | ModState::BuiltIn | ModState::NoModules
        )
    }
}

/// Names of the loaded modules (/proc/modules, parsed by procfs-core), sorted; None without the file
/// or when it is not a modules list.
pub fn loaded(fs: &Fs) -> Option<Vec<String>> {
    let bytes = fs.read_bytes("/proc/modules").ok()?;
    let modules = KernelModules::from_read(&bytes[..]).ok()?;
    let mut names: Vec<String> = modules.0.into_keys().collect();
    names.sort();
    Some(names)
}

/// The state of every module in `ALL`, in its order. The files that tell are read once for all
/// three, and the kernel config (`kconfig`, which may mean decompressing /proc/config.gz) only when
/// they do not settle it.
pub fn states<'a>(fs: &Fs, kconfig: impl FnOnce() -> Option<&'a str>) -> [ModState; 3] {
    let modules = loaded(fs);
    let mut builtin: Option<String> = None;
    let mut kconfig = Some(kconfig);
    let mut config: Option<Option<&str>> = None;
    ALL.map(|m| {
        state_from(fs, m, &modules, &mut builtin, &mut || {
            *config.get_or_insert_with(|| kconfig.take().and_then(|f| f()))
        })
    })
}

fn state_from<'a>(
    fs: &Fs,
    (name, symbol): (&str, &str),
    modules: &Option<Vec<String>>,
    builtin: &mut Option<String>,
    kconfig: &mut dyn FnMut() -> Option<&'a str>,
) -> ModState {
    if modules
        .as_ref()
        .is_some_and(|m| m.iter().any(|n| n == name))
    {
        return ModState::Loaded;
    }
    // A loadable module that is loaded has an initstate; built-in code may have /sys/module/<name>
    // (parameters, version) but never that file.
    if fs.exists(&format!("/sys/module/{name}/initstate")) {
        return ModState::Loaded;
    }
    let builtin = builtin.get_or_insert_with(|| {
        let release = fs
            .read_trimmed("/proc/sys/kernel/osrelease")
            .unwrap_or_default();
        fs.read_to_string(&format!("/lib/modules/{release}/modules.builtin"))
            .unwrap_or_default()
    });
    let ko = format!("/{name}.ko");
    if builtin.lines().any(|l| l.ends_with(&ko) || l == &ko[1..]) {
        return ModState::BuiltIn;
    }
    let config = kconfig().map(|text| {
        let prefix = format!("{symbol}=");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or("not set")
            .trim_matches('"')
            .to_string()
    });
    match config.as_deref() {
        Some("y") => ModState::BuiltIn,
        Some("m") if modules.is_some() => ModState::Module,
        _ if modules.is_none() && fs.is_live() && !fs.exists("/proc/modules") => {
            ModState::NoModules
        }
        Some("m") => ModState::Module,
        Some(_) => ModState::Absent,
        None => ModState::Unknown,
    }
}

/// Why asking would change the system or cannot work, for the report; None when it is safe.
pub fn why_not(state: ModState, (name, symbol): (&str, &str)) -> Option<String> {
    match state {
        ModState::Module => Some(format!(
            "{name} is a module that is not loaded, and asking sock_diag would load it"
        )),
        ModState::Absent => Some(format!("the kernel is built without {symbol}")),
        ModState::Unknown => Some(format!(
            "cannot tell whether {name} is built in (no kernel config, not in /proc/modules or modules.builtin), and asking sock_diag could load it"
        )),
        _ => None,
    }
}

/// Modules in `after` that were not in `before` (both from `loaded`).
pub fn newly_loaded(before: &Option<Vec<String>>, after: &Option<Vec<String>>) -> Vec<String> {
    let (Some(b), Some(a)) = (before, after) else {
        return Vec::new();
    };
    let mut v: Vec<String> = a
        .iter()
        .filter(|n| ALL.iter().any(|(m, _)| m == n) && !b.contains(n))
        .cloned()
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(files: &[(&str, &str)]) -> (tempfile::TempDir, Fs) {
        let d = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = d.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let fs = Fs::new(d.path());
        (d, fs)
    }

    /// One module's state, read alone.
    fn state(fs: &Fs, kconfig: Option<&str>, m: (&str, &str)) -> ModState {
        state_from(fs, m, &loaded(fs), &mut None, &mut || kconfig)
    }

    const MODS: &str = "tcp_diag 12288 0 - Live 0x0\ninet_diag 28672 1 tcp_diag, Live 0x0\n";

    #[test]
    fn loaded_built_in_module_absent_unknown() {
        let (_d, fs) = root(&[
            ("/proc/modules", MODS),
            ("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n"),
        ]);
        let cfg =
            "CONFIG_INET_DIAG=m\nCONFIG_INET_MPTCP_DIAG=m\n# CONFIG_INET_TCP_DIAG is not set\n";
        assert_eq!(state(&fs, Some(cfg), INET_DIAG), ModState::Loaded);
        assert_eq!(state(&fs, Some(cfg), MPTCP_DIAG), ModState::Module);
        assert_eq!(
            state(&fs, Some("CONFIG_INET_MPTCP_DIAG=y\n"), MPTCP_DIAG),
            ModState::BuiltIn
        );
        assert_eq!(state(&fs, Some(""), MPTCP_DIAG), ModState::Absent);
        assert_eq!(state(&fs, None, MPTCP_DIAG), ModState::Unknown);
        assert!(!ModState::Module.safe() && !ModState::Unknown.safe());
        assert!(why_not(ModState::Module, MPTCP_DIAG)
            .unwrap()
            .contains("would load it"));
        assert_eq!(
            loaded(&fs),
            Some(vec!["inet_diag".to_string(), "tcp_diag".to_string()])
        );
    }

    #[test]
    fn a_file_that_is_not_a_modules_list_is_not_read_as_one() {
        let (_d, fs) = root(&[("/proc/modules", "tcp_diag\n")]);
        assert_eq!(loaded(&fs), None);
        let (_d, fs) = root(&[("/proc/modules", "")]);
        assert_eq!(loaded(&fs), Some(vec![]));
    }

    #[test]
    fn all_three_at_once_read_the_config_only_when_needed() {
        let all = "mptcp_diag 1 0 - Live 0x0\ntcp_diag 1 0 - Live 0x0\ninet_diag 1 2 - Live 0x0\n";
        let (_d, fs) = root(&[("/proc/modules", all)]);
        let asked = std::cell::Cell::new(0);
        let got = states(&fs, || {
            asked.set(asked.get() + 1);
            None
        });
        assert_eq!(got, [ModState::Loaded; 3]);
        assert_eq!(asked.get(), 0);
        let (_d, fs) = root(&[("/proc/modules", MODS)]);
        let cfg = "CONFIG_INET_MPTCP_DIAG=m\n";
        let got = states(&fs, || {
            asked.set(asked.get() + 1);
            Some(cfg)
        });
        let one_by_one = ALL.map(|m| state(&fs, Some(cfg), m));
        assert_eq!(got, one_by_one);
        assert_eq!(got[2], ModState::Module);
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn modules_builtin_and_sysfs() {
        let (_d, fs) = root(&[
            ("/proc/modules", MODS),
            ("/proc/sys/kernel/osrelease", "6.1.0\n"),
            (
                "/lib/modules/6.1.0/modules.builtin",
                "kernel/net/mptcp/mptcp_diag.ko\n",
            ),
        ]);
        assert_eq!(state(&fs, None, MPTCP_DIAG), ModState::BuiltIn);
        let (_d, fs) = root(&[
            ("/proc/modules", ""),
            ("/sys/module/mptcp_diag/initstate", "live\n"),
        ]);
        assert_eq!(state(&fs, None, MPTCP_DIAG), ModState::Loaded);
    }

    #[test]
    fn what_a_run_loaded() {
        let before = Some(vec!["inet_diag".to_string(), "xfs".to_string()]);
        let after = Some(vec![
            "mptcp_diag".to_string(),
            "inet_diag".to_string(),
            "xfs".to_string(),
            "nf_tables".to_string(),
        ]);
        assert_eq!(newly_loaded(&before, &after), ["mptcp_diag"]);
        assert!(newly_loaded(&None, &after).is_empty());
    }
}
