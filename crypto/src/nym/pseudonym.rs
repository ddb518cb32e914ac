//! Pseudonyms: the context point, the pseudonym of a vector of nym secrets,
//! its encoding, and the pseudonym's share of proof generation and
//! verification (the draft's "Pseudonym Calculation", "Pseudonym Proof
//! Generation Initialization", "Pseudonym Proof Verification
//! Initialization" and the challenge calculation with a pseudonym).

use zeroize::Zeroize;

use super::check_nym_count;
use crate::bbs::{InitOutput, MessageGenerators, Suite};
use crate::curve::hash::hash_to_g1;
use crate::curve::{G1Affine, G1Projective, Scalar, G1_LEN};
use crate::Error;

/// Length of an encoded [`Pseudonym`]: one compressed G1 point.
pub const PSEUDONYM_LEN: usize = G1_LEN;

/// The suffix of the DST of the polynomial's point `z`: `api_id ||
/// "VECT_NYM_SECRETS"`.
const VECT_NYM_SECRETS: &[u8] = b"VECT_NYM_SECRETS";

/// The `api_id` of the pseudonym interface: `ciphersuite_id ||
/// "H2G_HM2S_PSEUDONYM_"` (for example
/// `BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_PSEUDONYM_`), the same as
/// [`Suite::nym_api_id`]. It scopes the pseudonym operations' generators
/// (`api_id`, and `"BLIND_" || api_id` for the committed part), their
/// hashes to scalars and the context point.
pub fn api_id(suite: Suite) -> &'static [u8] {
    suite.nym_api_id()
}

/// A pseudonym: `OP * (nym_secret_0 + nym_secret_1 * z + ... +
/// nym_secret_{N-1} * z^(N-1))`, a point of G1 that is the same every time
/// a holder presents to the same context (verifier) and unlinkable across
/// contexts. Exists only decoded and checked: in the prime-order subgroup
/// and not the identity. Public data (a verifier stores it to recognise the
/// holder), so `Debug` prints it and equality is plain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pseudonym(G1Affine);

impl Pseudonym {
    /// Decodes a pseudonym: exactly [`PSEUDONYM_LEN`] octets, the compressed
    /// encoding of a G1 point on the curve, in the prime-order subgroup and
    /// not the identity (the draft's `octets_to_point_E1` with the checks its
    /// `ProofVerifyWithNym` asks for).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 48 octets;
    /// [`Error::InvalidPointEncoding`], [`Error::PointNotOnCurve`],
    /// [`Error::PointNotInSubgroup`] or [`Error::IdentityPoint`] for an
    /// encoding that is not a valid non-identity point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Pseudonym, Error> {
        if bytes.len() != PSEUDONYM_LEN {
            return Err(Error::InvalidLength {
                what: "pseudonym",
                expected: PSEUDONYM_LEN,
                got: bytes.len(),
            });
        }
        G1Affine::from_compressed(bytes).map(Pseudonym)
    }

    /// The compressed encoding (`point_to_octets_E1`), 48 octets.
    pub fn to_bytes(&self) -> [u8; PSEUDONYM_LEN] {
        self.0.to_compressed()
    }

    /// The point.
    pub fn as_point(&self) -> &G1Affine {
        &self.0
    }

    /// Wraps a point known to be valid (computed here, not decoded).
    pub(crate) fn from_point(p: G1Affine) -> Result<Pseudonym, Error> {
        if p.is_identity() {
            return Err(Error::IdentityPoint);
        }
        Ok(Pseudonym(p))
    }
}

/// The context point `OP = hash_to_curve_g1(context_id, api_id)` of the
/// pseudonym interface's `api_id` ([`api_id`]): the base of every pseudonym
/// for the context (verifier) `context_id`. With one nym secret the
/// pseudonym is `OP * nym_secret`, which is what a composite proof proving
/// a pseudonym of one holder secret needs. Public; computed in variable
/// time is fine, and hashing to the curve is constant time anyway.
pub fn context_point(suite: Suite, context_id: &[u8]) -> G1Affine {
    hash_to_g1(suite.expander(), context_id, api_id(suite)).to_affine()
}

/// The point at which the nym secrets' polynomial is evaluated:
/// `z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS")`.
pub(crate) fn poly_point(suite: Suite, context_id: &[u8]) -> Scalar {
    let dst = [api_id(suite), VECT_NYM_SECRETS].concat();
    suite.hash_to_scalar(context_id, &dst)
}

/// `sum coefficients[i] * z^i` (Horner's rule; constant time in the
/// coefficients, which may be secret).
fn poly_eval(coefficients: &[Scalar], z: Scalar) -> Scalar {
    coefficients
        .iter()
        .rev()
        .fold(Scalar::ZERO, |acc, c| acc * z + *c)
}

/// The pseudonym of `nym_secrets` for the context `context_id`
/// (the draft's pseudonym calculation with a vector of nym secrets):
/// `OP * (nym_secrets[0] + nym_secrets[1] * z + ... )` with `OP =`
/// [`context_point`] and `z = hash_to_scalar(context_id, api_id ||
/// "VECT_NYM_SECRETS")`. With one nym secret (a composite proof's holder
/// secret) it is `OP * nym_secret`. Constant time in the nym secrets.
///
/// # Errors
/// [`Error::InvalidLength`] for no nym secrets; [`Error::TooManyMessages`]
/// past [`crate::bbs::MAX_MESSAGES`]; [`Error::IdentityPoint`] when the
/// polynomial evaluates to zero (all secrets zero, or negligible
/// probability otherwise).
pub fn pseudonym_of(
    suite: Suite,
    context_id: &[u8],
    nym_secrets: &[Scalar],
) -> Result<Pseudonym, Error> {
    check_nym_count(nym_secrets.len())?;
    let op = context_point(suite, context_id);
    let z = poly_point(suite, context_id);
    let mut k = poly_eval(nym_secrets, z);
    let p = op.to_projective().mul_ct(&k).to_affine();
    k.zeroize();
    Pseudonym::from_point(p)
}

/// What the pseudonym adds to a proof's challenge: the pseudonym and the
/// commitment `Ut` (prover) or `Uv` (verifier).
pub(crate) struct PseudonymInit {
    pub pseudonym: Pseudonym,
    pub u: G1Affine,
}

/// Pseudonym proof generation initialization: the pseudonym
/// `OP * poly(nym_secrets; z)` and `Ut = OP * poly(nym_blindings; z)`,
/// where `nym_blindings` are the BBS proof's `m~` of the nym secrets (so
/// one response proves both the signed message and the pseudonym). Constant
/// time in the secrets.
///
/// # Errors
/// [`Error::InvalidLength`] unless as many blindings as secrets (at least
/// one); [`Error::IdentityPoint`] for an identity pseudonym.
pub(crate) fn proof_init(
    suite: Suite,
    context_id: &[u8],
    nym_secrets: &[Scalar],
    nym_blindings: &[Scalar],
) -> Result<PseudonymInit, Error> {
    check_nym_count(nym_secrets.len())?;
    if nym_blindings.len() != nym_secrets.len() {
        return Err(Error::InvalidLength {
            what: "nym secret blindings",
            expected: nym_secrets.len(),
            got: nym_blindings.len(),
        });
    }
    let op = context_point(suite, context_id).to_projective();
    let z = poly_point(suite, context_id);
    let mut k = poly_eval(nym_secrets, z);
    let mut k_t = poly_eval(nym_blindings, z);
    let pts = G1Projective::batch_to_affine(&[op.mul_ct(&k), op.mul_ct(&k_t)]);
    k.zeroize();
    k_t.zeroize();
    Ok(PseudonymInit {
        pseudonym: Pseudonym::from_point(pts[0])?,
        u: pts[1],
    })
}

/// Pseudonym proof verification initialization: `Uv = OP *
/// poly(nym_responses; z) - pseudonym * c`, where `nym_responses` are the
/// proof's `m^` of the nym secrets. Variable time: public data only.
///
/// # Errors
/// [`Error::InvalidLength`] for no responses; [`Error::VerificationFailed`]
/// when `Uv` is the identity (the draft's INVALID).
pub(crate) fn proof_verify_init_vartime(
    suite: Suite,
    pseudonym: &Pseudonym,
    context_id: &[u8],
    nym_responses: &[Scalar],
    challenge: Scalar,
) -> Result<PseudonymInit, Error> {
    check_nym_count(nym_responses.len())?;
    let op = context_point(suite, context_id);
    let z = poly_point(suite, context_id);
    let k = poly_eval(nym_responses, z);
    let uv = G1Projective::msm_vartime(&[op, pseudonym.0], &[k, -challenge]).to_affine();
    if uv.is_identity() {
        return Err(Error::VerificationFailed);
    }
    Ok(PseudonymInit {
        pseudonym: *pseudonym,
        u: uv,
    })
}

/// The challenge of a proof with a pseudonym: `hash_to_scalar(I2OSP(R, 8)
/// || (I2OSP(i, 8) || msg_i)* || Abar || Bbar || D || T1 || T2 ||
/// pseudonym || U || domain || I2OSP(len(ph), 8) || ph ||
/// I2OSP(len(context_id), 8) || context_id, api_id || "H2S_")`, with the
/// pseudonym interface's `api_id`. `disclosed` are the disclosed message
/// scalars with their indexes in the combined message list, ascending.
pub(crate) fn challenge(
    suite: Suite,
    init: &InitOutput,
    nym: &PseudonymInit,
    disclosed: &[(usize, Scalar)],
    ph: &[u8],
    context_id: &[u8],
) -> Scalar {
    let mut buf = Vec::with_capacity(8 + 40 * disclosed.len() + 7 * G1_LEN + 32 + 16);
    buf.extend_from_slice(&(disclosed.len() as u64).to_be_bytes());
    for (i, m) in disclosed {
        buf.extend_from_slice(&(*i as u64).to_be_bytes());
        buf.extend_from_slice(&m.to_be_bytes());
    }
    for p in [&init.abar, &init.bbar, &init.d, &init.t1, &init.t2] {
        buf.extend_from_slice(&p.to_compressed());
    }
    buf.extend_from_slice(&nym.pseudonym.to_bytes());
    buf.extend_from_slice(&nym.u.to_compressed());
    buf.extend_from_slice(&init.domain.to_be_bytes());
    buf.extend_from_slice(&(ph.len() as u64).to_be_bytes());
    let ctx_len = (context_id.len() as u64).to_be_bytes();
    let dst = MessageGenerators::nym(0, 0, 1).h2s_dst(suite);
    suite.hash_parts_to_scalar(&[&buf, ph, &ctx_len, context_id], dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_ids_are_the_drafts() {
        assert_eq!(
            api_id(Suite::Bls12381Sha256),
            b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_PSEUDONYM_"
        );
        assert_eq!(
            api_id(Suite::Bls12381Shake256),
            b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_H2G_HM2S_PSEUDONYM_"
        );
    }

    #[test]
    fn horner_is_the_polynomial() {
        let z = Scalar::from_u64(7);
        let c = [3u64, 5, 11].map(Scalar::from_u64);
        assert_eq!(poly_eval(&c, z), Scalar::from_u64(3 + 5 * 7 + 11 * 49));
        assert_eq!(poly_eval(&c[..1], z), Scalar::from_u64(3));
    }

    #[test]
    fn one_secret_is_a_plain_multiple_of_the_context_point() {
        for suite in Suite::ALL {
            let s = Scalar::from_u64(123_456_789);
            let p = pseudonym_of(suite, b"verifier", &[s]).unwrap();
            let op = context_point(suite, b"verifier");
            assert_eq!(*p.as_point(), op.to_projective().mul_ct(&s).to_affine());
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let suite = Suite::Bls12381Sha256;
        assert!(matches!(
            pseudonym_of(suite, b"c", &[]),
            Err(Error::InvalidLength { .. })
        ));
        assert_eq!(
            pseudonym_of(suite, b"c", &[Scalar::ZERO, Scalar::ZERO]),
            Err(Error::IdentityPoint)
        );
        let s = [Scalar::ONE];
        assert!(proof_init(suite, b"c", &s, &[]).is_err());
        assert!(matches!(
            Pseudonym::from_bytes(&[0u8; 47]),
            Err(Error::InvalidLength { .. })
        ));
        let mut identity = [0u8; 48];
        identity[0] = 0xc0;
        assert_eq!(Pseudonym::from_bytes(&identity), Err(Error::IdentityPoint));
    }

    #[test]
    fn prover_and_verifier_commitments_agree() {
        // Ut = OP * poly(m~) and Uv = OP * poly(m~ + s c) - P * c coincide.
        for suite in Suite::ALL {
            let secrets = [5u64, 6, 7].map(Scalar::from_u64);
            let blindings = [8u64, 9, 10].map(Scalar::from_u64);
            let c = Scalar::from_u64(4242);
            let init = proof_init(suite, b"ctx", &secrets, &blindings).unwrap();
            let responses: Vec<Scalar> = secrets
                .iter()
                .zip(&blindings)
                .map(|(s, b)| *b + *s * c)
                .collect();
            let v =
                proof_verify_init_vartime(suite, &init.pseudonym, b"ctx", &responses, c).unwrap();
            assert_eq!(init.u, v.u);
            let other =
                proof_verify_init_vartime(suite, &init.pseudonym, b"ctx2", &responses, c).unwrap();
            assert_ne!(init.u, other.u);
        }
    }
}
