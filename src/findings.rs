//! Triage rules: pure functions from a Report to findings. Each rule looks only at typed data and says
//! nothing when the data it needs was not collected.

use crate::report::{Finding, Report};

/// A triage rule.
pub type Rule = fn(&Report) -> Vec<Finding>;

pub static RULES: &[Rule] = &[];

/// Every finding for a report, problems first.
pub fn evaluate(report: &Report) -> Vec<Finding> {
    let mut all: Vec<Finding> = RULES.iter().flat_map(|r| r(report)).collect();
    all.sort_by_key(|f| f.severity);
    all
}
