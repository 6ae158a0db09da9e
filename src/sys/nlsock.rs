//! The few socket calls the netlink layer needs that its crate (netlink-sys) does not offer, behind
//! a safe API: a receive buffer past net.core.rmem_max (SO_RCVBUFFORCE, by rustix), the count of
//! messages the kernel dropped for a socket (SO_MEMINFO) and an interface's driver info (the
//! SIOCETHTOOL ioctl; ethtool netlink has no driver-info message). rustix wraps neither of the last
//! two, so they are the `unsafe` blocks here, each filling a buffer of ours whose size the kernel is
//! told. Each call takes a descriptor the caller owns.

use rustix::net::sockopt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// SO_MEMINFO from asm-generic/socket.h (x86, arm, riscv, ...).
const SO_MEMINFO: libc::c_int = 55;
/// include/uapi/linux/sockios.h and ethtool.h.
const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GDRVINFO: u32 = 0x0000_0003;
/// sizeof(struct ethtool_drvinfo).
pub const DRVINFO_LEN: usize = 196;
const IFNAMSIZ: usize = 16;

/// getsockopt(SOL_SOCKET, `name`) into `out`; the number of bytes the kernel wrote.
fn getsockopt_ints(fd: BorrowedFd, name: libc::c_int, out: &mut [u32]) -> io::Result<usize> {
    let mut len = std::mem::size_of_val(out) as libc::socklen_t;
    // SAFETY: `out` is writable for `len` bytes and the kernel writes at most `len`; fd is open.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            out.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(len as usize)
}

/// Asks for a receive buffer of `bytes` (the kernel doubles it): SO_RCVBUFFORCE goes past
/// net.core.rmem_max (needs CAP_NET_ADMIN); without it SO_RCVBUF, capped by rmem_max.
pub fn set_rcvbuf(fd: BorrowedFd, bytes: usize) -> io::Result<()> {
    let bytes = bytes.min(i32::MAX as usize);
    sockopt::set_socket_recv_buffer_size_force(fd, bytes)
        .or_else(|_| sockopt::set_socket_recv_buffer_size(fd, bytes))
        .map_err(io::Error::from)
}

/// Messages the kernel dropped for this socket (receive buffer full); None when the kernel does not
/// say (before 4.12).
pub fn dropped(fd: BorrowedFd) -> Option<u64> {
    let mut mem = [0u32; 16];
    let len = getsockopt_ints(fd, SO_MEMINFO, &mut mem).ok()?;
    let idx = libc::SK_MEMINFO_DROPS as usize;
    (len > idx * 4).then(|| u64::from(mem[idx]))
}

/// `struct ethtool_drvinfo` of interface `name` (ETHTOOL_GDRVINFO), asked on `fd`: any socket of the
/// calling thread's namespace will do, the kernel answers socket ioctls for every family (ethtool(8)
/// itself falls back to a netlink socket). EOPNOTSUPP for devices without a driver, such as `lo`.
pub fn ethtool_drvinfo(fd: BorrowedFd, name: &str) -> io::Result<[u8; DRVINFO_LEN]> {
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
    // SAFETY: SIOCETHTOOL reads the NUL-terminated name and writes at most DRVINFO_LEN bytes through
    // `data`, which points at `info`; both outlive the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), SIOCETHTOOL as _, &mut req) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn options_on_a_socket_of_ours() {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        set_rcvbuf(s.as_fd(), 1 << 16).unwrap();
        // Kernels since 4.12 count drops; nothing was dropped here.
        assert_eq!(dropped(s.as_fd()), Some(0));
        assert!(ethtool_drvinfo(s.as_fd(), "lo").is_err());
        assert!(ethtool_drvinfo(s.as_fd(), "a-name-longer-than-ifnamsiz").is_err());
        assert!(ethtool_drvinfo(s.as_fd(), "").is_err());
    }
}
