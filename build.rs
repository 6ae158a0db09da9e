//! Compresses schema.json, the same in every archive, once at build time (at the best level, which a
//! run could not afford): raw deflate, fully flushed and not final, so the archive writer splices
//! it into its gzip stream as it is (src/archive/gz.rs, `Deflated`).

use flate2::{Compress, Compression, FlushCompress};
use std::path::PathBuf;

const SCHEMA: &str = "schema/report.schema.json";

fn main() {
    println!("cargo:rerun-if-changed={SCHEMA}");
    println!("cargo:rerun-if-changed=build.rs");
    let data = std::fs::read(SCHEMA).unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
    let mut z = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 4 + 64 * 1024);
    let mut input = &data[..];
    loop {
        if out.capacity() - out.len() < 16 * 1024 {
            out.reserve(64 * 1024);
        }
        let before = z.total_in();
        z.compress_vec(input, &mut out, FlushCompress::Full)
            .unwrap_or_else(|e| panic!("{SCHEMA}: {e}"));
        input = &input[(z.total_in() - before) as usize..];
        // The flush is complete once the compressor leaves room unused.
        if input.is_empty() && out.len() < out.capacity() {
            break;
        }
    }
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(dir.join("schema.deflate"), out).expect("OUT_DIR is writable");
}
