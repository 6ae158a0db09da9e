//! Free-form JSON values (`Data::Other`): every string value is free text; object keys are the
//! report's vocabulary and are never rewritten. Values under a secret-named key are scrubbed whole.

use super::secrets::{is_secret_key, REDACTED};
use serde_json::Value;

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
            for (k, x) in m.iter_mut() {
                let scalar = matches!(x, Value::String(_) | Value::Number(_));
                if scalar && is_secret_key(k) && !matches!(x.as_str(), Some("" | REDACTED)) {
                    *x = Value::String(REDACTED.into());
                    secret();
                } else {
                    rewrite(x, f, secret);
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
    fn scrubs_secret_keys_and_keeps_keys() {
        let mut v = serde_json::json!({"psk": "x", "pin": 1234, "token": "1f0cdd34", "myhost": ["a myhost"], "psk-flags": "0"});
        let mut n = 0;
        rewrite(
            &mut v,
            &mut |s: &str| s.contains("myhost").then(|| s.replace("myhost", "host-1")),
            &mut || n += 1,
        );
        assert_eq!(
            v,
            serde_json::json!({"psk": "[REDACTED]", "pin": "[REDACTED]", "token": "1f0cdd34", "myhost": ["a host-1"], "psk-flags": "0"})
        );
        assert_eq!(n, 2);
    }
}
