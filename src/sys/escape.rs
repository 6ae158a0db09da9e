//! Terminal safety for text that came from an archive or from the system: control characters are
//! shown as escapes instead of being sent to the terminal, where they could clear the screen, set the
//! window title, write the clipboard (OSC 52), ring the bell, or fake or hide text (backspace, CR
//! overwrite, bidi overrides). Newline and tab stay. The markdown and text views are escaped always
//! (a maintainer pastes them); other output only when it goes to a terminal (see system::stdio).
//!
//! Escapes: `\r` for CR, `\xNN` for other C0 controls and DEL, `\u{NN}` for C1 controls and the
//! invisible bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). A backslash is left
//! as it is, so text without control characters comes out byte for byte the same.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is escaped.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character escaped; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    let Some(first) = text.find(is_unsafe) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        match c {
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it, C0 controls already escaped) with DEL, C1 and bidi controls
/// written `\uXXXX`: the same JSON value, safe on a terminal. Such characters only occur inside
/// strings, where `\uXXXX` means the character itself.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    if !json.contains(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_newline_and_tab_stay() {
        let hostile = "a\x1b[2Jb\x1b]0;title\x07c\x1b]52;c;ZXZpbA==\x07d\x08e\rf\u{9b}31mg\u{202e}h\u{2066}i\x7fj\n\tk";
        let e = escape(hostile);
        assert_eq!(
            e,
            "a\\x1b[2Jb\\x1b]0;title\\x07c\\x1b]52;c;ZXZpbA==\\x07d\\x08e\\rf\\u{9b}31mg\\u{202e}h\\u{2066}i\\x7fj\n\tk"
        );
        assert!(!e.contains(is_unsafe));
        assert!(matches!(
            escape("plain text, tabs\tand\nlines \\x1b ü €"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_stays_the_same_value() {
        let v = serde_json::json!({"s": "x\u{9b}y\u{202e}z\x7f\x1b"});
        let text = serde_json::to_string(&v).unwrap();
        let safe = escape_json(&text);
        assert!(!safe.contains(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn every_unsafe_char_is_caught() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let s = c.to_string();
            let e = escape(&s);
            assert!(!e.contains(is_unsafe), "{c:?}");
            if c != '\n' && c != '\t' && (c.is_control() || is_unsafe(c)) {
                assert_ne!(e, s, "{c:?} is a control character");
            }
        }
    }
}
