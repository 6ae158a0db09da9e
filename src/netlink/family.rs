//! The answer of nlctrl's CTRL_CMD_GETFAMILY: a family's run-time id, version and multicast groups.
//! Decoded here over the shared attribute vocabulary rather than with netlink-packet-generic's
//! `GenlCtrl`, which refuses a whole answer carrying a CTRL_ATTR_* it does not know (a newer kernel's).

use super::genl::GenlMsg;
use super::nla::{self, attrs, pairs, value};
use netlink_packet_generic::constants::{
    CTRL_ATTR_FAMILY_ID, CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME,
    CTRL_ATTR_VERSION,
};

/// A generic netlink family as nlctrl describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub id: u16,
    pub version: u32,
    /// Multicast groups: (name, id).
    pub groups: Vec<(String, u32)>,
}

impl Family {
    pub fn group(&self, name: &str) -> Option<u32> {
        self.groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }
}

/// Decodes nlctrl's CTRL_CMD_NEWFAMILY answer.
pub fn parse_family(msg: &GenlMsg) -> Result<Family, String> {
    let mut fam = Family {
        id: 0,
        version: 0,
        groups: Vec::new(),
    };
    let mut have_id = false;
    for (kind, p) in pairs(&msg.attrs) {
        match kind {
            CTRL_ATTR_FAMILY_ID => {
                fam.id = nla::u16_host(p, "CTRL_ATTR_FAMILY_ID")?;
                have_id = true;
            }
            CTRL_ATTR_VERSION => fam.version = nla::u32_host(p, "CTRL_ATTR_VERSION")?,
            CTRL_ATTR_MCAST_GROUPS => {
                for grp in attrs(p) {
                    let (mut name, mut id) = (None, None);
                    for (k, g) in pairs(value(&grp)) {
                        match k {
                            CTRL_ATTR_MCAST_GRP_NAME => name = Some(nla::string(g)),
                            CTRL_ATTR_MCAST_GRP_ID => {
                                id = Some(nla::u32_host(g, "CTRL_ATTR_MCAST_GRP_ID")?)
                            }
                            _ => {}
                        }
                    }
                    if let (Some(n), Some(i)) = (name, id) {
                        fam.groups.push((n, i));
                    }
                }
            }
            _ => {}
        }
    }
    if !have_id {
        return Err("answer without a family id".into());
    }
    Ok(fam)
}
