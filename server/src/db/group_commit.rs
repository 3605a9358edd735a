//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, so every write queues for
//! it. Committing each write on its own makes the queue pay a transaction,
//! a thread hop and a pool checkout per write. Instead one thread owns the
//! writing connection, takes every write waiting in the queue, runs them in
//! one transaction, each inside its own savepoint, and answers them all once
//! that transaction has committed:
//!
//! - a write that fails rolls back to its savepoint and leaves the others be,
//!   exactly as if it had run alone;
//! - nobody hears "done" before the batch is durable, and if the commit fails
//!   every write in the batch hears that it failed;
//! - under light load the batch is one write, so nothing waits for company.

use super::{DbConnection, DbError};
use diesel::{Connection, r2d2::R2D2Connection};
use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::mpsc,
    time::Duration,
};

/// Most writes a batch takes: bounds the wait of the first one in it.
const MAX_BATCH: usize = 128;
/// How long the writer waits before opening its connection again after it
/// could not.
const RECONNECT_PAUSE: Duration = Duration::from_millis(200);

/// Tells a write how its batch ended: `None` when it committed, else why not.
type Finish = Box<dyn FnOnce(Option<&str>) + Send>;
/// A write, run in its savepoint; what it returns answers the caller once the
/// batch has ended.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Finish + Send>;

/// The handle writes are sent through; the writing thread stops when the
/// last handle is dropped.
#[derive(Clone)]
pub(super) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
}

impl GroupWriter {
    /// Starts the writing thread on `conn`; `connect` opens a new connection
    /// should the thread have to give that one up.
    pub(super) fn start(
        conn: DbConnection,
        connect: impl Fn() -> Result<DbConnection, String> + Send + 'static,
    ) -> std::io::Result<GroupWriter> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_batches(conn, &queue, connect))?;
        Ok(GroupWriter { jobs })
    }

    /// Runs `f` in its own savepoint of the next batch and answers after the
    /// batch commits: either all of `f`'s writes land or none.
    pub(super) async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.transaction(f);
            Box::new(move |failed| {
                let result = match failed {
                    Some(reason) => Err(E::from(DbError::Commit(reason.to_string()))),
                    None => result,
                };
                let _ = answer.send(result);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| DbError::Commit("the database writer has stopped".into()))?;
        answered.await.unwrap_or_else(|_| {
            Err(E::from(DbError::Commit(
                "the write was abandoned: another write in its batch panicked".into(),
            )))
        })
    }
}

fn write_batches(
    conn: DbConnection,
    queue: &mpsc::Receiver<Job>,
    connect: impl Fn() -> Result<DbConnection, String>,
) {
    let mut conn = Some(conn);
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let writing = match conn.as_mut() {
            Some(writing) => writing,
            None => match connect() {
                Ok(fresh) => conn.insert(fresh),
                Err(error) => {
                    tracing::error!(%error, "the SQLite writer cannot open its connection");
                    // Dropping the batch answers each write with an error.
                    drop(batch);
                    std::thread::sleep(RECONNECT_PAUSE);
                    continue;
                }
            },
        };
        let mut finishers: Vec<Finish> = Vec::with_capacity(batch.len());
        let committed = catch_unwind(AssertUnwindSafe(|| {
            writing.transaction::<_, diesel::result::Error, _>(|conn| {
                for job in batch {
                    finishers.push(job(conn));
                }
                Ok(())
            })
        }));
        match committed {
            Ok(Ok(())) => finishers.into_iter().for_each(|finish| finish(None)),
            Ok(Err(error)) => {
                let reason = error.to_string();
                tracing::error!(%reason, writes = finishers.len(), "a batch of writes failed to commit");
                finishers
                    .into_iter()
                    .for_each(|finish| finish(Some(&reason)));
                if writing.is_broken() {
                    conn = None;
                }
            }
            Err(_) => {
                // A write panicked mid-transaction: the connection's
                // transaction state is unknown, so it is dropped, which
                // rolls the batch back; the dropped finishers tell their
                // callers.
                tracing::error!("a write panicked; its batch was rolled back");
                conn = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{Database, DbConnection, DbError};
    use diesel::{RunQueryDsl, connection::SimpleConnection, sql_types::BigInt};

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    async fn database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::open(&url, 2).unwrap();
        db.write(|conn| {
            conn.batch_execute("CREATE TABLE group_test (v INTEGER NOT NULL UNIQUE)")
                .map_err(DbError::from)
        })
        .await
        .unwrap();
        (dir, db)
    }

    fn insert(conn: &mut DbConnection, v: i64) -> Result<(), DbError> {
        diesel::sql_query(format!("INSERT INTO group_test (v) VALUES ({v})")).execute(conn)?;
        Ok(())
    }

    async fn values(db: &Database) -> i64 {
        db.read(|conn| {
            diesel::sql_query("SELECT COUNT(*) AS n FROM group_test")
                .get_result::<Count>(conn)
                .map_err(DbError::from)
        })
        .await
        .unwrap()
        .n
    }

    #[tokio::test]
    async fn a_failed_write_leaves_the_rest_of_its_batch_alone() {
        let (_dir, db) = database().await;
        db.write(|conn| insert(conn, 0)).await.unwrap();
        // Many writes at once, so they queue and share batches; every
        // fourth writes its row and then fails on a taken value, and must
        // leave nothing behind.
        let writes = (1..=200).map(|n| {
            let db = db.clone();
            async move {
                db.write(move |conn| {
                    insert(conn, n)?;
                    if n % 4 == 0 {
                        insert(conn, 0)?;
                    }
                    Ok::<_, DbError>(n)
                })
                .await
            }
        });
        let results = futures::future::join_all(writes).await;
        for (n, result) in (1..=200).zip(&results) {
            assert_eq!(result.is_err(), n % 4 == 0, "write {n}: {result:?}");
        }
        assert_eq!(values(&db).await, 1 + 150);
    }

    #[tokio::test]
    async fn a_write_that_panics_changes_nothing_and_the_writer_goes_on() {
        let (_dir, db) = database().await;
        let panicked = db
            .write(|conn| {
                insert(conn, 1)?;
                if true {
                    panic!("a bug in a write");
                }
                Ok::<_, DbError>(())
            })
            .await;
        assert!(panicked.is_err());
        assert_eq!(values(&db).await, 0);
        db.write(|conn| insert(conn, 2)).await.unwrap();
        assert_eq!(values(&db).await, 1);
    }

    #[tokio::test]
    async fn a_write_is_visible_to_readers_once_answered() {
        let (_dir, db) = database().await;
        for n in 0..20 {
            db.write(move |conn| insert(conn, n)).await.unwrap();
            assert_eq!(values(&db).await, n + 1);
        }
    }
}
