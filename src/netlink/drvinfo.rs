//! An interface's driver and bus address (`ethtool -i`), from the ETHTOOL_GDRVINFO ioctl: ethtool
//! netlink has no driver-info message, and sysfs (/sys/class/net) shows the network namespace that
//! mounted it, not the one the calling thread entered, so for other namespaces the ioctl on a socket
//! of the thread's namespace is the reliable source.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

// include/uapi/linux/sockios.h and ethtool.h
const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GDRVINFO: u32 = 0x0000_0003;
/// sizeof(struct ethtool_drvinfo).
pub const DRVINFO_LEN: usize = 196;
const IFNAMSIZ: usize = 16;

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

/// A datagram socket of the calling thread's network namespace, for interface ioctls.
pub struct IoctlSocket(OwnedFd);

impl IoctlSocket {
    pub fn open() -> io::Result<IoctlSocket> {
        for family in [libc::AF_INET, libc::AF_INET6, libc::AF_UNIX] {
            // SAFETY: plain socket(2); the fd is owned right away.
            let fd = unsafe { libc::socket(family, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
            if fd >= 0 {
                // SAFETY: fd is a fresh descriptor nobody else owns.
                return Ok(IoctlSocket(unsafe { OwnedFd::from_raw_fd(fd) }));
            }
        }
        Err(io::Error::last_os_error())
    }

    /// The driver info of interface `name` (EOPNOTSUPP for devices without one, such as `lo`).
    pub fn drvinfo(&self, name: &str) -> io::Result<DrvInfo> {
        if name.is_empty() || name.len() >= IFNAMSIZ || name.contains('\0') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "bad interface name",
            ));
        }
        let mut info = [0u8; DRVINFO_LEN];
        info[..4].copy_from_slice(&ETHTOOL_GDRVINFO.to_ne_bytes());
        // struct ifreq: the name, then a union whose ifr_data member points at the request.
        #[repr(C)]
        struct IfReq {
            name: [u8; IFNAMSIZ],
            data: *mut libc::c_void,
            _pad: [u8; 16],
        }
        let mut req = IfReq {
            name: [0; IFNAMSIZ],
            data: info.as_mut_ptr().cast(),
            _pad: [0; 16],
        };
        req.name[..name.len()].copy_from_slice(name.as_bytes());
        // SAFETY: SIOCETHTOOL reads the name and writes at most DRVINFO_LEN bytes through `data`,
        // which points at `info`; both outlive the call.
        let rc = unsafe { libc::ioctl(self.0.as_raw_fd(), SIOCETHTOOL as _, &mut req) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
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
