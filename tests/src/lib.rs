//! Cross-crate tests live in `tests/`; this library only carries the README doctests.

/// The README's Rust examples, compiled and run as doctests so the front page cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
