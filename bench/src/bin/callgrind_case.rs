//! Runs case (a), success on the first try, `N` times with one contender, so that
//! `valgrind --tool=callgrind` can count its instructions per call (see `bench/callgrind.sh`,
//! which subtracts a run with N = 0).
//!
//! `callgrind_case <contender> <async|blocking> <N> [case]`, where `case` is a case label
//! (`a_first_try`, `b_one_failure`, `c_ten_failures`, `d_timed_with_hook`; default
//! `a_first_try`), so that the retry path can be profiled the same way.

use std::process::ExitCode;

use retry_bench::{Case, Contender, Flaky, blocking, nonblocking};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (contender, mode, count, case) = match args.as_slice() {
        [contender, mode, count] => (contender, mode, count, "a_first_try"),
        [contender, mode, count, case] => (contender, mode, count, case.as_str()),
        _ => {
            eprintln!("usage: callgrind_case <contender> <async|blocking> <N> [case]");
            return ExitCode::FAILURE;
        }
    };
    let Some(case) = Case::ALL.into_iter().find(|c| c.label() == case) else {
        eprintln!("unknown case {case:?}");
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
    if !contender.supports(case, is_async) {
        eprintln!(
            "{} has no {mode} form of {}",
            contender.name(),
            case.label()
        );
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
                flaky.arm(case.failures());
                sum =
                    sum.wrapping_add(nonblocking::run(contender, case, &flaky).await.unwrap_or(0));
            }
        });
    } else {
        for _ in 0..count {
            flaky.arm(case.failures());
            sum = sum.wrapping_add(blocking::run(contender, case, &flaky).unwrap_or(0));
        }
    }
    std::hint::black_box(sum);
    ExitCode::SUCCESS
}
