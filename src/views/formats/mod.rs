//! The text formats maintainers read, rendered byte for byte like the tools print them (and parsed
//! where the tool's text is an input): `sysctl net.mptcp`, `nstat -zas`, the kernel log's splat
//! markers. Collectors render raw/ text through them; the views and the archive reuse them.

pub mod kmsg;
pub mod nstat;
pub mod sysctl;
