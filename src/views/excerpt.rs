//! Which lines of preformatted text a shortened level of the summary keeps: the first ones, or for a
//! log the latest ones with its marked spans (WARNING splats), each gap said by a `[… N lines]` line.

use super::budget::{clip, SUMMARY_BUDGET};
use crate::report::{Format, Span};

/// Lines are clipped to this length in the summary (the archive has them whole).
const LINE_MAX: usize = 500;
/// Lines of preformatted text kept at its shortened levels (a log: its latest lines).
const HEADS: [usize; 3] = [100, 20, 5];
const LOG_TAILS: [usize; 6] = [200, 100, 50, 20, 10, 5];

/// Which lines each level keeps: all (while that fits the summary at all); then fewer, the first
/// ones, or for a log the latest ones with the first and the latest marked spans while there is
/// room for two, then the latest span only; then none.
pub fn keeps(lines: &[&str], format: Format, marks: &[Span]) -> Vec<Vec<bool>> {
    let n = lines.len();
    let mut out = Vec::new();
    let total: usize = lines.iter().map(|l| l.len().min(LINE_MAX) + 1).sum();
    if total < SUMMARY_BUDGET {
        out.push(vec![true; n]);
    }
    let log = format == Format::Log;
    let cuts: &[usize] = if log { &LOG_TAILS } else { &HEADS };
    for (i, &cut) in cuts.iter().enumerate() {
        if cut >= n && !out.is_empty() {
            continue;
        }
        let mut keep = vec![false; n];
        if log {
            let spans: Vec<&Span> = match (marks.first(), marks.last()) {
                (Some(a), Some(b)) if i < 4 && a != b => vec![a, b],
                (_, Some(b)) => vec![b],
                _ => vec![],
            };
            for s in spans {
                // Spans come from report.json: an archive may hold any numbers.
                let (start, end) = (s.start.min(n), s.end.min(n));
                keep[start.min(end)..end].iter_mut().for_each(|k| *k = true);
            }
            keep[n.saturating_sub(cut)..]
                .iter_mut()
                .for_each(|k| *k = true);
        } else {
            keep[..cut.min(n)].iter_mut().for_each(|k| *k = true);
        }
        out.push(keep);
    }
    out.push(vec![false; n]);
    out
}

/// The chosen lines in order (clipped), a marker line for every gap. In a log, a line repeated right
/// after itself is shown once, then how many more times it came (a kernel message flooding the log
/// would otherwise fill the excerpt with one line; raw/ keeps every one).
pub fn excerpt(lines: &[&str], keep: &[bool], log: bool) -> String {
    let mut out = String::new();
    if !keep.iter().any(|&k| k) {
        return out;
    }
    let mut gap = 0;
    let mut repeats = 0;
    let mut last: Option<&str> = None;
    let flush_repeats = |out: &mut String, repeats: &mut usize| {
        if *repeats > 0 {
            out.push_str(&format!("[… the line above {} more time(s)]\n", *repeats));
            *repeats = 0;
        }
    };
    for (line, &k) in lines.iter().zip(keep) {
        if !k {
            gap += 1;
            last = None;
            continue;
        }
        if log && gap == 0 && last == Some(*line) {
            repeats += 1;
            continue;
        }
        flush_repeats(&mut out, &mut repeats);
        if gap > 0 {
            out.push_str(&format!("[… {gap} lines]\n"));
            gap = 0;
        }
        out.push_str(&clip(line, LINE_MAX));
        out.push('\n');
        last = Some(line);
    }
    flush_repeats(&mut out, &mut repeats);
    if gap > 0 {
        out.push_str(&format!("[… {gap} lines]\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_repeated_right_after_itself_is_shown_once_with_its_count() {
        let lines = ["a", "b", "b", "b", "c", "b", "b", "d"];
        let all = [true; 8];
        assert_eq!(
            excerpt(&lines, &all, true),
            "a\nb\n[… the line above 2 more time(s)]\nc\nb\n[… the line above 1 more time(s)]\nd\n"
        );
        // Not in other text, and not across a gap.
        assert_eq!(excerpt(&lines, &all, false), "a\nb\nb\nb\nc\nb\nb\nd\n");
        let keep = [false, true, false, true, true, false, false, false];
        assert_eq!(
            excerpt(&lines, &keep, true),
            "[… 1 lines]\nb\n[… 1 lines]\nb\nc\n[… 3 lines]\n"
        );
    }
}
