//! OpenAPI schemas (feature `openapi`) that the derives cannot give.
//!
//! The wire types of this crate derive `utoipa::ToSchema` (queries
//! `utoipa::IntoParams`), and so do the disclosure log's types
//! (`zkcred-translog`, feature `openapi`). Three kinds of schema are written
//! here instead:
//!
//! * the credential crate's [`PresentationRequest`](zkcred_credential::PresentationRequest),
//!   [`Presentation`](zkcred_credential::Presentation) and status epoch
//!   (`zkcred_credential::status::StatusEpoch`) and the policy
//!   crate's audit report: versioned documents of crates without HTTP,
//!   described as named JSON objects (their own formats are specified
//!   there) rather than deriving schemas through their nested proof and
//!   attribute types;
//! * [`ProblemDocument::code`](crate::ProblemDocument::code): an enum of
//!   every [`ProblemCode`];
//! * the problem document's extension members.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, Object, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use zkcred_problem::ProblemCode;

use crate::Reason;

fn document(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .into()
}

/// Schema of the credential crate's `PresentationRequest`.
pub struct PresentationRequestSchema;

impl PartialSchema for PresentationRequestSchema {
    fn schema() -> RefOr<Schema> {
        document(
            "A presentation request, format `zkcred-presentation-request` (credential \
             crate): what the verifier asks the holder to prove, with the one-time \
             `challenge` (hex). Version 2 is signed: it adds `policy`, `purpose`, \
             `legal_basis`, the verifier's `registration` (signed by a regulator) and \
             the request key's `signature`; version 1 is unsigned and refused by \
             wallets by default. Pass it on as issued.",
        )
    }
}

impl ToSchema for PresentationRequestSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("PresentationRequest")
    }
}

/// Schema of the credential crate's `Presentation`.
pub struct PresentationSchema;

impl PartialSchema for PresentationSchema {
    fn schema() -> RefOr<Schema> {
        document(
            "A presentation, format `zkcred-presentation` version 1 (credential crate): \
             the holder's BBS proofs and disclosed attributes answering a presentation \
             request.",
        )
    }
}

impl ToSchema for PresentationSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Presentation")
    }
}

/// Schema of the credential crate's `StatusEpoch`.
pub struct StatusEpochSchema;

impl PartialSchema for StatusEpochSchema {
    fn schema() -> RefOr<Schema> {
        document(
            "A licence status epoch, format `zkcred-status-epoch` version 1 (credential \
             crate): `issuer`, `credential_type`, `key_id`, `accumulator_key`, `epoch`, \
             `value`, `published_at`, `previous` and `update_digest` (absent at epoch 0), \
             and the issuer's BBS `signature` over the epoch's digest. Constant size: \
             nothing in it identifies a licence.",
        )
    }
}

impl ToSchema for StatusEpochSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("StatusEpoch")
    }
}

/// Schema of the policy crate's `AuditReport`.
pub struct AuditReportSchema;

impl PartialSchema for AuditReportSchema {
    fn schema() -> RefOr<Schema> {
        document(
            "A policy's data-minimisation audit (policy crate): `policy_id`, \
             `policy_version`, `score` (0–100), `attributes` and `findings`.",
        )
    }
}

impl ToSchema for AuditReportSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AuditReport")
    }
}

/// `ProblemDocument::code`: one of [`ProblemCode::ALL`].
pub fn problem_code() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "Stable machine-readable code; `type` is `urn:zkcred:problem:<code>`. \
             Codes are never renamed; new ones may be added.",
        ))
        .enum_values(Some(ProblemCode::ALL.iter().map(|c| c.as_str())))
        .build()
}

/// The problem document's extension members.
pub fn problem_extensions() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Extension members: refused presentations carry `decision` and \
             `log_sequence`, policy refusals also `reasons`.",
        ))
        .property(
            "decision",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["refused"]))
                .description(Some("`refused`: a logged refusal of a presentation.")),
        )
        .property(
            "log_sequence",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(0))
                .description(Some("The refusal's record in the disclosure log.")),
        )
        .property(
            "reasons",
            ArrayBuilder::new()
                .items(Reason::schema())
                .description(Some("The reasons of a policy refusal.")),
        )
        .build()
}
