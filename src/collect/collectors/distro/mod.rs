//! The distribution: os-release(5), /etc/os-release or else /usr/lib/os-release (the first that can
//! be read is kept), its fields parsed for the System info block, the text view and `diff`.

use super::{Builtin, Ctx, Output, Result, Stop};
use crate::report::{Data, Distro as DistroData, Entry, Facts, Section, View};
use std::collections::BTreeMap;

pub struct Distro;

/// os-release(5): KEY=value lines, values optionally quoted with shell-style escapes.
pub fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2
            && (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\''))
        {
            let inner = &v[1..v.len() - 1];
            let mut s = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        s.push(n);
                    }
                } else {
                    s.push(c);
                }
            }
            s
        } else {
            v.to_string()
        };
        fields.insert(k.trim().to_string(), v);
    }
    fields
}

impl Builtin for Distro {
    fn name(&self) -> &'static str {
        "distro"
    }

    fn facts(&self) -> Option<Facts> {
        Some(Facts::Distro)
    }

    fn present(&self, section: &Section) -> Vec<Entry> {
        let Some(d) = section.data.iter().find_map(|d| match d {
            Data::Distro(d) => Some(d),
            _ => None,
        }) else {
            return Vec::new();
        };
        let name = d.fields.get("PRETTY_NAME").or_else(|| d.fields.get("NAME"));
        let versions = ["PRETTY_NAME", "VERSION_ID"]
            .iter()
            .filter_map(|k| Some((format!("os-release {k}"), d.fields.get(*k)?.clone())))
            .collect();
        vec![
            Entry::text(name.cloned().unwrap_or_default())
                .titled("distribution")
                .only(&[View::Text]),
            Entry::facts("versions", versions),
        ]
    }

    fn collect(&self, ctx: &Ctx, out: &mut Output) -> Result {
        let mut refused = false;
        for path in ["/etc/os-release", "/usr/lib/os-release"] {
            match ctx.read_kept(path, out) {
                Ok(raw) => {
                    let fields = parse_os_release(&raw);
                    out.data.push(Data::Distro(DistroData {
                        source: path.into(),
                        raw,
                        fields,
                    }));
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                // Refused (a link to a never-read file, a FIFO, ...) or unreadable: say so.
                Err(e) => {
                    out.notes.push(format!("{path}: {e}"));
                    refused = true;
                }
            }
        }
        Err(Stop::Skipped(if refused {
            "neither /etc/os-release nor /usr/lib/os-release could be read".into()
        } else {
            "neither /etc/os-release nor /usr/lib/os-release exists".into()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_quotes() {
        let f =
            parse_os_release("NAME=\"Debian GNU/Linux\"\nID=debian\n# c\nX='a b'\nY=\"q\\\"x\"\n");
        assert_eq!(f["NAME"], "Debian GNU/Linux");
        assert_eq!(f["ID"], "debian");
        assert_eq!(f["X"], "a b");
        assert_eq!(f["Y"], "q\"x");
    }
}
