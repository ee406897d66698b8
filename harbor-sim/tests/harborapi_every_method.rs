//! Python `harborapi` 0.26.2, a client nobody here wrote, calls every one of its
//! `HarborAsyncClient` methods against a fresh simulator (`compat/harborapi_every_method.py`):
//! each must end `ok` or `refused` as real Harbor refuses, none `empty` or `error`. Every
//! answer the run gets is also checked against Harbor's spec when the test ends.
//!
//! It needs a Python with harborapi installed, which `cargo test` cannot fetch: the test
//! uses `$HARBORAPI_PYTHON` when set, else the virtualenv `target/harborapi-compat` that
//! `.ci/run` and `compat/run.sh` create, and is skipped, with a message saying how to enable
//! it, when there is neither.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

/// The harborapi release the script is written against (its models and method names).
const HARBORAPI_VERSION: &str = "0.26.2";

/// The Python to run the script with, or why there is none.
fn python() -> Result<PathBuf, String> {
    if let Some(python) = std::env::var_os("HARBORAPI_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harbor-sim sits in the workspace");
    let venv = workspace.join("target/harborapi-compat/bin/python");
    if venv.exists() {
        return Ok(venv);
    }
    Err(format!(
        "neither $HARBORAPI_PYTHON nor {} exists; to run it: \
         python3 -m venv target/harborapi-compat && \
         target/harborapi-compat/bin/pip install harborapi=={HARBORAPI_VERSION}",
        venv.display()
    ))
}

/// The installed harborapi's version, as `importlib.metadata` reads it.
fn installed_version(python: &Path) -> Result<String, String> {
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('harborapi'))",
        ])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} has no harborapi: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_harborapi_method_ends_as_against_harbor() {
    let python = match python() {
        Ok(python) => python,
        Err(why) => {
            eprintln!("skipped: harborapi's every-method run needs Python harborapi: {why}");
            return;
        }
    };
    // A Python that was named (or made) for this run and cannot run it is a failure, not a
    // skip: the check would otherwise vanish silently.
    let version = installed_version(&python).unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(
        version,
        HARBORAPI_VERSION,
        "{} has harborapi {version}; the script is written against {HARBORAPI_VERSION}",
        python.display()
    );

    let sim = support::start().await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/harborapi_every_method.py");
    let url = sim.base_url();
    // The script blocks; the simulator answers it from the runtime's worker threads.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(&script)
            .args(["--url", &url])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()))
    })
    .await
    .expect("the script's thread");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout.lines().last().unwrap_or_default();
    println!("{stdout}");
    assert!(
        out.status.success(),
        "harborapi's every-method run: {summary}\n\
         (exit status {}; a method ended `empty` or `error`)\n{stdout}\n{stderr}",
        out.status
    );
    // "174 methods: 163 ok, 0 empty, 11 refused as Harbor refuses, 0 error": every
    // coroutine method of the pinned release was called, none skipped.
    let methods: usize = summary
        .split_once(" methods:")
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line in the script's output:\n{stdout}"));
    assert_eq!(methods, HARBORAPI_METHODS, "{summary}");
}

/// The coroutine methods of harborapi 0.26.2's `HarborAsyncClient`.
const HARBORAPI_METHODS: usize = 174;
