//! How long the `#[retry]` macro itself takes on `harbor-client`: parses every generated
//! method file, runs the macro's own expansion function on each `#[retry]` fn (the same code
//! the compiler runs through the proc-macro bridge), and reports the time and the growth in
//! tokens. Part of the build-cost report; `cargo build --timings` gives the whole.
//!
//! `cargo run -p retry-bench --release --bin expand_cost [harbor-client/src/generated/methods] [--print NAME]`
//!
//! `--print NAME` also prints the expansion of the fn called `NAME` (as tokens; pipe through
//! `rustfmt` to read it).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use quote::ToTokens;

/// Tokens at every depth (a group counts as its delimiters plus its contents).
fn count_tokens(tokens: proc_macro2::TokenStream) -> usize {
    tokens
        .into_iter()
        .map(|tree| match tree {
            proc_macro2::TokenTree::Group(g) => 2 + count_tokens(g.stream()),
            _ => 1,
        })
        .sum()
}

fn rust_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every fn (free, or in an impl block) carrying `#[retry(..)]`: (attribute args, fn without it).
fn retry_fns(file: &syn::File) -> Vec<(proc_macro2::TokenStream, proc_macro2::TokenStream)> {
    let mut found = Vec::new();
    let mut take = |attrs: &[syn::Attribute], item: &dyn ToTokens| {
        for attr in attrs {
            if attr.path().is_ident("retry")
                && let syn::Meta::List(list) = &attr.meta
            {
                found.push((list.tokens.clone(), item.to_token_stream()));
            }
        }
    };
    for item in &file.items {
        match item {
            syn::Item::Fn(f) => {
                let mut bare = f.clone();
                bare.attrs.retain(|a| !a.path().is_ident("retry"));
                take(&f.attrs, &bare);
            }
            syn::Item::Impl(block) => {
                for inner in &block.items {
                    if let syn::ImplItem::Fn(f) = inner {
                        let mut bare = f.clone();
                        bare.attrs.retain(|a| !a.path().is_ident("retry"));
                        take(&f.attrs, &bare);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let print = match args.iter().position(|a| a == "--print") {
        Some(at) if at + 1 < args.len() => Some(args.drain(at..at + 2).nth(1).unwrap_or_default()),
        Some(_) => {
            eprintln!("expand_cost: --print needs a fn name");
            return ExitCode::FAILURE;
        }
        None => None,
    };
    let dir = args
        .into_iter()
        .next()
        .unwrap_or_else(|| "harbor-client/src/generated/methods".into());
    let files = match rust_files(Path::new(&dir)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("expand_cost: cannot read {dir}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut fns = Vec::new();
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("expand_cost: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        match syn::parse_file(&text) {
            Ok(file) => fns.extend(retry_fns(&file)),
            Err(e) => {
                eprintln!("expand_cost: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if fns.is_empty() {
        eprintln!("expand_cost: no #[retry] fn under {dir}");
        return ExitCode::FAILURE;
    }
    if let Some(name) = &print {
        let named = fns.iter().find(|(_, item)| {
            syn::parse2::<syn::ImplItemFn>(item.clone()).is_ok_and(|f| f.sig.ident == name)
                || syn::parse2::<syn::ItemFn>(item.clone()).is_ok_and(|f| f.sig.ident == name)
        });
        let Some((attr, item)) = named else {
            eprintln!("expand_cost: no #[retry] fn named {name} under {dir}");
            return ExitCode::FAILURE;
        };
        let out = retry_macros_core::expand_retry(attr.clone(), item.clone());
        println!(
            "// {} -> {} tokens",
            count_tokens(item.clone()),
            count_tokens(out.clone())
        );
        println!("{out}");
    }
    let (tokens_in, mut tokens_out) = (
        fns.iter()
            .map(|(_, f)| count_tokens(f.clone()))
            .sum::<usize>(),
        0,
    );
    // Best of five rounds: the machine is shared and noisy.
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        tokens_out = 0;
        for (attr, item) in &fns {
            let out = retry_macros_core::expand_retry(attr.clone(), item.clone());
            tokens_out += count_tokens(out);
        }
        best = best.min(start.elapsed());
    }
    println!(
        "{} #[retry] fns in {} files: expansion {:.2} ms in all ({:.1} us per fn), tokens {} -> {}",
        fns.len(),
        files.len(),
        best.as_secs_f64() * 1e3,
        best.as_secs_f64() * 1e6 / fns.len() as f64,
        tokens_in,
        tokens_out
    );
    ExitCode::SUCCESS
}
