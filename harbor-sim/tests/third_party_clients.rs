//! Three Harbor clients nobody here wrote call every method they have against a fresh
//! simulator with the demo data, each through its script in `compat/`:
//!
//! - Python `harborapi` (hand-written, pydantic models; 174 methods in 0.26.2);
//! - Python `harbor-api-client` (generated from Harbor's spec by swagger-codegen; 205
//!   operations in 2.12.2);
//! - npm `@hapic/harbor` (hand-written TypeScript; 34 calls in 3.0.2).
//!
//! Each at the release `compat/clients.env` names, the scripts' one source of versions.
//!
//! Each call must end `ok`, or `refused` as real Harbor refuses (or, for `harbor-api-client`,
//! `unreadable`: the client cannot read Harbor's own answer), none `empty` or `error`; every
//! call must have run; and every answer of the run is checked against Harbor's spec when the
//! test ends, as in the simulator's other tests.
//!
//! The clients come from PyPI and npm, which `cargo test` does not reach: the tests use the
//! virtualenv `target/compat-venv` and the directory `target/compat-node` that
//! `compat/install.sh` fills (`.ci/run`, `compat/run.sh` and `compat/run_others.sh` call it),
//! or `$COMPAT_PYTHON` and `$COMPAT_NODE_MODULES`, and a test whose client is not installed
//! says so and is skipped. A client installed at another release fails its test.
//!
//! Two registry clients nobody here wrote push and pull through the registry API (`/v2/`) and
//! its token service, and read what they pushed back through the REST API: Python `oras`
//! (oras-py 0.2.43) OCI artifacts (`compat/oras_push_pull.py`), and `skopeo` (Debian's 1.9.3,
//! on containers/image, the library of podman, buildah and CRI-O) images and an index
//! (`compat/skopeo_copy.py`, which also meets three of real Harbor's traps).
//!
//! One more test checks the baseline of `compat/schemathesis.sh` (the operations where a
//! 500 is Harbor's own answer), which runs a tester rather than a client and is not run here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

/// `<workspace>/target/<dir>`, or the path `$var` names.
fn installed_under(var: &str, dir: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harbor-sim sits in the workspace")
        .join("target")
        .join(dir)
}

/// The Python of the compatibility virtualenv.
fn python() -> PathBuf {
    installed_under("COMPAT_PYTHON", "compat-venv/bin/python")
}

/// How to install every client the tests run.
const HOW_TO_INSTALL: &str = "bash harbor-sim/compat/install.sh (needs python3 with venv, \
    npm for @hapic/harbor, and root for Debian's skopeo; the registries once)";

/// The release `clients.env` names under `key` (`HARBORAPI_VERSION=0.26.2`).
fn pinned(key: &str) -> &'static str {
    const CLIENTS: &str = include_str!("../compat/clients.env");
    CLIENTS
        .lines()
        .filter_map(|line| line.split_once('='))
        .find(|(name, _)| name.trim() == key)
        .map(|(_, version)| version.trim())
        .unwrap_or_else(|| panic!("compat/clients.env names no {key}"))
}

/// The version of Python package `package` in the virtualenv: `Ok(None)` when the
/// virtualenv or the package is not there.
fn python_package_version(package: &str) -> Result<Option<String>, String> {
    let python = python();
    if !python.exists() {
        return Ok(None);
    }
    let script = format!(
        "import importlib.metadata as m\ntry: print(m.version({package:?}))\nexcept m.PackageNotFoundError: pass"
    );
    let out = Command::new(&python)
        .args(["-c", &script])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} fails: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    Ok((!version.is_empty()).then_some(version))
}

/// Whether Python `package` is installed at `version`: `false` (with a message) when it is
/// not installed; a panic when another version is, as the script is written against this one.
fn python_client_installed(package: &str, version: &str) -> bool {
    match python_package_version(package).unwrap_or_else(|why| panic!("{why}")) {
        None => {
            eprintln!(
                "skipped: {package} {version} is not installed in {}; to run this test: {HOW_TO_INSTALL}",
                python().display()
            );
            false
        }
        Some(installed) => {
            assert_eq!(
                installed,
                version,
                "{} has {package} {installed}; the script is written against {version}",
                python().display()
            );
            true
        }
    }
}

/// Runs `program args.. --url <simulator>` against a fresh checked simulator; its output.
async fn run_against_simulator(mut command: Command) -> Output {
    let sim = support::start().await;
    command.args(["--url", &sim.base_url()]);
    // The script blocks; the simulator answers it from the runtime's worker threads.
    let out = tokio::task::spawn_blocking(move || {
        command
            .output()
            .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
    })
    .await
    .expect("the script's thread");
    // The simulator is dropped here: its answers are checked against the spec.
    drop(sim);
    out
}

/// The script's summary line, `"<n> <unit>: <a> ok, <b> empty, ..."`, after checking that
/// the script succeeded (no call `empty` or `error`) and that all `expected` calls ran.
fn check_summary(client: &str, out: &Output, unit: &str, expected: usize) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        out.status.success(),
        "{client}: {summary}\n(exit status {}: a call ended `empty` or `error`)\n{stdout}\n{stderr}",
        out.status
    );
    let ran: usize = summary
        .split_once(&format!(" {unit}:"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("{client}: no summary line in the output:\n{stdout}\n{stderr}"));
    assert_eq!(ran, expected, "{client}: {summary}");
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compat")
        .join(name)
}

/// A Python client's every call: `package` at `version` runs `script_name`, whose summary counts
/// `expected` `unit`s; skipped when the package is not installed.
async fn python_client_run(
    package: &str,
    version: &str,
    script_name: &str,
    unit: &str,
    expected: usize,
) {
    if !python_client_installed(package, version) {
        return;
    }
    let mut command = Command::new(python());
    command.arg(script(script_name));
    let out = run_against_simulator(command).await;
    check_summary(package, &out, unit, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_harborapi_method_ends_as_against_harbor() {
    // The coroutine methods of harborapi's `HarborAsyncClient`.
    let version = pinned("HARBORAPI_VERSION");
    let script = "harborapi_every_method.py";
    python_client_run("harborapi", version, script, "methods", 174).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oras_pushes_and_pulls_through_the_registry_api() {
    // Pushes (monolithic, chunked), the tags list, a pull with every digest checked, the
    // manifest, and the artifact through the REST API.
    let version = pinned("ORAS_VERSION");
    python_client_run("oras", version, "oras_push_pull.py", "steps", 7).await;
}

/// The release of the `skopeo` on the PATH (`skopeo version 1.9.3` prints `1.9.3`): `None`
/// when there is none.
fn skopeo_version() -> Option<String> {
    let out = Command::new("skopeo").arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.trim().rsplit(' ').next()?.to_owned();
    (out.status.success() && !version.is_empty()).then_some(version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_copies_through_the_registry_api() {
    // Pull to a directory, a push that mounts its blobs, a conversion to OCI, an index with
    // its children pushed and pulled, deletion, and three traps of real Harbor
    // (`compat/skopeo_copy.py`).
    let version = pinned("SKOPEO_VERSION");
    match skopeo_version() {
        None => {
            eprintln!("skipped: skopeo is not on the PATH; to run this test: {HOW_TO_INSTALL}");
            return;
        }
        Some(installed) => assert_eq!(
            installed, version,
            "skopeo {installed} is on the PATH; the script is written against {version}"
        ),
    }
    let mut command = Command::new("python3");
    command.arg(script("skopeo_copy.py"));
    let out = run_against_simulator(command).await;
    check_summary("skopeo", &out, "steps", 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_harbor_api_client_operation_ends_as_against_harbor() {
    // The operations of harbor-api-client's API classes.
    let version = pinned("HARBOR_API_CLIENT_VERSION");
    let script = "harbor_client_every_operation.py";
    python_client_run("harbor-api-client", version, script, "operations", 205).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hapic_harbor_call_ends_as_against_harbor() {
    let modules = installed_under("COMPAT_NODE_MODULES", "compat-node/node_modules");
    if !modules.join("@hapic/harbor").exists() {
        eprintln!(
            "skipped: @hapic/harbor is not installed in {}; to run this test: {HOW_TO_INSTALL}",
            modules.display()
        );
        return;
    }
    // As for the Python clients: another release than the script's is a failure, not a skip.
    let manifest = modules.join("@hapic/harbor/package.json");
    let manifest: serde_json::Value = std::fs::read(&manifest)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| panic!("cannot read {}", manifest.display()));
    let version = pinned("HAPIC_HARBOR_VERSION");
    assert_eq!(
        manifest["version"],
        version,
        "{} has @hapic/harbor {}; the script is written against {version}",
        modules.display(),
        manifest["version"]
    );
    let mut command = Command::new("node");
    command
        .env("NODE_PATH", &modules)
        .arg(script("hapic_every_method.mjs"));
    let out = run_against_simulator(command).await;
    check_summary("@hapic/harbor", &out, "calls", 34);
}

/// `compat/schemathesis_500s.txt`, the operations where `compat/schemathesis.sh` accepts a
/// 500, names each by Harbor's method and path once, and where the case is recorded: a
/// CONFORMANCE.md row (`| PC14 |`) or a file of this crate. A typo in the baseline would
/// otherwise accept nothing (or hide a row that was renumbered) without a word.
#[test]
fn schemathesis_baseline_names_harbors_operations_and_recorded_cases() {
    const BASELINE: &str = include_str!("../compat/schemathesis_500s.txt");
    const CONFORMANCE: &str = include_str!("../CONFORMANCE.md");
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = 0;
    for line in BASELINE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        lines += 1;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [method, path, recorded] = fields[..] else {
            panic!("not `method path row`: {line:?}");
        };
        assert!(
            harbor_sim::operations()
                .iter()
                .any(|op| op.method == method && op.path == path),
            "not an operation of Harbor's spec: {method} {path}"
        );
        assert!(seen.insert((method, path)), "named twice: {method} {path}");
        if recorded.contains('/') {
            assert!(
                crate_dir.join(recorded).is_file(),
                "{method} {path}: no file {recorded} in harbor-sim"
            );
        } else {
            assert!(
                CONFORMANCE.contains(&format!("\n| {recorded} |")),
                "{method} {path}: CONFORMANCE.md has no row {recorded}"
            );
        }
    }
    // The 28 operations of the runs recorded in CONFORMANCE.md ("A property-based tester").
    assert_eq!(lines, 28);
}
