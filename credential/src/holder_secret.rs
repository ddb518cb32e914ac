//! The holder secret: one random non-zero scalar per wallet.
//!
//! The wallet ([`crate::wallet`]) creates it at `init` and keeps it sealed
//! under the passphrase; it is meant to become the message a holder commits
//! to when a credential is issued blindly (the `committed_messages` of
//! draft-irtf-cfrg-bbs-blind-signatures), so that only its holder can present
//! the credential. It is zeroized on drop, its `Debug` is redacted, it
//! compares in constant time, and it has no `Serialize`: the only encoding is
//! the sealed one in the wallet file.

use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};
use zkcred_crypto::curve::SCALAR_LEN;
use zkcred_crypto::Scalar;

use crate::error::Error;

/// A holder secret: a non-zero scalar of BLS12-381 (mod r).
pub struct HolderSecret(Scalar);

impl HolderSecret {
    /// A fresh uniformly random non-zero scalar ([`Scalar::random`]: 48
    /// random octets reduced mod r; zero is drawn again).
    pub fn random(rng: &mut (impl RngCore + CryptoRng)) -> HolderSecret {
        loop {
            let s = Scalar::random(rng);
            if !s.is_zero() {
                return HolderSecret(s);
            }
        }
    }

    /// The secret as a scalar, for the arithmetic that uses it (a
    /// commitment, a proof). Whatever the caller copies it into is the
    /// caller's to zeroize.
    pub fn expose_scalar(&self) -> &Scalar {
        &self.0
    }

    /// The 32-octet big-endian encoding (`I2OSP(s, 32)`), for sealing only.
    pub(crate) fn to_be_bytes(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        Zeroizing::new(self.0.to_be_bytes())
    }

    /// Decodes the sealed encoding: exactly 32 octets, a canonical scalar
    /// (`< r`), not zero.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what`: "holder secret") otherwise; the value
    /// is never part of the message.
    pub(crate) fn from_be_bytes(bytes: &[u8]) -> Result<HolderSecret, Error> {
        let malformed = |reason: &str| Error::Malformed {
            what: "holder secret",
            reason: reason.into(),
        };
        let mut arr = Zeroizing::new([0u8; SCALAR_LEN]);
        if bytes.len() != SCALAR_LEN {
            return Err(malformed("not 32 octets"));
        }
        arr.copy_from_slice(bytes);
        let s = Scalar::from_be_bytes(&arr).map_err(|_| malformed("not a canonical scalar"))?;
        if s.is_zero() {
            return Err(malformed("zero"));
        }
        Ok(HolderSecret(s))
    }
}

impl Drop for HolderSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for HolderSecret {}

impl ConstantTimeEq for HolderSecret {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for HolderSecret {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for HolderSecret {}

impl std::fmt::Debug for HolderSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HolderSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    #[test]
    fn round_trips_and_refuses_bad_encodings() {
        let mut rng = rng();
        let s = HolderSecret::random(&mut rng);
        assert!(!s.expose_scalar().is_zero());
        let again = HolderSecret::from_be_bytes(&s.to_be_bytes()[..]).unwrap();
        assert_eq!(again, s);
        assert_ne!(HolderSecret::random(&mut rng), s);
        for bad in [vec![0u8; 32], vec![0xff; 32], vec![1u8; 31], vec![1u8; 33]] {
            assert!(matches!(
                HolderSecret::from_be_bytes(&bad),
                Err(Error::Malformed {
                    what: "holder secret",
                    ..
                })
            ));
        }
    }

    #[test]
    fn debug_is_redacted() {
        let s = HolderSecret::random(&mut rng());
        let shown = format!("{s:?}");
        assert_eq!(shown, "HolderSecret(<redacted>)");
        assert!(!shown.contains(&hex::encode(&s.to_be_bytes()[..])));
    }
}
