//! The private map: what became what, per class, plus the key (hex) — written next to the archive
//! with mode 0600 and never inside it — and `unredact`, which uses it to turn pseudonyms and encrypted
//! addresses in a maintainer's question back into the originals.

use super::ip::IpCipher;
use super::key;
use super::mac::parse_hw;
use super::scan::Sink;
use super::text::Rules;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PrivateMap {
    pub note: String,
    /// The address-encryption key, hex.
    pub key: String,
    /// Class (ipv4, ipv6, mac, hostname, domain, user, connection) -> original -> pseudonym.
    pub classes: BTreeMap<String, BTreeMap<String, String>>,
}

pub const NOTE: &str = "Private: maps the pseudonyms and encrypted addresses of the archive back to the originals. Keep it; never attach it. `mptcp-get-debug unredact --map THIS-FILE TEXT` decodes.";

impl PrivateMap {
    pub fn load(path: &Path) -> Result<PrivateMap> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("--map {}", path.display()))?;
        let map: PrivateMap = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("--map {}: not a redaction map ({e})", path.display()))?;
        key::from_hex(&map.key)
            .map_err(|e| anyhow::anyhow!("--map {}: key: {e}", path.display()))?;
        Ok(map)
    }

    /// `text` with every pseudonym and encrypted address replaced by its original.
    pub fn unredact(&self, text: &str) -> String {
        // Without a valid key (a hand-made map), only the listed addresses come back.
        let cipher = key::from_hex(&self.key).ok().map(|k| IpCipher::new(&k));
        let mut rules = Rules::default();
        let mut ips = HashMap::new();
        let mut macs = HashMap::new();
        for (class, entries) in &self.classes {
            for (original, pseudonym) in entries {
                match class.as_str() {
                    "ipv4" | "ipv6" => {
                        if let (Ok(o), Ok(p)) =
                            (original.parse::<IpAddr>(), pseudonym.parse::<IpAddr>())
                        {
                            ips.insert(p, o);
                        }
                    }
                    "mac" => {
                        if let (Some(o), Some(p)) = (parse_hw(original), parse_hw(pseudonym)) {
                            macs.insert(p, o);
                        }
                    }
                    _ => rules.add_name(pseudonym, original),
                }
            }
        }
        let mut sink = Reverse { cipher, ips, macs };
        rules
            .rewrite(text, Some(&mut sink))
            .unwrap_or_else(|| text.to_string())
    }
}

struct Reverse {
    cipher: Option<IpCipher>,
    ips: HashMap<IpAddr, IpAddr>,
    macs: HashMap<Vec<u8>, Vec<u8>>,
}

impl Sink for Reverse {
    fn ip(&mut self, ip: IpAddr) -> Option<IpAddr> {
        self.ips
            .get(&ip)
            .copied()
            .or_else(|| self.cipher.as_ref()?.decrypt(ip))
    }
    fn hw(&mut self, addr: &[u8]) -> Option<Vec<u8>> {
        self.macs.get(addr).cloned()
    }
}

/// `unredact` input: `-` is stdin, an existing file is read, anything else is the text itself.
pub fn read_input(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("stdin")?;
        return Ok(s);
    }
    let p = Path::new(arg);
    if p.is_file() {
        return std::fs::read_to_string(p).with_context(|| arg.to_string());
    }
    Ok(arg.to_string())
}
