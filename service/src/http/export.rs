//! `GET /v1/log/export` as a stream: the export document is written a page
//! of records at a time ([`DisclosureLog::export_pages`], each page read on
//! a blocking thread when the client has taken the previous one), so an
//! export holds about one page in memory whatever the log's size, and a
//! slow reader holds only its own page. At most
//! `disclosure_log.max_concurrent_exports` exports run at once; another is
//! refused with 503 `log_export_busy` and `Retry-After`.
//!
//! [`DisclosureLog::export_pages`]: crate::disclosure_log::DisclosureLog::export_pages

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use tokio::sync::OwnedSemaphorePermit;
use zkcred_problem::ProblemCode;

use super::problem::Problem;
use super::state::{blocking, AppState};
use crate::disclosure_log::{ExportPages, EXPORT_PAGE_RECORDS};
use crate::storage::DynStorage;

/// Seconds a refused export is told to wait (`Retry-After`).
const RETRY_AFTER_SECS: &str = "1";

/// The streamed export response, or 503 `log_export_busy` when the
/// configured number of exports are already running.
///
/// # Errors
/// `log_export_busy`; a storage failure before the first byte (a failure
/// later ends the body early, which a reader sees as a truncated
/// document).
pub(super) async fn respond(st: Arc<AppState>) -> Result<Response, Problem> {
    let Ok(permit) = Arc::clone(&st.exports).try_acquire_owned() else {
        let mut r = Problem::new(
            ProblemCode::LogExportBusy,
            format!(
                "at most {} log exports run at once; retry later",
                st.config.disclosure_log.max_concurrent_exports
            ),
        )
        .into_response();
        r.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
        return Ok(r);
    };
    let log = Arc::clone(&st.log);
    let pages = blocking(move || {
        log.export_pages(&log.public_key(), EXPORT_PAGE_RECORDS)
            .map_err(Problem::from)
    })
    .await?;
    let stream = futures_util::stream::unfold(Some((pages, permit)), next_chunk);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response())
}

type State = Option<(ExportPages<DynStorage>, OwnedSemaphorePermit)>;

/// Reads the next chunk on a blocking thread; the permit is released when
/// the stream ends or the client goes away (the stream is dropped).
async fn next_chunk(state: State) -> Option<(Result<Vec<u8>, std::io::Error>, State)> {
    let (mut pages, permit) = state?;
    let read = tokio::task::spawn_blocking(move || {
        let chunk = pages.next();
        (pages, chunk)
    })
    .await;
    match read {
        Ok((pages, Some(Ok(chunk)))) => Some((Ok(chunk), Some((pages, permit)))),
        Ok((_, None)) => None,
        Ok((_, Some(Err(e)))) => {
            tracing::error!(error = %e, "log export failed mid-stream");
            Some((Err(std::io::Error::other(e.to_string())), None))
        }
        Err(e) => {
            tracing::error!(error = %e, "log export failed mid-stream");
            Some((Err(std::io::Error::other(e.to_string())), None))
        }
    }
}
