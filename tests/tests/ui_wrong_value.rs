//! A wrong value for each key of `#[retry]`: one error per annotated fn, at the value, in the
//! user's terms.
//!
//! `wrong_value` compiles `ui/wrong_value/*.rs` (one case per key and shape of mistake, each
//! with a blocking and an async fn where the key allows both) against its snapshot.
//! `messages_read_as_users_read_them` then reads every compile-fail snapshot, which trybuild
//! has just checked equal to the compiler's output, and fails on a message naming the
//! runtime's internals, or, for `wrong_value`, on an error count or place other than one per
//! fn, at the value. Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p
//! retry-tests --test ui_wrong_value` and read every changed one before committing it.

use std::fs;
use std::path::{Path, PathBuf};

/// Names a user never wrote and cannot act on: the runtime's hidden module and generated
/// names, and the types of a policy's rules.
const INTERNAL_NAMES: &[&str] = &[
    "__private",
    "__retry",
    "StaticRules",
    "SettingsRules",
    "Policy<",
    "Policy::",
    "Engine<",
    "Engine::",
    "WithSettings",
    "NoSettings",
];

#[test]
fn wrong_value() {
    trybuild::TestCases::new().compile_fail("ui/wrong_value/*.rs");
}

fn snapshots(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "stderr"))
        .collect();
    files.sort();
    files
}

/// The `(line, column)` (1-based) of each error's primary location in its own case file.
fn error_locations(stderr: &str) -> Vec<Option<(usize, usize)>> {
    stderr
        .split("\nerror")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let arrow = block
                .lines()
                .find(|line| line.trim_start().starts_with("--> "))?;
            let mut parts = arrow.trim_start()[4..].rsplitn(3, ':');
            let column = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((line, column))
        })
        .collect()
}

#[test]
fn messages_read_as_users_read_them() {
    let mut problems = Vec::new();
    let all = [snapshots("ui/fail"), snapshots("ui/wrong_value")].concat();
    assert!(
        all.len() > 100,
        "expected the compile-fail snapshots, found {}",
        all.len()
    );
    for path in &all {
        let stderr = fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        for internal in INTERNAL_NAMES {
            if stderr.contains(internal) {
                problems.push(format!("{name}: names `{internal}`"));
            }
        }
    }
    for path in snapshots("ui/wrong_value") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let stderr = fs::read_to_string(&path).unwrap();
        let source = fs::read_to_string(path.with_extension("rs")).unwrap();
        let source: Vec<&str> = source.lines().collect();
        let fns = source
            .iter()
            .filter(|line| line.starts_with("#[retry("))
            .count();
        let locations = error_locations(&stderr);
        if locations.len() != fns {
            problems.push(format!("{name}: {} errors for {fns} fns", locations.len()));
        }
        for location in locations {
            let Some((line, column)) = location else {
                problems.push(format!("{name}: an error without a location"));
                continue;
            };
            let text = source.get(line - 1).copied().unwrap_or("");
            // At a value: inside the attribute, right after `=`, `,`, `[` or `(`.
            let before = text.get(..column - 1).unwrap_or("").trim_end();
            let at_value = text.starts_with("#[retry(")
                && before.len() > "#[retry(".len()
                && before.ends_with(['=', ',', '[', '(']);
            if !at_value {
                problems.push(format!(
                    "{name}: an error at {line}:{column}, not at a value"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
