//! `CoreSign` and `CoreVerify` over scalar messages (draft §3.6.1, §3.6.2).

use super::domain::calculate_domain;
use super::generators::{generators, Generators};
use super::{check_count, PublicKey, SecretKey, Signature, Suite};
use crate::curve::{
    msm_straus_vartime, pairing_product_is_one_vartime, G1Affine, G1Projective, Scalar,
};
use crate::Error;

/// `A * a_coeff + (P1 + Q_1 * domain + sum H_i * msg_i) * b_coeff` through
/// the generators' fixed-base tables, in variable time: every input is known
/// to whoever computes it (the signer, who holds the messages; a verifier of
/// a signature, who is given them). Nothing here depends on the secret key.
fn combine_b_vartime(
    suite: Suite,
    gens: &Generators,
    domain: Scalar,
    messages: &[Scalar],
    b_coeff: Scalar,
    a: Option<(G1Affine, Scalar)>,
) -> G1Projective {
    let mut fixed = Vec::with_capacity(messages.len() + 2);
    fixed.push((&suite.consts().p1_table, b_coeff));
    fixed.push((gens.q1_table(), domain * b_coeff));
    for (t, m) in gens.h_tables().iter().zip(messages) {
        fixed.push((t, *m * b_coeff));
    }
    let var: Vec<(G1Affine, Scalar)> = a.into_iter().collect();
    msm_straus_vartime(&fixed, &var)
}

/// `CoreSign(SK, PK, generators, header, messages)`.
///
/// # Errors
/// [`Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
/// [`Error::KeyGenFailed`] if `SK + e = 0`; [`Error::IdentityPoint`] if `A`
/// is the identity.
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
    let b = combine_b_vartime(suite, &gens, domain, messages, Scalar::ONE, None);
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
///
/// Variable time: every input is public.
///
/// # Errors
/// [`Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
/// [`Error::VerificationFailed`] when the signature does not verify.
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
    // A * e - B in one evaluation.
    let rhs = combine_b_vartime(
        suite,
        &gens,
        domain,
        messages,
        -Scalar::ONE,
        Some((sig.a, sig.e)),
    )
    .to_affine();
    let consts = suite.consts();
    if pairing_product_is_one_vartime(&[(&sig.a, pk.prepared()), (&rhs, &consts.bp2)]) {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}
