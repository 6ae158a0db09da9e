//! The text formats maintainers read, rendered byte for byte like the tools print them (and parsed
//! where the tool's text is an input): `ip mptcp endpoint/limits show` and `ip mptcp monitor`
//! (iproute, monitor), `ss -ManiH` (ss, with ss's column layout replayed in ss_layout) and the
//! sockets-at-a-glance lines of the summary (ss_summary), `sysctl net.mptcp`, `nstat -zas`, the kernel
//! log's splat markers. All from the report's types: collectors render raw/ text through them; the
//! views and the archive reuse them. (Route netlink's `ip addr/route/rule` text is rendered from
//! protocol messages, so it lives in collect/rtnl_text.)

pub mod iproute;
pub mod kmsg;
pub mod monitor;
pub mod nstat;
pub mod ss;
mod ss_layout;
pub mod ss_summary;
pub mod sysctl;
