//! From netlink's protocol messages to the report's types: endpoints, limits and events (pm), links
//! (links), MPTCP sockets with their subflows grouped (sockets) and their info structs (info). Netlink keeps what this build does
//! not know as raw attributes; here it goes into the report (`unknown_attrs`), never dropped.

pub mod info;
pub mod links;
pub mod pm;
pub mod sockets;
pub mod subflow_store;
