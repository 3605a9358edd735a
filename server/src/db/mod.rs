//! Persistence: one connection type over SQLite and PostgreSQL, the pool, the
//! embedded migrations, and the queries. Nothing here knows about HTTP or
//! ActivityPub; callers hand in closures that run on a blocking thread.

pub mod accounts;
pub mod actor_keys;
pub mod blocks;
pub mod communities;
pub mod deliveries;
pub mod follows;
mod group_commit;
pub mod home_feed;
mod id_lists;
pub mod ids;
pub mod markers;
pub mod media;
pub mod models;
pub mod moderation;
pub mod network;
pub mod notifications;
pub mod oauth;
pub mod polls;
pub mod practice;
pub mod quotes;
pub mod schema;
pub mod sessions;
pub mod signature_standards;
mod slow_queries;
pub mod statuses;
pub mod stream_events;
pub mod tags;
mod union_all;
pub mod weaving;

pub use statuses::Page;

use diesel::{
    Connection,
    connection::SimpleConnection,
    pg::PgConnection,
    r2d2::{self, ManageConnection, Pool, R2D2Connection},
    sqlite::SqliteConnection,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// The SQL dialects are chosen per connection, so one binary serves a small
/// network from a file and a large one from a PostgreSQL cluster.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Key of the PostgreSQL advisory lock held while migrating ("TRLS").
const MIGRATION_LOCK: i64 = 0x5452_4c53;

fn run_migrations(conn: &mut DbConnection, migrations: EmbeddedMigrations) -> Result<(), DbError> {
    conn.run_pending_migrations(migrations)
        .map(drop)
        .map_err(|e| DbError::Migration(e.to_string()))
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database url {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// The SQLite file or its directory cannot be used, said plainly.
    #[error("{0}")]
    Place(String),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The transaction a write was part of did not commit.
    #[error("database commit failed: {0}")]
    Commit(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a database URL points, decided by its scheme rather than by trying
/// each driver in turn (SQLite would happily open a file named `postgres:`).
#[derive(Debug, Clone)]
enum Target {
    SqliteFile(String),
    Postgres(String),
}

impl Target {
    fn parse(url: &str) -> Result<Target, DbError> {
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(DbError::UnsupportedUrl(url.into()));
            }
            return Ok(Target::SqliteFile(rest.to_string()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_string()));
        }
        Err(DbError::UnsupportedUrl(url.into()))
    }

    fn backend(&self) -> Backend {
        match self {
            Target::SqliteFile(_) => Backend::Sqlite,
            Target::Postgres(_) => Backend::Postgres,
        }
    }
}

struct Manager {
    target: Target,
    /// Statements that take longer are logged (see [`slow_queries`]).
    slow_query: Option<Duration>,
    /// Whether connections write. Only the SQLite writer switches the file
    /// to WAL (a setting the file keeps); readers opened side by side at
    /// start-up would otherwise contend for the lock the switch takes.
    writer: bool,
}

/// A pooled connection, and whether its last use failed.
///
/// Pools do not test connections as they hand them out: on PostgreSQL that
/// costs a round trip per checkout. A connection whose work failed is
/// tested as it comes back instead, and dropped if the test fails, so a
/// connection the server closed (a restart) fails one request, not every
/// request after it.
pub struct Pooled {
    conn: DbConnection,
    suspect: bool,
}

impl Pooled {
    /// Runs `f` and remembers whether it failed.
    fn run<T, E>(&mut self, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E> {
        let result = f(&mut self.conn);
        self.suspect = result.is_err();
        result
    }
}

impl Manager {
    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.target {
            Target::SqliteFile(path) => {
                keep_sqlite_plans_stable();
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers proceed beside the one writer; the busy
                // timeout covers a CLI command writing while the server runs.
                // busy_timeout comes first: switching to WAL takes a lock.
                conn.batch_execute("PRAGMA busy_timeout = 10000;")
                    .map_err(r2d2::Error::QueryError)?;
                if self.writer {
                    conn.batch_execute("PRAGMA journal_mode = WAL;")
                        .map_err(r2d2::Error::QueryError)?;
                }
                // Savepoints (one per write in a group commit) keep their
                // undo pages in a temporary file unless told otherwise.
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA temp_store = MEMORY;",
                )
                .map_err(r2d2::Error::QueryError)?;
                if let Some(threshold) = self.slow_query {
                    conn.set_instrumentation(slow_queries::SlowQueryLog::new(threshold));
                }
                Ok(DbConnection::Sqlite(conn))
            }
            Target::Postgres(url) => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                if let Some(threshold) = self.slow_query {
                    conn.set_instrumentation(slow_queries::SlowQueryLog::new(threshold));
                }
                Ok(DbConnection::Pg(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        Ok(Pooled {
            conn: Manager::connect(self)?,
            suspect: false,
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        pooled.conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.conn.is_broken() || (pooled.suspect && pooled.conn.ping().is_err())
    }
}

/// Turns on SQLite's query planner stability guarantee for every connection
/// this process opens. Without it SQLite peeks at some bound values while
/// planning (a `LIMIT ?`, which diesel binds for every `.first()` and
/// `.limit()`), marks the statement to be prepared again whenever those
/// are bound anew, and so prepares most cached statements on every use.
fn keep_sqlite_plans_stable() {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: registers a plain function that SQLite calls on each new
        // connection, before the connection is handed out.
        let rc = unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(enable_qpsg)) };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::warn!(rc, "could not ask SQLite for stable query plans");
        }
    });
}

/// SQLite's entry point for [`keep_sqlite_plans_stable`].
unsafe extern "C" fn enable_qpsg(
    db: *mut libsqlite3_sys::sqlite3,
    _error: *mut *mut std::os::raw::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::os::raw::c_int {
    // SAFETY: `db` is the connection SQLite is opening; this option takes
    // an int to set and a pointer for the old value, which may be null.
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::os::raw::c_int,
            std::ptr::null_mut::<std::os::raw::c_int>(),
        )
    }
}

/// Pools for reading, and the way to write. SQLite allows one writer at a
/// time, so its writes queue for one connection that commits them in groups
/// (see [`group_commit`]) instead of failing with `SQLITE_BUSY`; PostgreSQL
/// shares one pool for both.
#[derive(Clone)]
pub struct Database {
    reads: Pool<Manager>,
    writes: Writes,
    backend: Backend,
}

#[derive(Clone)]
enum Writes {
    Pool(Pool<Manager>),
    Grouped(group_commit::GroupWriter),
}

impl Database {
    /// Connects, creating the SQLite file or the PostgreSQL database if it
    /// does not exist yet, and runs pending migrations.
    pub fn open(url: &str, pool_size: u32) -> Result<Database, DbError> {
        Database::open_logging(url, pool_size, None)
    }

    /// [`Database::open`], logging each statement that takes longer than
    /// `slow_query`.
    pub fn open_logging(
        url: &str,
        pool_size: u32,
        slow_query: Option<Duration>,
    ) -> Result<Database, DbError> {
        let target = Target::parse(url)?;
        match &target {
            Target::SqliteFile(path) => prepare_sqlite_place(path)?,
            Target::Postgres(url) => create_postgres_database_if_missing(url)?,
        }
        // One connection made directly, so a database that cannot be
        // opened says why at once; the pool would retry for its timeout
        // and then report only that it timed out. On SQLite it becomes the
        // writer, made first so the file is in WAL before readers open.
        let writer = Manager {
            target: target.clone(),
            slow_query,
            writer: true,
        };
        let mut first = writer
            .connect()
            .map_err(|e| DbError::Connect(e.to_string()))?;
        let build = |size: u32, writer: bool| {
            Pool::builder()
                .max_size(size)
                .connection_timeout(Duration::from_secs(30))
                // See [`Pooled`]: connections are tested when they fail.
                .test_on_check_out(false)
                .build(Manager {
                    target: target.clone(),
                    slow_query,
                    writer,
                })
                .map_err(|e| DbError::Connect(e.to_string()))
        };
        let backend = target.backend();
        let (reads, writes) = match backend {
            Backend::Sqlite => {
                run_migrations(&mut first, SQLITE_MIGRATIONS)?;
                let reconnect = move || writer.connect().map_err(|e| e.to_string());
                let grouped = group_commit::GroupWriter::start(first, reconnect)
                    .map_err(|e| DbError::Connect(format!("cannot start the writer: {e}")))?;
                (build(pool_size, false)?, Writes::Grouped(grouped))
            }
            Backend::Postgres => {
                drop(first);
                let pool = build(pool_size, true)?;
                migrate_postgres(&pool)?;
                (pool.clone(), Writes::Pool(pool))
            }
        };
        Ok(Database {
            reads,
            writes,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` on a pooled connection on a blocking thread.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.reads.clone();
        tokio::task::spawn_blocking(move || pool.get().map_err(DbError::from)?.run(f))
            .await
            .map_err(DbError::from)?
    }

    /// Runs `f` in one transaction: either all of its writes land or none.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        let pool = match &self.writes {
            Writes::Grouped(writer) => return writer.write(f).await,
            Writes::Pool(pool) => pool.clone(),
        };
        tokio::task::spawn_blocking(move || {
            pool.get()
                .map_err(DbError::from)?
                .run(|conn| conn.transaction(f))
        })
        .await
        .map_err(DbError::from)?
    }

    /// Whether a trivial query succeeds: the readiness signal for `/health`.
    pub async fn is_reachable(&self) -> bool {
        self.read(|conn| conn.ping().map_err(DbError::from))
            .await
            .is_ok()
    }
}

/// Several processes may start at once against one PostgreSQL database; a
/// session lock lets one migrate while the others wait.
fn migrate_postgres(pool: &Pool<Manager>) -> Result<(), DbError> {
    let mut pooled = pool.get()?;
    let conn = &mut pooled.conn;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
    let migrated = run_migrations(conn, POSTGRES_MIGRATIONS);
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
    migrated
}

/// Makes sure the SQLite file can live at `path`: its directory exists (or
/// is created) and this process may write there, as SQLite needs to for
/// the file and its `-wal` and `-shm` companions. Each failure names the
/// path and what is wrong with it.
fn prepare_sqlite_place(path: &str) -> Result<(), DbError> {
    let file = std::path::Path::new(path);
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    if let Some(blocker) = dir.ancestors().find(|a| a.exists() && !a.is_dir()) {
        return Err(DbError::Place(format!(
            "{} is a file, not a directory: the database {path} needs a directory there",
            blocker.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| place_error(dir, "create the directory", &e))?;
    if file.is_dir() {
        return Err(DbError::Place(format!(
            "{path} is a directory: the database needs a file name there (sqlite://DIRECTORY/trellis.db)"
        )));
    }
    let probe = dir.join(format!(".trellis-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .map_err(|e| place_error(dir, "write in", &e))?;
    let _ = std::fs::remove_file(&probe);
    if file.exists() {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(file)
            .map_err(|e| place_error(file, "write to", &e))?;
    }
    Ok(())
}

fn place_error(path: &std::path::Path, doing: &str, error: &std::io::Error) -> DbError {
    let shown = path.display();
    DbError::Place(match error.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "permission denied: cannot {doing} {shown}; let the user running Trellis write \
             there, or point TRELLIS_DATABASE_URL somewhere it can"
        ),
        std::io::ErrorKind::ReadOnlyFilesystem => {
            format!("cannot {doing} {shown}: the file system is read-only")
        }
        _ => format!("cannot {doing} {shown}: {error}"),
    })
}

/// Creates the named database through the server's maintenance database when
/// a first connection reports that it does not exist.
fn create_postgres_database_if_missing(url: &str) -> Result<(), DbError> {
    let err = match PgConnection::establish(url) {
        Ok(_) => return Ok(()),
        Err(err) => err,
    };
    if !err.to_string().contains("does not exist") {
        return Err(DbError::Connect(err.to_string()));
    }
    let mut parsed = url::Url::parse(url).map_err(|e| DbError::Connect(e.to_string()))?;
    let name = parsed.path().trim_start_matches('/').to_string();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(DbError::Connect(err.to_string()));
    }
    parsed.set_path("/postgres");
    let mut admin =
        PgConnection::establish(parsed.as_str()).map_err(|e| DbError::Connect(e.to_string()))?;
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .map_err(|e| DbError::Connect(format!("cannot create database {name}: {e}")))?;
    tracing::info!(database = %name, "created PostgreSQL database");
    Ok(())
}

/// Runs `insert` in a savepoint and answers None when it fails on a unique
/// key. On PostgreSQL two transactions may both look for a row, find none
/// and insert it; the second insert waits for the first to commit, then
/// fails. Rolled back to the savepoint, the second transaction can still
/// read the row that won and carry on, so both callers succeed.
pub fn insert_unless_taken<T>(
    conn: &mut DbConnection,
    insert: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<Option<T>> {
    use diesel::result::{DatabaseErrorKind, Error};
    match conn.transaction(insert) {
        Ok(row) => Ok(Some(row)),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The current time as stored: UTC without zone, the portable timestamp.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

#[cfg(test)]
mod tests {
    fn migration_names(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// `.cargo/config.toml` builds SQLite without its process-wide locks
    /// (see there); a build that lost the setting would still work, only
    /// with every reader queueing on one lock, so it is checked here.
    #[test]
    fn sqlite_is_built_without_process_wide_locks() {
        use diesel::{Connection, RunQueryDsl, SqliteConnection, sql_types::Text};
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = Text)]
            compile_options: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|option| option.compile_options)
            .collect();
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let sqlite = migration_names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, migration_names("postgres"));
    }
}
