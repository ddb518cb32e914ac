//! The accept loop and the connection driver: the axum router served over
//! hyper's HTTP/1.1 connection ([`hyper::server::conn::http1`]), one tokio
//! task per connection, under the limits of `[connections]`
//! ([`ConnectionsConfig`]; defaults and what a client sees in the
//! [`config`](super::config) module documentation).
//!
//! - **Cap.** Each connection holds a slot of a semaphore of
//!   `connections.max` permits; the loop takes a slot *before* it calls
//!   `accept`. At the cap it waits: new connections stay in the kernel's
//!   listen backlog (completed handshakes, no descriptor of ours) and are
//!   accepted in order as slots free. Waiting rather than accepting and
//!   closing at once keeps the process's descriptors bounded whatever
//!   clients do, and lets a health probe that arrives while silent clients
//!   hold every slot be answered as soon as the header timeout reaps them,
//!   instead of being refused as readily as the attackers. The cap is
//!   fitted to the soft `RLIMIT_NOFILE` at start ([`fit_to_fd_limit`]).
//! - **Timeouts.** A `Tracker` per connection follows its phase from the
//!   socket's reads and writes and the requests given to the router: *head*
//!   (from the accept, or from the first byte after an idle spell, until
//!   hyper hands the router a complete head) is bounded by
//!   `header_timeout_ms`; *idle* (from the end of an answer's body to the
//!   next byte) by `idle_timeout_ms`; a *request* (handler and answer) by the
//!   router's own request timeout, except that a socket refusing our bytes
//!   for `idle_timeout_ms` (a client that does not read) ends it too. hyper's
//!   own header timer is off: it would start at the end of each answer and
//!   so cut idle connections at the header timeout.
//! - **Head size.** hyper's `max_header_size` (and its default of 100
//!   header fields): a longer head is answered 431 by hyper and closed.
//! - **Unread bodies.** An answer given before the request's body was read
//!   to its end (a refusal by declared length, a timeout) carries
//!   `connection: close`: hyper closes such a connection rather than drain
//!   the body, and the header keeps the client from sending its next
//!   request on it.
//! - **Graceful stop.** The loop stops accepting and closes the listener;
//!   every connection is told to finish: hyper's `graceful_shutdown`
//!   (no keep-alive after the current answer), and a connection with no
//!   request under way and nothing left to send (idle, still sending its
//!   head, or never having sent a byte) is closed at once. The loop then
//!   waits for every slot to come back, at most `shutdown_grace_ms`, and
//!   then cuts the remaining connections, so [`serve`] always returns.
//! - **Failed accepts** (`EMFILE`, `ENFILE`, `ENOBUFS`, ...) are counted in
//!   `zkcred_accept_errors_total{kind}`, logged at most once per 5 s (with
//!   the number left out), and followed by a pause growing from 10 ms to
//!   1 s while they go on, so a descriptor shortage does not spin the loop;
//!   a failure of the one pending connection (aborted, reset) is retried at
//!   once.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::config::ConnectionsConfig;
use super::metrics::{AcceptErrorKind, DropReason, Metrics};

/// File descriptors left for everything but connections (the database and
/// its WAL, the log key, the runtime, standard streams) when the cap is
/// fitted to the open-files limit.
pub const FD_RESERVE: u64 = 64;

/// How often at most a failed accept is logged.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(5);
/// The first and the longest pause after a failed accept.
const ACCEPT_PAUSE_MIN: Duration = Duration::from_millis(10);
const ACCEPT_PAUSE_MAX: Duration = Duration::from_secs(1);

/// The limits [`serve`] enforces, from [`ConnectionsConfig`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once.
    pub max: usize,
    /// Longest time to receive a request head.
    pub header_timeout: Duration,
    /// Longest idle time between requests, and longest send stall.
    pub idle_timeout: Duration,
    /// Largest request head, bytes.
    pub max_header_bytes: usize,
    /// How long requests under way may take to finish at a stop.
    pub grace: Duration,
}

impl Limits {
    /// The limits as configured (the cap not yet fitted to the
    /// open-files limit).
    pub fn from_config(c: &ConnectionsConfig) -> Self {
        Limits {
            max: c.max,
            header_timeout: Duration::from_millis(c.header_timeout_ms),
            idle_timeout: Duration::from_millis(c.idle_timeout_ms),
            max_header_bytes: c.max_header_bytes,
            grace: Duration::from_millis(c.shutdown_grace_ms),
        }
    }
}

/// The connection cap that fits the process's open-files limit: `max` if
/// the soft `RLIMIT_NOFILE` leaves [`FD_RESERVE`] descriptors beside it;
/// otherwise the soft limit is raised (up to the hard limit) to make room,
/// and if that is not enough the cap is lowered to the soft limit less the
/// reserve (at least 1). Both are logged.
pub fn fit_to_fd_limit(max: usize) -> usize {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let limit = getrlimit(Resource::Nofile);
        let Some(mut soft) = limit.current else {
            return max;
        };
        let want = max as u64 + FD_RESERVE;
        if soft < want {
            let target = limit.maximum.map_or(want, |hard| hard.min(want));
            if target > soft {
                let raised = Rlimit {
                    current: Some(target),
                    maximum: limit.maximum,
                };
                match setrlimit(Resource::Nofile, raised) {
                    Ok(()) => {
                        tracing::info!(
                            from = soft,
                            to = target,
                            "raised the soft open-files limit for connections.max"
                        );
                        soft = target;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "raising the soft open-files limit failed")
                    }
                }
            }
        }
        let fitted = cap_for_fd_limit(max, soft);
        if fitted < max {
            tracing::warn!(
                configured = max,
                used = fitted,
                open_files_limit = soft,
                "connections.max lowered to fit the open-files limit"
            );
        }
        fitted
    }
    #[cfg(not(unix))]
    {
        max
    }
}

/// `max`, or the soft open-files limit less [`FD_RESERVE`] if smaller (at
/// least 1).
pub fn cap_for_fd_limit(max: usize, soft_limit: u64) -> usize {
    let room = soft_limit.saturating_sub(FD_RESERVE).max(1);
    max.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// What the accept loop tells the connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Serving,
    /// Stop: finish the request under way, close otherwise.
    Draining,
    /// The grace period is over: close now.
    Cut,
}

/// Serves `app` on `listener` under `limits` until `stop` turns true (or
/// its sender is dropped), then drains as the module documentation says.
/// Returns once every connection has ended.
///
/// # Errors
///
/// None today: failed accepts are logged and retried. The result leaves
/// room for a listener that fails for good.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        // The driver times heads itself (see the module documentation).
        .header_read_timeout(None)
        .max_header_size(limits.max_header_bytes);
    let builder = Arc::new(builder);
    let service = TowerToHyperService::new(app);
    let slots = Arc::new(Semaphore::new(limits.max));
    let (stage, stages) = watch::channel(Stage::Serving);
    let mut failures = AcceptFailures::default();
    loop {
        let slot = match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                metrics.connection_slot_wait();
                tracing::debug!(max = limits.max, "every connection slot taken; waiting");
                tokio::select! {
                    biased;
                    _ = stop.wait_for(|s| *s) => break,
                    slot = Arc::clone(&slots).acquire_owned() => slot.map_err(io::Error::other)?,
                }
            }
        };
        let accepted = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((tcp, _peer)) => {
                failures.succeeded();
                // Answers are written whole; no reason to wait for more.
                let _ = tcp.set_nodelay(true);
                let conn = Connection {
                    service: service.clone(),
                    builder: Arc::clone(&builder),
                    limits,
                    stage: stages.clone(),
                    metrics: Arc::clone(&metrics),
                    _slot: slot,
                };
                tokio::spawn(conn.drive(tcp));
            }
            Err(e) => {
                drop(slot);
                let kind = classify_accept_error(&e);
                metrics.accept_failed(kind);
                if let Some(left_out) = failures.failed(Instant::now()) {
                    tracing::warn!(
                        error = %e,
                        kind = kind.as_str(),
                        not_logged_since_last = left_out,
                        "accepting a connection failed"
                    );
                }
                let pause = failures.pause(kind);
                if !pause.is_zero() {
                    tokio::select! {
                        biased;
                        _ = stop.wait_for(|s| *s) => break,
                        _ = tokio::time::sleep(pause) => {}
                    }
                }
            }
        }
    }
    // Closing the listener resets the connections still in its backlog.
    drop(listener);
    let _ = stage.send(Stage::Draining);
    let all = u32::try_from(limits.max).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.grace, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            grace_ms = limits.grace.as_millis() as u64,
            "requests still under way after the shutdown grace period; closing their connections"
        );
        let _ = stage.send(Stage::Cut);
        let _ = slots.acquire_many(all).await;
    }
    Ok(())
}

/// The kind of a failed accept.
pub fn classify_accept_error(e: &io::Error) -> AcceptErrorKind {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused
    ) {
        return AcceptErrorKind::Connection;
    }
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        if let Some(errno) = Errno::from_io_error(e) {
            if errno == Errno::MFILE || errno == Errno::NFILE {
                return AcceptErrorKind::FdLimit;
            }
        }
    }
    AcceptErrorKind::Other
}

/// Rate-limited logging and back-off of failed accepts.
#[derive(Debug, Default)]
struct AcceptFailures {
    /// When the last failure was logged.
    logged_at: Option<Instant>,
    /// Failures since then that were not logged.
    left_out: u64,
    /// Failures since the last successful accept.
    streak: u32,
}

impl AcceptFailures {
    /// Records a failure at `now`: `Some(n)` if it is to be logged, `n`
    /// failures having been left out since the last line.
    fn failed(&mut self, now: Instant) -> Option<u64> {
        self.streak = self.streak.saturating_add(1);
        match self.logged_at {
            Some(t) if now.saturating_duration_since(t) < ACCEPT_LOG_EVERY => {
                self.left_out += 1;
                None
            }
            _ => {
                self.logged_at = Some(now);
                Some(std::mem::take(&mut self.left_out))
            }
        }
    }

    /// The pause before the next accept after a failure of `kind`: none for
    /// a failed pending connection, else doubling from 10 ms to 1 s.
    fn pause(&self, kind: AcceptErrorKind) -> Duration {
        if kind == AcceptErrorKind::Connection {
            return Duration::ZERO;
        }
        let doublings = self.streak.saturating_sub(1).min(10);
        (ACCEPT_PAUSE_MIN * 2u32.pow(doublings)).min(ACCEPT_PAUSE_MAX)
    }

    fn succeeded(&mut self) {
        self.streak = 0;
    }
}

/// Where a connection is.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for a request head (or its rest) since the instant: the
    /// accept, or the first byte after an idle spell.
    Head(Instant),
    /// `n` requests given to the router and not yet answered to the last
    /// byte (hyper serves one at a time); `read_ahead`: bytes of a next
    /// request arrived meanwhile.
    Request { n: usize, read_ahead: bool },
    /// No request since the instant, when the last answer's body ended.
    Idle(Instant),
}

#[derive(Debug)]
struct Track {
    phase: Phase,
    /// Since when the socket has refused our bytes (its send buffer full),
    /// until a write goes through.
    send_blocked: Option<Instant>,
}

/// A connection's phase, fed by its socket ([`Tracked`]) and its requests
/// ([`RequestGuard`]), read by its driver.
#[derive(Debug)]
struct Tracker {
    track: Mutex<Track>,
    /// Signalled when a deadline may have come nearer.
    changed: Notify,
}

impl Tracker {
    fn new(now: Instant) -> Self {
        Tracker {
            track: Mutex::new(Track {
                phase: Phase::Head(now),
                send_blocked: None,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Track> {
        // The critical sections cannot panic; a poisoned lock still holds
        // a consistent phase.
        self.track.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes arrived.
    fn read(&self) {
        let mut t = self.lock();
        match &mut t.phase {
            Phase::Idle(_) => {
                t.phase = Phase::Head(Instant::now());
                drop(t);
                self.changed.notify_one();
            }
            Phase::Request { read_ahead, .. } => *read_ahead = true,
            Phase::Head(_) => {}
        }
    }

    /// A write went through (`blocked` false) or was refused.
    fn wrote(&self, blocked: bool) {
        let mut t = self.lock();
        match (blocked, t.send_blocked) {
            (true, None) => {
                t.send_blocked = Some(Instant::now());
                drop(t);
                self.changed.notify_one();
            }
            (false, Some(_)) => t.send_blocked = None,
            _ => {}
        }
    }

    fn request_started(&self) {
        let mut t = self.lock();
        t.phase = match t.phase {
            Phase::Request { n, read_ahead } => Phase::Request {
                n: n + 1,
                read_ahead,
            },
            Phase::Head(_) | Phase::Idle(_) => Phase::Request {
                n: 1,
                read_ahead: false,
            },
        };
    }

    fn request_finished(&self) {
        let mut t = self.lock();
        t.phase = match t.phase {
            Phase::Request { n, read_ahead } if n > 1 => Phase::Request {
                n: n - 1,
                read_ahead,
            },
            Phase::Request {
                read_ahead: true, ..
            } => Phase::Head(Instant::now()),
            _ => Phase::Idle(Instant::now()),
        };
        drop(t);
        self.changed.notify_one();
    }

    /// The nearest deadline and what passing it means.
    fn deadline(&self, limits: &Limits) -> Option<(Instant, DropReason)> {
        let t = self.lock();
        let phase = match t.phase {
            Phase::Head(since) => Some((since + limits.header_timeout, DropReason::HeaderTimeout)),
            Phase::Idle(since) => Some((since + limits.idle_timeout, DropReason::IdleTimeout)),
            Phase::Request { .. } => None,
        };
        let send = t
            .send_blocked
            .map(|since| (since + limits.idle_timeout, DropReason::SendStalled));
        match (phase, send) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// A request under way or bytes of an answer waiting to be sent.
    fn busy(&self) -> bool {
        let t = self.lock();
        matches!(t.phase, Phase::Request { .. }) || t.send_blocked.is_some()
    }
}

/// One accepted connection and what it needs to be served.
struct Connection {
    service: TowerToHyperService<Router>,
    builder: Arc<http1::Builder>,
    limits: Limits,
    stage: watch::Receiver<Stage>,
    metrics: Arc<Metrics>,
    /// Returned to the accept loop when the connection ends.
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn drive(mut self, tcp: TcpStream) {
        let _open = self.metrics.connection_opened();
        let tracker = Arc::new(Tracker::new(Instant::now()));
        let io = TokioIo::new(Tracked {
            tcp,
            tracker: Arc::clone(&tracker),
        });
        let service = self.service.clone();
        let requests = Arc::clone(&tracker);
        let answer = hyper::service::service_fn(move |req: Request<Incoming>| {
            let guard = RequestGuard::start(Arc::clone(&requests));
            let read = Arc::new(AtomicBool::new(http_body::Body::is_end_stream(req.body())));
            let body_read = Arc::clone(&read);
            let answer = service.call(req.map(|body| {
                Body::new(RequestBody {
                    body,
                    read: body_read,
                })
            }));
            async move {
                let mut response = answer.await?;
                if !read.load(Ordering::Relaxed) {
                    // Answered before the request's body was read (a
                    // refusal): hyper will close rather than drain it, so
                    // say so, or the client may send its next request on
                    // a connection about to close.
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Guarded {
                        body,
                        _guard: guard,
                    })
                }))
            }
        });
        let conn = self.builder.serve_connection(io, answer);
        tokio::pin!(conn);
        let mut draining = false;
        let dropped = loop {
            let deadline = tracker.deadline(&self.limits);
            let timer = async move {
                match deadline {
                    Some((at, _)) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                r = conn.as_mut() => break hyper_drop_reason(r),
                _ = tracker.changed.notified() => {
                    if draining && !tracker.busy() {
                        break Some(DropReason::Shutdown);
                    }
                }
                _ = timer => {
                    match tracker.deadline(&self.limits) {
                        Some((at, reason)) if at <= Instant::now() => break Some(reason),
                        _ => {}
                    }
                }
                changed = self.stage.changed() => {
                    let stage = if changed.is_ok() { *self.stage.borrow_and_update() } else { Stage::Cut };
                    match stage {
                        Stage::Serving => {}
                        Stage::Draining => {
                            conn.as_mut().graceful_shutdown();
                            draining = true;
                            if !tracker.busy() {
                                break Some(DropReason::Shutdown);
                            }
                        }
                        Stage::Cut => break Some(DropReason::ShutdownGraceExpired),
                    }
                }
            }
        };
        if let Some(reason) = dropped {
            tracing::debug!(reason = reason.as_str(), "connection closed by the server");
            self.metrics.connection_dropped(reason);
        }
    }
}

/// Why hyper ended a connection, when it was the client's fault in a way
/// worth counting (hyper has answered 431 or 400 already).
fn hyper_drop_reason(r: Result<(), hyper::Error>) -> Option<DropReason> {
    match r {
        Err(e) if e.is_parse_too_large() => Some(DropReason::HeadTooLarge),
        Err(e) if e.is_parse() => Some(DropReason::MalformedHead),
        Err(e) => {
            tracing::trace!(error = %e, "connection ended");
            None
        }
        Ok(()) => None,
    }
}

/// Marks a connection busy from the router's call until the answer's body
/// has been sent (or dropped).
struct RequestGuard(Arc<Tracker>);

impl RequestGuard {
    fn start(tracker: Arc<Tracker>) -> Self {
        tracker.request_started();
        RequestGuard(tracker)
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// An answer's body carrying its request's [`RequestGuard`]: hyper drops
/// the body when it has written its last frame.
struct Guarded {
    body: Body,
    _guard: RequestGuard,
}

impl http_body::Body for Guarded {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request's body, noting when it has been read to its end.
struct RequestBody {
    body: Incoming,
    read: Arc<AtomicBool>,
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.body).poll_frame(cx);
        if matches!(r, Poll::Ready(None)) || this.body.is_end_stream() {
            this.read.store(true, Ordering::Relaxed);
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket, reporting reads and refused writes to the [`Tracker`].
struct Tracked {
    tcp: TcpStream,
    tracker: Arc<Tracker>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.tracker.read();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_write(cx, data);
        this.tracker.wrote(r.is_pending());
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs);
        this.tracker.wrote(r.is_pending());
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_the_open_files_limit() {
        assert_eq!(cap_for_fd_limit(1024, 1 << 20), 1024);
        assert_eq!(cap_for_fd_limit(1024, 1024 + FD_RESERVE), 1024);
        assert_eq!(cap_for_fd_limit(1024, 1024), 1024 - FD_RESERVE as usize);
        assert_eq!(cap_for_fd_limit(1024, 10), 1);
    }

    #[test]
    fn accept_errors_are_classified() {
        let e = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(classify_accept_error(&e), AcceptErrorKind::Connection);
        #[cfg(unix)]
        {
            let emfile = rustix::io::Errno::MFILE.raw_os_error();
            let e = io::Error::from_raw_os_error(emfile);
            assert_eq!(classify_accept_error(&e), AcceptErrorKind::FdLimit);
        }
        let e = io::Error::from(io::ErrorKind::OutOfMemory);
        assert_eq!(classify_accept_error(&e), AcceptErrorKind::Other);
    }

    #[test]
    fn failed_accepts_are_logged_at_most_every_five_seconds_and_back_off() {
        let mut f = AcceptFailures::default();
        let t0 = Instant::now();
        assert_eq!(f.failed(t0), Some(0));
        assert_eq!(f.pause(AcceptErrorKind::FdLimit), ACCEPT_PAUSE_MIN);
        for i in 1..1000u32 {
            assert_eq!(f.failed(t0 + Duration::from_millis(u64::from(i))), None);
        }
        assert_eq!(f.pause(AcceptErrorKind::FdLimit), ACCEPT_PAUSE_MAX);
        assert_eq!(f.pause(AcceptErrorKind::Connection), Duration::ZERO);
        assert_eq!(f.failed(t0 + ACCEPT_LOG_EVERY), Some(999));
        f.succeeded();
        assert_eq!(f.failed(t0 + ACCEPT_LOG_EVERY * 2), Some(0));
        assert_eq!(f.pause(AcceptErrorKind::Other), ACCEPT_PAUSE_MIN);
    }

    #[test]
    fn the_tracker_times_each_phase() {
        let limits = Limits::from_config(&ConnectionsConfig {
            header_timeout_ms: 1000,
            idle_timeout_ms: 5000,
            ..ConnectionsConfig::default()
        });
        let t0 = Instant::now();
        let t = Tracker::new(t0);
        assert_eq!(
            t.deadline(&limits),
            Some((t0 + limits.header_timeout, DropReason::HeaderTimeout))
        );
        // Bytes of the head do not extend its deadline.
        t.read();
        assert_eq!(
            t.deadline(&limits).map(|d| d.0),
            Some(t0 + limits.header_timeout)
        );
        t.request_started();
        assert!(t.busy());
        assert_eq!(t.deadline(&limits), None);
        t.request_finished();
        assert!(!t.busy());
        let (at, reason) = t.deadline(&limits).unwrap();
        assert_eq!(reason, DropReason::IdleTimeout);
        assert!(at >= t0 + limits.idle_timeout);
        // The first byte of the next request starts its head timer.
        t.read();
        let (at, reason) = t.deadline(&limits).unwrap();
        assert_eq!(reason, DropReason::HeaderTimeout);
        assert!(at < t0 + limits.idle_timeout);
        // An answer the client does not read.
        t.request_started();
        t.wrote(true);
        assert_eq!(t.deadline(&limits).unwrap().1, DropReason::SendStalled);
        t.wrote(false);
        assert_eq!(t.deadline(&limits), None);
    }
}
