//! Every IPv6 address of the iproute2-style texts (`ss`, `ip addr/route/rule`, endpoints, monitor) is
//! written by `fmt_ip` the way iproute2 writes it: glibc's inet_ntop(3)
//! (`::2` stays `::2`; only a 96-bit zero prefix before a non-zero word, or `::ffff:`, gets the
//! dotted IPv4 tail). Checked against the C library's own inet_ntop on addresses built to hit every
//! rule: zero runs of every length and place, ties, the IPv4-compatible and -mapped forms.

use mptcp_get_debug::report::endpoint::fmt_ip;
use proptest::prelude::*;
use std::net::Ipv6Addr;

extern "C" {
    // The libc crate does not bind it: declared as POSIX gives it.
    fn inet_ntop(
        af: libc::c_int,
        src: *const libc::c_void,
        dst: *mut libc::c_char,
        size: libc::socklen_t,
    ) -> *const libc::c_char;
}

fn libc_ntop6(a: &Ipv6Addr) -> String {
    let octets = a.octets();
    let mut buf = [0 as libc::c_char; 64];
    // SAFETY: a 16-byte in6_addr and a buffer larger than INET6_ADDRSTRLEN, with its length.
    let p = unsafe {
        inet_ntop(
            libc::AF_INET6,
            octets.as_ptr().cast(),
            buf.as_mut_ptr(),
            buf.len() as libc::socklen_t,
        )
    };
    assert!(!p.is_null());
    // SAFETY: inet_ntop wrote a NUL-terminated string into buf.
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn fmt_ip_writes_what_inet_ntop_writes() {
    for a in [
        "::",
        "::1",
        "::2",
        "::ffff",
        "::1:0",
        "::0.1.0.2",
        "::1.2.3.4",
        "::ffff:1.2.3.4",
        "::ffff:0:2",
        "::1:0:0:2",
        "1::",
        "1::2",
        "1:0:0:2::3",
        "2001:db8::1",
        "fe80::1:2",
        "0:0:1::",
        "1:0:1:0:1:0:1:0",
        "::ffff:0.0.0.0",
        "64:ff9b::1.2.3.4",
    ] {
        let a: Ipv6Addr = a.parse().unwrap();
        assert_eq!(fmt_ip(&a.into()), libc_ntop6(&a), "{a:?}");
    }
}

proptest! {
    #[test]
    fn fmt_ip_agrees_with_inet_ntop(words in proptest::array::uniform8(prop_oneof![
        4 => Just(0u16), 1 => Just(1u16), 1 => Just(0xffffu16), 2 => any::<u16>(),
    ])) {
        let a = Ipv6Addr::from(words);
        prop_assert_eq!(fmt_ip(&a.into()), libc_ntop6(&a));
    }
}
