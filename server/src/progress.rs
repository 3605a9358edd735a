//! Progress the command line shows while a command works: a bar for work
//! counted in steps, a spinner for a wait. Both go to standard error, so
//! standard output keeps only a command's result. When standard error is
//! not a terminal (a log file, a pipe, CI) nothing is drawn: a spinner
//! stays quiet, and each stage of a bar is announced once on a line of its
//! own, so a log still shows where a long run was.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

fn drawn() -> bool {
    std::io::stderr().is_terminal()
}

/// A spinner with `message` until [`Spinner::done`] (or until dropped).
pub struct Spinner(ProgressBar);

impl Spinner {
    pub fn start(message: &str) -> Spinner {
        if !drawn() {
            return Spinner(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner().with_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner(bar)
    }

    pub fn done(self) {
        self.0.finish_and_clear();
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// One bar per stage of a generation, for `trellis admin demo-network`.
pub struct Stages {
    current: Mutex<Option<ProgressBar>>,
}

impl Stages {
    pub fn new() -> Stages {
        Stages {
            current: Mutex::new(None),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn finish(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }
}

impl Default for Stages {
    fn default() -> Stages {
        Stages::new()
    }
}

impl crate::domain::demo::Progress for Stages {
    fn stage(&self, name: &'static str, total: usize) {
        let mut current = self.bar();
        if let Some(previous) = current.take() {
            previous.finish_and_clear();
        }
        if !drawn() {
            eprintln!("generating {name} ({total})…");
            return;
        }
        let style = ProgressStyle::with_template("{prefix:>13} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::new(total as u64)
            .with_style(style)
            .with_prefix(name);
        *current = Some(bar);
    }

    fn step(&self) {
        if let Some(bar) = self.bar().as_ref() {
            bar.inc(1);
        }
    }
}
