//! Parsers of option values that clap calls (`--duration`, `--sample-interval`): their errors name the
//! value, and clap adds the option.

use std::time::Duration;

/// Parses `--duration` values: `30s`, `5m`, `1500ms`, `1h`, or plain seconds (`30`, `0.5`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let factor = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit {unit:?} (use ms, s, m or h)")),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 5m or 500ms"))?;
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("{s:?}: must be more than zero"));
    }
    let secs = n * factor;
    if secs > 7.0 * 86400.0 {
        return Err(format!("{s:?}: longer than a week"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `--sample-interval MS`: 0 (off) or 10 to 60000.
pub fn parse_sample_interval(s: &str) -> Result<u64, String> {
    let ms: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of milliseconds"))?;
    if ms != 0 && !(10..=60_000).contains(&ms) {
        return Err(format!("{ms}: use 0 (off) or 10 to 60000 milliseconds"));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("9999h").is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_sample_interval("100"), Ok(100));
        assert_eq!(parse_sample_interval("0"), Ok(0));
        assert!(parse_sample_interval("5")
            .unwrap_err()
            .contains("10 to 60000"));
        assert!(parse_sample_interval("1e3").is_err());
        assert!(parse_sample_interval("-1").is_err());
    }
}
