//! A dynamic positive accumulator over BLS12-381 for licence status, and
//! the membership statement of composite proofs.
//!
//! # Construction
//! Our own code on `blst`, after the pairing-based accumulators of Nguyen
//! (CT-RSA 2005) and Vitto–Biryukov ("Dynamic Universal Accumulator with
//! Batch Update over Bilinear Groups", CT-RSA 2022, the positive half).
//! Per issuer and credential type:
//! * secret key `alpha`, public key `Q = alpha * BP2` in G2 ([`SecretKey`],
//!   [`PublicKey`]);
//! * a value `V` in G1 per epoch ([`Accumulator`]), starting from a random
//!   point;
//! * elements `y`: each credential's revocation handle, a random scalar the
//!   issuer signs as the credential's hidden message 0 ([`Element`]);
//! * a membership witness `C = V / (y + alpha)`, checked by `e(C, y * BP2 +
//!   Q) = e(V, BP2)` ([`Witness`]).
//!
//! The accumulated set is "every credential not removed since it was
//! issued": issuing does not change `V` (the issuer hands the new holder
//! `C = V / (y + alpha)` for the current `V`); removing `y` sets
//! `V' = V / (y + alpha)`, and adding it back when a suspension is lifted
//! sets `V' = V * (y + alpha)`. A removed holder's old witness meets the
//! old value only; a witness for the new one, `V / (y + alpha)^2`, needs
//! `alpha`.
//!
//! # Security argument
//! Soundness (no witness for a removed or never-issued element) reduces to
//! the q-strong Diffie-Hellman assumption, as in Nguyen's and
//! Vitto–Biryukov's proofs: the adversary sees `Q`, the values and the
//! witnesses the issuer handed out, all of the form `V_0 * f(alpha) / g(alpha)`
//! for polynomials the adversary knows; a witness `C` with `e(C, y * BP2 +
//! Q) = e(V, BP2)` for an element `y` whose factor `(y + alpha)` does not
//! divide `V`'s polynomial gives, by polynomial division, `1 / (y + alpha)`
//! times a known point, the q-SDH solution. Removals and additions publish
//! only the values `V_j` and the elements changed (elements the issuer
//! already knows; a removed element is no secret of anyone who can still
//! use it).
//!
//! # Updates: holder-side, from published data
//! Each epoch publishes an [`Update`]: the changes in order, each with the
//! value after it (`81` octets a change). A holder updates its witness
//! alone, with one multi-scalar multiplication of `k + 1` points for `k`
//! changes ([`Witness::update_vartime`]); the issuer computes the `k` values
//! from one comb table of the previous value, in constant time
//! ([`SecretKey::update`]). We chose holder-side updates over a witness
//! service (ALLOSAUR, Jaques–Kohlweiss–Lambooij–Tomescu: holders ask
//! servers for updated witnesses in a multi-party protocol) because the
//! holder's phone then contacts no one but a static file host, the issuer
//! learns nothing of when a holder is active, and nothing has to run
//! online beside the issuer's publication; the cost is that a holder
//! downloads every change since its last sync (81 octets each: a month of
//! 10,000 changes is 810 KB) and that the changed elements are public. The
//! published changes are the handles of removed and reinstated credentials:
//! they identify a credential to its issuer only, which knew it; a verifier
//! never sees a handle (the BBS proof hides message 0), so it cannot match
//! them to presentations.
//!
//! # What a verifier fetches per epoch
//! The value `V` (48 octets) with the epoch's number, time and the issuer's
//! signature (the credential crate's status epoch): constant size, whatever
//! the number of credentials or changes. The public key `Q` is fixed per
//! issuer and type. Nothing a verifier holds grows with the credentials.
//!
//! # The membership statement
//! [`crate::composite::MembershipClaim`]: the holder proves that the
//! hidden message `y` of one of its credentials is accumulated in `V`,
//! without showing `y` or `C`. It picks a random `r` and sends
//! `Cbar = r * C` and `Dbar = r * V - y * Cbar` (so `Dbar = alpha * Cbar`);
//! the verifier checks `e(Cbar, Q) = e(Dbar, BP2)`, which joins the batch's
//! random linear combination of BBS pairing equations, and a Schnorr proof
//! of `(r, y)` with `Dbar = r * V - y * Cbar`, whose `y` response is the BBS
//! proof's response for message 0 (one challenge). From the two equations,
//! `(y + alpha) * Cbar = r * V`, so `Cbar / r` is a witness for `y` (`r !=
//! 0` as `Cbar` is not the identity, or the prover knows `alpha = -y`).
//! `Cbar` is a uniformly random point and `Dbar` is determined by it, so
//! two presentations of one credential share no value.
//!
//! # Compared with a status list
//! W3C's Bitstring Status List and the IETF OAuth Token Status List give
//! each credential an index into a published bit array. The index is part
//! of the credential and shown at every presentation, so it is a
//! correlation handle for every verifier (and the list host sees who
//! fetches which list); the list is small (one or two bits per credential:
//! 100,000 credentials at one bit are 12.5 KB before compression) but
//! grows with the credentials and a verifier fetches all of it. The
//! accumulator's per-epoch document stays 48 octets of value whatever the
//! count, the verifier learns no index, and the holder pays instead: a
//! witness update per epoch (0.17 ms for one change, 114 ms for
//! 10,000, measured in `benches/status.rs`) and about 0.45 ms more proving.

mod keys;
mod update;
mod value;
mod witness;

pub use keys::{PublicKey, SecretKey};
pub use update::{Change, Update, MAX_CHANGES};
pub use value::{Accumulator, Element};
pub use witness::Witness;

#[cfg(test)]
mod tests;
