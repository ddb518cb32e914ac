//! Accumulator membership as a statement of a composite proof: a hidden
//! message (a credential's revocation handle) is accumulated in a value
//! `V` under an accumulator key `Q` ([`crate::accumulator`]).
//!
//! # Proof
//! With witness `C` (`(y + alpha) * C = V`), the holder draws `r != 0` and
//! sends `Cbar = r * C` and `Dbar = r * V - y * Cbar`; the Schnorr
//! commitment is `T = r~ * V - y~ * Cbar` with the BBS proof's blinding
//! `y~` of the message, the response `r^ = r~ + c * r`. The verifier
//! recomputes `T = r^ * V - y^ * Cbar - c * Dbar` with the BBS proof's
//! response `y^`, hashes `(Cbar, Dbar, T)` into the one challenge, and
//! checks `e(Cbar, Q) * e(Dbar, -BP2) = 1` — in a batch, one more term of
//! the random linear combination of BBS pairing equations, sharing the
//! `-BP2` Miller loop and adding one loop per accumulator key. The module
//! docs of [`crate::accumulator`] give the soundness and privacy argument.
//!
//! Section `0x05` of [`super::CompositeProof`]: per claim `Cbar (48) ||
//! Dbar (48) || r^ (32)`.

use super::MessageRef;
use crate::accumulator::{Accumulator, PublicKey};
use crate::curve::{G1Affine, Scalar};

/// A hidden message claimed to be accumulated in `value` under
/// `public_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipClaim {
    /// The hidden message (the credential's revocation handle, message 0).
    pub message: MessageRef,
    /// The accumulator key `Q` (one per issuer and credential type).
    pub public_key: PublicKey,
    /// The accumulator value `V` of the epoch the proof is for.
    pub value: Accumulator,
}

/// One membership's part of a composite proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MembershipProof {
    /// `Cbar = r * C`, not the identity.
    pub cbar: G1Affine,
    /// `Dbar = r * V - y * Cbar = alpha * Cbar`, not the identity.
    pub dbar: G1Affine,
    /// `r^ = r~ + c * r`.
    pub r_hat: Scalar,
}
