//! The verifier's side: one composite proof, or a batch of them.

use rand_core::{CryptoRng, RngCore};

use super::commitment::commitment_generators;
use super::membership::value_table;
use super::proof::MAX_CREDENTIALS;
use super::prove::undisclosed_position;
use super::pseudonym::context_point;
use super::{challenge, CompositeProof, MessageRef, Relations};
use crate::bbs::{
    init_vartime, settle_equations, MessageGenerators, PairingEquation, Suite, VerifierKey,
};
use crate::curve::{
    msm_straus_vartime, msm_straus_with_vartime, G1Affine, G1Projective, Scalar, VartimeVarBases,
};
use crate::range::{self, RangeBatchItem, ValueCommitment};
use crate::Error;

/// One credential of a composite proof as the verifier sees it.
#[derive(Clone, Copy, Debug)]
pub struct VerifierPart<'a> {
    /// The credential's suite (the first part's also hashes the composite
    /// challenge and chooses the commitment and range generators).
    pub suite: Suite,
    /// The generator list the credential is signed under
    /// ([`MessageGenerators::Plain`], or the blind list of a blind-signed
    /// credential, whose indexes follow [`MessageGenerators`]).
    pub generators: MessageGenerators,
    /// The issuer's prepared key.
    pub key: &'a VerifierKey,
    /// The signature header.
    pub header: &'a [u8],
    /// Disclosed `(index, message scalar)` pairs, any order.
    pub disclosed: &'a [(usize, Scalar)],
}

/// A composite proof with everything its verification needs.
#[derive(Clone, Copy, Debug)]
pub struct CompositeItem<'a> {
    /// The credentials, in presentation order.
    pub parts: &'a [VerifierPart<'a>],
    /// The relations the proof claims.
    pub relations: &'a Relations,
    /// The presentation header.
    pub ph: &'a [u8],
    /// The decoded proof.
    pub proof: &'a CompositeProof,
}

/// Everything but the pairing equations and the range proof: shapes,
/// relations, equal responses, the commitments' Schnorr parts and the
/// challenge. Returns the range proof's statement (empty without ranges).
fn check_challenge_vartime(item: &CompositeItem<'_>) -> Result<Vec<ValueCommitment>, Error> {
    // The statements of accumulator keys (their pairing equations) are
    // checked by the callers, from the proof's memberships.
    let proof = item.proof;
    let parts = item.parts;
    if parts.is_empty() || parts.len() > MAX_CREDENTIALS || parts.len() != proof.bbs.len() {
        return Err(Error::InvalidStatement("credential count"));
    }
    // The composite hash, the commitments and the range proof use the
    // first credential's suite; each BBS part keeps its own.
    let suite = parts[0].suite;
    let c = proof.bbs[0].challenge;
    if proof.bbs.iter().any(|p| p.challenge != c) {
        return Err(Error::VerificationFailed);
    }
    let mut inits = Vec::with_capacity(parts.len());
    for (p, bbs) in parts.iter().zip(&proof.bbs) {
        inits.push(init_vartime(
            p.suite,
            p.generators,
            p.key.public_key(),
            Some(p.key),
            bbs,
            p.header,
            p.disclosed,
        )?);
    }
    let indexes: Vec<Vec<usize>> = inits
        .iter()
        .map(|(_, d)| d.iter().map(|(i, _)| *i).collect())
        .collect();
    let shapes: Vec<(usize, &[usize])> = proof
        .bbs
        .iter()
        .zip(&indexes)
        .map(|(b, d)| (d.len() + b.m_hat.len(), d.as_slice()))
        .collect();
    let relations = item.relations;
    relations.check(&shapes)?;
    let m_hat = |m: &MessageRef| -> Scalar {
        proof.bbs[m.credential].m_hat[undisclosed_position(&indexes[m.credential], m.index)]
    };
    for (a, b) in &relations.equalities {
        if m_hat(a) != m_hat(b) {
            return Err(Error::VerificationFailed);
        }
    }
    let committed = relations.committed();
    if proof.commitments.len() != committed.len() {
        return Err(Error::VerificationFailed);
    }
    let pg = commitment_generators(suite);
    let mut pairs: Vec<(G1Affine, G1Affine)> = Vec::with_capacity(committed.len());
    let tables = crate::range::pedersen_tables(&pg.g, &pg.h);
    let cbases = VartimeVarBases::new(&proof.commitments());
    let ts: Vec<G1Projective> = committed
        .iter()
        .zip(&proof.commitments)
        .enumerate()
        .map(|(k, (m, (_, s_hat)))| {
            msm_straus_with_vartime(
                &[(&tables.1, *s_hat), (&tables.0, m_hat(m))],
                &cbases,
                &[(k, -c)],
            )
        })
        .collect();
    for ((cp, _), t) in proof
        .commitments
        .iter()
        .zip(G1Projective::batch_to_affine(&ts))
    {
        pairs.push((*cp, t));
    }
    // Pseudonyms: U = OP * m^ - P * c.
    if proof.pseudonyms.len() != relations.pseudonyms.len() {
        return Err(Error::VerificationFailed);
    }
    let us: Vec<G1Projective> = relations
        .pseudonyms
        .iter()
        .zip(&proof.pseudonyms)
        .map(|(n, p)| {
            let op = context_point(suite, &n.context_id);
            msm_straus_vartime(&[], &[(op, m_hat(&n.message)), (*p, -c)])
        })
        .collect();
    let nym_pairs: Vec<(G1Affine, G1Affine)> = proof
        .pseudonyms
        .iter()
        .copied()
        .zip(G1Projective::batch_to_affine(&us))
        .collect();
    // Memberships: T = r^ * V - y^ * Cbar - Dbar * c.
    if proof.memberships.len() != relations.memberships.len() {
        return Err(Error::VerificationFailed);
    }
    let ts: Vec<G1Projective> = relations
        .memberships
        .iter()
        .zip(&proof.memberships)
        .map(|(claim, m)| {
            msm_straus_vartime(
                &[(&value_table(&claim.value), m.r_hat)],
                &[(m.cbar, -m_hat(&claim.message)), (m.dbar, -c)],
            )
        })
        .collect();
    // One inversion for all of them, as for the commitments' and
    // pseudonyms' T.
    let member_triples: Vec<[G1Affine; 3]> = proof
        .memberships
        .iter()
        .zip(G1Projective::batch_to_affine(&ts))
        .map(|(m, t)| [m.cbar, m.dbar, t])
        .collect();
    let hashed: Vec<_> = inits.iter().map(|(i, d)| (i, d.as_slice())).collect();
    if challenge(
        suite,
        &hashed,
        relations,
        &pairs,
        &nym_pairs,
        &member_triples,
        item.ph,
    ) != c
    {
        return Err(Error::VerificationFailed);
    }
    let values = relations.range_values(&proof.commitments());
    if values.is_empty() != proof.range.is_none() {
        return Err(Error::VerificationFailed);
    }
    Ok(values)
}

/// Verifies one composite proof (see [`super`]). Variable time: every input
/// is public.
///
/// # Errors
/// [`Error::InvalidStatement`] when the relations do not fit the
/// credentials or the proof's shape; [`Error::TooManyMessages`],
/// [`Error::DuplicateIndex`], [`Error::IndexOutOfRange`] for bad disclosed
/// indexes; [`Error::InvalidRangeStatement`]; [`Error::VerificationFailed`]
/// when any check fails; [`Error::NotAccumulated`] when everything but a
/// membership's pairing equation holds (a stale witness, or a licence no
/// longer in the valid set).
pub fn verify(item: &CompositeItem<'_>) -> Result<(), Error> {
    let values = check_challenge_vartime(item)?;
    // Every pairing equation of the item (its BBS proofs' and its
    // memberships') in one random linear combination: one final
    // exponentiation. Coefficients from the OS (soundness: see
    // `settle_equations`); on failure the equations are checked apart,
    // which names a failed membership.
    let mut result = [Ok(())];
    settle_pairings_of(&[*item], &mut result, &mut rand_core::OsRng);
    result
        .into_iter()
        .next()
        .unwrap_or(Err(Error::VerificationFailed))?;
    if let Some(rp) = &item.proof.range {
        let suite = item.parts[0].suite;
        range::verify(&RangeBatchItem {
            suite,
            pedersen: &commitment_generators(suite),
            binding: &item.proof.bbs[0].challenge,
            statement: &values,
            proof: rp,
        })?;
    }
    Ok(())
}

/// Settles the pairing equations of every item whose `results` entry is
/// still `Ok`: each item's BBS proofs and memberships join one random
/// linear combination ([`settle_equations`]); a failed BBS equation makes
/// the item [`Error::VerificationFailed`], a failed membership alone
/// [`Error::NotAccumulated`].
fn settle_pairings_of<R: RngCore + CryptoRng + ?Sized>(
    items: &[CompositeItem<'_>],
    results: &mut [Result<(), Error>],
    rng: &mut R,
) {
    let mut equations: Vec<PairingEquation<'_>> = Vec::new();
    // (item, whether the equation is a membership's)
    let mut owner: Vec<(usize, bool)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if results[i].is_ok() {
            for (p, bbs) in it.parts.iter().zip(&it.proof.bbs) {
                equations.push(PairingEquation::bbs(p.key, bbs));
                owner.push((i, false));
            }
            for eq in membership_equations(it) {
                equations.push(eq);
                owner.push((i, true));
            }
        }
    }
    let all: Vec<usize> = (0..equations.len()).collect();
    let mut pair_results: Vec<Result<(), Error>> = vec![Ok(()); equations.len()];
    settle_equations(&equations, &all, rng, &mut pair_results);
    // A failed BBS equation outranks a failed membership of the same item.
    for (k, r) in pair_results.iter().enumerate() {
        let (i, membership) = owner[k];
        if r.is_err() {
            if !membership {
                results[i] = Err(Error::VerificationFailed);
            } else if results[i].is_ok() {
                results[i] = Err(Error::NotAccumulated);
            }
        }
    }
}

/// Verifies many composite proofs: each challenge on its own, the pairing
/// equations of all their BBS proofs in one random linear combination (as
/// [`crate::bbs::verify_batch`]), and all range proofs in one multi-scalar
/// multiplication ([`range::verify_batch`]); `result[i]` is what [`verify`]
/// gives `items[i]`. Variable time.
pub fn verify_batch<R: RngCore + CryptoRng + ?Sized>(
    items: &[CompositeItem<'_>],
    rng: &mut R,
) -> Vec<Result<(), Error>> {
    let mut results = Vec::with_capacity(items.len());
    let mut statements: Vec<Vec<ValueCommitment>> = Vec::with_capacity(items.len());
    for it in items {
        match check_challenge_vartime(it) {
            Ok(v) => {
                results.push(Ok(()));
                statements.push(v);
            }
            Err(e) => {
                results.push(Err(e));
                statements.push(Vec::new());
            }
        }
    }
    // Pairings: every BBS proof and every membership of every item still
    // standing, in one random linear combination.
    settle_pairings_of(items, &mut results, rng);
    // Range proofs.
    let pgs: Vec<_> = items
        .iter()
        .map(|it| {
            commitment_generators(
                it.parts
                    .first()
                    .map(|p| p.suite)
                    .unwrap_or(Suite::Bls12381Sha256),
            )
        })
        .collect();
    let mut ranged = Vec::new();
    let mut range_items = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if let (Ok(()), Some(rp)) = (&results[i], &it.proof.range) {
            ranged.push(i);
            range_items.push(RangeBatchItem {
                suite: it.parts[0].suite,
                pedersen: &pgs[i],
                binding: &it.proof.bbs[0].challenge,
                statement: &statements[i],
                proof: rp,
            });
        }
    }
    for (k, r) in range::verify_batch(&range_items, rng)
        .into_iter()
        .enumerate()
    {
        if let Err(e) = r {
            results[ranged[k]] = Err(e);
        }
    }
    results
}

/// The pairing equations `e(Cbar, Q) * e(Dbar, -BP2) = 1` of an item's
/// memberships (after [`check_challenge_vartime`] matched their count to
/// the claims).
fn membership_equations<'a>(item: &CompositeItem<'a>) -> Vec<PairingEquation<'a>> {
    item.relations
        .memberships
        .iter()
        .zip(&item.proof.memberships)
        .map(|(claim, m)| PairingEquation {
            key: claim.public_key.as_bytes(),
            prepared: claim.public_key.prepared(),
            a: m.cbar,
            b: m.dbar,
        })
        .collect()
}
