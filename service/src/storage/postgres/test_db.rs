//! Test support: a PostgreSQL database of its own for one test, created on
//! the server at `ZKCRED_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, then the same as `root`)
//! under a random name and dropped when the guard drops; and plain SQL
//! sessions on it, for what a test does beside the storage (locks,
//! terminating connections, statements the triggers must refuse).
//!
//! Shared by the crate's unit tests and its integration tests
//! (`tests/common`), so it uses nothing of the crate.

#![allow(dead_code, clippy::unwrap_used)]

use std::future::Future;
use std::sync::OnceLock;

/// Runs `work` to completion on a runtime of its own, on a thread of its
/// own: callable from a test thread or from inside a tokio runtime.
fn block<T: Send>(work: impl Future<Output = T> + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(work)
        })
        .join()
        .unwrap()
    })
}

/// The server's message for `e` (the driver's `Display` omits it).
fn message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => format!("{e:?}"),
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_dbname(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// The administrative URL of the test server.
pub fn admin_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("ZKCRED_TEST_POSTGRES") {
            return url;
        }
        let mut failures = Vec::new();
        // Not running (a fresh machine): `.ci/run services` starts it (and
        // Redis) on loopback, as CI does.
        let started = Session::try_connect("postgres://postgres@127.0.0.1:5432/postgres").is_ok()
            || Session::try_connect("postgres://root@127.0.0.1:5432/postgres").is_ok()
            || start_services();
        if !started {
            failures.push("`.ci/run services` could not start PostgreSQL".to_owned());
        }
        for user in ["postgres", "root"] {
            let url = format!("postgres://{user}@127.0.0.1:5432/postgres");
            match Session::try_connect(&url) {
                Ok(_) => return url,
                Err(e) => failures.push(format!("{user}: {e}")),
            }
        }
        panic!("no PostgreSQL for the tests (set ZKCRED_TEST_POSTGRES): {failures:?}")
    })
    .clone()
}

/// Runs the repository's `.ci/run services` (PostgreSQL and Redis on
/// loopback, started when they are not running); whether it succeeded.
pub fn start_services() -> bool {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join(".ci/run"))
        .find(|p| p.is_file());
    let Some(script) = script else {
        return false;
    };
    std::process::Command::new("bash")
        .arg(script)
        .arg("services")
        .status()
        .is_ok_and(|s| s.success())
}

/// The Redis of the tests: `ZKCRED_TEST_REDIS`, default
/// `redis://127.0.0.1:6379/`; when nothing listens there, `.ci/run
/// services` is run once to start it.
pub fn redis_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let url = std::env::var("ZKCRED_TEST_REDIS")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
        let authority = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host_port = if host_port.contains(':') {
            host_port.to_owned()
        } else {
            format!("{host_port}:6379")
        };
        let listening = |hp: &str| {
            use std::net::ToSocketAddrs as _;
            hp.to_socket_addrs()
                .ok()
                .and_then(|mut a| a.next())
                .is_some_and(|a| {
                    std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(1))
                        .is_ok()
                })
        };
        if !listening(&host_port) {
            start_services();
        }
        url
    })
    .clone()
}

/// One plain connection, for statements outside the storage. Its
/// `application_name` is `zkcred-test`, so it is told apart from the
/// storage's connections (`zkcred`).
pub struct Session {
    /// `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    client: tokio_postgres::Client,
}

impl Session {
    /// Connects to `url`.
    ///
    /// # Panics
    /// When it cannot.
    pub fn connect(url: &str) -> Session {
        Self::try_connect(url).unwrap()
    }

    fn try_connect(url: &str) -> Result<Session, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
        config.application_name("zkcred-test");
        let client = block_on_session(&runtime, async {
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| message(&e))?;
            tokio::spawn(connection);
            Ok::<_, String>(client)
        })?;
        Ok(Session {
            runtime: Some(runtime),
            client,
        })
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().unwrap()
    }

    /// Runs `sql` (one or more statements, no parameters).
    ///
    /// # Errors
    /// The server's code and message.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        block_on_session(self.runtime(), self.client.batch_execute(sql)).map_err(|e| message(&e))
    }

    /// The first column of the one row `sql` returns, as an integer.
    ///
    /// # Panics
    /// When the statement fails or gives something else.
    pub fn int(&self, sql: &str) -> i64 {
        let row = block_on_session(self.runtime(), self.client.query_one(sql, &[]))
            .unwrap_or_else(|e| panic!("{sql}: {}", message(&e)));
        row.get(0)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Not blocking inside whatever runtime the test may run in.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `work` on the session's runtime, from a thread of its own.
fn block_on_session<T: Send>(
    runtime: &tokio::runtime::Runtime,
    work: impl Future<Output = T> + Send,
) -> T {
    std::thread::scope(|s| s.spawn(|| runtime.block_on(work)).join().unwrap())
}

/// A database created for one test and dropped (with its connections)
/// when this drops.
pub struct TestDb {
    /// Its name (`zkcred_t_` and 16 random hex digits).
    pub name: String,
    /// Its URL.
    pub url: String,
}

impl TestDb {
    /// Creates an empty database.
    pub fn new() -> TestDb {
        let name = format!("zkcred_t_{:016x}", rand::random::<u64>());
        let admin = Session::connect(&admin_url());
        admin
            .exec(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("creating {name}: {e}"));
        let url = with_dbname(&admin_url(), &name);
        TestDb { name, url }
    }

    /// A session on the test database.
    pub fn session(&self) -> Session {
        Session::connect(&self.url)
    }

    /// A session on the server's administrative database (for `ALTER
    /// DATABASE` and the like).
    pub fn admin(&self) -> Session {
        Session::connect(&admin_url())
    }

    /// Ends every connection the storage opened on this database (its
    /// `application_name` is `zkcred`), waiting until they are gone; the
    /// number ended.
    pub fn terminate_storage_connections(&self) -> i64 {
        self.admin().int(&format!(
            "SELECT count(pg_terminate_backend(pid, 5000))::bigint FROM pg_stat_activity
             WHERE datname = '{}' AND application_name = 'zkcred'",
            self.name
        ))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = block(async move {
            let (client, connection) = tokio_postgres::connect(&admin_url(), tokio_postgres::NoTls)
                .await
                .map_err(|e| message(&e))?;
            tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .map_err(|e| message(&e))
        });
        if let Err(e) = dropped {
            eprintln!("dropping test database {}: {e}", self.name);
        }
    }
}
