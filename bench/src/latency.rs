//! Latency figures shared by the load drivers (`src/bin/client_load.rs`, `src/bin/hedge_load.rs`).

/// The `p`-th percentile (0 to 100, nearest rank) of `sorted`, which must be sorted ascending;
/// 0 when it is empty.
///
/// ```
/// let sorted = [1, 2, 3, 4, 100];
/// assert_eq!(retry_bench::latency::percentile(&sorted, 50.0), 3);
/// assert_eq!(retry_bench::latency::percentile(&sorted, 100.0), 100);
/// assert_eq!(retry_bench::latency::percentile(&[], 99.0), 0);
/// ```
pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
