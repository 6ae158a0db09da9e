//! The typed kind of a section: which facts its collector gives. Views and triage find a section by
//! this kind (`report.section(Facts::Interfaces, ns)`), never by a collector's name, so a collector
//! can be renamed or overridden by a drop-in spec without a view noticing, and a section that gave
//! nothing (skipped, failed) is still found, to say why.

use super::{Data, Report, Section};
use serde::{Deserialize, Serialize};

/// One kind per typed facts type (`Data` variant).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Facts {
    Kernel,
    Distro,
    KernelConfig,
    Sysctls,
    Endpoints,
    Limits,
    Mib,
    Sockets,
    Interfaces,
    NetworkManager,
    Mptcpd,
    SelfTest,
    KernelLog,
    Host,
    Links,
}

impl Data {
    /// The kind of these facts; None for free-form data.
    pub fn facts(&self) -> Option<Facts> {
        Some(match self {
            Data::Kernel(_) => Facts::Kernel,
            Data::Distro(_) => Facts::Distro,
            Data::KernelConfig(_) => Facts::KernelConfig,
            Data::Sysctls(_) => Facts::Sysctls,
            Data::Endpoints(_) => Facts::Endpoints,
            Data::Limits(_) => Facts::Limits,
            Data::Mib(_) => Facts::Mib,
            Data::Sockets(_) => Facts::Sockets,
            Data::Interfaces(_) => Facts::Interfaces,
            Data::NetworkManager(_) => Facts::NetworkManager,
            Data::Mptcpd(_) => Facts::Mptcpd,
            Data::SelfTest(_) => Facts::SelfTest,
            Data::KernelLog(_) => Facts::KernelLog,
            Data::Host(_) => Facts::Host,
            Data::Links(_) => Facts::Links,
            Data::Other { .. } => return None,
        })
    }
}

impl Section {
    /// The kind of facts this section holds: that of its first typed data, else (a section that gave
    /// none: skipped, failed) the kind its collector gives.
    pub fn kind(&self) -> Option<Facts> {
        self.data.iter().find_map(Data::facts).or(self.facts)
    }
}

impl Report {
    /// The section of the collector giving `facts` in namespace `ns` (None: the tool's own), whether
    /// or not it gave them.
    pub fn section(&self, facts: Facts, ns: Option<&str>) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.kind() == Some(facts) && s.netns.as_deref() == ns)
    }

    /// Every section of the collector giving `facts`, in every namespace.
    pub fn sections_with(&self, facts: Facts) -> impl Iterator<Item = &Section> {
        self.sections
            .iter()
            .filter(move |s| s.kind() == Some(facts))
    }
}
