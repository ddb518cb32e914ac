//! `CoreSign` and `CoreVerify` over scalar messages (draft §3.6.1, §3.6.2).

use super::domain::calculate_domain;
use super::generators::{generators, Generators};
use super::{check_count, PublicKey, SecretKey, Signature, Suite};
use crate::curve::{pairing_product_is_one, G1Affine, G1Projective, Scalar};
use crate::Error;

/// `B = P1 + Q_1 * domain + sum H_i * msg_i`, in variable time: every input
/// is known to whoever computes it here (signer, verifier).
fn compute_b(suite: Suite, gens: &Generators, domain: Scalar, messages: &[Scalar]) -> G1Projective {
    let mut points = Vec::with_capacity(messages.len() + 1);
    let mut scalars = Vec::with_capacity(messages.len() + 1);
    points.push(*gens.q1());
    scalars.push(domain);
    points.extend_from_slice(gens.h());
    scalars.extend_from_slice(messages);
    G1Projective::msm_vartime(&points, &scalars) + &suite.p1()
}

/// `CoreSign(SK, PK, generators, header, messages)`.
pub fn sign(
    suite: Suite,
    sk: &SecretKey,
    pk: &PublicKey,
    header: &[u8],
    messages: &[Scalar],
) -> Result<Signature, Error> {
    check_count(messages.len())?;
    let gens = generators(suite, messages.len() + 1);
    let domain = calculate_domain(suite, pk, &gens, header);
    // e = hash_to_scalar(serialize((SK, msg_1, ..., msg_L, domain)), dst)
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(32 * (messages.len() + 2)));
    buf.extend_from_slice(sk.to_bytes().as_ref());
    for m in messages {
        buf.extend_from_slice(&m.to_be_bytes());
    }
    buf.extend_from_slice(&domain.to_be_bytes());
    let e = suite.hash_to_scalar(&buf, &suite.consts().h2s_dst);
    let b = compute_b(suite, &gens, domain, messages);
    let mut inv = *sk.scalar() + e;
    if inv.is_zero() {
        return Err(Error::KeyGenFailed);
    }
    inv = inv.invert();
    // Constant time: the multiplier is derived from the secret key.
    let a = b.mul_ct(&inv);
    zeroize::Zeroize::zeroize(&mut inv);
    if a.is_identity() {
        return Err(Error::IdentityPoint);
    }
    Ok(Signature {
        a: a.to_affine(),
        e,
    })
}

/// `CoreVerify(PK, signature, generators, header, messages)`: checks
/// `e(A, W + BP2 * e) * e(B, -BP2) == 1`, computed as
/// `e(A, W) * e(A * e - B, BP2) == 1` so that both G2 points are fixed and
/// their Miller-loop lines precomputed.
pub fn verify(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[Scalar],
) -> Result<(), Error> {
    check_count(messages.len())?;
    let gens = generators(suite, messages.len() + 1);
    let domain = calculate_domain(suite, pk, &gens, header);
    let b = compute_b(suite, &gens, domain, messages);
    let rhs: G1Affine = (G1Projective::msm_vartime(&[sig.a], &[sig.e]) - b).to_affine();
    let consts = suite.consts();
    if pairing_product_is_one(&[(&sig.a, pk.prepared()), (&rhs, &consts.bp2)]) {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}
