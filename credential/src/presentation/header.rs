//! The presentation header: what binds each entry's proof to the verifier,
//! the challenge, the request, the entry's position and its statements.

use super::request::PresentationRequest;
use super::statement::{statements_digest, Statement};
use crate::canonical::Canonical;

/// The presentation header of entry `index` (see the module docs).
pub fn presentation_header(
    request: &PresentationRequest,
    index: usize,
    statements: &[Statement],
) -> Vec<u8> {
    let mut c = Canonical::new("ZKCRED-PRESENTATION-V1");
    c.bytes(&hex::decode(&request.challenge).unwrap_or_default())
        .str(&request.verifier)
        .bytes(&request.digest())
        .count(index)
        .bytes(&statements_digest(statements));
    c.finish()
}
