//! Licence status without tracking the holder: each issuer keeps, per
//! credential type, a positive accumulator (`zkcred_crypto::accumulator`)
//! of the revocation handles of its valid credentials, and publishes one
//! signed value per epoch.
//!
//! * [`LicenseStatus`]: the national status codes (`01` valid, `02`
//!   suspended, `03` revoked, `04` cancelled, `05` expired, `07` revoked by
//!   penalty) and the changes allowed between them.
//! * [`StatusRegistry`]: the issuer's side, in its key directory: the
//!   accumulator secret, the epochs, each credential's handle and status;
//!   issuance records a credential and hands out its witness, a batch of
//!   status changes makes one new epoch.
//! * [`StatusEpoch`]: what a verifier fetches, of constant size: the epoch
//!   number and accumulator value, the previous epoch's and the update's
//!   digests, signed with the issuer's BBS key.
//! * [`StatusUpdate`]: what a holder fetches: the accumulator changes of
//!   one epoch and each changed licence's new status.
//! * [`StatusWitness`]: the credential document's `status` member, the
//!   holder's membership witness for an epoch; the wallet brings it up to
//!   date with [`crate::wallet::Wallet::sync`].
//!
//! # Flow
//!
//! ```text
//! issuer:   StatusRegistry::init(keydir, &key, type, now, rng)         -> epoch 0 (published/)
//! issuer:   issue_blind(..) then registry.register_issued(&credential, now) -> credential.status
//! issuer:   registry.change(&key, &[(license_id, LicenseStatus::Suspended), ..], now)
//!           -> (StatusEpoch n+1, StatusUpdate n -> n+1), both published
//! holder:   wallet.sync(&updates, &epochs, &trusted_keys, rng)        (witness for the latest epoch)
//! verifier: StatusEpoch::from_json(text)?.verify_with(&trusted_keys)? -> the value V to check
//!           the membership proof against
//! ```
//!
//! A verifier learns which epoch a presentation was made against and the
//! value of that epoch, nothing that identifies the credential: the handle
//! is a hidden message of the BBS proof and the witness is randomised in
//! the membership proof. What is published per change is the handle of the
//! credential changed, which only its issuer can link to a licence.

pub mod epoch;
pub mod license_status;
pub mod registry;
pub mod update;
pub mod witness;

pub use epoch::{EpochContent, StatusEpoch, EPOCH_SIGNATURE_HEADER};
pub use license_status::LicenseStatus;
pub use registry::{credential_id, RegistryEntry, StatusRegistry};
pub use update::{StatusChange, StatusUpdate};
pub use witness::StatusWitness;

use crate::error::{decode_hex, Error};

/// Exactly `N` octets of hex (`what` names the field in the error).
pub(crate) fn hex_array<const N: usize>(what: &'static str, text: &str) -> Result<[u8; N], Error> {
    let bytes = decode_hex(what, text)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| Error::Malformed {
        what,
        reason: format!("{} octets, expected {N}", bytes.len()),
    })
}
