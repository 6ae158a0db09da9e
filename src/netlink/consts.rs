//! Kernel constants of the `mptcp_pm` generic netlink family, spelled exactly as in
//! include/uapi/linux/mptcp.h and mptcp_pm.h so they can be grepped against the headers (nlctrl's come
//! from netlink-packet-generic). Typed views live in `mptcp_pm.rs` and `event.rs`.

#![allow(missing_docs)]

pub const MPTCP_PM_NAME: &str = "mptcp_pm";
pub const MPTCP_PM_VER: u8 = 1;
pub const MPTCP_PM_CMD_GRP_NAME: &str = "mptcp_pm_cmds";
pub const MPTCP_PM_EV_GRP_NAME: &str = "mptcp_pm_events";

// enum mptcp_pm_cmd (commands; events reuse the cmd byte with enum mptcp_event_type).
pub const MPTCP_PM_CMD_ADD_ADDR: u8 = 1;
pub const MPTCP_PM_CMD_DEL_ADDR: u8 = 2;
pub const MPTCP_PM_CMD_GET_ADDR: u8 = 3;
pub const MPTCP_PM_CMD_FLUSH_ADDRS: u8 = 4;
pub const MPTCP_PM_CMD_SET_LIMITS: u8 = 5;
pub const MPTCP_PM_CMD_GET_LIMITS: u8 = 6;
pub const MPTCP_PM_CMD_SET_FLAGS: u8 = 7;

// enum mptcp_pm_attrs (top level of commands).
pub const MPTCP_PM_ATTR_ADDR: u16 = 1;
pub const MPTCP_PM_ATTR_RCV_ADD_ADDRS: u16 = 2;
pub const MPTCP_PM_ATTR_SUBFLOWS: u16 = 3;
pub const MPTCP_PM_ATTR_TOKEN: u16 = 4;
pub const MPTCP_PM_ATTR_LOC_ID: u16 = 5;
pub const MPTCP_PM_ATTR_ADDR_REMOTE: u16 = 6;

// enum mptcp_pm_addr_attrs (inside MPTCP_PM_ATTR_ADDR).
pub const MPTCP_PM_ADDR_ATTR_FAMILY: u16 = 1;
pub const MPTCP_PM_ADDR_ATTR_ID: u16 = 2;
pub const MPTCP_PM_ADDR_ATTR_ADDR4: u16 = 3;
pub const MPTCP_PM_ADDR_ATTR_ADDR6: u16 = 4;
pub const MPTCP_PM_ADDR_ATTR_PORT: u16 = 5;
pub const MPTCP_PM_ADDR_ATTR_FLAGS: u16 = 6;
pub const MPTCP_PM_ADDR_ATTR_IF_IDX: u16 = 7;

// enum mptcp_event_type.
pub const MPTCP_EVENT_CREATED: u8 = 1;
pub const MPTCP_EVENT_ESTABLISHED: u8 = 2;
pub const MPTCP_EVENT_CLOSED: u8 = 3;
pub const MPTCP_EVENT_ANNOUNCED: u8 = 6;
pub const MPTCP_EVENT_REMOVED: u8 = 7;
pub const MPTCP_EVENT_SUB_ESTABLISHED: u8 = 10;
pub const MPTCP_EVENT_SUB_CLOSED: u8 = 11;
pub const MPTCP_EVENT_SUB_PRIORITY: u8 = 13;
pub const MPTCP_EVENT_LISTENER_CREATED: u8 = 15;
pub const MPTCP_EVENT_LISTENER_CLOSED: u8 = 16;

// enum mptcp_event_attr.
pub const MPTCP_ATTR_TOKEN: u16 = 1;
pub const MPTCP_ATTR_FAMILY: u16 = 2;
pub const MPTCP_ATTR_LOC_ID: u16 = 3;
pub const MPTCP_ATTR_REM_ID: u16 = 4;
pub const MPTCP_ATTR_SADDR4: u16 = 5;
pub const MPTCP_ATTR_SADDR6: u16 = 6;
pub const MPTCP_ATTR_DADDR4: u16 = 7;
pub const MPTCP_ATTR_DADDR6: u16 = 8;
pub const MPTCP_ATTR_SPORT: u16 = 9;
pub const MPTCP_ATTR_DPORT: u16 = 10;
pub const MPTCP_ATTR_BACKUP: u16 = 11;
pub const MPTCP_ATTR_ERROR: u16 = 12;
pub const MPTCP_ATTR_FLAGS: u16 = 13;
pub const MPTCP_ATTR_TIMEOUT: u16 = 14;
pub const MPTCP_ATTR_IF_IDX: u16 = 15;
pub const MPTCP_ATTR_RESET_REASON: u16 = 16;
pub const MPTCP_ATTR_RESET_FLAGS: u16 = 17;
pub const MPTCP_ATTR_SERVER_SIDE: u16 = 18;

// MPTCP_ATTR_FLAGS bits.
pub const MPTCP_PM_EV_FLAG_DENY_JOIN_ID0: u16 = 1 << 0;
pub const MPTCP_PM_EV_FLAG_SERVER_SIDE: u16 = 1 << 1;

// MPTCP_PM_ADDR_FLAG_* (endpoint flags).
pub const MPTCP_PM_ADDR_FLAG_SIGNAL: u32 = 1 << 0;
pub const MPTCP_PM_ADDR_FLAG_SUBFLOW: u32 = 1 << 1;
pub const MPTCP_PM_ADDR_FLAG_BACKUP: u32 = 1 << 2;
pub const MPTCP_PM_ADDR_FLAG_FULLMESH: u32 = 1 << 3;
pub const MPTCP_PM_ADDR_FLAG_IMPLICIT: u32 = 1 << 4;
pub const MPTCP_PM_ADDR_FLAG_LAMINAR: u32 = 1 << 5;
