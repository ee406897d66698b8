//! Criterion: every contender on every case it can express, async and blocking, in one run.
//!
//! `cargo bench -p retry-bench --bench retry_layer`

// criterion_group! defines an undocumented pub fn.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use retry_bench::{Case, Contender, Flaky, blocking, nonblocking};

fn async_cases(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime");
    for case in Case::ALL {
        let mut group = c.benchmark_group(format!("async/{}", case.label()));
        for contender in Contender::ALL {
            if !contender.supports(case, true) {
                continue;
            }
            let flaky = Flaky::default();
            group.bench_function(contender.name(), |b| {
                b.to_async(&runtime).iter(|| {
                    flaky.arm(case.failures());
                    nonblocking::run(contender, case, &flaky)
                })
            });
        }
        group.finish();
    }
}

fn blocking_cases(c: &mut Criterion) {
    for case in Case::ALL {
        let mut group = c.benchmark_group(format!("blocking/{}", case.label()));
        for contender in Contender::ALL {
            if !contender.supports(case, false) {
                continue;
            }
            let flaky = Flaky::default();
            group.bench_function(contender.name(), |b| {
                b.iter(|| {
                    flaky.arm(case.failures());
                    blocking::run(contender, case, &flaky)
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, async_cases, blocking_cases);
criterion_main!(benches);
