//! Runs case (a), success on the first try, `N` times with one contender, so that
//! `valgrind --tool=callgrind` can count its instructions per call (see `bench/callgrind.sh`,
//! which subtracts a run with N = 0).
//!
//! `callgrind_case <contender> <async|blocking> <N>`

use std::process::ExitCode;

use retry_bench::{Case, Contender, Flaky, blocking, nonblocking};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [contender, mode, count] = args.as_slice() else {
        eprintln!("usage: callgrind_case <contender> <async|blocking> <N>");
        return ExitCode::FAILURE;
    };
    let Some(contender) = Contender::from_name(contender) else {
        eprintln!("unknown contender {contender:?}");
        return ExitCode::FAILURE;
    };
    let Ok(count) = count.parse::<u64>() else {
        eprintln!("N must be a non-negative integer, got {count:?}");
        return ExitCode::FAILURE;
    };
    let is_async = match mode.as_str() {
        "async" => true,
        "blocking" => false,
        other => {
            eprintln!("mode must be async or blocking, got {other:?}");
            return ExitCode::FAILURE;
        }
    };
    if !contender.supports(Case::FirstTry, is_async) {
        eprintln!("{} has no {mode} form", contender.name());
        return ExitCode::FAILURE;
    }
    let flaky = Flaky::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime");
    let mut sum = 0u64;
    if is_async {
        runtime.block_on(async {
            for _ in 0..count {
                sum = sum.wrapping_add(
                    nonblocking::run(contender, Case::FirstTry, &flaky)
                        .await
                        .unwrap_or(0),
                );
            }
        });
    } else {
        for _ in 0..count {
            sum = sum.wrapping_add(blocking::run(contender, Case::FirstTry, &flaky).unwrap_or(0));
        }
    }
    std::hint::black_box(sum);
    ExitCode::SUCCESS
}
