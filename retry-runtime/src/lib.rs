//! The retry engine behind `#[retry]` (under construction).
