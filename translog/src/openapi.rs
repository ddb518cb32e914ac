//! OpenAPI schemas of the types serialised as hex strings (feature
//! `openapi`); the structs derive theirs.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

use crate::{Hash, LogPublicKey};

fn hex(digits: usize, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[0-9a-f]{{{digits}}}$")))
        .description(Some(description))
        .into()
}

impl utoipa::PartialSchema for Hash {
    fn schema() -> RefOr<Schema> {
        hex(
            64,
            "A SHA-256 digest (leaf, subtree or root hash): 64 lowercase hex digits.",
        )
    }
}

impl utoipa::ToSchema for Hash {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Hash")
    }
}

impl utoipa::PartialSchema for LogPublicKey {
    fn schema() -> RefOr<Schema> {
        hex(64, "The log's Ed25519 public key: 64 lowercase hex digits.")
    }
}

impl utoipa::ToSchema for LogPublicKey {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("LogPublicKey")
    }
}
