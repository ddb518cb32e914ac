//! Proof verification, split into the part every proof needs on its own (the
//! Fiat-Shamir challenge) and the pairing check that batches combine, plus
//! [`VerifierKey`], the per-key cache of the verifier's hot path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::domain::calculate_domain;
use super::generators::{generators_for, Generators, MessageGenerators};
use super::proof::{challenge, sorted_indexes, InitOutput};
use super::{check_count, Proof, PublicKey, Suite};
use crate::curve::{
    msm_straus_with_vartime, pairing_product_is_one_vartime, G1Projective, Scalar,
    VartimeFixedBaseTable, VartimeVarBases,
};
use crate::Error;

/// How many (suite, message count, header) domains a [`VerifierKey`] keeps.
/// Headers bind credential type, issuer and key, so a real key sees few.
const DOMAIN_CACHE: usize = 256;

/// A public key prepared for verification: its Miller-loop lines (in the
/// [`PublicKey`]), and per (suite, message count, header) the domain scalar
/// and the fixed-base table of `P1 + Q_1 * domain`, which together replace
/// hashing the key and generators into the domain and two table lanes of
/// every proof. Build one per issuer key and share it (it is `Sync`).
pub struct VerifierKey {
    pk: PublicKey,
    domains: Mutex<DomainMap>,
}

/// Domains by (suite, generator list, message count), then by header:
/// looked up without allocating (headers per key are few; a short scan
/// compares them).
type DomainMap = HashMap<(Suite, MessageGenerators, usize), Vec<(Vec<u8>, Arc<DomainEntry>)>>;

pub(crate) struct DomainEntry {
    domain: Scalar,
    /// Table of `P1 + Q_1 * domain`.
    base: VartimeFixedBaseTable,
}

impl VerifierKey {
    /// Prepares `pk` (computes its Miller-loop lines now).
    pub fn new(pk: PublicKey) -> VerifierKey {
        pk.prepared();
        VerifierKey {
            pk,
            domains: Mutex::new(HashMap::new()),
        }
    }

    /// The key.
    pub fn public_key(&self) -> &PublicKey {
        &self.pk
    }

    /// `ProofVerify` over scalar messages, with this key's caches.
    ///
    /// Variable time: every input is public.
    ///
    /// # Errors
    /// As [`proof_verify`].
    pub fn proof_verify(
        &self,
        suite: Suite,
        proof: &Proof,
        header: &[u8],
        ph: &[u8],
        disclosed: &[(usize, Scalar)],
    ) -> Result<(), Error> {
        self.proof_verify_with(
            suite,
            MessageGenerators::Plain,
            proof,
            header,
            ph,
            disclosed,
        )
    }

    /// [`VerifierKey::proof_verify`] for a credential signed under the
    /// generator list `which`. For a blind credential this is the blind
    /// draft's `ProofVerify`, with the disclosed messages indexed as
    /// [`MessageGenerators`] describes (signer messages `0..L-1`, committed
    /// messages from `L+1`) and mapped with the blind `api_id`
    /// ([`MessageGenerators::map_message_to_scalar`]).
    ///
    /// Variable time: every input is public.
    ///
    /// # Errors
    /// As [`proof_verify`]; [`Error::MessageCountMismatch`] when the
    /// proof's message count does not fit `which`;
    /// [`Error::SecretProverBlindDisclosed`] when `secret_prover_blind`'s
    /// index is among the disclosed.
    pub fn proof_verify_with(
        &self,
        suite: Suite,
        which: MessageGenerators,
        proof: &Proof,
        header: &[u8],
        ph: &[u8],
        disclosed: &[(usize, Scalar)],
    ) -> Result<(), Error> {
        check_challenge_vartime(
            suite,
            which,
            &self.pk,
            Some(self),
            proof,
            header,
            ph,
            disclosed,
        )?;
        pairing_check_vartime(&self.pk, proof)
    }

    fn domain_entry(
        &self,
        suite: Suite,
        which: MessageGenerators,
        gens: &Generators,
        header: &[u8],
    ) -> Arc<DomainEntry> {
        let key = (suite, which, gens.h().len());
        if let Some(found) = self
            .lock()
            .get(&key)
            .and_then(|v| v.iter().find(|(h, _)| h.as_slice() == header))
        {
            return found.1.clone();
        }
        let domain = calculate_domain(suite, which, &self.pk, gens, header);
        let base = (G1Projective::msm_vartime(&[*gens.q1()], &[domain]) + &suite.p1()).to_affine();
        let entry = Arc::new(DomainEntry {
            domain,
            base: VartimeFixedBaseTable::new(&base),
        });
        let mut map = self.lock();
        if map.values().map(Vec::len).sum::<usize>() >= DOMAIN_CACHE {
            map.clear();
        }
        let headers = map.entry(key).or_default();
        if !headers.iter().any(|(h, _)| h.as_slice() == header) {
            headers.push((header.to_vec(), entry.clone()));
        }
        entry
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DomainMap> {
        self.domains.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierKey")
            .field("pk", &self.pk)
            .finish_non_exhaustive()
    }
}

/// Recomputes `T1`, `T2` and the challenge of `proof` and compares it with
/// the proof's. Everything here is public: variable-time arithmetic, with
/// every generator multiplied through its table and the proof's points
/// through GLV-split windows, all in one interleaved evaluation per `T`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_challenge_vartime(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    cache: Option<&VerifierKey>,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    disclosed: &[(usize, Scalar)],
) -> Result<(), Error> {
    let (init, disclosed) = init_vartime(suite, which, pk, cache, proof, header, disclosed)?;
    if challenge(suite, which, &init, &disclosed, ph) == proof.challenge {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}

/// The verifier's `ProofInit`: `T1` and `T2` recomputed from `proof` (with
/// its challenge field), and the disclosed pairs sorted by index, as the
/// challenge hashes them. Variable time (public data).
pub(crate) fn init_vartime(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    cache: Option<&VerifierKey>,
    proof: &Proof,
    header: &[u8],
    disclosed: &[(usize, Scalar)],
) -> Result<(InitOutput, Vec<(usize, Scalar)>), Error> {
    let u = proof.m_hat.len();
    let l = disclosed.len() + u;
    check_count(l)?;
    let mut disclosed = disclosed.to_vec();
    disclosed.sort_unstable_by_key(|(i, _)| *i);
    let idx: Vec<usize> = disclosed.iter().map(|(i, _)| *i).collect();
    sorted_indexes(&idx, l)?;
    let gens = generators_for(suite, which, l)?;
    if let Some(i) = which.secret_prover_blind_index() {
        if idx.binary_search(&i).is_ok() {
            return Err(Error::SecretProverBlindDisclosed(i));
        }
    }

    let c = proof.challenge;
    let consts = suite.consts();
    let entry = cache.map(|vk| vk.domain_entry(suite, which, &gens, header));
    let domain = match &entry {
        Some(e) => e.domain,
        None => calculate_domain(suite, which, pk, &gens, header),
    };

    // Window tables of the proof's points, shared by T1 and T2.
    let bases = VartimeVarBases::new(&[proof.bbar, proof.abar, proof.d]);
    // T1 = Bbar * c + Abar * e^ + D * r1^
    let t1 = msm_straus_with_vartime(&[], &bases, &[(0, c), (1, proof.e_hat), (2, proof.r1_hat)]);
    // T2 = (P1 + Q_1 * domain) * c + sum_disclosed H_i * (msg_i * c)
    //      + sum_undisclosed H_j * m^_j + D * r3^
    let mut fixed: Vec<(&VartimeFixedBaseTable, Scalar)> = Vec::with_capacity(l + 2);
    match &entry {
        Some(e) => fixed.push((&e.base, c)),
        None => {
            fixed.push((&consts.p1_table, c));
            fixed.push((gens.q1_table(), domain * c));
        }
    }
    let mut next = disclosed.iter().peekable();
    let mut m_hat = proof.m_hat.iter();
    for (i, table) in gens.h_tables().iter().enumerate() {
        let s = match next.peek() {
            Some((j, m)) if *j == i => {
                next.next();
                *m * c
            }
            _ => *m_hat.next().ok_or(Error::VerificationFailed)?,
        };
        fixed.push((table, s));
    }
    let t2 = msm_straus_with_vartime(&fixed, &bases, &[(2, proof.r3_hat)]);
    let t = G1Projective::batch_to_affine(&[t1, t2]);
    Ok((
        InitOutput {
            abar: proof.abar,
            bbar: proof.bbar,
            d: proof.d,
            t1: t[0],
            t2: t[1],
            domain,
        },
        disclosed,
    ))
}

/// `e(Abar, W) * e(Bbar, -BP2) == 1`, as one multi-Miller loop.
pub(crate) fn pairing_check_vartime(pk: &PublicKey, proof: &Proof) -> Result<(), Error> {
    let neg_bp2 = &Suite::Bls12381Sha256.consts().neg_bp2;
    if pairing_product_is_one_vartime(&[(&proof.abar, pk.prepared()), (&proof.bbar, neg_bp2)]) {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}

/// `CoreProofVerify` (draft §3.6.4), in variable time: every input is
/// public. `disclosed` pairs each disclosed index with its
/// message scalar, in any order; the total message count is
/// `disclosed.len() + proof.undisclosed_count()`. For repeated use of one
/// key, [`VerifierKey::proof_verify`] caches more.
///
/// # Errors
/// [`Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
/// [`Error::DuplicateIndex`] or [`Error::IndexOutOfRange`] for bad disclosed
/// indexes; [`Error::VerificationFailed`] when the challenge or the pairing
/// check fails.
pub fn proof_verify(
    suite: Suite,
    pk: &PublicKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    disclosed: &[(usize, Scalar)],
) -> Result<(), Error> {
    proof_verify_with(
        suite,
        MessageGenerators::Plain,
        pk,
        proof,
        header,
        ph,
        disclosed,
    )
}

/// [`proof_verify`] for a credential signed under the generator list
/// `which` (see [`VerifierKey::proof_verify_with`]).
///
/// # Errors
/// As [`VerifierKey::proof_verify_with`].
pub fn proof_verify_with(
    suite: Suite,
    which: MessageGenerators,
    pk: &PublicKey,
    proof: &Proof,
    header: &[u8],
    ph: &[u8],
    disclosed: &[(usize, Scalar)],
) -> Result<(), Error> {
    check_challenge_vartime(suite, which, pk, None, proof, header, ph, disclosed)?;
    pairing_check_vartime(pk, proof)
}
