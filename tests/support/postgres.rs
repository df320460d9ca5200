//! A throwaway PostgreSQL cluster for tests, started from the server binaries
//! installed on the machine.
//!
//! Each test binary starts at most one cluster, on first use, and every test
//! gets its own database in it:
//!
//! ```ignore
//! mod support;
//!
//! #[tokio::test]
//! async fn works_on_postgres() {
//!     let Some(database) = support::postgres::fresh_database().await else {
//!         return; // PostgreSQL is not installed; a notice was printed.
//!     };
//!     let store = Store::connect(&database.url).await.unwrap();
//! }
//! ```
//!
//! The binaries come from `$POSTGRES_BIN_DIR`, by default
//! `/usr/lib/postgresql/15/bin`. When they are missing the helper prints a
//! notice and returns `None`, unless `CI_REQUIRE_POSTGRES=1`, which turns the
//! missing server into a test failure. `initdb` refuses to run as root, so
//! under uid 0 the helper runs `initdb` and `pg_ctl` as the `postgres` system
//! user through `runuser`, in a temporary directory that user owns.
//!
//! The server listens on a free port of 127.0.0.1 and puts its unix socket in
//! the temporary directory, with trust authentication. A watcher process stops
//! the server and deletes the directory once the test process exits, even
//! when the process crashes or is killed, because a cluster kept in a static
//! is never dropped.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

const DEFAULT_BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// How many ports the helper tries before giving up, because another process
/// can take a free port between the probe and the server's bind.
const START_ATTEMPTS: usize = 3;

static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static DATABASE_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database created for one test.
#[derive(Debug, Clone)]
pub(crate) struct TestDatabase {
    /// `postgres://` URL of the database, over TCP on 127.0.0.1.
    pub(crate) url: String,
    pub(crate) name: String,
}

/// Creates an empty database in the shared cluster, starting the cluster on
/// first use. Returns `None` when PostgreSQL is not installed and
/// `CI_REQUIRE_POSTGRES` is not `1`.
///
/// # Panics
///
/// When PostgreSQL is installed but the cluster fails to start, when it is
/// missing and required, or when the database cannot be created.
pub(crate) async fn fresh_database() -> Option<TestDatabase> {
    let cluster = CLUSTER.get_or_init(Cluster::start_if_installed).as_ref()?;

    let name = format!(
        "test_{}_{}",
        std::process::id(),
        DATABASE_COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap_or_else(|error| panic!("failed to connect to the test cluster: {error}"));
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| panic!("failed to create test database {name}: {error}"));
    admin.close().await.ok();

    Some(TestDatabase {
        url: cluster.url(&name),
        name,
    })
}

/// A running cluster; dropping it stops the server.
#[derive(Debug)]
pub(crate) struct Cluster {
    bin_dir: PathBuf,
    /// Temporary directory with `data/`, `postgres.log` and the socket.
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl Cluster {
    /// Starts a cluster, or returns `None` after printing a notice when the
    /// binaries are missing and not required.
    fn start_if_installed() -> Option<Self> {
        let bin_dir = std::env::var_os("POSTGRES_BIN_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_BIN_DIR));
        let required = std::env::var("CI_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");

        let missing: Vec<&str> = ["initdb", "pg_ctl", "postgres"]
            .into_iter()
            .filter(|name| !bin_dir.join(name).is_file())
            .collect();
        if !missing.is_empty() {
            let notice = format!(
                "PostgreSQL server binaries {missing:?} not found in {}; set POSTGRES_BIN_DIR \
                 to the directory that contains them",
                bin_dir.display()
            );
            assert!(
                !required,
                "{notice} (required because CI_REQUIRE_POSTGRES=1)"
            );
            eprintln!("notice: skipping PostgreSQL tests: {notice}");
            return None;
        }

        Some(Self::start(bin_dir))
    }

    fn start(bin_dir: PathBuf) -> Self {
        let as_postgres_user = current_uid() == 0;
        let dir = tempfile::Builder::new()
            .prefix("call-insights-pg-")
            .tempdir()
            .unwrap_or_else(|error| panic!("failed to create a temporary directory: {error}"))
            .keep();
        if as_postgres_user {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir));
        }

        let mut cluster = Self {
            bin_dir,
            dir,
            port: 0,
            as_postgres_user,
        };
        cluster.spawn_exit_watcher();
        cluster.init_data_directory();

        for attempt in 1..=START_ATTEMPTS {
            cluster.port = free_port();
            match cluster.try_start_server() {
                Ok(()) => return cluster,
                Err(message) if attempt < START_ATTEMPTS => {
                    eprintln!(
                        "PostgreSQL did not start on port {}: {message}; retrying",
                        cluster.port
                    );
                }
                Err(message) => panic!(
                    "failed to start PostgreSQL in {}: {message}\n{}",
                    cluster.dir.display(),
                    cluster.server_log()
                ),
            }
        }
        unreachable!("the last start attempt either returns or panics")
    }

    /// `postgres://` URL of a database in this cluster.
    pub(crate) fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Builds a command for a server binary, run as `postgres` when the tests run as root.
    fn server_command(&self, binary: &str) -> Command {
        let program = self.bin_dir.join(binary);
        let mut command = if self.as_postgres_user {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", "postgres", "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        // The server user may not be allowed into the test's working directory.
        command.current_dir(&self.dir).stdin(Stdio::null());
        command
    }

    fn init_data_directory(&self) {
        let mut initdb = self.server_command("initdb");
        initdb
            .arg("--pgdata")
            .arg(self.data_dir())
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C", "--no-sync", "--no-instructions"]);
        run(&mut initdb);
    }

    /// Starts the server and waits until it accepts connections.
    fn try_start_server(&self) -> Result<(), String> {
        // Durability settings are off because the cluster is thrown away.
        let server_options = format!(
            "-h 127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("start")
            .arg("--pgdata")
            .arg(self.data_dir())
            .arg("--log")
            .arg(self.dir.join("postgres.log"))
            .args(["--wait", "--timeout=60", "--silent"])
            .arg("-o")
            .arg(server_options);

        let output = output_of(&mut pg_ctl);
        if output.status.success() {
            Ok(())
        } else {
            Err(describe_failure(&pg_ctl, &output))
        }
    }

    fn stop_server(&self) {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("stop")
            .arg("--pgdata")
            .arg(self.data_dir())
            .args(["--mode=immediate", "--wait", "--silent"]);
        let output = output_of(&mut pg_ctl);
        if !output.status.success() {
            eprintln!(
                "failed to stop the test PostgreSQL cluster: {}",
                describe_failure(&pg_ctl, &output)
            );
        }
    }

    /// Starts a detached shell that waits for this process to exit, then stops
    /// the server and removes the directory. It runs in its own session, so a
    /// signal to the test's process group does not kill it first.
    fn spawn_exit_watcher(&self) {
        let pg_ctl = self.bin_dir.join("pg_ctl");
        let data_dir = self.data_dir();
        let stop = if self.as_postgres_user {
            format!(
                "runuser -u postgres -- {} stop --pgdata {} --mode=immediate --silent",
                shell_quote(&pg_ctl),
                shell_quote(&data_dir)
            )
        } else {
            format!(
                "{} stop --pgdata {} --mode=immediate --silent",
                shell_quote(&pg_ctl),
                shell_quote(&data_dir)
            )
        };
        let script = format!(
            "tail --pid={} -f /dev/null; {stop} >/dev/null 2>&1; rm -rf {}",
            std::process::id(),
            shell_quote(&self.dir)
        );

        // `--fork` makes setsid return at once, leaving the watcher running.
        let mut setsid = Command::new("setsid");
        setsid
            .args(["--fork", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        run(&mut setsid);
    }

    fn server_log(&self) -> String {
        let path = self.dir.join("postgres.log");
        match std::fs::read_to_string(&path) {
            Ok(log) => format!("server log {}:\n{log}", path.display()),
            Err(error) => format!("no server log at {}: {error}", path.display()),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop_server();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// Reads the uid of this process from the owner of `/proc/self`.
fn current_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|metadata| metadata.uid())
        .unwrap_or_else(|error| panic!("failed to read the process uid from /proc/self: {error}"))
}

/// Finds a port on 127.0.0.1 that is free at the time of the call.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap_or_else(|error| panic!("failed to bind a probe socket on 127.0.0.1: {error}"));
    listener
        .local_addr()
        .unwrap_or_else(|error| panic!("failed to read the probe socket address: {error}"))
        .port()
}

fn output_of(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|error| panic!("failed to run {command:?}: {error}"))
}

/// Runs a command that must succeed.
fn run(command: &mut Command) {
    let output = output_of(command);
    assert!(
        output.status.success(),
        "{}",
        describe_failure(command, &output)
    );
}

fn describe_failure(command: &Command, output: &Output) -> String {
    format!(
        "{command:?} exited with {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Quotes a path for `sh`.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
