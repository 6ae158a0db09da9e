//! The kernel log's splat markers (WARNING/BUG/Oops ... `---[ end trace`), after a dmesg timestamp:
//! the kernel-log collector keeps whole splats by them, and the summary shows where one begins and ends.

/// Strips a `[   12.345678] ` dmesg timestamp so splat markers are found at the start.
fn body(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with('[') {
        if let Some(i) = t.find("] ") {
            return &t[i + 2..];
        }
    }
    t
}

pub fn starts_splat(line: &str) -> bool {
    let b = body(line);
    b.starts_with("WARNING:")
        || b.starts_with("BUG:")
        || b.starts_with("Oops")
        || b.starts_with("kernel BUG at")
        || b.starts_with("------------[ cut here ]")
}

pub fn ends_splat(line: &str) -> bool {
    body(line).starts_with("---[ end trace")
}
