//! Heap allocations per logical call, for every contender and case, counted by dhat's
//! global allocator. Prints a Markdown table.
//!
//! `cargo run -p retry-bench --release --bin alloc_count`

use retry_bench::{Case, Contender, Flaky, blocking, nonblocking};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const CALLS: u64 = 1_000;

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime");
    // Calibration: one boxed value per call must count as one block, or the table means nothing.
    let before = dhat::HeapStats::get().total_blocks;
    for i in 0..CALLS {
        std::hint::black_box(Box::new(i));
    }
    let calibration = dhat::HeapStats::get().total_blocks - before;
    assert_eq!(
        calibration, CALLS,
        "the counting allocator missed allocations"
    );
    println!("calibration: {calibration} boxes counted as {calibration} blocks\n");
    println!(
        "| case | mode | {} |",
        Contender::ALL.map(|c| c.name()).join(" | ")
    );
    println!("|---|---|{}", "---|".repeat(Contender::ALL.len()));
    for case in Case::ALL {
        for is_async in [true, false] {
            let mut cells = Vec::new();
            for contender in Contender::ALL {
                if !contender.supports(case, is_async) {
                    cells.push("n/a".to_string());
                    continue;
                }
                let flaky = Flaky::default();
                let one_call = || {
                    flaky.arm(case.failures());
                    let result = if is_async {
                        runtime.block_on(nonblocking::run(contender, case, &flaky))
                    } else {
                        blocking::run(contender, case, &flaky)
                    };
                    assert!(result.is_ok(), "{contender:?} failed {case:?}");
                };
                // Warm up: lazily initialised statics (tracing callsites, timers) are not per call.
                for _ in 0..10 {
                    one_call();
                }
                let before = dhat::HeapStats::get().total_blocks;
                for _ in 0..CALLS {
                    one_call();
                }
                let after = dhat::HeapStats::get().total_blocks;
                cells.push(format!("{:.2}", (after - before) as f64 / CALLS as f64));
            }
            let mode = if is_async { "async" } else { "blocking" };
            println!("| {} | {mode} | {} |", case.label(), cells.join(" | "));
        }
    }
}
