//! The answer of nlctrl's CTRL_CMD_GETFAMILY: a family's run-time id, version and multicast groups.

use super::attr::{self, GenlMsg};
use super::consts::*;

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
    for a in msg.attrs().iter() {
        let p = attr::payload(a);
        match attr::kind(a) {
            CTRL_ATTR_FAMILY_ID => {
                fam.id = attr::u16_host(p, "CTRL_ATTR_FAMILY_ID")?;
                have_id = true;
            }
            CTRL_ATTR_VERSION => fam.version = attr::u32_host(p, "CTRL_ATTR_VERSION")?,
            CTRL_ATTR_MCAST_GROUPS => {
                for grp in attr::nested(a, "CTRL_ATTR_MCAST_GROUPS")? {
                    let (mut name, mut id) = (None, None);
                    for g in attr::nested(&grp, "CTRL_ATTR_MCAST_GROUPS entry")? {
                        match attr::kind(&g) {
                            CTRL_ATTR_MCAST_GRP_NAME => {
                                name = Some(attr::string(attr::payload(&g)))
                            }
                            CTRL_ATTR_MCAST_GRP_ID => {
                                id = Some(attr::u32_host(
                                    attr::payload(&g),
                                    "CTRL_ATTR_MCAST_GRP_ID",
                                )?)
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
