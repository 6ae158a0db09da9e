//! The sockets the self-test uses: an MPTCP stream socket (socket(2) with IPPROTO_MPTCP, by rustix
//! like every plain socket call), its MPTCP_INFO, and an interface's flags. rustix and socket2 have no
//! wrapper for getsockopt(SOL_MPTCP, MPTCP_INFO) nor for SIOCGIFFLAGS, so those two calls are the
//! `unsafe` blocks here, each filling a buffer of ours whose size the kernel is told.

use rustix::net::{ipproto, AddressFamily, SocketFlags, SocketType};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

const SOL_MPTCP: libc::c_int = 284;
const MPTCP_INFO: libc::c_int = 1;
/// struct mptcp_info: six u8 counters, a 2-byte hole, then the u32 flags.
const INFO_FLAGS_OFFSET: usize = 8;
/// MPTCP_INFO_FLAG_FALLBACK: the connection fell back to plain TCP.
pub const INFO_FLAG_FALLBACK: u32 = 1;

/// A non-blocking IPv4 MPTCP stream socket. EPROTONOSUPPORT: a kernel without MPTCP; ENOPROTOOPT:
/// net.mptcp.enabled = 0.
pub fn mptcp_stream() -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        AddressFamily::INET,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        Some(ipproto::MPTCP),
    )?)
}

/// The `flags` of the socket's struct mptcp_info (MPTCP_INFO_FLAG_*).
pub fn mptcp_info_flags(sock: impl AsFd) -> io::Result<u32> {
    let mut info = [0u8; 256];
    let mut len = info.len() as libc::socklen_t;
    // SAFETY: `info` is writable for `len` bytes and `len` is a live socklen_t; the kernel copies at
    // most `len` bytes and stores the length it copied.
    let rc = unsafe {
        libc::getsockopt(
            sock.as_fd().as_raw_fd(),
            SOL_MPTCP,
            MPTCP_INFO,
            info.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    let flags = info
        .get(INFO_FLAGS_OFFSET..INFO_FLAGS_OFFSET + 4)
        .filter(|_| len as usize >= INFO_FLAGS_OFFSET + 4)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("MPTCP_INFO returned only {len} bytes"),
            )
        })?;
    Ok(u32::from_ne_bytes(flags.try_into().expect("4 bytes")))
}

/// Whether interface `name` is up (IFF_UP) in the calling thread's network namespace.
pub fn interface_up(name: &str) -> io::Result<bool> {
    let sock = rustix::net::socket_with(
        AddressFamily::INET,
        SocketType::DGRAM,
        SocketFlags::CLOEXEC,
        None,
    )?;
    if name.len() >= libc::IFNAMSIZ || name.contains('\0') {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: ifreq is plain data (a name array and a union of integers and pointers), so all-zero
    // is a valid value; the name copied in is shorter than the array, so it stays NUL-terminated.
    // SIOCGIFFLAGS reads that name and writes the flags member of the live, writable ifreq, which is
    // then the member read.
    let flags = unsafe {
        let mut req: libc::ifreq = std::mem::zeroed();
        for (d, s) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *d = s as libc::c_char;
        }
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags
    };
    Ok(flags as libc::c_int & libc::IFF_UP != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_known_and_names_are_checked() {
        // Up in the namespace the tests run in (the VM's own, or a CI container's).
        assert!(interface_up("lo").unwrap());
        assert_eq!(
            interface_up("no-such-if0").unwrap_err().raw_os_error(),
            Some(libc::ENODEV)
        );
        assert!(interface_up("a-name-longer-than-ifnamsiz").is_err());
    }
}
