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

/// The presentation header of a composite presentation: one for the whole
/// proof,
///
/// ```text
/// ph = canonical("ZKCRED-COMPOSITE-PRESENTATION-V1", challenge octets,
///                verifier, request_digest, u32 n, per entry statements_digest)
/// ```
///
/// over each entry's presented statements (an optional attribute answered
/// by a disclosed `null` leaves its statement out).
pub fn composite_presentation_header(
    request: &PresentationRequest,
    presented: &[&[Statement]],
) -> Vec<u8> {
    let mut c = Canonical::new("ZKCRED-COMPOSITE-PRESENTATION-V1");
    c.bytes(&hex::decode(&request.challenge).unwrap_or_default())
        .str(&request.verifier)
        .bytes(&request.digest())
        .count(presented.len());
    for s in presented {
        c.bytes(&statements_digest(s));
    }
    c.finish()
}
