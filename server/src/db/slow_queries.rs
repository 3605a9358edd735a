//! The slow-query log: every statement that takes longer than the
//! configured threshold is logged with its time, so an admin whose server
//! slows down as the network grows can see which query did it.

use diesel::connection::{Instrumentation, InstrumentationEvent};
use std::time::{Duration, Instant};

/// Times each statement of one connection.
pub struct SlowQueryLog {
    threshold: Duration,
    started: Option<Instant>,
}

impl SlowQueryLog {
    pub fn new(threshold: Duration) -> SlowQueryLog {
        SlowQueryLog {
            threshold,
            started: None,
        }
    }
}

/// The longest statement text logged: an `IN` list of a thousand ids says
/// nothing more than its start.
const LONGEST_LOGGED: usize = 1_000;

impl Instrumentation for SlowQueryLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let took = started.elapsed();
                if took < self.threshold {
                    return;
                }
                // The statement without its bound values: those are what
                // members wrote (and password hashes), not for a log.
                let text = query.to_string();
                let statement = text.split(" -- binds:").next().unwrap_or_default();
                let statement: String = statement.chars().take(LONGEST_LOGGED).collect();
                tracing::warn!(
                    target: "trellis::slow_query",
                    ms = format!("{:.1}", took.as_secs_f64() * 1000.0),
                    "slow query: {statement}"
                );
            }
            _ => {}
        }
    }
}
