//! The text of `sysctl net.mptcp`: `name = value` lines, as sysctl(8) prints them.

use crate::report::Sysctl;

/// `sysctl net.mptcp` output: `name = value` lines.
pub fn render(sysctls: &[Sysctl]) -> String {
    sysctls
        .iter()
        .map(|s| format!("{} = {}\n", s.name, s.value))
        .collect()
}
