//! An interface's driver and bus address (`ethtool -i`), from the ETHTOOL_GDRVINFO ioctl (made in
//! `sys::nlsock`): ethtool netlink has no driver-info message, and sysfs (/sys/class/net) shows the
//! network namespace that mounted it, not the one the calling thread entered, so for other
//! namespaces the ioctl on a socket of the thread's namespace is the reliable source.

use crate::sys::nlsock::ethtool_drvinfo;
pub use crate::sys::nlsock::DRVINFO_LEN;
use std::io;
use std::os::fd::AsFd;

/// What the driver says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DrvInfo {
    pub driver: String,
    pub version: String,
    pub fw_version: String,
    pub bus_info: String,
}

/// Decodes `struct ethtool_drvinfo` (cmd, then 32-byte NUL-padded driver, version, fw_version,
/// bus_info fields).
pub fn decode_drvinfo(b: &[u8]) -> Option<DrvInfo> {
    let field = |at: usize| -> Option<String> {
        let f = b.get(at..at + 32)?;
        let end = f.iter().position(|&c| c == 0).unwrap_or(f.len());
        Some(String::from_utf8_lossy(&f[..end]).trim().to_string())
    };
    Some(DrvInfo {
        driver: field(4)?,
        version: field(36)?,
        fw_version: field(68)?,
        bus_info: field(100)?,
    })
}

/// A socket of the calling thread's network namespace for interface ioctls: a generic netlink one,
/// as ethtool(8) falls back to (the kernel answers SIOCETHTOOL on sockets of every family).
pub struct IoctlSocket(netlink_sys::Socket);

impl IoctlSocket {
    pub fn open() -> io::Result<IoctlSocket> {
        netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_GENERIC).map(IoctlSocket)
    }

    /// The driver info of interface `name` (EOPNOTSUPP for devices without one, such as `lo`).
    pub fn drvinfo(&self, name: &str) -> io::Result<DrvInfo> {
        let info = ethtool_drvinfo(self.0.as_fd(), name)?;
        decode_drvinfo(&info).ok_or_else(|| io::Error::other("short ethtool_drvinfo"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_struct_and_rejects_short_input() {
        let mut b = vec![0u8; DRVINFO_LEN];
        b[4..14].copy_from_slice(b"virtio_net");
        b[36..41].copy_from_slice(b"1.0.0");
        b[100..112].copy_from_slice(b"0000:00:03.0");
        let d = decode_drvinfo(&b).unwrap();
        assert_eq!(d.driver, "virtio_net");
        assert_eq!(d.version, "1.0.0");
        assert_eq!(d.fw_version, "");
        assert_eq!(d.bus_info, "0000:00:03.0");
        assert!(decode_drvinfo(&b[..120]).is_none());
    }

    #[test]
    fn loopback_has_no_driver_info_and_bad_names_are_refused() {
        let s = IoctlSocket::open().unwrap();
        assert!(s.drvinfo("lo").is_err());
        assert!(s.drvinfo("a-name-longer-than-ifnamsiz").is_err());
        assert!(s.drvinfo("").is_err());
    }
}
