//! The fixed never-read list: paths whose content is a secret (password hashes, private keys, a
//! process's environment or memory, keyrings, Wi-Fi/VPN secrets) or a permanent identity (the machine
//! id). It is code, not configuration: no spec can override it. The sealed reader applies it to the
//! path asked for *and* to the path it resolved to, so a link cannot smuggle one in; spec loading
//! rejects a spec that names one.
//!
//! Paths are target-system paths (absolute, as seen inside the root), compared lexically after `.`,
//! `..` and repeated slashes are folded.

/// Why a path is never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    PasswordHashes,
    ProcessMemory,
    KernelMemory,
    SshKeys,
    PrivateKeys,
    Keyrings,
    NetworkSecrets,
    MachineId,
    /// NetworkManager connection profiles: they hold psk/password keys, so only the keyfile reader,
    /// which keeps an allowlist of keys, may open them (never copied raw).
    NmProfiles,
}

impl Class {
    pub fn why(self) -> &'static str {
        match self {
            Class::PasswordHashes => "password hashes",
            Class::ProcessMemory => "a process's environment or memory",
            Class::KernelMemory => "kernel memory or the kernel log's consuming reader",
            Class::SshKeys => "SSH keys and trust files",
            Class::PrivateKeys => "private keys",
            Class::Keyrings => "keyrings and secret-agent stores",
            Class::NetworkSecrets => "Wi-Fi, VPN or NetworkManager secrets",
            Class::MachineId => "the machine's permanent identifier",
            Class::NmProfiles => {
                "NetworkManager profiles with secrets (read only through the keyfile allowlist)"
            }
        }
    }
}

/// Lexical components of an absolute path: `.` and empty components dropped, `..` climbs but never
/// above `/` (as the sealed reader resolves it).
pub fn components(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `shadow`, `gshadow` and their backups (`shadow-`, `shadow.bak`, `shadow~`, `gshadow.old`, ...), anywhere
/// (Debian keeps copies in /var/backups).
fn shadow_name(name: &str) -> bool {
    ["shadow", "gshadow"].iter().any(|base| {
        name.strip_prefix(base)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphanumeric()))
    })
}

/// Private SSH key file names (the `.pub` halves are public).
const SSH_KEY_NAMES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_ecdsa_sk",
    "id_ed25519_sk",
    "id_xmss",
    "identity",
];

/// Extensions of private keys and key bundles (compared without case). `.pem` files that hold only a
/// certificate are refused too: nothing MPTCP needs is in one, and telling them apart means reading.
const KEY_EXTENSIONS: &[&str] = &["key", "pem", "p12", "pfx", "keytab"];

/// Directories whose whole content is secret.
const SECRET_DIRS: &[(&[&str], Class)] = &[
    (&["etc", "tcb"], Class::PasswordHashes),
    (&["etc", "security", "opasswd"], Class::PasswordHashes),
    (&["etc", "ssl", "private"], Class::PrivateKeys),
    (&["etc", "pki", "tls", "private"], Class::PrivateKeys),
    (&["etc", "ipsec.d", "private"], Class::PrivateKeys),
    (&["etc", "swanctl", "private"], Class::PrivateKeys),
    (&["etc", "swanctl", "rsa"], Class::PrivateKeys),
    (&["etc", "swanctl", "ecdsa"], Class::PrivateKeys),
    (&["etc", "swanctl", "pkcs8"], Class::PrivateKeys),
    (&["etc", "swanctl", "pkcs12"], Class::PrivateKeys),
    (&["etc", "ipsec.secrets"], Class::NetworkSecrets),
    (&["etc", "wireguard"], Class::NetworkSecrets),
    (&["etc", "wpa_supplicant"], Class::NetworkSecrets),
    (&["etc", "ppp", "chap-secrets"], Class::NetworkSecrets),
    (&["etc", "ppp", "pap-secrets"], Class::NetworkSecrets),
    (&["var", "lib", "iwd"], Class::NetworkSecrets),
    (&["var", "lib", "connman"], Class::NetworkSecrets),
    (
        &["var", "lib", "NetworkManager", "secret_key"],
        Class::NetworkSecrets,
    ),
    (&["etc", "machine-id"], Class::MachineId),
    (&["var", "lib", "dbus", "machine-id"], Class::MachineId),
    (
        &["etc", "NetworkManager", "system-connections"],
        Class::NmProfiles,
    ),
    (
        &["run", "NetworkManager", "system-connections"],
        Class::NmProfiles,
    ),
    (
        &["usr", "lib", "NetworkManager", "system-connections"],
        Class::NmProfiles,
    ),
];

/// Component sequences that mark a secret store wherever they appear (home directories are anywhere).
const SECRET_STORES: &[(&[&str], Class)] = &[
    (&[".ssh"], Class::SshKeys),
    (&[".gnupg"], Class::PrivateKeys),
    (&[".local", "share", "keyrings"], Class::Keyrings),
    (&[".local", "share", "kwalletd"], Class::Keyrings),
    (&["share", "apps", "kwallet"], Class::Keyrings),
    (&[".password-store"], Class::Keyrings),
];

/// The class that keeps `path` from ever being read, if any.
pub fn classify(path: &str) -> Option<Class> {
    let c = components(path);
    let name = c.last().copied().unwrap_or("");
    let under = |prefix: &[&str]| c.len() >= prefix.len() && c[..prefix.len()] == *prefix;
    if shadow_name(name) {
        return Some(Class::PasswordHashes);
    }
    if c.first() == Some(&"proc") {
        if c.len() == 2 && matches!(name, "kcore" | "kmsg") {
            return Some(Class::KernelMemory);
        }
        // /proc/PID/environ, /proc/self/mem, /proc/PID/task/TID/environ, ...
        if c.len() >= 3 && matches!(name, "environ" | "mem") {
            return Some(Class::ProcessMemory);
        }
    }
    if let Some((_, class)) = SECRET_DIRS.iter().find(|(p, _)| under(p)) {
        return Some(*class);
    }
    if let Some((_, class)) = SECRET_STORES
        .iter()
        .find(|(seq, _)| c.windows(seq.len()).any(|w| w == *seq))
    {
        return Some(*class);
    }
    if SSH_KEY_NAMES.contains(&name)
        || (under(&["etc", "ssh"]) && name.starts_with("ssh_host_") && !name.ends_with(".pub"))
    {
        return Some(Class::SshKeys);
    }
    if let Some((_, ext)) = name.rsplit_once('.') {
        if KEY_EXTENSIONS.iter().any(|k| k.eq_ignore_ascii_case(ext)) {
            return Some(Class::PrivateKeys);
        }
    }
    if under(&["etc", "sysconfig", "network-scripts"]) && name.starts_with("keys-") {
        return Some(Class::NetworkSecrets);
    }
    None
}

/// Every path-looking word of a command line or environment value (`/etc/x`, `--file=/etc/x`,
/// `-f/etc/x`, `cat /etc/x` in an `sh -c` script, `~/.ssh/id_rsa`), for rejecting specs that would
/// read one.
pub fn paths_in(arg: &str) -> impl Iterator<Item = String> + '_ {
    let separators = |c: char| c.is_whitespace() || "=:,;\"'<>|&()`$".contains(c);
    arg.split(separators).filter_map(|w| {
        if let Some(rest) = w.strip_prefix('~') {
            return Some(format!("/home/user/{rest}"));
        }
        w.find('/').map(|i| w[i..].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_recognised() {
        let never = [
            ("/etc/shadow", Class::PasswordHashes),
            ("/etc/gshadow", Class::PasswordHashes),
            ("/etc/shadow-", Class::PasswordHashes),
            ("/etc/gshadow-", Class::PasswordHashes),
            ("/etc/shadow.bak", Class::PasswordHashes),
            ("/etc/shadow~", Class::PasswordHashes),
            ("/var/backups/gshadow.bak", Class::PasswordHashes),
            ("/etc/tcb/alice/shadow", Class::PasswordHashes),
            ("/etc/security/opasswd", Class::PasswordHashes),
            ("/proc/self/environ", Class::ProcessMemory),
            ("/proc/1/environ", Class::ProcessMemory),
            ("/proc/thread-self/mem", Class::ProcessMemory),
            ("/proc/12/task/13/environ", Class::ProcessMemory),
            ("/proc/kcore", Class::KernelMemory),
            ("/proc/kmsg", Class::KernelMemory),
            ("/etc/ssh/ssh_host_ed25519_key", Class::SshKeys),
            ("/etc/ssh/ssh_host_key", Class::SshKeys),
            ("/root/.ssh/id_rsa", Class::SshKeys),
            ("/home/alice/.ssh/authorized_keys", Class::SshKeys),
            ("/home/alice/.ssh", Class::SshKeys),
            ("/srv/backup/id_ed25519", Class::SshKeys),
            ("/etc/ssl/private", Class::PrivateKeys),
            ("/etc/ssl/private/x.crt", Class::PrivateKeys),
            ("/etc/pki/tls/private/server.crt", Class::PrivateKeys),
            ("/opt/vpn/client.key", Class::PrivateKeys),
            ("/opt/vpn/client.KEY", Class::PrivateKeys),
            ("/etc/letsencrypt/live/x/privkey.pem", Class::PrivateKeys),
            ("/etc/krb5.keytab", Class::PrivateKeys),
            ("/root/.gnupg/private-keys-v1.d/a", Class::PrivateKeys),
            (
                "/home/a/.local/share/keyrings/login.keyring",
                Class::Keyrings,
            ),
            (
                "/home/a/.local/share/kwalletd/kdewallet.kwl",
                Class::Keyrings,
            ),
            ("/home/a/.kde4/share/apps/kwallet/w.kwl", Class::Keyrings),
            ("/etc/wireguard/wg0.conf", Class::NetworkSecrets),
            ("/var/lib/iwd/home.psk", Class::NetworkSecrets),
            (
                "/etc/wpa_supplicant/wpa_supplicant.conf",
                Class::NetworkSecrets,
            ),
            ("/var/lib/NetworkManager/secret_key", Class::NetworkSecrets),
            ("/etc/ipsec.secrets", Class::NetworkSecrets),
            (
                "/etc/sysconfig/network-scripts/keys-wifi",
                Class::NetworkSecrets,
            ),
            ("/etc/machine-id", Class::MachineId),
            ("/var/lib/dbus/machine-id", Class::MachineId),
            (
                "/etc/NetworkManager/system-connections/a.nmconnection",
                Class::NmProfiles,
            ),
        ];
        for (p, class) in never {
            assert_eq!(classify(p), Some(class), "{p}");
        }
    }

    #[test]
    fn lexical_tricks_do_not_hide_a_path() {
        for p in [
            "/etc//shadow",
            "/etc/./shadow",
            "/usr/../etc/shadow",
            "/../../etc/shadow",
            "etc/shadow",
            "/proc/self/../self/environ",
        ] {
            assert!(classify(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ordinary_files_are_read() {
        for p in [
            "/etc/os-release",
            "/etc/passwd",
            "/etc/ssh/sshd_config",
            "/etc/ssh/ssh_host_ed25519_key.pub",
            "/home/alice/.ssh.txt",
            "/etc/shadowsocks.json",
            "/proc/meminfo",
            "/proc/net/netstat",
            "/proc/sys/net/ipv4/tcp_mem",
            "/proc/self/status",
            "/proc/thread-self/net/netstat",
            "/usr/share/keyrings/debian-archive-keyring.gpg",
            "/etc/NetworkManager/NetworkManager.conf",
            "/etc/NetworkManager/conf.d/mptcp.conf",
            "/etc/mptcpd/mptcpd.conf",
            "/proc/config.gz",
            "/proc/sys/kernel/hostname",
            "/",
        ] {
            assert_eq!(classify(p), None, "{p}");
        }
    }

    #[test]
    fn paths_in_command_words() {
        let found: Vec<String> =
            paths_in("cat /etc/shadow --key=/a/b.key -f/x/y ~/.ssh/id_rsa x").collect();
        assert_eq!(
            found,
            ["/etc/shadow", "/a/b.key", "/x/y", "/home/user//.ssh/id_rsa"]
        );
    }
}
