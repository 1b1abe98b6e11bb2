//! Progress on stderr for runs longer than a second: a spinner with the phase (reading and
//! parsing, analyzing) and the elapsed time. Shown only when stderr is a terminal and the
//! output is for people (human or short); never with JSON or SARIF, never in a pipe or a
//! file, so no machine reads it.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before its progress shows.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The progress line of one run; does nothing when progress is not shown.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress that shows once the run that began at `run_started` has gone on for
    /// [`SHOW_AFTER`], when `enabled`; else none.
    pub fn new(enabled: bool, run_started: Instant) -> Progress {
        if !enabled {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
            .with_elapsed(run_started.elapsed());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        let shown = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(SHOW_AFTER.saturating_sub(run_started.elapsed()));
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
            // Finished meanwhile: take back anything drawn after the clear.
            if shown.is_finished() {
                shown.finish_and_clear();
            }
        });
        Progress { bar: Some(bar) }
    }

    /// Whether this progress shows at all (a later phase's progress shows the same way).
    pub fn is_enabled(&self) -> bool {
        self.bar.is_some()
    }

    /// Names the phase the run is in.
    pub fn phase(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.into());
        }
    }

    /// Removes the progress line (before anything else is written to stderr or stdout).
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}
