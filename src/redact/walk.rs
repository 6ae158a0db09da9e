//! Visiting every string of the Report (as a JSON value): artifact contents, stderr, notes, typed data,
//! meta host name and arguments, object keys. Values under a secret-named key are scrubbed whole.

use super::secrets::{is_secret_key, REDACTED};
use serde_json::Value;

/// Every string (values and object keys) of `v`.
pub fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                out.push(k);
                strings(x, out);
            }
        }
        _ => {}
    }
}

/// Rewrites every string of `v` with `f` (None: unchanged); `secret()` is called for each value
/// scrubbed because of its key.
pub fn rewrite(v: &mut Value, f: &mut dyn FnMut(&str) -> Option<String>, secret: &mut dyn FnMut()) {
    match v {
        Value::String(s) => {
            if let Some(n) = f(s) {
                *s = n;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite(x, f, secret)),
        Value::Object(m) => {
            let mut renamed = Vec::new();
            for (k, x) in m.iter_mut() {
                let scalar = matches!(x, Value::String(_) | Value::Number(_));
                if scalar && is_secret_key(k) && !matches!(x.as_str(), Some("" | REDACTED)) {
                    *x = Value::String(REDACTED.into());
                    secret();
                } else {
                    rewrite(x, f, secret);
                }
                if let Some(n) = f(k) {
                    renamed.push((k.clone(), n));
                }
            }
            for (old, new) in renamed {
                if let Some(x) = m.remove(&old) {
                    m.insert(new, x);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_secret_keys_and_renames_keys() {
        let mut v = serde_json::json!({"psk": "x", "pin": 1234, "token": "1f0cdd34", "myhost": ["a myhost"], "psk-flags": "0"});
        let mut n = 0;
        rewrite(
            &mut v,
            &mut |s: &str| s.contains("myhost").then(|| s.replace("myhost", "host-1")),
            &mut || n += 1,
        );
        assert_eq!(
            v,
            serde_json::json!({"psk": "[REDACTED]", "pin": "[REDACTED]", "token": "1f0cdd34", "host-1": ["a host-1"], "psk-flags": "0"})
        );
        assert_eq!(n, 2);
    }
}
