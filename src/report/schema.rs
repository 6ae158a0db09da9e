//! The contract for machines: a JSON Schema of `report.json`, generated from the Rust types (schemars)
//! so it cannot drift from what is written. It is shipped in the repository (`schema/report.schema.json`,
//! checked by a test), written into every archive (`schema.json`), and printed by the hidden
//! `generate schema`. `schema_version` says which shape a report has; `schema/versions.txt` records the
//! schema's fingerprint per version, so a change of shape without a version bump fails a test.

use crate::report::{Report, SCHEMA_VERSION};

/// The schema of report.json for this version, as pretty JSON with a final newline.
pub fn report_schema() -> String {
    let mut schema = schemars::schema_for!(Report);
    schema.insert(
        "$id".into(),
        format!("urn:mptcp-get-debug:report:v{SCHEMA_VERSION}").into(),
    );
    schema.insert(
        "description".into(),
        "report.json of mptcp-get-debug: the typed record of one run; every view is rendered from it. Fields may be added within a schema_version (readers must ignore unknown fields); a field that is removed, renamed or changes meaning bumps schema_version.".into(),
    );
    schema.insert("x-schema-version".into(), SCHEMA_VERSION.into());
    serde_json::to_string_pretty(&schema).expect("a schema is plain JSON") + "\n"
}

/// The fingerprint of a schema's *shape*, recorded per version in schema/versions.txt: SHA-256 (hex)
/// of the schema without its prose (descriptions, titles) and its own version marks, so a reworded
/// comment needs no new version but a field added, removed, renamed or retyped does.
pub fn fingerprint(schema: &str) -> Result<String, serde_json::Error> {
    use sha2::Digest;
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for k in ["description", "title", "$id", "x-schema-version"] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(schema)?;
    strip(&mut v);
    // serde_json's maps are ordered by key: the text is canonical.
    let text = serde_json::to_string(&v)?;
    Ok(sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
