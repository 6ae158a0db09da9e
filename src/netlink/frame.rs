//! Netlink framing checked before neli parses a datagram. neli 0.7 computes some lengths from the
//! message with unchecked subtraction (`nl_len - 16` of a message and of the request an error echoes,
//! `payload - 4 - echoed` of an error or a dump's extended ACK): a length field smaller than its
//! header panics with overflow checks on (debug and test builds) and relies on wrap-around otherwise.
//! Found by fuzzing (fuzz/, target genl_event); `reject_malformed` peeks at each datagram and drops
//! one whose lengths do not add up, so neli only ever sees well-framed messages.

use std::io;
use std::os::fd::RawFd;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_MULTI: u16 = 2;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// Whether every message of a received datagram has lengths neli can parse without underflow: each
/// message at least a header and within the datagram; an ACK exactly its code and the header it
/// echoes; an error's echoed request aligned and within it; a multi-part DONE with a payload at least its code.
pub fn check(datagram: &[u8]) -> Result<(), String> {
    let mut rest = datagram;
    while !rest.is_empty() {
        if rest.len() < NLMSG_HDRLEN {
            return Err(format!("{} bytes after the last message", rest.len()));
        }
        let len = u32_at(rest, 0);
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let flags = u16::from_ne_bytes([rest[6], rest[7]]);
        if len < NLMSG_HDRLEN || len > rest.len() {
            return Err(format!("message length {len} outside 16..={}", rest.len()));
        }
        let payload = &rest[NLMSG_HDRLEN..len];
        let last = align4(len) >= rest.len();
        match kind {
            NLMSG_ERROR => {
                // neli reads an ACK (code 0) as the code and the echoed header only, and then takes
                // whatever follows for the next message: extended-ACK attributes after an ACK would
                // be misread, so an ACK must be exactly that. An error echoes the whole request (no
                // NETLINK_CAP_ACK here), 4-byte aligned as requests are, then extended-ACK attributes.
                if payload.len() < 4 + NLMSG_HDRLEN {
                    return Err(format!("error message of {len} bytes"));
                }
                let code = u32_at(payload, 0);
                let echoed = u32_at(payload, 4);
                if code == 0 && payload.len() != 4 + NLMSG_HDRLEN {
                    return Err(format!("ACK of {len} bytes"));
                }
                if code != 0
                    && (echoed < NLMSG_HDRLEN
                        || !echoed.is_multiple_of(4)
                        || 4 + echoed > payload.len())
                {
                    return Err(format!(
                        "error echoes a {echoed}-byte request in {} bytes",
                        payload.len() - 4
                    ));
                }
            }
            // A multi-part DONE is read as an extended ACK (its 4-byte code first), unless it is
            // empty and the datagram's last bytes.
            NLMSG_DONE
                if flags & NLM_F_MULTI != 0
                    && payload.len() < 4
                    && !(last && payload.is_empty()) =>
            {
                return Err(format!("dump end of {len} bytes"));
            }
            _ => {}
        }
        rest = &rest[align4(len).min(rest.len())..];
    }
    Ok(())
}

/// Peeks at the next datagram queued on `fd` (blocking unless the socket is non-blocking). When it is
/// malformed it is read off the socket and the reason returned; a well-formed one stays queued for
/// neli's `recv`. Errors are those of recv(2) (EAGAIN, ENOBUFS, ...).
pub fn reject_malformed(fd: RawFd) -> io::Result<Option<String>> {
    let peek = |buf: &mut [u8], flags: libc::c_int| -> io::Result<usize> {
        loop {
            // SAFETY: recv into our own buffer of the given length.
            let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    };
    // MSG_TRUNC: netlink returns the datagram's whole length however small the buffer.
    let size = peek(&mut [0u8; 1], libc::MSG_PEEK | libc::MSG_TRUNC)?;
    let mut buf = vec![0u8; size];
    let n = peek(&mut buf, libc::MSG_PEEK)?;
    match check(&buf[..n]) {
        Ok(()) => Ok(None),
        Err(why) => {
            peek(&mut buf, 0)?;
            Ok(Some(format!("malformed netlink datagram: {why}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
        let mut m = ((16 + payload.len()) as u32).to_ne_bytes().to_vec();
        m.extend_from_slice(&kind.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(payload);
        m.resize(align4(m.len()), 0);
        m
    }

    #[test]
    fn well_framed_answers_pass() {
        let mut d = msg(0x1c, NLM_F_MULTI, &[1, 1, 0, 0]);
        d.extend(msg(NLMSG_DONE, NLM_F_MULTI, &0i32.to_ne_bytes()));
        assert_eq!(check(&d), Ok(()));
        // An error echoing a 20-byte request, and a bare DONE last.
        let mut err = (-2i32).to_ne_bytes().to_vec();
        err.extend(msg(0x1c, 5, &[3, 1, 0, 0]));
        let mut d = msg(NLMSG_ERROR, 0, &err);
        d.extend(msg(NLMSG_DONE, NLM_F_MULTI, &[]));
        assert_eq!(check(&d), Ok(()));
        // An ACK echoes the header of a 40-byte request only.
        let mut ack = 0i32.to_ne_bytes().to_vec();
        ack.extend(msg(0x1c, 5, &[]));
        ack[4..8].copy_from_slice(&40u32.to_ne_bytes());
        assert_eq!(check(&msg(NLMSG_ERROR, 0, &ack)), Ok(()));
    }

    #[test]
    fn lengths_neli_would_underflow_on_are_refused() {
        // Message length below the header (fuzz/regressions/genl_event).
        let mut short = msg(0x1c, 0, &[1, 1, 0, 0]);
        short[0..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(check(&short).is_err());
        // Longer than the datagram.
        let mut long = msg(0x1c, 0, &[1, 1, 0, 0]);
        long[0..4].copy_from_slice(&64u32.to_ne_bytes());
        assert!(check(&long).is_err());
        // An error whose echoed request claims less than a header, or more than is there.
        for echoed in [4u32, 200] {
            let mut err = (-2i32).to_ne_bytes().to_vec();
            err.extend(msg(0x1c, 5, &[]));
            err[4..8].copy_from_slice(&echoed.to_ne_bytes());
            assert!(check(&msg(NLMSG_ERROR, 0, &err)).is_err(), "{echoed}");
        }
        // An ACK followed by attributes neli would read as the next message, an unaligned echo.
        let mut ack = 0i32.to_ne_bytes().to_vec();
        ack.extend(msg(0x1c, 5, &[]));
        ack.extend_from_slice(&[8, 0, 1, 0, b'h', b'i', 0, 0]);
        assert!(check(&msg(NLMSG_ERROR, 0, &ack)).is_err());
        let mut err = (-2i32).to_ne_bytes().to_vec();
        err.extend(msg(0x1c, 5, &[1, 2, 3, 4]));
        err[4..8].copy_from_slice(&19u32.to_ne_bytes());
        assert!(check(&msg(NLMSG_ERROR, 0, &err)).is_err());
        // A multi-part DONE followed by more, without its code.
        let mut d = msg(NLMSG_DONE, NLM_F_MULTI, &[]);
        d.extend(msg(0x1c, 0, &[1, 1, 0, 0]));
        assert!(check(&d).is_err());
        assert!(check(&[0; 7]).is_err());
    }

    #[test]
    fn a_malformed_datagram_is_read_off_a_well_formed_one_stays_queued() {
        let mut fds = [0; 2];
        // SAFETY: socketpair fills the two descriptors, closed below.
        let rc = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM, 0, fds.as_mut_ptr()) };
        assert_eq!(rc, 0);
        let send = |d: &[u8]| {
            // SAFETY: send of our own buffer.
            let n = unsafe { libc::send(fds[1], d.as_ptr().cast(), d.len(), 0) };
            assert_eq!(n, d.len() as isize);
        };
        let mut bad = msg(0x1c, 0, &[1, 1, 0, 0]);
        bad[0..4].copy_from_slice(&4u32.to_ne_bytes());
        let good = msg(0x1c, 0, &[1, 1, 0, 0]);
        send(&bad);
        send(&good);
        let why = reject_malformed(fds[0]).unwrap().unwrap();
        assert!(why.contains("message length 4"), "{why}");
        assert_eq!(reject_malformed(fds[0]).unwrap(), None);
        let mut buf = [0u8; 64];
        // SAFETY: recv into our own buffer.
        let n = unsafe { libc::recv(fds[0], buf.as_mut_ptr().cast(), buf.len(), 0) };
        assert_eq!(&buf[..n as usize], &good[..]);
        // SAFETY: closing the descriptors socketpair gave us.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}
