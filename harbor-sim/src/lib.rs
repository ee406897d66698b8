//! harbor-sim (under construction).
