//! The Fiat-Shamir transcript of range proofs and composite proofs.
//!
//! Each challenge is `hash_to_scalar(state || label || data, dst)` with the
//! suite's `expand_message` and `dst = api_id || "TRANSCRIPT_H2S_"`, where
//! `state` is the previous challenge's 32 octets (the caller's binding
//! scalar at the start) and `label` names the step; so every challenge
//! depends on everything absorbed before it.

use crate::bbs::Suite;
use crate::curve::{G1Affine, Scalar};
use crate::Error;

/// A running transcript.
pub(crate) struct Transcript {
    suite: Suite,
    dst: Vec<u8>,
    state: [u8; 32],
    pending: Vec<u8>,
}

impl Transcript {
    /// Starts from `binding` under `protocol` (a domain label).
    pub(crate) fn new(suite: Suite, protocol: &[u8], binding: &Scalar) -> Self {
        let mut dst = suite.api_id().to_vec();
        dst.extend_from_slice(b"TRANSCRIPT_H2S_");
        let mut t = Transcript {
            suite,
            dst,
            state: binding.to_be_bytes(),
            pending: Vec::with_capacity(512),
        };
        t.append_bytes(protocol);
        t
    }

    pub(crate) fn append_bytes(&mut self, b: &[u8]) {
        self.pending
            .extend_from_slice(&(b.len() as u64).to_be_bytes());
        self.pending.extend_from_slice(b);
    }

    pub(crate) fn append_u64(&mut self, v: u64) {
        self.pending.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn append_point(&mut self, p: &G1Affine) {
        self.pending.extend_from_slice(&p.to_compressed());
    }

    pub(crate) fn append_scalar(&mut self, s: &Scalar) {
        self.pending.extend_from_slice(&s.to_be_bytes());
    }

    /// The next challenge, never zero.
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] in the negligible case of a zero
    /// challenge (callers invert challenges).
    pub(crate) fn challenge(&mut self, label: &[u8]) -> Result<Scalar, Error> {
        let c = self.suite.hash_parts_to_scalar(
            &[
                &self.state,
                &(label.len() as u64).to_be_bytes(),
                label,
                &self.pending,
            ],
            &self.dst,
        );
        self.pending.clear();
        self.state = c.to_be_bytes();
        if c.is_zero() {
            return Err(Error::VerificationFailed);
        }
        Ok(c)
    }
}
