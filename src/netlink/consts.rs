//! Kernel constants for netlink, nlctrl and mptcp_pm, spelled as in the uapi headers
//! (linux/netlink.h, linux/genetlink.h, linux/mptcp.h, linux/mptcp_pm.h) so they can be grepped.

#![allow(dead_code)]

// linux/netlink.h
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_MULTI: u16 = 0x2;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_CAPPED: u16 = 0x100;
pub const NLM_F_ACK_TLVS: u16 = 0x200;
pub const NLMSG_NOOP: u16 = 0x1;
pub const NLMSG_ERROR: u16 = 0x2;
pub const NLMSG_DONE: u16 = 0x3;
pub const NLMSG_OVERRUN: u16 = 0x4;
pub const NLMSGERR_ATTR_MSG: u16 = 1;
pub const NLA_F_NESTED: u16 = 1 << 15;
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);
pub const NLMSG_HDRLEN: usize = 16;
pub const GENL_HDRLEN: usize = 4;

// linux/genetlink.h
pub const GENL_ID_CTRL: u16 = 0x10;
pub const CTRL_CMD_GETFAMILY: u8 = 3;
pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;
pub const CTRL_ATTR_VERSION: u16 = 3;
pub const CTRL_ATTR_MCAST_GROUPS: u16 = 7;
pub const CTRL_ATTR_MCAST_GRP_NAME: u16 = 1;
pub const CTRL_ATTR_MCAST_GRP_ID: u16 = 2;

// linux/mptcp_pm.h
pub const MPTCP_PM_NAME: &str = "mptcp_pm";
pub const MPTCP_PM_VER: u8 = 1;
pub const MPTCP_PM_CMD_GRP_NAME: &str = "mptcp_pm_cmds";
pub const MPTCP_PM_EV_GRP_NAME: &str = "mptcp_pm_events";

pub const MPTCP_PM_CMD_ADD_ADDR: u8 = 1;
pub const MPTCP_PM_CMD_DEL_ADDR: u8 = 2;
pub const MPTCP_PM_CMD_GET_ADDR: u8 = 3;
pub const MPTCP_PM_CMD_FLUSH_ADDRS: u8 = 4;
pub const MPTCP_PM_CMD_SET_LIMITS: u8 = 5;
pub const MPTCP_PM_CMD_GET_LIMITS: u8 = 6;
pub const MPTCP_PM_CMD_SET_FLAGS: u8 = 7;

pub const MPTCP_PM_ATTR_ADDR: u16 = 1;
pub const MPTCP_PM_ATTR_RCV_ADD_ADDRS: u16 = 2;
pub const MPTCP_PM_ATTR_SUBFLOWS: u16 = 3;
pub const MPTCP_PM_ATTR_TOKEN: u16 = 4;
pub const MPTCP_PM_ATTR_LOC_ID: u16 = 5;
pub const MPTCP_PM_ATTR_ADDR_REMOTE: u16 = 6;

pub const MPTCP_PM_ADDR_ATTR_FAMILY: u16 = 1;
pub const MPTCP_PM_ADDR_ATTR_ID: u16 = 2;
pub const MPTCP_PM_ADDR_ATTR_ADDR4: u16 = 3;
pub const MPTCP_PM_ADDR_ATTR_ADDR6: u16 = 4;
pub const MPTCP_PM_ADDR_ATTR_PORT: u16 = 5;
pub const MPTCP_PM_ADDR_ATTR_FLAGS: u16 = 6;
pub const MPTCP_PM_ADDR_ATTR_IF_IDX: u16 = 7;

// Events (linux/mptcp_pm.h enum mptcp_event_type / mptcp_event_attr).
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
