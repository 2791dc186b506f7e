//! What tests that guard against quadratic work measure: the CPU time of the calling thread,
//! and the costs of a small and a large input compared with each other, never with a clock.

use std::time::{Duration, Instant};

/// Runs of each input; the least cost is kept (load on the machine only ever adds time).
pub const RUNS: usize = 3;

/// CPU time the calling thread has run, where Linux says (`/proc/thread-self/schedstat`, in
/// ns): other processes and threads do not count. Elsewhere, time since the first call.
pub fn thread_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or_else(|| start.elapsed(), Duration::from_nanos)
}

/// The least cost of `work` on each input over `RUNS` runs, the inputs interleaved so that a
/// burst of load (or of cache misses) weighs on both.
pub fn costs<T: ?Sized>(inputs: [&T; 2], work: impl Fn(&T)) -> [Duration; 2] {
    let mut best = [Duration::MAX; 2];
    for _ in 0..RUNS {
        for (i, input) in inputs.iter().enumerate() {
            let started = thread_time();
            work(input);
            best[i] = best[i].min(thread_time().saturating_sub(started));
        }
    }
    best
}

/// How many times the second cost is the first.
pub fn ratio([small, large]: [Duration; 2]) -> f64 {
    large.as_secs_f64() / small.as_secs_f64().max(1e-6)
}
