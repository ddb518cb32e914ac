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

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use super::MessageRef;
use crate::accumulator::{Accumulator, PublicKey};
use crate::curve::{G1Affine, Scalar, VartimeFixedBaseTable};

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

/// Most accumulator values whose tables [`value_table`] keeps; the cache is
/// emptied when full (a verifier sees a handful of current epochs).
const VALUE_CACHE_LIMIT: usize = 1024;

/// The fixed-base table of an accumulator value `V` for the verifier's
/// `T = r^ * V - y^ * Cbar - c * Dbar`, built once per value (one epoch of
/// one issuer's list) and shared (**variable time**: public data only).
pub(crate) fn value_table(value: &Accumulator) -> Arc<VartimeFixedBaseTable> {
    type Cache = HashMap<[u8; 48], Arc<VartimeFixedBaseTable>>;
    static CACHE: OnceLock<RwLock<Cache>> = OnceLock::new();
    let lock = CACHE.get_or_init(|| RwLock::new(HashMap::new()));
    let key = value.to_bytes();
    if let Some(t) = lock.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Arc::clone(t);
    }
    let table = Arc::new(VartimeFixedBaseTable::new(value.point()));
    let mut w = lock.write().unwrap_or_else(|e| e.into_inner());
    if w.len() >= VALUE_CACHE_LIMIT {
        w.clear();
    }
    w.insert(key, Arc::clone(&table));
    table
}
