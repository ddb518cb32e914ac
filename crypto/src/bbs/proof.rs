//! `CoreProofGen` and `CoreProofVerify` over scalar messages (draft §3.6.3,
//! §3.6.4, with `ProofInit`, `ProofChallengeCalculate` and
//! `ProofFinalize` of §4.3).

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use super::domain::calculate_domain;
use super::generators::{generators_for, prover_tables_for, MessageGenerators};
use std::sync::Arc;

use super::{Proof, PublicKey, Signature, Suite};

use crate::curve::{comb_lincomb_ct, CombTable, G1Affine, G1Projective, Scalar};
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

/// Checks that `indexes` are strictly ascending, as the draft's
/// octet-string `ProofGen` and `ProofVerify` (§3.4.3, §3.4.4) take them,
/// and below `count`. The scalar interface ([`super::core`]) sorts instead.
pub(crate) fn ascending_indexes(indexes: &[usize], count: usize) -> Result<(), Error> {
    for w in indexes.windows(2) {
        match w[0].cmp(&w[1]) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => return Err(Error::DuplicateIndex(w[0])),
            std::cmp::Ordering::Greater => {
                return Err(Error::IndexesNotAscending {
                    previous: w[0],
                    next: w[1],
                })
            }
        }
    }
    match indexes.last() {
        Some(&last) if last >= count => Err(Error::IndexOutOfRange { index: last, count }),
        _ => Ok(()),
    }
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
    which: MessageGenerators,
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
    suite.hash_parts_to_scalar(&[&buf, ph], which.h2s_dst(suite))
}

/// `CoreProofGen` with fresh randomness from `rng`.
///
/// # Errors
/// [`Error::DuplicateIndex`] or [`Error::IndexOutOfRange`] for bad disclosed
/// indexes (any order is accepted); [`Error::TooManyMessages`] past
/// [`super::MAX_MESSAGES`]; [`Error::IdentityPoint`] for a signature whose
/// `B` is the identity (see [`ProverCredential::new`]).
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
    ProverCredential::new(suite, pk, sig, header, messages)?
        .prove_with_scalars(ph, disclosed, random)
}

/// A signed credential prepared for proving many times: the holder's side
/// of [`super::VerifierKey`]. It keeps `B = P1 + Q_1 * domain + sum H_i *
/// msg_i` and constant-time comb tables of `A` and `B`, so every proof
/// costs only table additions (no doublings, no variable-base
/// multiplication). Holds secrets: messages and tables are zeroized on drop
/// and `Debug` prints none of them.
///
/// A credential knows its generator list ([`MessageGenerators`]): plain
/// ([`ProverCredential::new`]) or blind ([`ProverCredential::new_blind`],
/// whose messages are indexed as [`MessageGenerators`] describes).
pub struct ProverCredential {
    suite: Suite,
    generators: MessageGenerators,
    sig: Signature,
    messages: Vec<Scalar>,
    domain: Scalar,
    gens: Arc<Vec<CombTable>>,
    a_table: CombTable,
    b_table: CombTable,
}

impl ProverCredential {
    /// Prepares a signature over scalar messages for proving. Does not
    /// verify the signature (call `core::verify` first when it comes from
    /// elsewhere); a proof of an invalid signature simply fails to verify.
    ///
    /// # Errors
    /// [`Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
    /// [`Error::IdentityPoint`] when the signature's `A` or the computed `B` has
    /// no table (the identity). The signature itself is not verified here.
    pub fn new(
        suite: Suite,
        pk: &PublicKey,
        sig: &Signature,
        header: &[u8],
        messages: &[Scalar],
    ) -> Result<Self, Error> {
        Self::with_generators(suite, MessageGenerators::Plain, pk, sig, header, messages)
    }

    /// A blind-signed credential (draft-irtf-cfrg-bbs-blind-signatures),
    /// prepared for proving: the signer's `messages` (scalars under the
    /// blind `api_id`, see [`crate::blind::messages_to_scalars`]), the
    /// holder's `committed_messages` and the `secret_prover_blind` of the
    /// commitment the signer signed. The signature is verified first (the
    /// draft's `Verify` of the blind interface), so a credential that exists
    /// is one the holder can prove. Message indexes: `0..L-1` the signer's
    /// messages, `L` the `secret_prover_blind` (never disclosed), `L+1..`
    /// the committed ones ([`MessageGenerators`]).
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] when the signature does not verify
    /// over these messages and blind; [`Error::TooManyMessages`] past
    /// [`super::MAX_MESSAGES`] in all; [`Error::IdentityPoint`] as
    /// [`ProverCredential::new`].
    pub fn new_blind(
        suite: Suite,
        pk: &PublicKey,
        sig: &Signature,
        header: &[u8],
        messages: Vec<Scalar>,
        committed_messages: Vec<Scalar>,
        secret_prover_blind: &crate::blind::SecretProverBlind,
    ) -> Result<Self, Error> {
        let which = MessageGenerators::blind(messages.len(), committed_messages.len());
        let mut all = Zeroizing::new(messages);
        all.push(*secret_prover_blind.as_scalar());
        all.extend_from_slice(&committed_messages);
        let mut committed_messages = committed_messages;
        committed_messages.iter_mut().for_each(Zeroize::zeroize);
        // The messages are the holder's secrets: B in constant time.
        super::sign::verify_ct_with(suite, which, pk, sig, header, &all)?;
        Self::with_generators(suite, which, pk, sig, header, &all)
    }

    /// [`ProverCredential::new`] over the generator list `which`: `messages`
    /// holds every message scalar in the list's order (for a blind list,
    /// `L + 1 + M` of them, the `secret_prover_blind` at `L`). Does not
    /// verify the signature (see [`ProverCredential::new_blind`], which
    /// does).
    ///
    /// # Errors
    /// As [`ProverCredential::new`]; [`Error::MessageCountMismatch`] when
    /// the count does not fit `which`.
    pub fn with_generators(
        suite: Suite,
        which: MessageGenerators,
        pk: &PublicKey,
        sig: &Signature,
        header: &[u8],
        messages: &[Scalar],
    ) -> Result<Self, Error> {
        let l = messages.len();
        let gens = generators_for(suite, which, l)?;
        let tables = prover_tables_for(suite, which, l)?;
        let domain = calculate_domain(suite, which, pk, &gens, header);
        // B = P1 + Q_1 * domain + sum H_i * msg_i: the messages are secret.
        let mut terms = Vec::with_capacity(l + 1);
        terms.push((&tables[0], domain));
        for (t, m) in tables[1..=l].iter().zip(messages) {
            terms.push((t, *m));
        }
        let b = (comb_lincomb_ct(&terms) + &suite.p1()).to_affine();
        let ab = CombTable::batch_new(&[sig.a, b]);
        let mut ab = ab.into_iter();
        let (a_table, b_table) = match (ab.next(), ab.next()) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Error::IdentityPoint),
        };
        Ok(ProverCredential {
            suite,
            generators: which,
            sig: *sig,
            messages: messages.to_vec(),
            domain,
            gens: tables,
            a_table,
            b_table,
        })
    }

    /// The number of messages.
    pub fn message_count(&self) -> usize {
        self.messages.len()
    }

    /// `ProofGen` with fresh blinding scalars from `rng`.
    ///
    /// # Errors
    /// [`Error::DuplicateIndex`] or [`Error::IndexOutOfRange`] for bad disclosed
    /// indexes (any order is accepted).
    pub fn prove<R: RngCore + CryptoRng + ?Sized>(
        &self,
        ph: &[u8],
        disclosed_indexes: &[usize],
        rng: &mut R,
    ) -> Result<Proof, Error> {
        let disclosed = sorted_indexes(disclosed_indexes, self.messages.len())?;
        let count = 5 + self.messages.len() - disclosed.len();
        let mut random: Vec<Scalar> = (0..count).map(|_| Scalar::random(rng)).collect();
        let out = self.prove_with_scalars(ph, &disclosed, &random);
        random.iter_mut().for_each(Zeroize::zeroize);
        out
    }

    /// `ProofInit`, challenge and `ProofFinalize` for sorted, checked
    /// disclosed indexes and the given random scalars.
    pub(crate) fn prove_with_scalars(
        &self,
        ph: &[u8],
        disclosed: &[usize],
        random: &[Scalar],
    ) -> Result<Proof, Error> {
        let (init, mut secrets) = self.proof_init(disclosed, random)?;
        let disclosed_msgs: Vec<(usize, Scalar)> =
            disclosed.iter().map(|&i| (i, self.messages[i])).collect();
        let c = challenge(self.suite, self.generators, &init, &disclosed_msgs, ph);
        let proof = self.proof_finalize(&init, &secrets, disclosed, &random[5..], c);
        secrets.zeroize();
        Ok(proof)
    }

    /// `ProofInit` (draft §4.3.1) for sorted, checked disclosed indexes and
    /// the random scalars `(r1, r2, e~, r1~, r3~, m~_j ..)`: the points the
    /// challenge hashes, and the secrets `ProofFinalize` needs. A composite
    /// proof calls this for every credential, computes one challenge over
    /// all of them, then calls [`Self::proof_finalize`] with it.
    pub(crate) fn proof_init(
        &self,
        disclosed: &[usize],
        random: &[Scalar],
    ) -> Result<(InitOutput, InitSecrets), Error> {
        let l = self.messages.len();
        if let Some(i) = self.generators.secret_prover_blind_index() {
            if disclosed.binary_search(&i).is_ok() {
                return Err(Error::SecretProverBlindDisclosed(i));
            }
        }
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
        let undisclosed: Vec<usize> = (0..l)
            .filter(|i| disclosed.binary_search(i).is_err())
            .collect();
        let (a, b) = (&self.a_table, &self.b_table);
        let r12 = r1 * r2;
        // The draft's D = B r2, Abar = A r1 r2, Bbar = D r1 - Abar e,
        // T1 = Abar e~ + D r1~, T2 = D r3~ + sum H_j m~_j, each written as a
        // combination of the fixed points A, B and the generators.
        let mut mix = vec![
            comb_lincomb_ct(&[(b, r2)]),
            comb_lincomb_ct(&[(a, r12)]),
            comb_lincomb_ct(&[(b, r12), (a, -(r12 * self.sig.e))]),
            comb_lincomb_ct(&[(a, r12 * e_t), (b, r2 * r1_t)]),
        ];
        let mut t2_terms = Vec::with_capacity(u + 1);
        t2_terms.push((b, r2 * r3_t));
        for (j, mt) in undisclosed.iter().zip(m_tilde) {
            t2_terms.push((&self.gens[1 + *j], *mt));
        }
        mix.push(comb_lincomb_ct(&t2_terms));
        let pts = G1Projective::batch_to_affine(&mix);
        if pts[..3].iter().any(G1Affine::is_identity) {
            // Only with negligible probability (a zero random scalar).
            return Err(Error::IdentityPoint);
        }
        let init = InitOutput {
            abar: pts[1],
            bbar: pts[2],
            d: pts[0],
            t1: pts[3],
            t2: pts[4],
            domain: self.domain,
        };
        Ok((
            init,
            InitSecrets {
                r1,
                r3: r2.invert(),
                e_t,
                r1_t,
                r3_t,
            },
        ))
    }

    /// `ProofFinalize` (draft §4.3.3) with the challenge `c`; `m_tilde` are
    /// the blindings of the undisclosed messages in index order.
    pub(crate) fn proof_finalize(
        &self,
        init: &InitOutput,
        secrets: &InitSecrets,
        disclosed: &[usize],
        m_tilde: &[Scalar],
        c: Scalar,
    ) -> Proof {
        let m_hat = (0..self.messages.len())
            .filter(|i| disclosed.binary_search(i).is_err())
            .zip(m_tilde)
            .map(|(j, mt)| *mt + self.messages[j] * c)
            .collect();
        Proof {
            abar: init.abar,
            bbar: init.bbar,
            d: init.d,
            e_hat: secrets.e_t + self.sig.e * c,
            r1_hat: secrets.r1_t - secrets.r1 * c,
            r3_hat: secrets.r3_t - secrets.r3 * c,
            m_hat,
            challenge: c,
        }
    }

    /// The suite.
    pub(crate) fn suite(&self) -> Suite {
        self.suite
    }

    /// The generator list the credential is signed under.
    pub fn generators(&self) -> MessageGenerators {
        self.generators
    }

    /// Message `i` (a secret: callers keep it to the prover).
    pub(crate) fn message(&self, i: usize) -> Option<Scalar> {
        self.messages.get(i).copied()
    }
}

/// The secrets between `ProofInit` and `ProofFinalize`; zeroized by
/// [`Zeroize`].
pub(crate) struct InitSecrets {
    r1: Scalar,
    r3: Scalar,
    e_t: Scalar,
    r1_t: Scalar,
    r3_t: Scalar,
}

impl Zeroize for InitSecrets {
    fn zeroize(&mut self) {
        for s in [
            &mut self.r1,
            &mut self.r3,
            &mut self.e_t,
            &mut self.r1_t,
            &mut self.r3_t,
        ] {
            s.zeroize();
        }
    }
}

impl Drop for ProverCredential {
    fn drop(&mut self) {
        self.messages.iter_mut().for_each(Zeroize::zeroize);
        self.domain.zeroize();
        self.a_table.zeroize();
        self.b_table.zeroize();
    }
}

impl std::fmt::Debug for ProverCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProverCredential")
            .field("suite", &self.suite)
            .field("generators", &self.generators)
            .field("messages", &self.messages.len())
            .finish_non_exhaustive()
    }
}
