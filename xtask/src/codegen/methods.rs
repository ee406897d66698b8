//! Emits `generated/methods.rs`: one async method per operation on `HarborClient`.

use super::operations::OpInfo;

/// Renders the methods file body and the number of `#[retry]` methods in it.
pub fn render(_ops: &[OpInfo]) -> (String, usize) {
    (
        "//! One method per Harbor operation (being generated next).\n".to_owned(),
        0,
    )
}
