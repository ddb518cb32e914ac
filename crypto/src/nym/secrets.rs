//! The pseudonym draft's secret scalars: the holder's `prover_nyms` and
//! final `nym_secrets` ([`NymSecrets`]), and the issuer's
//! `signer_nym_entropy` ([`SignerNymEntropy`]).

use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::curve::{Scalar, SCALAR_LEN};
use crate::Error;

fn decode_scalar(bytes: &[u8], what: &'static str) -> Result<Scalar, Error> {
    let arr: &[u8; SCALAR_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
        what,
        expected: SCALAR_LEN,
        got: bytes.len(),
    })?;
    Scalar::from_be_bytes(arr)
}

/// A vector of nym secrets, at least one: either the holder's
/// `prover_nyms` (its share, committed to in `commit_with_nym`) or the
/// `nym_secrets` that `verify_finalize_with_nym` derives from them (the
/// last one plus the signer's `signer_nym_entropy`), which the pseudonym
/// is computed from. Secrets: zeroized on drop, compared in constant time
/// (over equal lengths), never printed (`Debug` shows only the count).
#[derive(Clone)]
pub struct NymSecrets(Vec<Scalar>);

impl NymSecrets {
    /// `count` fresh uniformly random scalars from `rng` (the holder's
    /// `prover_nyms`).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for a count of zero;
    /// [`Error::TooManyMessages`] past [`crate::bbs::MAX_MESSAGES`].
    pub fn random<R: RngCore + CryptoRng + ?Sized>(
        count: usize,
        rng: &mut R,
    ) -> Result<NymSecrets, Error> {
        super::check_nym_count(count)?;
        Ok(NymSecrets(
            (0..count).map(|_| Scalar::random(rng)).collect(),
        ))
    }

    /// Wraps scalars (taking ownership, so no copy is left behind).
    ///
    /// # Errors
    /// As [`NymSecrets::random`].
    pub fn from_scalars(scalars: Vec<Scalar>) -> Result<NymSecrets, Error> {
        let mut scalars = scalars;
        if let Err(e) = super::check_nym_count(scalars.len()) {
            scalars.iter_mut().for_each(Zeroize::zeroize);
            return Err(e);
        }
        Ok(NymSecrets(scalars))
    }

    /// Decodes 32-octet big-endian canonical scalars, one per item.
    ///
    /// # Errors
    /// As [`NymSecrets::random`]; [`Error::InvalidLength`] for an item not
    /// 32 octets; [`Error::NonCanonicalScalar`].
    pub fn from_bytes<B: AsRef<[u8]>>(items: &[B]) -> Result<NymSecrets, Error> {
        super::check_nym_count(items.len())?;
        let mut out = NymSecrets(Vec::with_capacity(items.len()));
        for b in items {
            out.0.push(decode_scalar(b.as_ref(), "nym secret")?);
        }
        Ok(out)
    }

    /// The 32-octet big-endian encodings, zeroized on drop.
    pub fn to_bytes(&self) -> Zeroizing<Vec<[u8; SCALAR_LEN]>> {
        Zeroizing::new(self.0.iter().map(Scalar::to_be_bytes).collect())
    }

    /// The scalars (secrets: keep them to the holder).
    pub fn as_scalars(&self) -> &[Scalar] {
        &self.0
    }

    /// `N`, the number of nym secrets (never zero).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a `NymSecrets` holds at least one scalar.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `nym_secrets` from `prover_nyms` (draft, "Verification and
    /// Finalization"): the last one plus `signer_nym_entropy`, the others
    /// unchanged.
    pub(crate) fn with_entropy(&self, entropy: &SignerNymEntropy) -> NymSecrets {
        let mut out = self.clone();
        if let Some(last) = out.0.last_mut() {
            *last += entropy.0;
        }
        out
    }
}

impl Zeroize for NymSecrets {
    fn zeroize(&mut self) {
        self.0.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl Drop for NymSecrets {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for NymSecrets {}

impl ConstantTimeEq for NymSecrets {
    /// Constant time in the values; vectors of different lengths (a
    /// public count) differ.
    fn ct_eq(&self, other: &Self) -> Choice {
        if self.0.len() != other.0.len() {
            return Choice::from(0);
        }
        self.0
            .iter()
            .zip(&other.0)
            .fold(Choice::from(1), |acc, (a, b)| acc & a.ct_eq(b))
    }
}

impl PartialEq for NymSecrets {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for NymSecrets {}

impl std::fmt::Debug for NymSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NymSecrets(<{} redacted>)", self.0.len())
    }
}

/// The issuer's `signer_nym_entropy`: a scalar the issuer adds to the
/// holder's last prover nym when signing (`BlindSignWithNym`), so that the
/// final nym secrets are not the holder's choice alone. Usually fresh and
/// random; reused on re-issuance to keep the holder's pseudonyms. Sent to
/// the holder with the signature; kept from everyone else: zeroized on
/// drop, compared in constant time, `Debug` redacts it.
#[derive(Clone)]
pub struct SignerNymEntropy(pub(crate) Scalar);

impl SignerNymEntropy {
    /// A fresh uniformly random scalar from `rng`.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> SignerNymEntropy {
        SignerNymEntropy(Scalar::random(rng))
    }

    /// Wraps a scalar (zero is the draft's default when none is given).
    pub fn from_scalar(s: Scalar) -> SignerNymEntropy {
        SignerNymEntropy(s)
    }

    /// Decodes 32 big-endian octets (a canonical scalar).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 32 octets; [`Error::NonCanonicalScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<SignerNymEntropy, Error> {
        decode_scalar(bytes, "signer_nym_entropy").map(SignerNymEntropy)
    }

    /// The 32 big-endian octets, zeroized on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        Zeroizing::new(self.0.to_be_bytes())
    }

    /// The scalar (a secret of issuer and holder).
    pub fn as_scalar(&self) -> &Scalar {
        &self.0
    }
}

impl Zeroize for SignerNymEntropy {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for SignerNymEntropy {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for SignerNymEntropy {}

impl ConstantTimeEq for SignerNymEntropy {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for SignerNymEntropy {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for SignerNymEntropy {}

impl std::fmt::Debug for SignerNymEntropy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignerNymEntropy(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_goes_to_the_last_nym_only() {
        let nyms = NymSecrets::from_scalars([1u64, 2, 3].map(Scalar::from_u64).to_vec()).unwrap();
        let e = SignerNymEntropy::from_scalar(Scalar::from_u64(10));
        let s = nyms.with_entropy(&e);
        assert_eq!(s.as_scalars(), &[1u64, 2, 13].map(Scalar::from_u64)[..]);
    }

    #[test]
    fn secrets_are_redacted_and_checked() {
        let nyms = NymSecrets::from_scalars(vec![Scalar::from_u64(77)]).unwrap();
        assert_eq!(format!("{nyms:?}"), "NymSecrets(<1 redacted>)");
        let e = SignerNymEntropy::from_scalar(Scalar::from_u64(77));
        assert_eq!(format!("{e:?}"), "SignerNymEntropy(<redacted>)");
        assert!(NymSecrets::from_scalars(Vec::new()).is_err());
        assert!(NymSecrets::from_bytes::<&[u8]>(&[]).is_err());
        assert!(NymSecrets::from_bytes(&[[0u8; 31]]).is_err());
        assert!(SignerNymEntropy::from_bytes(&[0xff; 32]).is_err());
        let two = NymSecrets::from_scalars(vec![Scalar::from_u64(77); 2]).unwrap();
        assert_ne!(nyms, two);
        assert_eq!(nyms, NymSecrets::from_bytes(&nyms.to_bytes()).unwrap());
    }
}
