//! Composite presentations: what the holder and the verifier share when a
//! request has statements. One proof ([`zkcred_crypto::composite`]) covers
//! every entry's BBS proof and the statements, under one challenge bound to
//! [`super::composite_presentation_header`].
//!
//! A statement becomes a crypto-level relation:
//! * `range` on message `i` of entry `k` becomes a
//!   [`RangeClaim`] with the resolved inclusive bounds, proven over 32 bits
//!   for dates (any two dates of the encoding's range, 0001–9999, differ by
//!   less than 2^22 days) and over 64 bits for integers (any two `i64`
//!   differ by less than 2^64);
//! * `equal` becomes an equality of two hidden messages.
//!
//! Beyond the statements, every composite proof carries:
//! * **holder binding**: with several entries, the holder-binding slot of
//!   every entry ([`crate::layout::holder_binding_index`]) proven equal to
//!   the first entry's, so the credentials carry one holder secret (one
//!   person's ID card cannot be combined with another's driver's license);
//! * **licence status**, for each entry whose request asks for it: a
//!   [`MembershipClaim`] on the entry's revocation handle
//!   ([`layout::REVOCATION_HANDLE_INDEX`]) for the accumulator value of
//!   the epoch the entry names ([`super::status`]);
//! * **a pseudonym**, when the request asks for one: a
//!   [`zkcred_crypto::composite::PseudonymClaim`] on the first entry's
//!   holder secret for the request's context.
//!
//! A range statement on an optional attribute the credential does not
//! carry is answered by disclosing `null` instead (see [`super`]).

use zkcred_crypto::accumulator::{Accumulator, PublicKey};
use zkcred_crypto::composite::{
    MembershipClaim, MessageRef, PseudonymClaim, RangeClaim, Relations,
};

use super::request::{PresentationRequest, RequestedCredential};
use super::statement::{resolve_statements, Statement};
use crate::catalogue::Catalogue;
use crate::encoding::AttributeType;
use crate::error::Error;
use crate::layout;

/// Whether the request needs a composite proof: several entries (holder
/// binding), a pseudonym, or some entry with statements. A single entry
/// with nothing to prove beyond its disclosures gets its own BBS proof.
pub(super) fn is_composite(request: &PresentationRequest) -> bool {
    request.credentials.len() > 1
        || request.pseudonym.is_some()
        || request.credentials.iter().any(|rc| rc.status.is_some())
        || request
            .credentials
            .iter()
            .any(|rc| !rc.statements.is_empty())
}

/// The range proof's width for an attribute type (see the module docs).
pub(super) fn range_bits(t: AttributeType) -> u32 {
    match t {
        AttributeType::Date => 32,
        _ => 64,
    }
}

/// The statements of `rc` an entry presents when the attributes for which
/// `absent` holds are answered by a disclosed `null`, and those attributes.
pub(super) fn presented_statements(
    rc: &RequestedCredential,
    absent: impl Fn(&str) -> bool,
) -> (Vec<Statement>, Vec<String>) {
    let mut kept = Vec::with_capacity(rc.statements.len());
    let mut nulls = Vec::new();
    for s in &rc.statements {
        match s {
            Statement::Range(r) if absent(&r.attribute) => {
                if !nulls.contains(&r.attribute) {
                    nulls.push(r.attribute.clone());
                }
            }
            _ => kept.push(s.clone()),
        }
    }
    (kept, nulls)
}

/// One entry as the relations see it: its credential type, every name it
/// discloses (requested and `null` answers) and its presented statements.
pub(super) struct EntryShape<'a> {
    pub credential_type: &'a str,
    pub disclosed: Vec<String>,
    pub statements: &'a [Statement],
}

/// The relations the entries' statements claim, the holder binding across
/// entries and the pseudonym of `request` (see the module docs).
///
/// # Errors
/// As [`resolve_statements`]; [`Error::UnknownCredentialType`].
pub(super) fn relations(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    entries: &[EntryShape<'_>],
) -> Result<Relations, Error> {
    let mut rel = Relations::default();
    let holder_slot = |k: usize| -> Result<MessageRef, Error> {
        let ty = entries[k].credential_type;
        let t = catalogue
            .get(ty)
            .ok_or_else(|| Error::UnknownCredentialType(ty.to_owned()))?;
        Ok(MessageRef {
            credential: k,
            index: layout::holder_binding_index(t),
        })
    };
    if !entries.is_empty() {
        let first = holder_slot(0)?;
        for k in 1..entries.len() {
            rel.equalities.push((first, holder_slot(k)?));
        }
        if let Some(p) = &request.pseudonym {
            rel.pseudonyms.push(PseudonymClaim {
                message: first,
                context_id: p.context.as_bytes().to_vec(),
            });
        }
    }
    let types: Vec<&str> = entries.iter().map(|e| e.credential_type).collect();
    for (k, e) in entries.iter().enumerate() {
        let (ranges, equals) = resolve_statements(
            catalogue,
            e.credential_type,
            k,
            e.statements,
            &types[..k],
            &e.disclosed,
        )?;
        for r in ranges {
            rel.ranges.push(RangeClaim {
                message: MessageRef {
                    credential: k,
                    index: r.index,
                },
                min: r.min,
                max: r.max,
                bits: range_bits(r.attribute_type),
            });
        }
        for q in equals {
            rel.equalities.push((
                MessageRef {
                    credential: q.other_entry,
                    index: q.other_index,
                },
                MessageRef {
                    credential: k,
                    index: q.index,
                },
            ));
        }
    }
    Ok(rel)
}

/// Appends to `rel` a membership claim on the revocation handle of every
/// entry with a status epoch: `statuses[k]` is entry `k`'s accumulator key
/// and value, or `None`.
pub(super) fn push_memberships(
    rel: &mut Relations,
    statuses: &[Option<(&PublicKey, &Accumulator)>],
) {
    for (k, st) in statuses.iter().enumerate() {
        if let Some((pk, value)) = st {
            rel.memberships.push(MembershipClaim {
                message: MessageRef {
                    credential: k,
                    index: layout::REVOCATION_HANDLE_INDEX,
                },
                public_key: (*pk).clone(),
                value: **value,
            });
        }
    }
}
