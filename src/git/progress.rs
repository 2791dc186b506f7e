//! The progress line of `history` on stderr: which stage a long walk is at and how far, redrawn
//! in place and erased at the end. The caller shows it only when stderr is a terminal.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// The stages of `history`, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Walk = 0,
    Diff = 1,
    Search = 2,
}

/// Where the work is: counters the workers bump and the progress thread reads.
#[derive(Debug, Default)]
pub struct Status {
    stage: AtomicUsize,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Status {
    /// A stage begins, with `total` steps (0: not known ahead).
    pub fn start(&self, stage: Stage, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.stage.store(stage as usize, Ordering::Relaxed);
    }

    /// One more step of the stage done.
    pub fn step(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// "diffed 120 of 10000 commits…"
    pub fn line(&self) -> String {
        let done = self.done.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed);
        let done = if total > 0 { done.min(total) } else { done };
        match self.stage.load(Ordering::Relaxed) {
            0 => format!("walked {done} commits…"),
            1 => format!("diffed {done} of {total} commits…"),
            _ => format!("searched {done} of {total} file versions…"),
        }
    }
}

/// A walk shorter than this shows no progress at all.
const DELAY: Duration = Duration::from_secs(1);
/// How often the line is redrawn after that.
const TICK: Duration = Duration::from_millis(150);

/// Run `work` while a thread redraws `status`'s line on stderr (when `show`), then erase it.
pub fn show_while<T>(show: bool, status: &Status, work: impl FnOnce() -> T) -> T {
    if !show {
        return work();
    }
    draw_while(status, DELAY, TICK, std::io::stderr(), work)
}

/// [`show_while`] on `out`. The thread waits on a channel that `work`'s end closes, so a quick
/// walk prints nothing and never waits for a tick.
fn draw_while<T>(
    status: &Status,
    delay: Duration,
    tick: Duration,
    mut out: impl Write + Send,
    work: impl FnOnce() -> T,
) -> T {
    let (stop, wait) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let (mut width, mut timeout) = (0usize, delay);
            while let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(timeout) {
                timeout = tick;
                let line = status.line();
                // Pad over a longer line drawn before, so no tail of it stays.
                let pad = width.saturating_sub(line.chars().count());
                width = line.chars().count();
                let _ = write!(out, "\r{line}{:pad$}", "");
                let _ = out.flush();
            }
            if width > 0 {
                let _ = write!(out, "\r{:width$}\r", "");
                let _ = out.flush();
            }
        });
        let result = work();
        drop(stop);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_the_stage_and_never_counts_past_the_total() {
        let s = Status::default();
        s.start(Stage::Walk, 0);
        s.step();
        s.step();
        assert_eq!(s.line(), "walked 2 commits…");
        s.start(Stage::Diff, 1);
        s.step();
        s.step();
        assert_eq!(s.line(), "diffed 1 of 1 commits…");
        s.start(Stage::Search, 3);
        assert_eq!(s.line(), "searched 0 of 3 file versions…");
    }

    /// A writer whose bytes the test can read while the progress thread holds it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            self.0.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
        }
    }

    #[test]
    fn a_quick_walk_prints_nothing_and_a_long_one_is_erased() {
        let s = Status::default();
        let out = Shared::default();
        assert_eq!(draw_while(&s, Duration::from_secs(5), TICK, out.clone(), || 7), 7);
        assert!(out.text().is_empty());
        let out = Shared::default();
        draw_while(&s, Duration::from_millis(1), Duration::from_millis(1), out.clone(), || {
            s.start(Stage::Search, 12_345);
            // Until the line is drawn, however busy the machine.
            while !out.text().contains("searched") {
                std::thread::yield_now();
            }
        });
        let text = out.text();
        assert!(text.contains("\rsearched 0 of 12345 file versions…"), "{text:?}");
        assert!(text.ends_with('\r') && !text.contains('\n'), "{text:?}");
    }
}
