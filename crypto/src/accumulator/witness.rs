//! Membership witnesses: `C = V / (y + alpha)`, checked by a pairing and
//! kept current by the holder from each epoch's [`Update`].

use std::fmt;

use super::keys::PublicKey;
use super::update::{batch_invert, Change, Update};
use super::value::{Accumulator, Element};
use crate::bbs::Suite;
use crate::curve::{pairing_product_is_one_vartime, G1Affine, G1Projective, Scalar, G1_LEN};
use crate::Error;

/// A membership witness `C` (G1, 48 octets compressed) of one element for
/// one accumulator value. A verifier never sees it (proofs randomise it);
/// it is unique to one credential, so a wallet keeps it sealed with the
/// credential and `Debug` shows nothing of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Witness(pub(crate) G1Affine);

impl Witness {
    /// Decodes a witness: a compressed G1 point, on the curve, in the
    /// subgroup, not the identity.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 48 octets; [`Error::InvalidPointEncoding`],
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`],
    /// [`Error::IdentityPoint`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Witness, Error> {
        Ok(Witness(G1Affine::from_compressed(bytes)?))
    }

    /// The compressed point.
    pub fn to_bytes(&self) -> [u8; G1_LEN] {
        self.0.to_compressed()
    }

    /// Whether `e(C, y * BP2 + Q) = e(V, BP2)`, checked as `e(C, Q) * e(V -
    /// y * C, -BP2) = 1` (one multi-Miller loop). Variable time: run by the
    /// holder on its own witness and element.
    pub fn verify(&self, pk: &PublicKey, value: &Accumulator, element: &Element) -> bool {
        if self.0.is_identity() {
            return false;
        }
        let rhs =
            (value.0.to_projective() + self.0.to_projective().mul_ct(&-element.0)).to_affine();
        let neg_bp2 = &Suite::Bls12381Sha256.consts().neg_bp2;
        pairing_product_is_one_vartime(&[(&self.0, pk.prepared()), (&rhs, neg_bp2)])
    }

    /// The witness after `update`, from the witness for `previous` (the
    /// value the update starts from), without the secret key: one
    /// multi-scalar multiplication over the update's values.
    ///
    /// Per change `j` (value `V_j` after it):
    /// * add `a != y`: `C_j = (a - y) * C_{j-1} + V_{j-1}`;
    /// * remove `d != y`: `C_j = (C_{j-1} - V_j) / (d - y)`;
    /// * add `y` (reinstated): `C_j = V_{j-1}` (as `V_j = V_{j-1} * (y +
    ///   alpha)`);
    /// * remove `y`: no witness until `y` is added again.
    ///
    /// Unrolled from the last reset (the start, or the last add of `y`),
    /// `C_k` is the reset point times the product of the later
    /// multipliers plus each later step's point times the product of the
    /// multipliers after it: suffix products, one batch inversion for the
    /// removals, and one Pippenger sum of `k + 1` points.
    ///
    /// Variable time in the element and the witness (Pippenger): run by the
    /// holder on its own device. The element is the credential's
    /// revocation handle, which the issuer knows and publishes when it
    /// removes it, and which presentations hide perfectly.
    ///
    /// # Errors
    /// [`Error::ElementRemoved`] when the update removes the element and
    /// does not add it back.
    pub fn update_vartime(
        &self,
        element: &Element,
        previous: &Accumulator,
        update: &Update,
    ) -> Result<Witness, Error> {
        let y = element.0;
        let steps = &update.steps;
        // The last reset: after the last change of y itself.
        let last_own = steps.iter().rposition(|(c, _)| c.element().0 == y);
        let (start, base) = match last_own {
            None => (0, self.0),
            Some(j) => match &steps[j].0 {
                Change::Remove(_) => return Err(Error::ElementRemoved),
                Change::Add(_) => {
                    let before = if j == 0 {
                        previous.0
                    } else {
                        steps[j - 1].1 .0
                    };
                    (j + 1, before)
                }
            },
        };
        let rest = &steps[start..];
        if rest.is_empty() {
            return Ok(Witness(base));
        }
        // Multipliers m_j and additive terms t_j * P_j of each later step.
        let mut removal_diffs: Vec<Scalar> = rest
            .iter()
            .filter_map(|(c, _)| match c {
                Change::Remove(d) => Some(d.0 - y),
                Change::Add(_) => None,
            })
            .collect();
        batch_invert(&mut removal_diffs);
        let mut inverses = removal_diffs.into_iter();
        let mut multipliers = Vec::with_capacity(rest.len());
        let mut terms: Vec<(G1Affine, Scalar)> = Vec::with_capacity(rest.len());
        for (k, (c, v)) in rest.iter().enumerate() {
            match c {
                Change::Add(a) => {
                    let before = if start + k == 0 {
                        previous.0
                    } else {
                        steps[start + k - 1].1 .0
                    };
                    multipliers.push(a.0 - y);
                    terms.push((before, Scalar::ONE));
                }
                Change::Remove(_) => {
                    let inv = inverses.next().unwrap_or(Scalar::ZERO);
                    multipliers.push(inv);
                    terms.push((v.0, -inv));
                }
            }
        }
        // Suffix products: coefficient of step k's term is prod_{i > k} m_i;
        // the base's is prod of all.
        let mut suffix = Scalar::ONE;
        let mut scalars = vec![Scalar::ZERO; rest.len()];
        for k in (0..rest.len()).rev() {
            scalars[k] = terms[k].1 * suffix;
            suffix *= multipliers[k];
        }
        let mut points: Vec<G1Affine> = terms.iter().map(|(p, _)| *p).collect();
        points.push(base);
        scalars.push(suffix);
        let c = G1Projective::msm_vartime(&points, &scalars).to_affine();
        if c.is_identity() {
            return Err(Error::ElementRemoved);
        }
        Ok(Witness(c))
    }
}

impl fmt::Debug for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Unique to one credential: a log line with it would be a
        // correlation handle.
        f.write_str("Witness(<redacted>)")
    }
}
