//! Row ids that sort by creation time, as Mastodon's do: clients compare ids
//! to order statuses and to page with `since_id`/`max_id`.
//!
//! Layout: milliseconds since the Unix epoch in the high bits, 16 low bits
//! that start at a random offset each millisecond and count up. Within one
//! process ids strictly increase; several processes sharing PostgreSQL get
//! distinct ids with overwhelming probability, and a clash is caught by the
//! primary key.

use std::sync::atomic::{AtomicI64, Ordering};

static LAST: AtomicI64 = AtomicI64::new(0);

pub fn next_id() -> i64 {
    let millis = chrono::Utc::now().timestamp_millis();
    let candidate = (millis << 16) | i64::from(rand::random::<u16>() >> 1);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_strictly_increase_and_track_the_clock() {
        let before = chrono::Utc::now().timestamp_millis() << 16;
        let ids: Vec<i64> = (0..10_000).map(|_| next_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids[0] >= before);
        let after = (chrono::Utc::now() + chrono::Duration::seconds(1)).timestamp_millis() << 16;
        assert!(*ids.last().unwrap() < after);
    }
}
