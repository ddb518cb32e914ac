//! The holder's side: one composite proof over several credentials.

use std::collections::HashMap;

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use super::commitment::commitment_generators;
use super::membership::MembershipProof;
use super::proof::MAX_CREDENTIALS;
use super::pseudonym::context_point;
use super::{challenge, CompositeProof, MessageRef, Relations};
use crate::accumulator::Witness;
use crate::bbs::{sorted_indexes, ProverCredential};
use crate::curve::{G1Affine, G1Projective, Scalar};
use crate::range::{self, RangeWitness};
use crate::Error;

/// One credential of a composite proof, with the indexes it discloses (any
/// order). The credential carries its own generator list (plain or blind,
/// [`crate::bbs::MessageGenerators`]); a blind credential's
/// `secret_prover_blind` cannot be disclosed.
#[derive(Clone, Copy, Debug)]
pub struct ProverPart<'a> {
    /// The prepared signed credential.
    pub credential: &'a ProverCredential,
    /// The disclosed message indexes.
    pub disclosed: &'a [usize],
}

/// The integer a scalar holds, if it is below 2^64.
fn scalar_to_u64(s: &Scalar) -> Option<u64> {
    let b = s.to_be_bytes();
    if b[..24].iter().any(|x| *x != 0) {
        return None;
    }
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[24..]);
    Some(u64::from_be_bytes(w))
}

/// Proves the BBS proofs of `parts` and `relations` under one challenge
/// bound to the presentation header `ph` (see [`super`]). Refuses, before
/// computing anything, a range the holder's message does not meet.
///
/// # Errors
/// [`Error::InvalidStatement`] for no or more than 16 credentials, or relations that do not fit the credentials (an index out of
/// range, a relation on a disclosed message, a range without bounds);
/// [`Error::DuplicateIndex`] / [`Error::IndexOutOfRange`] for bad disclosed
/// indexes; [`Error::ValueOutOfRange`] when a message is outside its claimed
/// range (or equalities claimed between unequal messages: then
/// [`Error::InvalidStatement`]).
pub fn prove<R: RngCore + CryptoRng + ?Sized>(
    parts: &[ProverPart<'_>],
    relations: &Relations,
    ph: &[u8],
    rng: &mut R,
) -> Result<CompositeProof, Error> {
    prove_with_witnesses(parts, relations, &[], ph, rng)
}

/// [`prove`] for relations with accumulator memberships: `witnesses[k]` is
/// the membership witness of `relations.memberships[k]`'s message for its
/// value ([`crate::accumulator::Witness`]). The witness is not checked
/// here (a pairing): a wrong one makes a proof that does not verify; the
/// wallet checks its witnesses when it updates them.
///
/// # Errors
/// As [`prove`]; [`Error::InvalidStatement`] when the witnesses do not
/// match the membership claims one to one.
pub fn prove_with_witnesses<R: RngCore + CryptoRng + ?Sized>(
    parts: &[ProverPart<'_>],
    relations: &Relations,
    membership_witnesses: &[Witness],
    ph: &[u8],
    rng: &mut R,
) -> Result<CompositeProof, Error> {
    if membership_witnesses.len() != relations.memberships.len() {
        return Err(Error::InvalidStatement(
            "one witness per membership claim is required",
        ));
    }
    let first = parts
        .first()
        .ok_or(Error::InvalidStatement("no credentials"))?;
    if parts.len() > MAX_CREDENTIALS {
        return Err(Error::InvalidStatement("too many credentials"));
    }
    // The composite hash, the commitments and the range proof use the
    // first credential's suite; each BBS part keeps its own.
    let suite = first.credential.suite();
    let disclosed: Vec<Vec<usize>> = parts
        .iter()
        .map(|p| sorted_indexes(p.disclosed, p.credential.message_count()))
        .collect::<Result<_, _>>()?;
    let shapes: Vec<(usize, &[usize])> = parts
        .iter()
        .zip(&disclosed)
        .map(|(p, d)| (p.credential.message_count(), d.as_slice()))
        .collect();
    relations.check(&shapes)?;
    let message = |m: &MessageRef| -> Scalar {
        parts[m.credential]
            .credential
            .message(m.index)
            .unwrap_or(Scalar::ZERO)
    };
    for (a, b) in &relations.equalities {
        if message(a) != message(b) {
            return Err(Error::InvalidStatement("the messages claimed equal differ"));
        }
    }

    // Range witnesses first: a holder whose value misses a bound learns it
    // before any proof is made.
    let committed = relations.committed();
    let mut blindings: Vec<Scalar> = committed.iter().map(|_| Scalar::random(rng)).collect();
    let mut witnesses = Vec::new();
    for r in &relations.ranges {
        let m = message(&r.message);
        let k = committed.iter().position(|c| *c == r.message).unwrap_or(0);
        let mut push = |v: Scalar, gamma: Scalar| -> Result<(), Error> {
            let value = scalar_to_u64(&v).ok_or(Error::ValueOutOfRange)?;
            if r.bits < 64 && value >> r.bits != 0 {
                return Err(Error::ValueOutOfRange);
            }
            witnesses.push(RangeWitness {
                value,
                blinding: gamma,
            });
            Ok(())
        };
        if let Some(lo) = r.min {
            push(m - Scalar::from_i64(lo), blindings[k])?;
        }
        if let Some(hi) = r.max {
            push(Scalar::from_i64(hi) - m, -blindings[k])?;
        }
    }

    // Blindings m~: one per equality class of hidden messages.
    let mut class: HashMap<MessageRef, MessageRef> = HashMap::new();
    fn root(class: &HashMap<MessageRef, MessageRef>, mut m: MessageRef) -> MessageRef {
        while let Some(p) = class.get(&m) {
            if *p == m {
                break;
            }
            m = *p;
        }
        m
    }
    for (a, b) in &relations.equalities {
        let (ra, rb) = (root(&class, *a), root(&class, *b));
        if ra != rb {
            class.insert(ra.max(rb), ra.min(rb));
        }
    }
    let mut tilde: HashMap<MessageRef, Scalar> = HashMap::new();
    let mut m_tildes: Vec<Vec<Scalar>> = Vec::with_capacity(parts.len());
    for (k, (p, d)) in parts.iter().zip(&disclosed).enumerate() {
        let mut v = Vec::new();
        for index in 0..p.credential.message_count() {
            if d.binary_search(&index).is_ok() {
                continue;
            }
            let r = root(
                &class,
                MessageRef {
                    credential: k,
                    index,
                },
            );
            v.push(*tilde.entry(r).or_insert_with(|| Scalar::random(rng)));
        }
        m_tildes.push(v);
    }
    tilde.values_mut().for_each(Zeroize::zeroize);

    let mut inits = Vec::with_capacity(parts.len());
    let mut secrets = Vec::with_capacity(parts.len());
    for ((p, d), mt) in parts.iter().zip(&disclosed).zip(&m_tildes) {
        let mut random: Vec<Scalar> = (0..5).map(|_| Scalar::random(rng)).collect();
        random.extend_from_slice(mt);
        let out = p.credential.proof_init(d, &random);
        random.iter_mut().for_each(Zeroize::zeroize);
        let (init, s) = out?;
        inits.push(init);
        secrets.push(s);
    }

    // Commitments and their Schnorr commitments, reusing the message's m~.
    let pg = commitment_generators(suite);
    let (y0, y1) = (pg.h.to_projective(), pg.g.to_projective());
    let mut s_tilde: Vec<Scalar> = committed.iter().map(|_| Scalar::random(rng)).collect();
    let mut cpoints = Vec::with_capacity(2 * committed.len());
    for (k, m) in committed.iter().enumerate() {
        let pos = undisclosed_position(&disclosed[m.credential], m.index);
        let mt = m_tildes[m.credential][pos];
        cpoints.push(G1Projective::lincomb_ct(&[
            (y0, blindings[k]),
            (y1, message(m)),
        ]));
        cpoints.push(G1Projective::lincomb_ct(&[(y0, s_tilde[k]), (y1, mt)]));
    }
    let cpoints = G1Projective::batch_to_affine(&cpoints);
    let pairs: Vec<(G1Affine, G1Affine)> = cpoints.chunks_exact(2).map(|c| (c[0], c[1])).collect();

    // Pseudonyms P = OP * m and U = OP * m~, again with the message's m~.
    let mut npoints = Vec::with_capacity(2 * relations.pseudonyms.len());
    for n in &relations.pseudonyms {
        let op = context_point(suite, &n.context_id).to_projective();
        let pos = undisclosed_position(&disclosed[n.message.credential], n.message.index);
        npoints.push(op.mul_ct(&message(&n.message)));
        npoints.push(op.mul_ct(&m_tildes[n.message.credential][pos]));
    }
    let npoints = G1Projective::batch_to_affine(&npoints);
    let nym_pairs: Vec<(G1Affine, G1Affine)> =
        npoints.chunks_exact(2).map(|c| (c[0], c[1])).collect();

    // Memberships: Cbar = r * C, Dbar = r * V - y * Cbar, T = r~ * V - y~ *
    // Cbar, with the message's y~.
    let mut r_values = Vec::with_capacity(relations.memberships.len());
    let mut r_tildes = Vec::with_capacity(relations.memberships.len());
    let mut mpoints = Vec::with_capacity(3 * relations.memberships.len());
    for (claim, w) in relations.memberships.iter().zip(membership_witnesses) {
        let r = loop {
            let r = Scalar::random(rng);
            if !r.is_zero() {
                break r;
            }
        };
        let rt = Scalar::random(rng);
        let pos = undisclosed_position(&disclosed[claim.message.credential], claim.message.index);
        let y = message(&claim.message);
        let yt = m_tildes[claim.message.credential][pos];
        let v = claim.value.point().to_projective();
        let cbar = w.0.to_projective().mul_ct(&r);
        let cbar_affine = cbar.to_affine();
        mpoints.push(cbar);
        mpoints.push(G1Projective::lincomb_ct(&[
            (v, r),
            (cbar_affine.to_projective(), -y),
        ]));
        mpoints.push(G1Projective::lincomb_ct(&[
            (v, rt),
            (cbar_affine.to_projective(), -yt),
        ]));
        r_values.push(r);
        r_tildes.push(rt);
    }
    let mpoints = G1Projective::batch_to_affine(&mpoints);
    let member_triples: Vec<[G1Affine; 3]> = mpoints
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    if member_triples
        .iter()
        .any(|t| t[0].is_identity() || t[1].is_identity())
    {
        // Only for a witness that is no witness of this value.
        r_values.iter_mut().for_each(Zeroize::zeroize);
        r_tildes.iter_mut().for_each(Zeroize::zeroize);
        secrets.iter_mut().for_each(Zeroize::zeroize);
        m_tildes.iter_mut().flatten().for_each(Zeroize::zeroize);
        s_tilde.iter_mut().for_each(Zeroize::zeroize);
        blindings.iter_mut().for_each(Zeroize::zeroize);
        return Err(Error::InvalidStatement("membership witness"));
    }

    let disclosed_msgs: Vec<Vec<(usize, Scalar)>> = parts
        .iter()
        .zip(&disclosed)
        .map(|(p, d)| {
            d.iter()
                .map(|&i| (i, p.credential.message(i).unwrap_or(Scalar::ZERO)))
                .collect()
        })
        .collect();
    let hashed: Vec<_> = inits
        .iter()
        .zip(&disclosed_msgs)
        .map(|(i, d)| (i, d.as_slice()))
        .collect();
    let c = challenge(
        suite,
        &hashed,
        relations,
        &pairs,
        &nym_pairs,
        &member_triples,
        ph,
    );

    let bbs = parts
        .iter()
        .zip(&inits)
        .zip(&secrets)
        .zip(&disclosed)
        .zip(&m_tildes)
        .map(|((((p, i), s), d), mt)| p.credential.proof_finalize(i, s, d, mt, c))
        .collect();
    let commitments = pairs
        .iter()
        .zip(&s_tilde)
        .zip(&blindings)
        .map(|(((cp, _), st), s)| (*cp, *st + *s * c))
        .collect();
    let range = if witnesses.is_empty() {
        None
    } else {
        let values = relations.range_values(&pairs.iter().map(|(c, _)| *c).collect::<Vec<_>>());
        Some(range::prove(suite, &pg, &c, &values, &witnesses, rng)?)
    };

    let memberships = member_triples
        .iter()
        .zip(&r_values)
        .zip(&r_tildes)
        .map(|((t, r), rt)| MembershipProof {
            cbar: t[0],
            dbar: t[1],
            r_hat: *rt + *r * c,
        })
        .collect();
    r_values.iter_mut().for_each(Zeroize::zeroize);
    r_tildes.iter_mut().for_each(Zeroize::zeroize);
    secrets.iter_mut().for_each(Zeroize::zeroize);
    m_tildes.iter_mut().flatten().for_each(Zeroize::zeroize);
    s_tilde.iter_mut().for_each(Zeroize::zeroize);
    blindings.iter_mut().for_each(Zeroize::zeroize);
    Ok(CompositeProof {
        bbs,
        commitments,
        range,
        pseudonyms: nym_pairs.iter().map(|(p, _)| *p).collect(),
        memberships,
    })
}

/// The position of hidden message `index` among the undisclosed ones.
pub(crate) fn undisclosed_position(disclosed: &[usize], index: usize) -> usize {
    index - disclosed.partition_point(|&d| d < index)
}
