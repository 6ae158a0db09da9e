//! One budget for every text meant for the bug form (summary.md, the `merge` summary, the System info
//! block behind `--issue-url`): GitHub rejects an issue body over 65,536 characters, and the user needs
//! room for their own words, so a summary never exceeds `SUMMARY_BUDGET` whatever the system.
//!
//! The mechanism: a document is a template with fixed text (headings, the System info block, which is
//! never cut) and *parts*, each offered at a few levels of detail, richest first (say: every socket;
//! counts and the 20 connections that matter most; counts only). The template renders a part through
//! a macro of the same name, so the planner measures every level exactly by calling that macro, then
//! gives each part the richest level within its share of the room left by the fixed text, and hands
//! what the others left to the parts that had to summarize. Nothing is ever cut inside a part; only a
//! user template that prints more than its parts (`--template`) can need the last-resort cut, which
//! stops at a line outside any code fence. Sizes are counted in bytes, which is never less than
//! characters.

use anyhow::{anyhow, Result};
use minijinja::Value;

/// The most a summary may hold, in bytes (GitHub's limit is 65,536 characters; the rest is left for
/// the user's description).
pub const SUMMARY_BUDGET: usize = 60_000;

/// The most one host's System info block may hold: it must leave room for the rest even with two
/// hosts (`merge`), and it fits any real system (a typical block is 1,500 bytes).
pub const HOST_SYSINFO_MAX: usize = 20_000;

/// The System info room of each host when a summary holds `hosts` of them (`merge`): two thirds of
/// the budget shared, at most `HOST_SYSINFO_MAX` each.
pub fn host_share(hosts: usize) -> usize {
    (SUMMARY_BUDGET * 2 / 3 / hosts.max(1)).min(HOST_SYSINFO_MAX)
}

/// Namespaces shown section by section; the others are summarized by their differences.
pub const FEW_NAMESPACES: usize = 4;

/// A part of a document: the macro that renders it and its levels of detail, richest first. The
/// last level is the minimal one, shown whatever the room.
pub struct Part {
    pub macro_name: &'static str,
    /// Its share of the room relative to the other parts.
    pub weight: f64,
    pub levels: Vec<Value>,
}

impl Part {
    pub fn new<T: serde::Serialize>(macro_name: &'static str, weight: f64, levels: Vec<T>) -> Part {
        assert!(!levels.is_empty(), "a part has at least its minimal level");
        Part {
            macro_name,
            weight,
            levels: levels.iter().map(Value::from_serialize).collect(),
        }
    }
}

/// Picks a level per part. `extra[p][l]` is what part p adds at level l beyond its minimal (last)
/// level; `avail` is the room left by the fixed text and the minimal levels. First every part gets
/// the richest level within its share; then, heaviest first and until nothing changes, a part that
/// had to summarize takes the richest level the leftovers pay for.
pub fn plan(extra: &[Vec<usize>], weights: &[f64], avail: usize) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let mut chosen: Vec<usize> = extra.iter().map(|e| e.len() - 1).collect();
    let mut used = 0;
    for (p, e) in extra.iter().enumerate() {
        let share = if total > 0.0 {
            (avail as f64 * weights[p] / total).floor() as usize
        } else {
            0
        };
        if let Some(l) = e.iter().position(|&x| x <= share) {
            chosen[p] = l;
            used += e[l];
        }
    }
    let mut order: Vec<usize> = (0..extra.len()).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
    loop {
        let mut changed = false;
        for &p in &order {
            let now = extra[p][chosen[p]];
            let left = avail.saturating_sub(used);
            if let Some(l) = (0..chosen[p]).find(|&l| extra[p][l].saturating_sub(now) <= left) {
                used = used - now + extra[p][l];
                chosen[p] = l;
                changed = true;
            }
        }
        if !changed {
            return chosen;
        }
    }
}

/// Rendered output up to `room` bytes; a write past it fails (and says so), which stops the
/// rendering.
struct Capped {
    text: Vec<u8>,
    room: usize,
    over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.text.len() + buf.len() > self.room {
            self.over = true;
            return Err(std::io::Error::other("over the budget"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders `template` within `budget`: `view` builds the template's context from one value per part.
/// `fallback` (the embedded template) measures parts whose macro a user template does not define.
pub fn fit(
    name: &str,
    template: &str,
    fallback: &str,
    parts: &[Part],
    budget: usize,
    view: impl Fn(&[Value]) -> Value,
) -> Result<String> {
    let env = super::environment(name, template)?;
    let tmpl = env
        .get_template(name)
        .map_err(|e| anyhow!("{name} template: {e}"))?;
    let pick = |levels: &[usize]| -> Vec<Value> {
        parts
            .iter()
            .zip(levels)
            .map(|(p, &l)| p.levels[l].clone())
            .collect()
    };
    // The usual case: everything at its richest fits, and nothing needs measuring. Rendered into a
    // writer that stops at the budget, so a summary that does not fit (thousands of sockets) costs
    // no more than the budget's worth of rendering before it is planned.
    let mut capped = Capped {
        text: Vec::new(),
        room: budget,
        over: false,
    };
    match tmpl.render_captured_to(view(&pick(&vec![0; parts.len()])), &mut capped) {
        Ok(_) => {
            return String::from_utf8(capped.text).map_err(|e| anyhow!("{name} template: {e}"))
        }
        Err(_) if capped.over => {}
        Err(e) => return Err(anyhow!("{name} template: {e}")),
    }
    let minimal: Vec<usize> = parts.iter().map(|p| p.levels.len() - 1).collect();
    let captured = tmpl
        .render_captured(view(&pick(&minimal)))
        .map_err(|e| anyhow!("{name} template: {e}"))?;
    let fixed = captured.output().len();
    // A user template without some part's macro: measure that part with the embedded template's.
    let own = |name: &str| captured.state().lookup(name).is_some();
    let fallback_env = match parts.iter().all(|p| own(p.macro_name)) {
        true => None,
        false => Some(super::environment(name, fallback)?),
    };
    let fallback_tmpl = fallback_env
        .as_ref()
        .map(|e| e.get_template(name))
        .transpose()?;
    let fallback_state = fallback_tmpl
        .map(|t| t.render_captured(view(&pick(&minimal))))
        .transpose()?;
    let mut extra = Vec::with_capacity(parts.len());
    for p in parts {
        let state = match (own(p.macro_name), &fallback_state) {
            (false, Some(f)) => f.state(),
            _ => captured.state(),
        };
        let mut sizes = Vec::with_capacity(p.levels.len());
        for level in &p.levels {
            let out = state
                .call_macro(p.macro_name, std::slice::from_ref(level))
                .map_err(|e| anyhow!("{name} template: {}: {e}", p.macro_name))?;
            sizes.push(out.len());
        }
        let min = *sizes.last().expect("a part has a level");
        extra.push(
            sizes
                .iter()
                .map(|s| s.saturating_sub(min))
                .collect::<Vec<_>>(),
        );
    }
    let weights: Vec<f64> = parts.iter().map(|p| p.weight).collect();
    let mut levels = plan(&extra, &weights, budget.saturating_sub(fixed));
    let render = |levels: &[usize]| {
        tmpl.render(view(&pick(levels)))
            .map_err(|e| anyhow!("{name} template: {e}"))
    };
    let mut out = render(&levels)?;
    // A user template may print a part twice or print structured data of its own: step the largest
    // parts down until it fits, and only then cut.
    while out.len() > budget {
        let Some(p) = (0..parts.len())
            .filter(|&p| levels[p] < minimal[p])
            .max_by_key(|&p| extra[p][levels[p]])
        else {
            break;
        };
        levels[p] += 1;
        out = render(&levels)?;
    }
    if out.len() > budget {
        out = safe_cut(&out, budget);
    }
    Ok(out)
}

/// The last resort: the longest prefix within `budget` that ends a line outside any code fence, then a
/// note saying so.
pub fn safe_cut(text: &str, budget: usize) -> String {
    const NOTE: &str = "\n[summary cut here: the template printed more than the summary's budget; report.json and raw/ in the archive have everything]\n";
    let room = budget.saturating_sub(NOTE.len());
    let mut fence: Option<(u8, usize)> = None;
    let (mut pos, mut best) = (0, 0);
    for line in text.split_inclusive('\n') {
        let end = pos + line.len();
        if end > room {
            break;
        }
        let t = line.trim_start_matches(' ');
        let run = |c: u8| t.bytes().take_while(|&b| b == c).count();
        let (ticks, tildes) = (run(b'`'), run(b'~'));
        let marker = if ticks >= 3 {
            Some((b'`', ticks))
        } else if tildes >= 3 {
            Some((b'~', tildes))
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some((c, n)), Some((mc, mn))) if c == mc && mn >= n && t[mn..].trim().is_empty() => {
                fence = None
            }
            _ => {}
        }
        pos = end;
        if fence.is_none() && line.ends_with('\n') {
            best = end;
        }
    }
    format!("{}{NOTE}", &text[..best])
}

/// A code fence that the text cannot close: three backticks, or one more than the longest run of
/// backticks in it.
pub fn fence_for(text: &str) -> String {
    let (mut longest, mut run) = (0, 0);
    for b in text.bytes() {
        run = if b == b'`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// A line no longer than `max` bytes (cut at a character boundary, with the count of what is left).
pub fn clip(line: &str, max: usize) -> String {
    if line.len() <= max {
        return line.to_string();
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} [… {} more bytes]", &line[..end], line.len() - end)
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
