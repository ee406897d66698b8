//! harbor-client (under construction).
