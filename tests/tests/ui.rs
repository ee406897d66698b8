//! Compile-pass and compile-fail cases for `#[retry]`.
//!
//! The `.stderr` snapshots are tied to the compiler this project builds with (Rust 1.95);
//! regenerate them with `TRYBUILD=overwrite cargo test -p retry-tests --test ui` and read
//! every changed snapshot before committing it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
