//! `cargo xtask <command>`: project automation.
//!
//! Commands:
//! - `codegen --spec <swagger.yaml> [--out <dir>] [--check]`: regenerate
//!   `harbor-client/src/generated/` and `harbor-sim/src/generated/` from Harbor's spec
//!   (`--check` only reports stale files; `--out` moves the client's directory only).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use xtask::codegen;

const USAGE: &str =
    "usage: cargo xtask codegen --spec <path/to/swagger.yaml> [--out <dir>] [--check]";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("codegen") => codegen_command(args),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

fn codegen_command(mut args: impl Iterator<Item = String>) -> Result<ExitCode> {
    let mut spec = None;
    let mut out = None;
    let mut check = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--spec" => spec = Some(PathBuf::from(args.next().context("--spec needs a path")?)),
            "--out" => out = Some(PathBuf::from(args.next().context("--out needs a path")?)),
            "--check" => check = true,
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let spec = spec.with_context(|| format!("--spec is required\n{USAGE}"))?;
    let out = out.unwrap_or_else(codegen::default_out_dir);
    let (files, summary) = codegen::generate(&spec)?;
    let (sim_files, sim_summary) = codegen::sim::generate(&spec)?;
    let sim_out = codegen::sim::default_out_dir();
    if check {
        let mut up_to_date = true;
        for (files, out) in [(&files, &out), (&sim_files, &sim_out)] {
            let stale = codegen::stale(files, out);
            if !stale.is_empty() {
                up_to_date = false;
                eprintln!(
                    "stale generated files in {}: {}",
                    out.display(),
                    stale.join(", ")
                );
            }
        }
        if up_to_date {
            println!("generated code is up to date");
            return Ok(ExitCode::SUCCESS);
        }
        return Ok(ExitCode::FAILURE);
    }
    let changed = codegen::write(&files, &out)?;
    let sim_changed = codegen::write(&sim_files, &sim_out)?;
    println!(
        "simulator: {} operations, {} request and {} response schemas; {} file(s) changed in {}",
        sim_summary.operations,
        sim_summary.request_schemas,
        sim_summary.response_schemas,
        sim_changed.len(),
        sim_out.display()
    );
    println!(
        "{} definitions ({} model types), {} operations, {} methods with #[retry]; {} file(s) changed in {}",
        summary.definitions,
        summary.model_types,
        summary.operations,
        summary.retried_methods,
        changed.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
