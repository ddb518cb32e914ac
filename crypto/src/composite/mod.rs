//! Composite presentations: BBS proofs of one or more credentials and
//! statements about their hidden messages, under one Fiat-Shamir challenge.
//!
//! # The statement
//! * per credential, a BBS proof of knowledge of a signature (IETF BBS draft
//!   §3.6.3 `CoreProofGen`), disclosing some messages;
//! * [`Relations::equalities`]: pairs of hidden messages, in the same or in
//!   different credentials, that are equal (the ID number in a driver's
//!   license and in an ID card);
//! * [`Relations::ranges`]: hidden messages within inclusive bounds, proven
//!   on a Pedersen commitment to the message with a Bulletproofs+ range
//!   proof ([`crate::range`]);
//! * [`Relations::pseudonyms`]: per-verifier pseudonyms `P = OP * m` of a
//!   hidden message `m` for a verifier context ([`pseudonym`]);
//! * [`Relations::memberships`]: hidden messages accumulated in an
//!   accumulator value (a licence's revocation handle in its issuer's
//!   accumulator of valid licences: [`membership`], [`crate::accumulator`]).
//!
//! # The proof
//! 1. Every credential runs the draft's `ProofInit` with fresh blindings,
//!    except that hidden messages proven equal share one blinding `m~`.
//! 2. Every message a range is claimed on gets a commitment
//!    `C = Y_0 * s + Y_1 * m` and a Schnorr commitment `T_C = Y_0 * s~ + Y_1 *
//!    m~`, reusing the message's `m~` from its BBS proof; every pseudonym
//!    claim sends `P = OP * m` and hashes `U = OP * m~`, again with the
//!    message's `m~` ([`pseudonym`]).
//! 3. One challenge over everything (`challenge`), in the first credential's
//!    suite (each BBS part keeps its own suite for its domain and
//!    generators; the commitments and the range proof use the first's):
//!    `c = hash_to_scalar(I2OSP(n, 8) || per credential (R, (i, msg_i)*,
//!    Abar, Bbar, D, T1, T2, domain) || relations || per commitment (C, T_C)
//!    || per pseudonym (P, U) || per membership (Cbar, Dbar, T) ||
//!    I2OSP(len(ph), 8) || ph)`, with `dst = api_id ||
//!    "COMPOSITE_H2S_"`.
//! 4. Every BBS proof is finalised with `c` (the draft's `ProofFinalize`),
//!    every commitment answers `s^ = s~ + s * c`; the equal messages' `m^`
//!    are then equal, and the commitment's `m^` is the BBS proof's.
//! 5. The range proof's transcript starts from `c`.
//!
//! The verifier recomputes every `T1`, `T2` and `T_C = Y_0 * s^ + Y_1 * m^ -
//! C * c`, checks the equal `m^`, recomputes `c`, checks the pairing
//! equation of every BBS proof and the range proof. In a batch, the pairing
//! equations of all BBS proofs join [`crate::bbs::verify_batch`]'s random
//! linear combination and the range proofs one multi-scalar multiplication
//! ([`crate::range::verify_batch`]).
//!
//! With no relation a presentation is not composite: each credential keeps
//! its own IETF `ProofGen` proof (the credential layer does that), so plain
//! presentations stay byte-compatible with the draft.
//!
//! # Commitments and the blind-signatures draft
//! The commitment follows the "committed disclosure" of the IETF
//! blind-signatures draft's editor's copy: a Pedersen commitment in G1 to
//! one message with generators from `create_generators` under their own
//! `api_id`, and responses that share the BBS proof's challenge. Recorded
//! departures: the generators are `(Y_0, Y_1) = create_generators(2,
//! ciphersuite_id || "COMMIT_H2G_HM2S_")` (our domain, as we could not check
//! the editor's copy's exact label offline); the commitment's `m^` is not
//! repeated in the proof (it is the BBS proof's); the challenge hashes the
//! commitments after the BBS values and before the presentation header.
//!
//! # Soundness sketch
//! Each part is a sigma protocol with special soundness for the same
//! challenge: from two accepting transcripts with the same first messages
//! and different `c`, the BBS parts yield signatures on the messages, the
//! commitment parts openings `(s, m)` with `m` the BBS message (shared
//! response), and equal responses for equal messages yield equal
//! witnesses. The range proof is then about commitments whose openings
//! are bound to the signed messages. Because `c` hashes every first
//! message and the statement (relations, bounds, widths, presentation
//! header), changing any of them changes `c`.
//!
//! # Extension
//! The proof is a sequence of tagged sections ([`CompositeProof`]); later
//! statements (a holder secret shared by all credentials, a pseudonym,
//! accumulator membership) add a relation kind and a section, leaving the
//! ones here unchanged.

mod commitment;
pub mod membership;
mod proof;
mod prove;
pub mod pseudonym;
mod verify;

pub use commitment::commitment_generators;
pub use membership::MembershipClaim;
pub use proof::CompositeProof;
pub use prove::{prove, prove_with_witnesses, ProverPart};
pub use pseudonym::PseudonymClaim;
pub use verify::{verify, verify_batch, CompositeItem, VerifierPart};

/// A message of one credential of the presentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageRef {
    /// The credential's position in the presentation.
    pub credential: usize,
    /// The message index in that credential.
    pub index: usize,
}

/// A hidden message within inclusive bounds, as integers (the message is
/// the scalar of an `i64`: a date's day count or an integer attribute).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeClaim {
    /// The message.
    pub message: MessageRef,
    /// Smallest allowed value, if bounded below.
    pub min: Option<i64>,
    /// Largest allowed value, if bounded above.
    pub max: Option<i64>,
    /// The width of each proven difference (`m - min`, `max - m`): below
    /// `2^bits`. 32 covers every date difference, 64 every `i64` one.
    pub bits: u32,
}

/// What a composite presentation proves beyond each credential's
/// disclosure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Relations {
    /// Pairs of hidden messages that are equal.
    pub equalities: Vec<(MessageRef, MessageRef)>,
    /// Range claims on hidden messages.
    pub ranges: Vec<RangeClaim>,
    /// Pseudonyms claimed on hidden messages ([`pseudonym`]).
    pub pseudonyms: Vec<PseudonymClaim>,
    /// Accumulator memberships claimed on hidden messages ([`membership`]).
    pub memberships: Vec<MembershipClaim>,
}

/// Most relations of each kind in one presentation.
pub const MAX_RELATIONS: usize = 64;

impl Relations {
    /// Whether there is nothing to prove beyond the BBS proofs.
    pub fn is_empty(&self) -> bool {
        self.equalities.is_empty()
            && self.ranges.is_empty()
            && self.pseudonyms.is_empty()
            && self.memberships.is_empty()
    }

    /// The committed messages: each message a range is claimed on, once, in
    /// order of first claim.
    pub(crate) fn committed(&self) -> Vec<MessageRef> {
        let mut out: Vec<MessageRef> = Vec::new();
        for r in &self.ranges {
            if !out.contains(&r.message) {
                out.push(r.message);
            }
        }
        out
    }

    /// The canonical octets the challenge hashes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(self.equalities.len() as u64).to_be_bytes());
        for (a, b) in &self.equalities {
            for m in [a, b] {
                out.extend_from_slice(&(m.credential as u64).to_be_bytes());
                out.extend_from_slice(&(m.index as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&(self.ranges.len() as u64).to_be_bytes());
        for r in &self.ranges {
            out.extend_from_slice(&(r.message.credential as u64).to_be_bytes());
            out.extend_from_slice(&(r.message.index as u64).to_be_bytes());
            for b in [r.min, r.max] {
                match b {
                    Some(v) => {
                        out.push(1);
                        out.extend_from_slice(&v.to_be_bytes());
                    }
                    None => out.push(0),
                }
            }
            out.extend_from_slice(&u64::from(r.bits).to_be_bytes());
        }
        // Appended only when present, so proofs without pseudonyms hash
        // as before.
        if !self.pseudonyms.is_empty() {
            out.extend_from_slice(b"PSEUDONYMS");
            out.extend_from_slice(&(self.pseudonyms.len() as u64).to_be_bytes());
            for n in &self.pseudonyms {
                out.extend_from_slice(&(n.message.credential as u64).to_be_bytes());
                out.extend_from_slice(&(n.message.index as u64).to_be_bytes());
                out.extend_from_slice(&(n.context_id.len() as u64).to_be_bytes());
                out.extend_from_slice(&n.context_id);
            }
        }
        // Likewise for memberships.
        if !self.memberships.is_empty() {
            out.extend_from_slice(b"MEMBERSHIPS");
            out.extend_from_slice(&(self.memberships.len() as u64).to_be_bytes());
            for m in &self.memberships {
                out.extend_from_slice(&(m.message.credential as u64).to_be_bytes());
                out.extend_from_slice(&(m.message.index as u64).to_be_bytes());
                out.extend_from_slice(m.public_key.as_bytes());
                out.extend_from_slice(&m.value.to_bytes());
            }
        }
        out
    }

    /// Checks the relations against the credentials' shapes: `(message
    /// count, sorted disclosed indexes)` per credential.
    pub(crate) fn check(&self, shapes: &[(usize, &[usize])]) -> Result<(), crate::Error> {
        use crate::Error::InvalidStatement;
        if self.equalities.len() > MAX_RELATIONS
            || self.ranges.len() > MAX_RELATIONS
            || self.pseudonyms.len() > MAX_RELATIONS
            || self.memberships.len() > MAX_RELATIONS
        {
            return Err(InvalidStatement("too many relations"));
        }
        let hidden = |m: &MessageRef| -> Result<(), crate::Error> {
            let (count, disclosed) = shapes
                .get(m.credential)
                .ok_or(InvalidStatement("credential out of range"))?;
            if m.index >= *count {
                return Err(InvalidStatement("message index out of range"));
            }
            if disclosed.binary_search(&m.index).is_ok() {
                return Err(InvalidStatement("relation on a disclosed message"));
            }
            Ok(())
        };
        for (a, b) in &self.equalities {
            hidden(a)?;
            hidden(b)?;
            if a == b {
                return Err(InvalidStatement("a message equal to itself"));
            }
        }
        for r in &self.ranges {
            hidden(&r.message)?;
            if r.bits == 0 || r.bits > crate::range::MAX_VALUE_BITS {
                return Err(InvalidStatement("range width"));
            }
            match (r.min, r.max) {
                (None, None) => return Err(InvalidStatement("range without bounds")),
                (Some(lo), Some(hi)) if lo > hi => {
                    return Err(InvalidStatement("range with min above max"))
                }
                _ => {}
            }
        }
        for n in &self.pseudonyms {
            hidden(&n.message)?;
            if n.context_id.is_empty() || n.context_id.len() > pseudonym::MAX_CONTEXT_ID_LEN {
                return Err(InvalidStatement("pseudonym context_id length"));
            }
        }
        for m in &self.memberships {
            hidden(&m.message)?;
        }
        Ok(())
    }

    /// The range proof's values: per claim, `m - min` then `max - m`.
    pub(crate) fn range_values(
        &self,
        commitments: &[crate::curve::G1Affine],
    ) -> Vec<crate::range::ValueCommitment> {
        use crate::curve::Scalar;
        let committed = self.committed();
        let mut out = Vec::new();
        for r in &self.ranges {
            let k = committed.iter().position(|m| *m == r.message).unwrap_or(0);
            let point = commitments.get(k).copied();
            if let Some(lo) = r.min {
                out.push(crate::range::ValueCommitment {
                    point,
                    coefficient: Scalar::ONE,
                    offset: -Scalar::from_i64(lo),
                    bits: r.bits,
                });
            }
            if let Some(hi) = r.max {
                out.push(crate::range::ValueCommitment {
                    point,
                    coefficient: -Scalar::ONE,
                    offset: Scalar::from_i64(hi),
                    bits: r.bits,
                });
            }
        }
        out
    }
}

/// The composite challenge (step 3 of the module docs).
pub(crate) fn challenge(
    suite: crate::bbs::Suite,
    parts: &[(&crate::bbs::InitOutput, &[(usize, crate::curve::Scalar)])],
    relations: &Relations,
    commitments: &[(crate::curve::G1Affine, crate::curve::G1Affine)],
    pseudonyms: &[(crate::curve::G1Affine, crate::curve::G1Affine)],
    memberships: &[[crate::curve::G1Affine; 3]],
    ph: &[u8],
) -> crate::curve::Scalar {
    let mut buf = Vec::with_capacity(1024);
    buf.extend_from_slice(&(parts.len() as u64).to_be_bytes());
    for (init, disclosed) in parts {
        buf.extend_from_slice(&(disclosed.len() as u64).to_be_bytes());
        for (i, m) in disclosed.iter() {
            buf.extend_from_slice(&(*i as u64).to_be_bytes());
            buf.extend_from_slice(&m.to_be_bytes());
        }
        for p in [&init.abar, &init.bbar, &init.d, &init.t1, &init.t2] {
            buf.extend_from_slice(&p.to_compressed());
        }
        buf.extend_from_slice(&init.domain.to_be_bytes());
    }
    buf.extend_from_slice(&relations.encode());
    buf.extend_from_slice(&(commitments.len() as u64).to_be_bytes());
    for (c, t) in commitments {
        buf.extend_from_slice(&c.to_compressed());
        buf.extend_from_slice(&t.to_compressed());
    }
    if !relations.pseudonyms.is_empty() {
        for (p, u) in pseudonyms {
            buf.extend_from_slice(&p.to_compressed());
            buf.extend_from_slice(&u.to_compressed());
        }
    }
    if !relations.memberships.is_empty() {
        for points in memberships {
            for p in points {
                buf.extend_from_slice(&p.to_compressed());
            }
        }
    }
    buf.extend_from_slice(&(ph.len() as u64).to_be_bytes());
    suite.hash_parts_to_scalar(&[&buf, ph], &suite.dst(b"COMPOSITE_H2S_"))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_membership;
