//! The commands: thin orchestrators, one per mode (collect, reproduce, list, show, merge, diff,
//! unredact, check, generate). Nothing imports them but main.

pub mod reproduce;
