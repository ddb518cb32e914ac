//! Licence status in presentations: a requested entry may ask the holder
//! to prove, in zero knowledge, that its licence is in the issuer's
//! accumulator of valid licences for a recent epoch
//! ([`zkcred_crypto::accumulator`]).
//!
//! * The request: [`RequestedCredential::status`](super::RequestedCredential::status)
//!   ([`StatusRequirement`]: how long after an epoch was superseded the
//!   verifier still accepts it).
//! * The holder: a [`HolderStatus`] per credential (the epoch it synced
//!   to, that epoch's value and key, its witness), attached with
//!   [`HolderCredential::with_status`](super::HolderCredential::with_status);
//!   the entry names the epoch
//!   ([`PresentedCredential::status_epoch`](super::PresentedCredential::status_epoch))
//!   and the composite proof carries a membership claim on the
//!   credential's revocation handle (message 0,
//!   [`crate::layout::REVOCATION_HANDLE_INDEX`]) for that epoch's value.
//! * The verifier resolves the named epoch through its
//!   [`KeyResolver`](crate::keys::KeyResolver) (`status_epoch`), checks its
//!   freshness ([`check_fresh`]) and verifies the claim with the rest of the
//!   proof; the disclosed credential records the epoch
//!   ([`DisclosedCredential::status_epoch`](super::DisclosedCredential::status_epoch)).
//!
//! The epoch number is not hashed as such: the claim hashes the epoch's
//! value and key into the proof's challenge. Two epochs have the same
//! value only when they accumulate the same set (a suspension lifted
//! restores the value before it), so a proof about a value is a proof
//! about that set, whichever of those epochs the entry names.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zkcred_crypto::accumulator::{Accumulator, PublicKey, Witness};

use crate::error::Error;

/// Longest [`StatusRequirement::max_epoch_age`] a request may carry: 31
/// days, in seconds.
pub const MAX_EPOCH_AGE: u64 = 31 * 86_400;

/// What a requested entry asks of its licence's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRequirement {
    /// How long after an epoch was superseded by the next a proof against
    /// it is still accepted, in seconds (0: the current epoch only), at
    /// most [`MAX_EPOCH_AGE`].
    pub max_epoch_age: u64,
}

/// A holder's status material for one credential: the epoch it last
/// synced to, that epoch's accumulator value and key, and its membership
/// witness.
#[derive(Clone, Debug)]
pub struct HolderStatus {
    /// The epoch number.
    pub epoch: u64,
    /// The accumulator key of the issuer and credential type.
    pub public_key: PublicKey,
    /// The epoch's accumulator value.
    pub value: Accumulator,
    /// The credential's witness for that value.
    pub witness: Witness,
}

/// One epoch of an issuer's status list for a credential type, as a
/// verifier resolved it (from a status epoch document whose issuer
/// signature it checked).
#[derive(Clone, Debug)]
pub struct StatusEpochView {
    /// The epoch number.
    pub epoch: u64,
    /// The accumulator key.
    pub public_key: PublicKey,
    /// The epoch's accumulator value.
    pub value: Accumulator,
    /// When the next epoch was published (`None`: this is the current
    /// one, as far as the verifier knows).
    pub superseded_at: Option<OffsetDateTime>,
}

/// Whether `view` is fresh enough for `requirement` at `now`: current, or
/// superseded at most `max_epoch_age` seconds ago.
///
/// # Errors
/// [`Error::StatusEpochStale`] otherwise.
pub fn check_fresh(
    view: &StatusEpochView,
    requirement: &StatusRequirement,
    now: OffsetDateTime,
) -> Result<(), Error> {
    match view.superseded_at {
        None => Ok(()),
        Some(t) => {
            // Exact: with a bound of 0 any time after the supersession is
            // too late.
            let age = now - t;
            let max = time::Duration::seconds(
                i64::try_from(requirement.max_epoch_age).unwrap_or(i64::MAX),
            );
            if age <= max {
                Ok(())
            } else {
                Err(Error::StatusEpochStale {
                    epoch: view.epoch,
                    // Rounded up: an epoch superseded 0.4 s ago under a
                    // bound of 0 is "1 s ago", never "0 s ago, at most 0 s".
                    superseded_for: u64::try_from(
                        age.whole_seconds() + i64::from(age.subsec_nanoseconds() > 0),
                    )
                    .unwrap_or(0),
                    max_epoch_age: requirement.max_epoch_age,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing run

    use super::*;
    use time::Duration;

    fn stale_for(superseded: Duration, max_epoch_age: u64) -> Option<u64> {
        let t = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let view = StatusEpochView {
            epoch: 3,
            public_key: zkcred_crypto::accumulator::SecretKey::random(&mut rand::rngs::OsRng)
                .public_key(),
            value: Accumulator::initial(&mut rand::rngs::OsRng),
            superseded_at: Some(t),
        };
        match check_fresh(&view, &StatusRequirement { max_epoch_age }, t + superseded) {
            Ok(()) => None,
            Err(Error::StatusEpochStale { superseded_for, .. }) => Some(superseded_for),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_age_a_refusal_names_is_rounded_up() {
        assert_eq!(stale_for(Duration::ZERO, 0), None);
        assert_eq!(stale_for(Duration::milliseconds(400), 0), Some(1));
        assert_eq!(stale_for(Duration::seconds(30), 29), Some(30));
        assert_eq!(stale_for(Duration::milliseconds(29_001), 29), Some(30));
        assert_eq!(stale_for(Duration::seconds(29), 29), None);
    }
}
