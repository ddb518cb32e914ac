//! The OpenAPI 3.1 document served at `GET /v1/openapi.json`, generated
//! with `utoipa`: the schemas from the wire types of `zkcred-api` (and the
//! disclosure log's, `zkcred-translog`), each operation from the
//! `#[utoipa::path]` annotation of its handler in [`routes`]
//! (summary and description from the handler's doc comment).
//!
//! Problems common to many operations are response components here
//! (`Unauthorized`, `Forbidden`, `TooManyRequests`, `BadRequest`,
//! `BodyTooLarge`, `Unavailable`, `InternalError`); an operation's own codes (404, 409,
//! 410, 422, …) are listed in its annotation. Every problem response's body
//! is [`ProblemDocument`], whose `code` enumerates every
//! [`ProblemCode`](zkcred_problem::ProblemCode).
//!
//! Security: one `bearer` scheme; each operation names the roles it needs
//! (OpenAPI 3.1 allows role names in the requirement of a non-OAuth scheme).
//!
//! The tests in [`routes`] check the document against the
//! router itself, in both directions, and that it is self-contained.

use std::sync::LazyLock;

use axum::body::Bytes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};
use zkcred_api::ProblemDocument;

use super::routes;

/// The document: see the module documentation.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "zkcred verifier service",
        description = "Privacy-preserving verification of electronic licenses: one-time \
            challenges, BBS presentations, trust registry and policy administration, and \
            the regulator's disclosure transparency log. Errors are RFC 9457 problem \
            documents (`application/problem+json`) with a stable `code`. Authenticated \
            routes take `Authorization: Bearer <token>`; a token has one role (`admin`, \
            `verifier` or `regulator`) and each operation names the roles it accepts.",
    ),
    servers((url = "/", description = "this service")),
    paths(
        routes::healthz,
        routes::metrics,
        routes::openapi,
        routes::challenges,
        routes::presentations,
        routes::presentations_batch,
        routes::decision,
        routes::list_issuers,
        routes::create_issuer,
        routes::get_issuer,
        routes::version_issuer,
        routes::retire_issuer,
        routes::list_keys,
        routes::add_key,
        routes::rotate_key,
        routes::revoke_key,
        routes::list_agreements,
        routes::create_agreement,
        routes::get_agreement,
        routes::version_agreement,
        routes::retire_agreement,
        routes::list_policies,
        routes::create_policy,
        routes::get_policy,
        routes::version_policy,
        routes::retire_policy,
        routes::audit_policy,
        routes::audit_policies,
        routes::log_head,
        routes::sign_head,
        routes::log_records,
        routes::log_inclusion,
        routes::log_consistency,
        routes::log_export,
        routes::register_status_epoch,
        routes::current_status_epoch,
    ),
    components(
        schemas(ProblemDocument, zkcred_api::Reason),
        responses(
            Unauthorized,
            Forbidden,
            BadRequest,
            BodyTooLarge,
            Unavailable,
            TooManyRequests,
            InternalError
        )
    ),
    modifiers(&Bearer),
    tags(
        (name = "service", description = "Health, metrics and this document (no token)"),
        (name = "verification", description = "Challenges and presentations (verifier)"),
        (name = "issuers", description = "Trust registry: issuers and their keys"),
        (name = "agreements", description = "Trust registry: recognition agreements"),
        (name = "policies", description = "Verification policies and their audit"),
        (name = "log", description = "The disclosure transparency log"),
        (name = "status", description = "Licence status epochs: registered by the operator, resolved for presentations"),
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A configured token (the service keeps its SHA-256 digest). \
                         The requirement of each operation lists the roles it accepts.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, built once.
pub static DOCUMENT: LazyLock<Bytes> = LazyLock::new(|| {
    Bytes::from(
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serialises"),
    )
});

/// 401 `unauthorized`: no bearer token, or one the service does not know
/// (with `WWW-Authenticate: Bearer`).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Unauthorized(ProblemDocument);

/// 403 `forbidden`: the token's role may not do this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Forbidden(ProblemDocument);

/// 400 `malformed_json` (not JSON of the expected shape), `invalid_request`
/// or a code of the document or presentation refused.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct BadRequest(ProblemDocument);

/// 413 `body_too_large` (the body exceeds the configured limit) or
/// `limit_exceeded` (a count or length in it exceeds a documented limit,
/// named by the document's `limit` and `max` members).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct BodyTooLarge(ProblemDocument);

/// 503 `timeout` (the request took longer than the configured limit) or
/// `storage_busy` (retry).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Unavailable(ProblemDocument);

/// 429 `rate_limited`: the token's request rate limit is spent; or, at
/// `POST /v1/challenges`, `challenge_quota_exceeded`: the verifier holds its
/// whole budget of outstanding challenges (other verifiers are still
/// served). Both carry `Retry-After` and the `retry_after` member (seconds).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct TooManyRequests(ProblemDocument);

/// 500 `internal_error` or a `storage_…` failure; the cause is in the
/// service's log.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct InternalError(ProblemDocument);
