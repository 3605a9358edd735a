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

#[cfg(test)]
mod tests {
    use super::SlowQueryLog;
    use diesel::{Connection, RunQueryDsl, sqlite::SqliteConnection};
    use std::{
        sync::{Arc, Mutex},
        time::Duration,
    };

    /// Collects what is logged, for the test to read.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(threshold: Duration) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let mut conn = SqliteConnection::establish(":memory:").unwrap();
            conn.set_instrumentation(SlowQueryLog::new(threshold));
            diesel::sql_query("SELECT ? AS secret")
                .bind::<diesel::sql_types::Text, _>("hunter2")
                .execute(&mut conn)
                .unwrap();
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_slow_statement_is_logged_without_its_values() {
        let log = logged(Duration::ZERO);
        assert!(log.contains("slow query: SELECT ? AS secret"), "{log}");
        assert!(log.contains("ms="), "{log}");
        assert!(!log.contains("hunter2"), "{log}");
    }

    #[test]
    fn a_quick_statement_is_not_logged() {
        assert_eq!(logged(Duration::from_secs(60)), "");
    }
}
