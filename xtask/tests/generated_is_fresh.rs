//! Re-running the generator on the spec gives exactly the committed code.
//!
//! The spec lives outside the repository (`../shared/harbor/swagger.yaml`, or the path in
//! `HARBOR_SPEC`); without it the test says so and passes.

use std::path::PathBuf;
use xtask::codegen;

#[test]
fn generated_code_matches_the_spec() {
    let spec = std::env::var_os("HARBOR_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| codegen::workspace_root().join("../shared/harbor/swagger.yaml"));
    if !spec.exists() {
        eprintln!(
            "SKIPPED generated_code_matches_the_spec: no spec at {} (set HARBOR_SPEC to check)",
            spec.display()
        );
        return;
    }
    let (files, summary) = codegen::generate(&spec).expect("the generator runs on the spec");
    assert_eq!(summary.definitions, 153);
    assert_eq!(summary.operations, 203);
    let stale = codegen::stale(&files, &codegen::default_out_dir());
    assert!(
        stale.is_empty(),
        "generated files differ from the spec's output: {stale:?}; run `{}`",
        codegen::COMMAND
    );
    let (sim_files, sim_summary) =
        codegen::sim::generate(&spec).expect("the simulator's generator runs on the spec");
    assert_eq!(sim_summary.operations, 203);
    let stale = codegen::stale(&sim_files, &codegen::sim::default_out_dir());
    assert!(
        stale.is_empty(),
        "the simulator's generated files differ from the spec's output: {stale:?}; run `{}`",
        codegen::COMMAND
    );
}
