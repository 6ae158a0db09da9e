//! The findings as `check` prints them: for people (one block each: severity, rule id, title,
//! evidence, docs link, and a tally), and the rule listing of `check --rules` (text or JSON).

use crate::report::{Finding, Severity};
use crate::triage::{RuleInfo, CROSS_RULES, RULES};
use serde_json::json;
use std::fmt::Write;

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Problem => "PROBLEM",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

/// The findings for people: one block each, severity and rule id, title, evidence, docs link.
pub fn text(findings: &[Finding]) -> String {
    let mut o = String::new();
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            o.push('\n');
        }
        let _ = writeln!(o, "{} [{}] {}", label(f.severity), f.rule, f.title);
        for e in &f.evidence {
            let _ = writeln!(o, "    {e}");
        }
        if let Some(l) = &f.link {
            let _ = writeln!(o, "    see {l}");
        }
    }
    o
}

/// "no findings", or "3 findings: 1 problem, 1 warning, 1 info".
pub fn tally(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings".into();
    }
    let n = |s| findings.iter().filter(|f| f.severity == s).count();
    let parts: Vec<String> = [
        (Severity::Problem, "problem"),
        (Severity::Warning, "warning"),
        (Severity::Info, "info"),
    ]
    .iter()
    .filter(|(s, _)| n(*s) > 0)
    .map(|(s, w)| format!("{} {w}", n(*s)))
    .collect();
    format!("{} finding(s): {}", findings.len(), parts.join(", "))
}

/// `check --rules`: every rule with what it needs and what triggers it.
pub fn rules_listing(json: bool) -> String {
    match json {
        true => {
            let single = RULES
                .iter()
                .map(|r: &RuleInfo| json!({"id": r.id, "needs": r.needs, "triggers": r.triggers}));
            let cross = CROSS_RULES
                .iter()
                .map(|(id, t)| json!({"id": id, "needs": ["two archives (merge)"], "triggers": t}));
            let all: Vec<_> = single.chain(cross).collect();
            serde_json::to_string_pretty(&all).expect("plain JSON values") + "\n"
        }
        false => {
            let mut o = String::new();
            for r in RULES {
                let _ = writeln!(
                    o,
                    "{}\n    needs: {}\n    triggers: {}",
                    r.id,
                    r.needs.join(", "),
                    r.triggers
                );
            }
            for (id, t) in CROSS_RULES {
                let _ = writeln!(o, "{id}\n    needs: the client's and the server's archive (merge)\n    triggers: {t}");
            }
            o
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_tally_and_rule_listing() {
        let f = crate::triage::finding(
            "fallback",
            Severity::Warning,
            "Fell back".into(),
            vec!["MPTcpExt X = 1".into()],
            "https://www.mptcp.dev/faq.html",
        );
        assert_eq!(
            text(std::slice::from_ref(&f)),
            "WARNING [fallback] Fell back\n    MPTcpExt X = 1\n    see https://www.mptcp.dev/faq.html\n"
        );
        assert_eq!(tally(&[]), "no findings");
        assert_eq!(tally(&[f]), "1 finding(s): 1 warning");
        let listing = rules_listing(false);
        for r in RULES {
            assert!(listing.contains(&format!("{}\n    needs: ", r.id)));
        }
        let v: serde_json::Value = serde_json::from_str(&rules_listing(true)).unwrap();
        assert_eq!(v.as_array().unwrap().len(), RULES.len() + CROSS_RULES.len());
    }
}
