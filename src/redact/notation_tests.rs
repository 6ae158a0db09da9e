//! The notation corpus of the text-level detectors, run through `Rules::rewrite` as the redactor runs
//! it: every class of secret and identity notation (one unique canary each) must vanish with its
//! surroundings kept byte for byte, and the evidence MPTCP reports are made of must come back
//! byte-identical. Property tests (props.rs) do the same over generated text.

mod corpus;
mod props;

use super::ip::IpCipher;
use super::mac::MacTable;
use super::scan::Sink;
use super::text::Rules;
use std::net::IpAddr;

pub(super) fn test_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = (i * 11 + 3) as u8;
    }
    k
}

/// The redactor's sink: addresses encrypted, MACs pseudonymised.
pub(super) struct Ids {
    pub ip: IpCipher,
    pub mac: MacTable,
}

impl Ids {
    pub fn new() -> Ids {
        Ids {
            ip: IpCipher::new(&test_key()),
            mac: MacTable::default(),
        }
    }
}

impl Sink for Ids {
    fn ip(&mut self, ip: IpAddr) -> Option<IpAddr> {
        self.ip.encrypt(ip)
    }
    fn hw(&mut self, addr: &[u8]) -> Option<Vec<u8>> {
        self.mac.pseudonym(addr)
    }
    fn net(&mut self, ip: IpAddr, len: u8) -> Option<IpAddr> {
        self.ip.encrypt_net(ip, len)
    }
}

/// `text` as the redactor writes it (identities on), or with `--no-redact` (secrets only).
pub(super) fn redact(text: &str, identities: bool) -> String {
    let mut rules = Rules::with_secrets();
    let out = if identities {
        rules.rewrite(text, Some(&mut Ids::new()))
    } else {
        rules.rewrite::<Ids>(text, None)
    };
    out.unwrap_or_else(|| text.to_string())
}

/// The encryption of an address under the test key (None: kept).
pub(super) fn enc(ip: &str) -> Option<String> {
    IpCipher::new(&test_key())
        .encrypt(ip.parse().ok()?)
        .map(|a| a.to_string())
}
