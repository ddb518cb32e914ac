//! Pseudonyms: BBS per-verifier linkability (IETF CFRG
//! draft-irtf-cfrg-bbs-per-verifier-linkability).
//!
//! # Revision followed
//! The editor's copy of June 2026, where a holder's pseudonym comes from a
//! *vector* of nym secrets (the -03 era text; the vectors in
//! `crypto/tests/vectors/bbs-pseudonyms/`, the same as zkryptium 0.8 ships,
//! are reproduced byte for byte).
//!
//! # Construction
//! - `api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_"` ([`api_id`]).
//! - The context point `OP = hash_to_curve_g1(context_id, api_id)`
//!   ([`context_point`]) and `z = hash_to_scalar(context_id, api_id ||
//!   "VECT_NYM_SECRETS")`.
//! - The pseudonym of nym secrets `(s_0 .. s_{N-1})` is `OP * (s_0 + s_1 z
//!   + ... + s_{N-1} z^(N-1))` ([`pseudonym_of`]); with one secret,
//!   `OP * s_0`.
//! - In a proof the nym secrets are the last signed messages; the BBS
//!   proof's blindings of those messages also blind the pseudonym's
//!   polynomial (`Ut = OP * poly(m~)`), and the verifier recomputes
//!   `Uv = OP * poly(m^) - pseudonym * c`. The challenge hashes, after the
//!   BBS proof's `T2`, the pseudonym and `Ut`/`Uv`, and after the
//!   presentation header `I2OSP(len(context_id), 8) || context_id`, under
//!   `api_id || "H2S_"`.

mod pseudonym;
mod secrets;

pub use pseudonym::{api_id, context_point, pseudonym_of, Pseudonym, PSEUDONYM_LEN};
pub use secrets::{NymSecrets, SignerNymEntropy};

use crate::Error;

/// Checks a nym secret count `N`: at least one, at most
/// [`crate::bbs::MAX_MESSAGES`].
pub(crate) fn check_nym_count(n: usize) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::InvalidLength {
            what: "nym secrets",
            expected: 1,
            got: 0,
        });
    }
    crate::bbs::check_count(n)
}
