//! The address-encryption key: random per run, or read from / created in a `--redact-key` file so that
//! the client and the server report of one bug share a mapping. A bad key file is a one-line error,
//! never a panic (ipcrypt-pfx panics on a key whose two halves are equal).

use anyhow::{bail, Context, Result};
use ipcrypt_rs::IpcryptPfx;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

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

/// Reads the key file, or creates it (mode 0600) with a fresh key when it does not exist.
pub fn load_or_create(path: &Path) -> Result<Key> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            from_hex(&text).map_err(|e| anyhow::anyhow!("--redact-key {}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = generate();
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
    fn file_is_created_private_then_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let a = load_or_create(&p).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(load_or_create(&p).unwrap(), a);
        std::fs::write(&p, "0".repeat(64)).unwrap();
        let e = load_or_create(&p).unwrap_err().to_string();
        assert!(
            e.starts_with("--redact-key ") && e.contains("halves"),
            "{e}"
        );
    }
}
