//! The planner and the last-resort cut.

use super::*;

#[test]
fn every_part_gets_the_richest_level_within_its_share() {
    // Two parts of equal weight, 100 of room: 50 each.
    let extra = vec![vec![80, 40, 0], vec![30, 10, 0]];
    let chosen = plan(&extra, &[1.0, 1.0], 100);
    // The second takes 30 of its 50; the first then gets the leftovers: 40 + 30 <= 100, 80 + 30 > 100.
    assert_eq!(chosen, vec![1, 0]);
    let chosen = plan(&extra, &[1.0, 1.0], 110);
    assert_eq!(chosen, vec![0, 0]);
    // No room: the minimal levels.
    assert_eq!(plan(&extra, &[1.0, 1.0], 0), vec![2, 2]);
}

#[test]
fn leftovers_go_to_the_heaviest_part_that_summarized() {
    let extra = vec![vec![500, 100, 0], vec![500, 100, 0], vec![5, 0]];
    // Shares: 300, 300, 0 (weight 0). Both big parts take 100; 400 left: only one can take 500.
    let chosen = plan(&extra, &[3.0, 2.0, 0.0], 600);
    assert_eq!(chosen, vec![0, 1, 1]);
    let used: usize = chosen.iter().zip(&extra).map(|(&l, e)| e[l]).sum();
    assert!(used <= 600);
}

#[test]
fn the_plan_never_exceeds_the_room() {
    // Levels that are not monotonic still never overflow.
    let extra = vec![vec![70, 90, 0], vec![60, 0], vec![33, 20, 0]];
    for avail in [0, 10, 50, 100, 150, 200] {
        let chosen = plan(&extra, &[1.0, 2.0, 3.0], avail);
        let used: usize = chosen.iter().zip(&extra).map(|(&l, e)| e[l]).sum();
        assert!(used <= avail, "{avail}: {chosen:?}");
    }
}

#[test]
fn the_cut_stops_outside_code_fences() {
    let text = "# Title\n\nintro\n```\nline 1\nline 2\n```\n\nafter\n".repeat(50);
    let cut = safe_cut(&text, 400);
    assert!(cut.len() <= 400);
    let body = &cut[..cut.find("\n[summary cut here").unwrap() + 1];
    assert_eq!(body.matches("```").count() % 2, 0, "{cut}");
    assert!(body.ends_with('\n'));
    // A longer fence is not closed by a shorter one.
    let text = "````\n```\nx\n```\n````\ny\n".to_string() + &"z\n".repeat(300);
    let cut = safe_cut(&text, 300);
    assert!(cut.starts_with("````\n```\nx\n```\n````\n"), "{cut}");
}

#[test]
fn fences_outlast_backticks_and_lines_are_clipped_on_char_boundaries() {
    assert_eq!(fence_for("plain"), "```");
    assert_eq!(fence_for("a ```` b"), "`````");
    let c = clip(&"é".repeat(10), 5);
    assert!(c.starts_with("éé ["), "{c}");
    assert!(c.ends_with("16 more bytes]"), "{c}");
    assert_eq!(clip("short", 10), "short");
}

#[test]
fn hosts_share_two_thirds_of_the_budget() {
    assert_eq!(host_share(1), HOST_SYSINFO_MAX);
    assert_eq!(host_share(2), HOST_SYSINFO_MAX);
    assert_eq!(host_share(4), 10_000);
    assert!(host_share(0) <= HOST_SYSINFO_MAX);
}

#[test]
fn the_forms_list_of_checks_is_bounded() {
    use crate::report::{Finding, Meta, Report, Severity};
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let mut report = Report::new(Meta::new(at, "host"), Vec::new());
    report.findings = (0..500)
        .map(|i| Finding {
            rule: "r".into(),
            severity: if i % 7 == 0 {
                Severity::Problem
            } else {
                Severity::Warning
            },
            title: format!("finding {i} {}", "long words ".repeat(i % 80)),
            evidence: Vec::new(),
            link: None,
        })
        .collect();
    let fields = crate::views::form::narrative(&[&report]);
    let happened = &fields
        .iter()
        .find(|f| f.id == "actual-behavior")
        .unwrap()
        .value;
    let listed: Vec<&str> = happened.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 11, "{happened}");
    // Problems first; every line bounded; the rest counted.
    assert!(listed[0].starts_with("- problem: finding 0 "));
    assert!(listed.iter().all(|l| l.len() <= 400), "{happened}");
    assert_eq!(
        listed[10],
        "- … and 490 more (the summary's \"Automatic checks\" part lists them)"
    );
    assert!(happened.len() < 5_000);
}

#[test]
fn fit_renders_the_richest_when_it_fits_and_plans_when_it_does_not() {
    // One part: every item, or their count.
    let tpl = "{% macro items_part(p) %}{% if p.items %}{% for i in p.items %}item {{ i }}\n{% endfor %}{% else %}{{ p.count }} items\n{% endif %}{% endmacro %}# Doc\n{{ items_part(part) }}";
    let doc = |n: usize, budget: usize| {
        let items: Vec<usize> = (0..n).collect();
        let parts = [Part::new(
            "items_part",
            1.0,
            vec![
                serde_json::json!({ "items": items }),
                serde_json::json!({ "count": n }),
            ],
        )];
        fit("doc", tpl, tpl, &parts, budget, |v| {
            Value::from_serialize(serde_json::json!({ "part": v[0] }))
        })
        .unwrap()
    };
    assert_eq!(doc(3, 1000), "# Doc\nitem 0\nitem 1\nitem 2\n");
    // Past the budget (the richest rendering is stopped at it): the count instead.
    let many = doc(100_000, 1000);
    assert_eq!(many, "# Doc\n100000 items\n");
    // A template error is said, not taken for a summary that does not fit.
    let parts = [Part::new("items_part", 1.0, vec![serde_json::json!({})])];
    let err = fit(
        "doc",
        "{{ items_part(part) }}{{ nope.x }}",
        tpl,
        &parts,
        1000,
        |v| Value::from_serialize(serde_json::json!({ "part": v[0] })),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("doc template:"), "{err}");
}
