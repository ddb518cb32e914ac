//! `CoreSign` and `CoreVerify` over scalar messages (draft §3.6.1, §3.6.2).

use super::domain::calculate_domain;
use super::generators::{generators, generators_for, Generators, MessageGenerators};
use super::{check_count, PublicKey, SecretKey, Signature, Suite};
use crate::curve::{
    msm_straus_vartime, pairing_product_is_one_vartime, G1Affine, G1Projective, Scalar,
};
use crate::Error;

/// `sum P_k * s_k + (P1 + Q_1 * domain + sum H_i * msg_i) * b_coeff`
/// through the generators' fixed-base tables, in variable time: every input
/// is known to whoever computes it (the signer, who holds the messages; a
/// verifier of a signature, who is given them). Nothing here depends on the
/// secret key. `messages` may be shorter than the list (the blind signer
/// knows only the first `L`).
pub(crate) fn combine_b_vartime(
    suite: Suite,
    gens: &Generators,
    domain: Scalar,
    messages: &[Scalar],
    b_coeff: Scalar,
    var: &[(G1Affine, Scalar)],
) -> G1Projective {
    let mut fixed = Vec::with_capacity(messages.len() + 2);
    fixed.push((&suite.consts().p1_table, b_coeff));
    fixed.push((gens.q1_table(), domain * b_coeff));
    for (t, m) in gens.h_tables().iter().zip(messages) {
        fixed.push((t, *m * b_coeff));
    }
    msm_straus_vartime(&fixed, var)
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
    let domain = calculate_domain(suite, MessageGenerators::Plain, pk, &gens, header);
    // e = hash_to_scalar(serialize((SK, msg_1, ..., msg_L, domain)), dst)
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(32 * (messages.len() + 2)));
    buf.extend_from_slice(sk.to_bytes().as_ref());
    for m in messages {
        buf.extend_from_slice(&m.to_be_bytes());
    }
    buf.extend_from_slice(&domain.to_be_bytes());
    let e = suite.hash_to_scalar(&buf, &suite.consts().h2s_dst);
    let b = combine_b_vartime(suite, &gens, domain, messages, Scalar::ONE, &[]);
    finalize(sk, &b, e)
}

/// `A = B * 1 / (SK + e)`, the end of `CoreSign` and of the blind draft's
/// `FinalizeBlindSign`.
///
/// # Errors
/// [`Error::KeyGenFailed`] if `SK + e = 0`; [`Error::IdentityPoint`] if `A`
/// is the identity.
pub(crate) fn finalize(sk: &SecretKey, b: &G1Projective, e: Scalar) -> Result<Signature, Error> {
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
    verify_with(suite, MessageGenerators::Plain, pk, sig, header, messages)
}

/// [`verify`] over the generator list `which` (for a blind credential, the
/// blind draft's `Verify`: `messages` is `signer messages ||
/// secret_prover_blind || committed messages`, see [`MessageGenerators`]).
///
/// # Errors
/// As [`verify`]; [`Error::MessageCountMismatch`] when the count does not
/// fit `which`.
pub fn verify_with(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[Scalar],
) -> Result<(), Error> {
    let gens = generators_for(suite, which, messages.len())?;
    let domain = calculate_domain(suite, which, pk, &gens, header);
    // A * e - B in one evaluation.
    let rhs = combine_b_vartime(
        suite,
        &gens,
        domain,
        messages,
        -Scalar::ONE,
        &[(sig.a, sig.e)],
    )
    .to_affine();
    let consts = suite.consts();
    if pairing_product_is_one_vartime(&[(&sig.a, pk.prepared()), (&rhs, &consts.bp2)]) {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}

/// [`verify_with`] for the holder, whose messages are secret (a blind
/// credential's `secret_prover_blind` and committed messages): `B` is
/// computed with constant-time multiplications; only the pairing check, on
/// the signature, the key and `B = A * (SK + e)` (which the signature
/// already fixes), is variable time.
///
/// # Errors
/// As [`verify_with`].
pub(crate) fn verify_ct_with(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    messages: &[Scalar],
) -> Result<(), Error> {
    let gens = generators_for(suite, which, messages.len())?;
    let domain = calculate_domain(suite, which, pk, &gens, header);
    let mut terms = Vec::with_capacity(messages.len() + 1);
    terms.push((gens.q1().to_projective(), domain));
    for (h, m) in gens.h().iter().zip(messages) {
        terms.push((h.to_projective(), *m));
    }
    let b = G1Projective::lincomb_ct(&terms) + &suite.p1();
    terms
        .iter_mut()
        .for_each(|(_, s)| zeroize::Zeroize::zeroize(s));
    let rhs = (G1Projective::msm_vartime(&[sig.a], &[sig.e]) - b).to_affine();
    let consts = suite.consts();
    if pairing_product_is_one_vartime(&[(&sig.a, pk.prepared()), (&rhs, &consts.bp2)]) {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}
