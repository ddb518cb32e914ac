//! Per-verifier pseudonyms as a statement of a composite proof.
//!
//! A pseudonym is `P = OP * s` where `OP = hash_to_curve_g1(context_id,
//! api_id_nym)` is the point of the verifier's context (for example
//! `hotel:<chain id>`) and `s` a hidden message of one of the presented
//! credentials (zkcred uses the holder secret: see the credential crate's
//! layout). This is the pseudonym of the IETF per-verifier-linkability
//! draft (the editor's copy with a vector of nym secrets) for a vector of
//! one nym secret, where the draft's polynomial `nym_secret_0 + z *
//! nym_secret_1 + …` is `nym_secret_0`; `api_id_nym = ciphersuite_id ||
//! "H2G_HM2S_PSEUDONYM_"` and the hash-to-curve DST is `api_id_nym`, as in
//! that draft.
//!
//! # Proof
//! The holder sends `P` and proves `P = OP * s` for the same `s` the BBS
//! proof hides: the Schnorr commitment `U = OP * s~` reuses the blinding
//! `s~` of the message in the BBS proof, the challenge hashes `(P, U)` and
//! the claim (message, `context_id`), and the verifier recomputes `U = OP *
//! s^ - P * c` with the BBS proof's response `s^`. Special soundness: two
//! transcripts with different challenges give `s = (s^_1 - s^_2) / (c_1 -
//! c_2)` for the pseudonym and for the signed message alike.
//!
//! # Properties
//! * **Stable**: the same holder secret and context give the same `P`, in
//!   every presentation, from every credential carrying that secret.
//! * **Unlinkable across contexts**: `OP` of two contexts are independent
//!   random points (hash to curve), so `P_1 = OP_1 * s` and `P_2 = OP_2 * s`
//!   are unlinkable under the decisional Diffie-Hellman assumption in G1.
//! * **Bound to the credential**: the verifier learns nothing of `s` beyond
//!   `P`, and `P` cannot be made for another holder's secret.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::MessageRef;
use crate::bbs::Suite;
use crate::curve::G1Affine;

/// Longest `context_id`, in octets.
pub const MAX_CONTEXT_ID_LEN: usize = 255;

/// A pseudonym claimed on a hidden message (the holder secret) for a
/// verifier context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PseudonymClaim {
    /// The hidden message the pseudonym is computed from.
    pub message: MessageRef,
    /// The verifier's context identifier: 1 to [`MAX_CONTEXT_ID_LEN`]
    /// octets.
    pub context_id: Vec<u8>,
}

/// Most context points kept by [`context_point`]; the cache is emptied
/// when full (a verifier has a handful of contexts).
const CONTEXT_CACHE_LIMIT: usize = 4096;

/// `OP = hash_to_curve_g1(context_id, api_id_nym)` ([`crate::nym::context_point`]),
/// cached per suite and context: a verifier hashes each of its contexts
/// once.
pub fn context_point(suite: Suite, context_id: &[u8]) -> G1Affine {
    type Cache = HashMap<(Suite, Vec<u8>), G1Affine>;
    static CACHE: OnceLock<RwLock<Cache>> = OnceLock::new();
    let lock = CACHE.get_or_init(|| RwLock::new(HashMap::new()));
    let key = (suite, context_id.to_vec());
    if let Some(p) = lock.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return *p;
    }
    let p = crate::nym::context_point(suite, context_id);
    let mut w = lock.write().unwrap_or_else(|e| e.into_inner());
    if w.len() >= CONTEXT_CACHE_LIMIT {
        w.clear();
    }
    w.insert(key, p);
    p
}
