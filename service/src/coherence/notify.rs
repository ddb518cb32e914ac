//! The feed's transport: PostgreSQL `LISTEN` / `NOTIFY` on one dedicated
//! connection (`tokio-postgres`), driven by a task of its own.
//!
//! [`start`] spawns the task. It connects, runs `LISTEN <channel>`, reads
//! its backend's pid, and reports [`FeedEvent::Connected`]; from then on
//! every notification on the channel is reported as a
//! [`FeedEvent::Payload`], and every [`Notifier::notify`] is sent as
//! `SELECT pg_notify(channel, payload)` on the same connection (PostgreSQL
//! delivers it to every listening session of the database, this one
//! included, when it commits: at once, outside a transaction).
//!
//! The connection is driven by a second task polling
//! `Connection::poll_message`, which yields the notifications
//! (`AsyncMessage::Notification`) and ends when the connection does. When
//! it ends (the server terminated the backend, a network failure, a ping
//! unanswered for [`PING_TIMEOUT`]; a ping is sent every [`PING_EVERY`] and
//! TCP keepalives are on), the task reports [`FeedEvent::Disconnected`] and
//! reconnects: at once, then after pauses of 100 ms doubling up to
//! `reconnect_max` (with up to a quarter of random jitter), reporting each
//! failed attempt as [`FeedEvent::ConnectFailed`]. While it is not
//! connected a `notify` fails at once with [`NotifyError::Disconnected`].
//! Notifications sent while no session of a node listened are lost to that
//! node: the receiver of the events does a full refresh on each
//! `Connected`.
//!
//! The URL may hold a password: it is never logged, and this module's
//! `Debug` forms leave it out. TLS is not linked (`NoTls`): a URL that
//! requires it (`sslmode=require`) fails to connect.

use std::future::poll_fn;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_postgres::{AsyncMessage, Client, NoTls, Notification};

/// The largest payload sent, in octets (PostgreSQL refuses 8000 and more).
pub const PAYLOAD_LIMIT: usize = 7999;
/// How long connecting (TCP, start-up, `LISTEN`) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an idle connection is checked with an empty query.
pub const PING_EVERY: Duration = Duration::from_secs(10);
/// How long a ping or a `NOTIFY` may wait for its answer before the
/// connection is given up.
pub const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// The first pause before reconnecting after a failed attempt.
pub const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// Where and how to listen.
#[derive(Clone)]
pub struct NotifySettings {
    /// The PostgreSQL URL (a secret: never logged).
    pub url: String,
    /// The channel: a lower-case identifier
    /// ([`crate::http::config::is_channel_name`]), used unquoted.
    pub channel: String,
    /// The longest pause between reconnection attempts.
    pub reconnect_max: Duration,
}

impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("channel", &self.channel)
            .field("reconnect_max", &self.reconnect_max)
            .finish_non_exhaustive()
    }
}

/// What the transport reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// `LISTEN` is in place on a new connection (the first or a
    /// reconnection): notifications sent before it may have been missed.
    Connected {
        /// The listening backend's process id (`pg_backend_pid()`).
        backend_pid: i32,
    },
    /// A notification on the channel: its payload.
    Payload(String),
    /// The connection was lost; reconnecting.
    Disconnected,
    /// A connection attempt failed; trying again after a pause.
    ConnectFailed,
}

/// Why a notification was not sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The transport is between connections.
    #[error("the notification connection is down")]
    Disconnected,
    /// The payload is over [`PAYLOAD_LIMIT`].
    #[error("a notification payload of {0} octets is over the limit of {PAYLOAD_LIMIT}")]
    TooLarge(usize),
    /// No answer within [`PING_TIMEOUT`].
    #[error("NOTIFY was not answered within {} s", PING_TIMEOUT.as_secs())]
    Timeout,
    /// PostgreSQL refused it.
    #[error("NOTIFY failed: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The transport task has stopped.
    #[error("the notification transport has stopped")]
    Stopped,
}

struct Request {
    payload: String,
    done: oneshot::Sender<Result<(), NotifyError>>,
}

/// Sends notifications through the transport's connection.
#[derive(Debug, Clone)]
pub struct Notifier {
    requests: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request").finish_non_exhaustive()
    }
}

impl Notifier {
    /// Sends `payload` on the channel; returns once PostgreSQL has taken
    /// it (it is then delivered to every listener).
    ///
    /// # Errors
    /// See [`NotifyError`]; nothing is retried.
    pub async fn notify(&self, payload: String) -> Result<(), NotifyError> {
        if payload.len() > PAYLOAD_LIMIT {
            return Err(NotifyError::TooLarge(payload.len()));
        }
        let (done, answer) = oneshot::channel();
        self.requests
            .send(Request { payload, done })
            .await
            .map_err(|_| NotifyError::Stopped)?;
        // The transport answers within PING_TIMEOUT of taking the request;
        // the margin covers the requests queued before this one.
        match tokio::time::timeout(PING_TIMEOUT * 3, answer).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(NotifyError::Stopped),
            Err(_) => Err(NotifyError::Timeout),
        }
    }
}

/// Starts the transport (see the module documentation) on the current
/// tokio runtime; it runs until `stop` turns true (or its sender is
/// dropped). Returns the notifier, the events, and the task.
pub fn start(
    settings: NotifySettings,
    stop: watch::Receiver<bool>,
) -> (Notifier, mpsc::UnboundedReceiver<FeedEvent>, JoinHandle<()>) {
    let (requests_tx, requests) = mpsc::channel(64);
    let (events_tx, events) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(settings, requests, events_tx, stop));
    (
        Notifier {
            requests: requests_tx,
        },
        events,
        task,
    )
}

/// How a session ended.
enum End {
    Stopped,
    Lost(String),
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A dropped sender stops the transport too.
    let _ = stop.wait_for(|s| *s).await;
}

async fn run(
    settings: NotifySettings,
    mut requests: mpsc::Receiver<Request>,
    events: mpsc::UnboundedSender<FeedEvent>,
    mut stop: watch::Receiver<bool>,
) {
    let mut pause = FIRST_PAUSE;
    let mut requests_open = true;
    loop {
        let opened = tokio::select! {
            r = Session::open(&settings) => r,
            () = stopped(&mut stop) => return,
        };
        match opened {
            Ok(mut session) => {
                pause = FIRST_PAUSE;
                tracing::info!(
                    channel = %settings.channel,
                    backend_pid = session.pid,
                    "coherence: listening for changes"
                );
                if events
                    .send(FeedEvent::Connected {
                        backend_pid: session.pid,
                    })
                    .is_err()
                {
                    return;
                }
                let end = session
                    .serve(
                        &settings,
                        &mut requests,
                        &mut requests_open,
                        &events,
                        &mut stop,
                    )
                    .await;
                match end {
                    End::Stopped => return,
                    End::Lost(why) => {
                        tracing::warn!(reason = %why, "coherence: the notification connection was lost; reconnecting");
                        if events.send(FeedEvent::Disconnected).is_err() {
                            return;
                        }
                        // Reconnect at once the first time.
                        continue;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    retry_in_ms = pause.as_millis() as u64,
                    "coherence: connecting the notification listener failed"
                );
                if events.send(FeedEvent::ConnectFailed).is_err() {
                    return;
                }
            }
        }
        // The pause, refusing notifications meanwhile.
        let jitter = rand::thread_rng().gen_range(0..=pause.as_millis() as u64 / 4);
        let until = Instant::now() + pause + Duration::from_millis(jitter);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => break,
                r = requests.recv(), if requests_open => match r {
                    Some(r) => {
                        let _ = r.done.send(Err(NotifyError::Disconnected));
                    }
                    None => requests_open = false,
                },
                () = stopped(&mut stop) => return,
            }
        }
        pause = (pause * 2).min(settings.reconnect_max);
    }
}

/// One connection: the client and the notifications its driver forwards.
struct Session {
    client: Client,
    notifications: mpsc::UnboundedReceiver<Notification>,
    driver: JoinHandle<Result<(), tokio_postgres::Error>>,
    pid: i32,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error("{0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("no connection within {} s", CONNECT_TIMEOUT.as_secs())]
    Timeout,
}

impl Session {
    async fn open(settings: &NotifySettings) -> Result<Session, OpenError> {
        tokio::time::timeout(CONNECT_TIMEOUT, Session::connect(settings))
            .await
            .map_err(|_| OpenError::Timeout)?
    }

    async fn connect(settings: &NotifySettings) -> Result<Session, OpenError> {
        let mut config: tokio_postgres::Config = settings.url.parse()?;
        config
            .application_name("zkcred-coherence")
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        let (client, mut connection) = config.connect(NoTls).await?;
        let (forward, notifications) = mpsc::unbounded_channel();
        let driver = tokio::spawn(async move {
            loop {
                match poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n))) => {
                        if forward.send(n).is_err() {
                            return Ok(());
                        }
                    }
                    // Notices and messages of later versions.
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Ok(()),
                }
            }
        });
        let mut session = Session {
            client,
            notifications,
            driver,
            pid: 0,
        };
        // The channel is a checked identifier (see NotifySettings).
        session
            .client
            .batch_execute(&format!("LISTEN {}", settings.channel))
            .await?;
        session.pid = session
            .client
            .query_one("SELECT pg_backend_pid()", &[])
            .await?
            .try_get(0)?;
        Ok(session)
    }

    async fn serve(
        &mut self,
        settings: &NotifySettings,
        requests: &mut mpsc::Receiver<Request>,
        requests_open: &mut bool,
        events: &mpsc::UnboundedSender<FeedEvent>,
        stop: &mut watch::Receiver<bool>,
    ) -> End {
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            tokio::select! {
                n = self.notifications.recv() => match n {
                    Some(n) => {
                        if n.channel() == settings.channel
                            && events.send(FeedEvent::Payload(n.payload().to_owned())).is_err()
                        {
                            return End::Stopped;
                        }
                    }
                    None => return End::Lost(self.ended().await),
                },
                r = requests.recv(), if *requests_open => match r {
                    Some(r) => {
                        let sent = tokio::time::timeout(
                            PING_TIMEOUT,
                            self.client.execute(
                                "SELECT pg_notify($1, $2)",
                                &[&settings.channel, &r.payload],
                            ),
                        )
                        .await;
                        let (answer, lost) = match sent {
                            Ok(Ok(_)) => (Ok(()), None),
                            Ok(Err(e)) => {
                                let lost = self.client.is_closed().then(|| e.to_string());
                                (Err(NotifyError::Postgres(e)), lost)
                            }
                            Err(_) => (Err(NotifyError::Timeout), Some("NOTIFY unanswered".into())),
                        };
                        let _ = r.done.send(answer);
                        if let Some(why) = lost {
                            return End::Lost(why);
                        }
                    }
                    None => *requests_open = false,
                },
                _ = ping.tick() => {
                    match tokio::time::timeout(PING_TIMEOUT, self.client.simple_query("")).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => return End::Lost(e.to_string()),
                        Err(_) => return End::Lost(format!(
                            "no answer to a ping within {} s",
                            PING_TIMEOUT.as_secs()
                        )),
                    }
                }
                () = stopped(stop) => return End::Stopped,
            }
        }
    }

    /// Why the driver ended.
    async fn ended(&mut self) -> String {
        match (&mut self.driver).await {
            Ok(Ok(())) => "the server closed the connection".into(),
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        }
    }
}
