//! `CoreProofGen` and `CoreProofVerify` over scalar messages (draft §3.6.3,
//! §3.6.4, with `ProofInit`, `ProofChallengeCalculate` and
//! `ProofFinalize` of §4.3).

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use super::domain::calculate_domain;
use super::generators::generators;
use super::{check_count, Proof, PublicKey, Signature, Suite};
use crate::curve::{G1Affine, G1Projective, Scalar};
use crate::Error;

/// Sorts disclosed indexes and checks them against the message count.
pub(crate) fn sorted_indexes(indexes: &[usize], count: usize) -> Result<Vec<usize>, Error> {
    let mut v = indexes.to_vec();
    v.sort_unstable();
    for w in v.windows(2) {
        if w[0] == w[1] {
            return Err(Error::DuplicateIndex(w[0]));
        }
    }
    if let Some(&last) = v.last() {
        if last >= count {
            return Err(Error::IndexOutOfRange { index: last, count });
        }
    }
    Ok(v)
}

/// The values `ProofInit` hands to the challenge.
pub(crate) struct InitOutput {
    pub abar: G1Affine,
    pub bbar: G1Affine,
    pub d: G1Affine,
    pub t1: G1Affine,
    pub t2: G1Affine,
    pub domain: Scalar,
}

/// `ProofChallengeCalculate`: `hash_to_scalar(I2OSP(R, 8) || (I2OSP(i, 8) ||
/// msg_i)* || Abar || Bbar || D || T1 || T2 || domain || I2OSP(len(ph), 8) ||
/// ph)`.
pub(crate) fn challenge(
    suite: Suite,
    init: &InitOutput,
    disclosed: &[(usize, Scalar)],
    ph: &[u8],
) -> Scalar {
    let mut buf = Vec::with_capacity(8 + 40 * disclosed.len() + 5 * 48 + 32 + 8);
    buf.extend_from_slice(&(disclosed.len() as u64).to_be_bytes());
    for (i, m) in disclosed {
        buf.extend_from_slice(&(*i as u64).to_be_bytes());
        buf.extend_from_slice(&m.to_be_bytes());
    }
    for p in [&init.abar, &init.bbar, &init.d, &init.t1, &init.t2] {
        buf.extend_from_slice(&p.to_compressed());
    }
    buf.extend_from_slice(&init.domain.to_be_bytes());
    buf.extend_from_slice(&(ph.len() as u64).to_be_bytes());
    suite.hash_parts_to_scalar(&[&buf, ph], &suite.consts().h2s_dst)
}

/// `CoreProofGen` with fresh randomness from `rng`.
#[allow(clippy::too_many_arguments)]
pub fn proof_gen<R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[Scalar],
    disclosed_indexes: &[usize],
    rng: &mut R,
) -> Result<Proof, Error> {
    let disclosed = sorted_indexes(disclosed_indexes, messages.len())?;
    let count = 5 + messages.len() - disclosed.len();
    let mut random: Vec<Scalar> = (0..count).map(|_| Scalar::random(rng)).collect();
    let out = proof_gen_with_scalars(suite, pk, sig, header, ph, messages, &disclosed, &random);
    random.iter_mut().for_each(Zeroize::zeroize);
    out
}

/// `CoreProofGen` with the random scalars given: `(r1, r2, e~, r1~, r3~,
/// m~_j1 .. m~_jU)`. The seam through which the draft's mocked-random test
/// vectors are reproduced; real proofs come from [`proof_gen`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn proof_gen_with_scalars(
    suite: Suite,
    pk: &PublicKey,
    sig: &Signature,
    header: &[u8],
    ph: &[u8],
    messages: &[Scalar],
    disclosed: &[usize],
    random: &[Scalar],
) -> Result<Proof, Error> {
    check_count(messages.len())?;
    let l = messages.len();
    let u = l - disclosed.len();
    if random.len() != 5 + u {
        return Err(Error::InvalidLength {
            what: "random scalars",
            expected: 5 + u,
            got: random.len(),
        });
    }
    let (r1, r2, e_t, r1_t, r3_t) = (random[0], random[1], random[2], random[3], random[4]);
    let m_tilde = &random[5..];

    let gens = generators(suite, l + 1);
    let domain = calculate_domain(suite, pk, &gens, header);
    let undisclosed: Vec<usize> = (0..l)
        .filter(|i| disclosed.binary_search(i).is_err())
        .collect();

    // Everything below involves the holder's secrets (undisclosed messages,
    // the signature, blinding factors): constant-time multiplications only.
    let mut terms = Vec::with_capacity(l + 1);
    terms.push((gens.q1().to_projective(), domain));
    for (h, m) in gens.h().iter().zip(messages) {
        terms.push((h.to_projective(), *m));
    }
    let b = G1Projective::lincomb_ct(&terms) + &suite.p1();
    let d = b.mul_ct(&r2);
    let abar = sig.a.to_projective().mul_ct(&(r1 * r2));
    let bbar = d.mul_ct(&r1) - abar.mul_ct(&sig.e);
    let t1 = abar.mul_ct(&e_t) + d.mul_ct(&r1_t);
    let mut t2_terms = Vec::with_capacity(u + 1);
    t2_terms.push((d, r3_t));
    for (j, mt) in undisclosed.iter().zip(m_tilde) {
        t2_terms.push((gens.h()[*j].to_projective(), *mt));
    }
    let t2 = G1Projective::lincomb_ct(&t2_terms);
    let pts = G1Projective::batch_to_affine(&[abar, bbar, d, t1, t2]);
    if pts[..3].iter().any(G1Affine::is_identity) {
        // Only with negligible probability (a zero random scalar).
        return Err(Error::IdentityPoint);
    }
    let init = InitOutput {
        abar: pts[0],
        bbar: pts[1],
        d: pts[2],
        t1: pts[3],
        t2: pts[4],
        domain,
    };
    let disclosed_msgs: Vec<(usize, Scalar)> =
        disclosed.iter().map(|&i| (i, messages[i])).collect();
    let c = challenge(suite, &init, &disclosed_msgs, ph);

    // ProofFinalize
    let r3 = r2.invert();
    let m_hat = undisclosed
        .iter()
        .zip(m_tilde)
        .map(|(&j, mt)| *mt + messages[j] * c)
        .collect();
    Ok(Proof {
        abar: init.abar,
        bbar: init.bbar,
        d: init.d,
        e_hat: e_t + sig.e * c,
        r1_hat: r1_t - r1 * c,
        r3_hat: r3_t - r3 * c,
        m_hat,
        challenge: c,
    })
}
