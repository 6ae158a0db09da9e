//! (property tests: next)
