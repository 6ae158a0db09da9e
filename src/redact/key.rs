//! The address-encryption key. By default one persistent key per user, created on first use (0600) in
//! the user's state directory, so successive runs on one machine agree and `diff` compares like with
//! like; `--redact-key FILE` shares one key between a client and a server run; `--redact-key new` uses
//! a fresh key for one run. A bad key file is a one-line error, never a panic (ipcrypt-pfx panics on a
//! key whose two halves are equal). The published key id is a hash of the key, never a ciphertext.

use anyhow::{bail, Context, Result};
use ipcrypt_rs::IpcryptPfx;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Where the redaction key comes from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum KeyChoice {
    /// `--redact-key FILE`: read from this file, or created there (mode 0600, parent directories
    /// 0700) when missing; an unusable file is an error.
    File(PathBuf),
    /// The user's persistent key (default): like `File`, but when it cannot be used the run goes on
    /// with a fresh key and says so.
    Persistent(PathBuf),
    /// A fresh random key for this run only, stored nowhere but the private map.
    #[default]
    New,
}

/// The persistent key's default place: `$XDG_STATE_HOME/mptcp-get-debug/redact.key`, else
/// `/var/lib/mptcp-get-debug/redact.key` for root and `~/.local/state/mptcp-get-debug/redact.key` for
/// other users. None when no place can be named (no HOME).
pub fn default_path(
    xdg_state_home: Option<&str>,
    home: Option<&str>,
    root: bool,
) -> Option<PathBuf> {
    let base = match (xdg_state_home.filter(|s| s.starts_with('/')), home) {
        (Some(x), _) => PathBuf::from(x),
        (None, _) if root => PathBuf::from("/var/lib"),
        (None, Some(h)) if h.starts_with('/') => Path::new(h).join(".local/state"),
        _ => return None,
    };
    Some(base.join("mptcp-get-debug").join("redact.key"))
}

/// The key's public fingerprint: the first 8 bytes of SHA-256 over a label and the key, in hex.
pub fn id(key: &Key) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"mptcp-get-debug redaction key id v1\0");
    h.update(key);
    to_hex(&h.finalize()[..8])
}

pub const KEY_BYTES: usize = IpcryptPfx::KEY_BYTES;
pub type Key = [u8; KEY_BYTES];

/// A fresh random key whose halves differ.
pub fn generate() -> Key {
    loop {
        let k = IpcryptPfx::generate_key();
        if k[..16] != k[16..] {
            return k;
        }
    }
}

pub fn to_hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex digits (surrounding white space allowed) into a usable key.
pub fn from_hex(text: &str) -> Result<Key, String> {
    let t = text.trim();
    if t.len() != KEY_BYTES * 2 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "expected {} hex digits, found {:?}",
            KEY_BYTES * 2,
            abbreviate(t)
        ));
    }
    let mut key = [0u8; KEY_BYTES];
    for (i, k) in key.iter_mut().enumerate() {
        *k = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    if key[..16] == key[16..] {
        return Err("the two halves of the key are equal; generate a new key file".into());
    }
    Ok(key)
}

fn abbreviate(t: &str) -> String {
    let s: String = t.chars().take(12).collect();
    if t.chars().count() > 12 {
        format!("{s}...")
    } else {
        s
    }
}

/// Reads the key file, or creates it (mode 0600) with a fresh key when it does not exist; its missing
/// parent directories too (mode 0700) when `parents` (the default place), never for a path the user
/// gave (a typo should not create directories).
pub fn load_or_create(path: &Path, parents: bool) -> Result<Key> {
    // A key file is one line of hex: anything larger than a page is not one.
    match crate::sys::fs::read_named_file(path, 4096) {
        Ok(text) => {
            from_hex(&text).map_err(|e| anyhow::anyhow!("--redact-key {}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = generate();
            if let Some(dir) = path
                .parent()
                .filter(|d| parents && !d.as_os_str().is_empty())
            {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .with_context(|| format!("--redact-key {}: cannot create", dir.display()))?;
            }
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("--redact-key {}: cannot create", path.display()))?;
            if let Err(e) = f.write_all(format!("{}\n", to_hex(&key)).as_bytes()) {
                // A full disk must not leave an empty key file that later runs would refuse.
                let _ = std::fs::remove_file(path);
                bail!("--redact-key {}: cannot write: {e}", path.display());
            }
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            bail!("--redact-key {}: not a text key file", path.display())
        }
        Err(e) => bail!("--redact-key {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_validation() {
        let k = generate();
        assert_eq!(from_hex(&to_hex(&k)).unwrap(), k);
        assert!(from_hex("abc").unwrap_err().contains("64 hex digits"));
        let same = "00112233445566778899aabbccddeeff".repeat(2);
        assert!(from_hex(&same).unwrap_err().contains("halves"));
        assert!(from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn default_places_and_id() {
        assert_eq!(
            default_path(Some("/s"), Some("/home/a"), false).unwrap(),
            Path::new("/s/mptcp-get-debug/redact.key")
        );
        assert_eq!(
            default_path(None, Some("/root"), true).unwrap(),
            Path::new("/var/lib/mptcp-get-debug/redact.key")
        );
        assert_eq!(
            default_path(Some("relative"), Some("/home/a"), false).unwrap(),
            Path::new("/home/a/.local/state/mptcp-get-debug/redact.key")
        );
        assert_eq!(default_path(None, None, false), None);
        let k = generate();
        assert_eq!(id(&k).len(), 16);
        assert_eq!(id(&k), id(&k));
        assert_ne!(id(&k), id(&generate()));
    }

    #[test]
    fn file_is_created_private_then_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let a = load_or_create(&p, false).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(load_or_create(&p, false).unwrap(), a);
        std::fs::write(&p, "0".repeat(64)).unwrap();
        let e = load_or_create(&p, false).unwrap_err().to_string();
        assert!(
            e.starts_with("--redact-key ") && e.contains("halves"),
            "{e}"
        );
    }
}
