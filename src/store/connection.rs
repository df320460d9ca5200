//! Connecting to SQLite or PostgreSQL and applying the embedded migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::FromRow;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};

use super::Error;

// `migrate!` watches the files it embeds but not their folders, so build.rs
// reruns the build when a migration is added.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Storage of calls, transcripts, insights jobs and insights, on SQLite or
/// PostgreSQL. Cloning is cheap and shares the connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) backend: Backend,
    /// Description of the database for messages, without credentials.
    target: String,
}

/// The pool of the database the URL named.
#[derive(Debug, Clone)]
pub(super) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool the store holds. The body is compiled
/// once per database type, so `sqlx` queries in it need no generic bounds.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::connection::Backend::Sqlite($pool) => $body,
            $crate::store::connection::Backend::Postgres($pool) => $body,
        }
    };
}
pub(super) use on_pool;

/// Pool and startup settings for [`Store::connect_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Maximum number of pooled connections. Hosted PostgreSQL plans cap
    /// client connections, so keep this small. In-memory SQLite always uses one.
    pub max_connections: u32,
    /// How long a query waits for a free pooled connection before failing.
    pub acquire_timeout: Duration,
    /// Whether [`Store::connect_with`] applies the embedded migrations.
    /// PostgreSQL migrations hold a session-level advisory lock, which a
    /// transaction-mode pooler cannot keep, so turn this off there and migrate
    /// over a direct or session-mode connection instead.
    pub run_migrations: bool,
    /// Capacity of the per-connection cache of named prepared statements on
    /// PostgreSQL; `None` keeps the URL's `statement-cache-capacity` parameter
    /// or the sqlx default of 100.
    ///
    /// Set `Some(0)` behind a transaction-mode pooler (PgBouncer, or
    /// Supavisor on port 6543). Such a pooler hands each transaction to any
    /// server connection, so a named statement (`sqlx_s_1`) prepared on one
    /// server connection is missing on the next, or already exists there,
    /// and queries fail. With a capacity of 0 sqlx prepares every query as
    /// the unnamed statement each time it runs, so nothing outlives the
    /// transaction. The cost is one extra parse per query. The URL parameter
    /// `?statement-cache-capacity=0` has the same effect. SQLite ignores it.
    pub statement_cache_capacity: Option<usize>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 5,
            acquire_timeout: Duration::from_secs(5),
            run_migrations: true,
            statement_cache_capacity: None,
        }
    }
}

impl StoreOptions {
    /// Options for a PostgreSQL transaction-mode pooler: no prepared-statement
    /// cache and no migrations on connect.
    // NOTE: tested against direct PostgreSQL only, not behind PgBouncer or
    // Supavisor in transaction mode.
    pub fn transaction_pooler() -> Self {
        Self {
            run_migrations: false,
            statement_cache_capacity: Some(0),
            ..Self::default()
        }
    }
}

impl Store {
    /// The SQLite pool, when the store is on SQLite; other stores sharing the
    /// database (the executor's) use it.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.backend {
            Backend::Sqlite(pool) => Some(pool),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when the store is on PostgreSQL.
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match &self.backend {
            Backend::Postgres(pool) => Some(pool),
            Backend::Sqlite(_) => None,
        }
    }

    /// Connects with [`StoreOptions::default`] and applies the migrations.
    ///
    /// Accepted URLs: `sqlite://PATH` (with SQLite URI parameters such as
    /// `?mode=rwc`), `sqlite::memory:`, a plain file path, and
    /// `postgres://...` or `postgresql://...`, which covers Supabase direct
    /// and session-pooler connection strings. SQLite files and their parent
    /// directories are created when missing.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// Connects with the given options, applying the migrations when
    /// `options.run_migrations` is set.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, Error> {
        let store = match url_scheme(url) {
            Some("postgres" | "postgresql") => connect_postgres(url, &options).await?,
            Some("sqlite") => connect_sqlite(url, &options).await?,
            Some(scheme) => {
                return Err(Error::UnsupportedScheme {
                    scheme: scheme.to_owned(),
                });
            }
            None => connect_sqlite_file(Path::new(url), &options).await?,
        };

        if options.run_migrations {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies the embedded migrations that the database has not seen yet.
    pub async fn migrate(&self) -> Result<(), Error> {
        let result = match &self.backend {
            Backend::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Backend::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|source| Error::Migrate {
            target: self.target.clone(),
            source,
        })
    }

    /// Returns `true` when the store is on PostgreSQL rather than SQLite.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Closes every pooled connection and waits for them to finish.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

impl Store {
    /// Runs a `SELECT` whose only parameter `$1` is `key` and decodes at most
    /// one row. On failure the error names `operation` and `key`.
    pub(super) async fn fetch_optional_by_key<R>(
        &self,
        sql: &'static str,
        key: &str,
        operation: &'static str,
    ) -> Result<Option<R>, Error>
    where
        R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        on_pool!(self, pool => sqlx::query_as(sql).bind(key).fetch_optional(pool).await)
            .map_err(Error::query(operation, key))
    }
}

/// Extracts the scheme of `url`, the text before `:` when it is a valid scheme
/// name. `sqlite::memory:` and `sqlite:path` give `sqlite`. A file path,
/// including a Windows drive path, gives `None`.
fn url_scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let is_scheme_name = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme_name.then_some(scheme)
}

async fn connect_postgres(url: &str, options: &StoreOptions) -> Result<Store, Error> {
    let mut connect_options =
        PgConnectOptions::from_str(url).map_err(|source| Error::InvalidUrl {
            backend: "PostgreSQL",
            source,
        })?;
    if let Some(capacity) = options.statement_cache_capacity {
        connect_options = connect_options.statement_cache_capacity(capacity);
    }
    let target = postgres_target(&connect_options);

    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect_options)
        .await
        .map_err(|source| Error::Connect {
            target: target.clone(),
            source,
        })?;

    Ok(Store {
        backend: Backend::Postgres(pool),
        target,
    })
}

/// Names the database, host and port, leaving out user and password.
fn postgres_target(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or("(default database)");
    match options.get_socket() {
        Some(socket) => format!(
            "PostgreSQL database {database} via socket {} port {}",
            socket.display(),
            options.get_port()
        ),
        None => format!(
            "PostgreSQL database {database} on {}:{}",
            options.get_host(),
            options.get_port()
        ),
    }
}

async fn connect_sqlite(url: &str, options: &StoreOptions) -> Result<Store, Error> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    // A missing database file is created unless the URL sets a read-only
    // `mode`, so `sqlite://path/app.db` works without `?mode=rwc`.
    let read_only = url.contains("mode=ro");
    let connect_options = SqliteConnectOptions::from_str(url)
        .map_err(|source| Error::InvalidUrl {
            backend: "SQLite",
            source,
        })?
        .create_if_missing(!in_memory && !read_only);
    open_sqlite(connect_options, in_memory, options).await
}

async fn connect_sqlite_file(path: &Path, options: &StoreOptions) -> Result<Store, Error> {
    let connect_options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    open_sqlite(connect_options, false, options).await
}

async fn open_sqlite(
    connect_options: SqliteConnectOptions,
    in_memory: bool,
    options: &StoreOptions,
) -> Result<Store, Error> {
    let path = connect_options.get_filename().to_path_buf();
    let target = format!("SQLite database {}", path.display());
    if !in_memory {
        create_parent_directory(&path).await?;
    }

    let connect_options = connect_options
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));

    // Each connection to an in-memory database that is not shared sees its
    // own empty database, and a shared one vanishes when its last connection
    // closes, so an in-memory store keeps exactly one connection forever.
    let pool_options = if in_memory {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(options.max_connections)
    };
    let pool = pool_options
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect_options)
        .await
        .map_err(|source| Error::Connect {
            target: target.clone(),
            source,
        })?;

    Ok(Store {
        backend: Backend::Sqlite(pool),
        target,
    })
}

async fn create_parent_directory(path: &Path) -> Result<(), Error> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if parent.as_os_str().is_empty() {
        return Ok(());
    }
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|source| Error::CreateDirectory {
            path: parent.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::url_scheme;

    #[test]
    fn url_scheme_cases() {
        let cases = [
            ("sqlite://data/app.db?mode=rwc", Some("sqlite")),
            ("sqlite::memory:", Some("sqlite")),
            ("postgres://user@localhost/db", Some("postgres")),
            ("postgresql://user@localhost/db", Some("postgresql")),
            ("mysql://localhost/db", Some("mysql")),
            ("data/app.db", None),
            ("/var/lib/app.db", None),
            ("C:\\data\\app.db", None),
        ];
        for (url, expected) in cases {
            assert_eq!(url_scheme(url), expected, "scheme of {url:?}");
        }
    }
}
