//! The holder's commitment to the messages it wants signed blindly, with its
//! proof of knowledge (draft-irtf-cfrg-bbs-blind-signatures, "Commitment
//! Computation", "Core Commitment Computation", "Commitment Validation and
//! Deserialization", "Blind Challenge Calculation").
//!
//! With `(J_0 .. J_M) = create_generators(M + 1, "BLIND_" || api_id)`:
//!
//! ```text
//! C     = J_0 * secret_prover_blind + sum J_i * m_i
//! Cbar  = J_0 * s~ + sum J_i * m~_i
//! c     = hash_to_scalar(I2OSP(M, 8) || J_0 || .. || J_M || C || Cbar,
//!                        api_id || "H2S_")
//! s^    = s~ + secret_prover_blind * c,   m^_i = m~_i + m_i * c
//! commitment_with_proof = C || s^ || m^_1 .. m^_M || c
//! ```
//!
//! The signer checks it by recomputing `Cbar = J_0 * s^ + sum J_i * m^_i - C
//! * c` and the challenge.

use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::bbs::{check_count, committed_generators, MessageGenerators, Suite, MAX_MESSAGES};
use crate::curve::{msm_straus_vartime, G1Affine, G1Projective, Scalar, G1_LEN, SCALAR_LEN};
use crate::Error;

/// The holder's `secret_prover_blind`: the random scalar that hides the
/// committed messages in the commitment, and becomes the signed message at
/// index `L` of a blind credential. A secret: zeroized on drop, compared in
/// constant time, never printed (`Debug` redacts it).
#[derive(Clone)]
pub struct SecretProverBlind(Scalar);

impl SecretProverBlind {
    /// A fresh uniformly random non-zero blind from `rng`.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> SecretProverBlind {
        loop {
            let s = Scalar::random(rng);
            if !s.is_zero() {
                return SecretProverBlind(s);
            }
        }
    }

    /// The blind of "no commitment": zero, the draft's default for
    /// `secret_prover_blind` when `BlindSign` was given no commitment.
    pub fn zero() -> SecretProverBlind {
        SecretProverBlind(Scalar::ZERO)
    }

    /// Wraps a scalar.
    pub fn from_scalar(s: Scalar) -> SecretProverBlind {
        SecretProverBlind(s)
    }

    /// Decodes 32 big-endian octets (a canonical scalar; zero is the "no
    /// commitment" blind).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless 32 octets; [`Error::NonCanonicalScalar`].
    pub fn from_bytes(bytes: &[u8]) -> Result<SecretProverBlind, Error> {
        let arr: &[u8; SCALAR_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "secret_prover_blind",
            expected: SCALAR_LEN,
            got: bytes.len(),
        })?;
        Ok(SecretProverBlind(Scalar::from_be_bytes(arr)?))
    }

    /// The 32 big-endian octets, zeroized when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        Zeroizing::new(self.0.to_be_bytes())
    }

    /// The scalar (a secret: keep it to the holder).
    pub fn as_scalar(&self) -> &Scalar {
        &self.0
    }
}

impl Zeroize for SecretProverBlind {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for SecretProverBlind {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for SecretProverBlind {}

impl ConstantTimeEq for SecretProverBlind {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for SecretProverBlind {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for SecretProverBlind {}

impl std::fmt::Debug for SecretProverBlind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretProverBlind(<redacted>)")
    }
}

/// A `commitment_with_proof`: the commitment `C` (a non-identity G1 point)
/// and the proof of knowledge of its opening `(s^, m^_1 .. m^_M, c)`
/// (canonical non-zero scalars). Exists only decoded and checked; the
/// signer still verifies the proof ([`CommitmentWithProof::verify`], done
/// by `blind_sign`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitmentWithProof {
    pub(crate) commitment: G1Affine,
    pub(crate) s_hat: Scalar,
    pub(crate) m_hat: Vec<Scalar>,
    pub(crate) challenge: Scalar,
}

/// Length of an encoded `commitment_with_proof` with no committed message.
pub const COMMITMENT_BASE_LEN: usize = G1_LEN + 2 * SCALAR_LEN;

impl CommitmentWithProof {
    /// `M`, the number of committed messages.
    pub fn committed_message_count(&self) -> usize {
        self.m_hat.len()
    }

    /// The commitment `C`.
    pub fn commitment(&self) -> G1Affine {
        self.commitment
    }

    /// Length of [`CommitmentWithProof::to_bytes`]: `112 + 32 M`.
    pub fn encoded_len(&self) -> usize {
        COMMITMENT_BASE_LEN + SCALAR_LEN * self.m_hat.len()
    }

    /// `C || s^ || m^_1 .. m^_M || c`: the point compressed (48 octets), the
    /// scalars 32 big-endian octets each.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&self.commitment.to_compressed());
        for s in std::iter::once(&self.s_hat)
            .chain(&self.m_hat)
            .chain(std::iter::once(&self.challenge))
        {
            out.extend_from_slice(&s.to_be_bytes());
        }
        out
    }

    /// Decodes `C || s^ || m^_1 .. m^_M || c` with a cursor that takes
    /// exactly the octets it needs and refuses what is left: `M` follows
    /// from the length (`112 + 32 M`), `C` must be a valid compressed point
    /// in the subgroup and not the identity, every scalar canonical and
    /// non-zero.
    ///
    /// # Errors
    /// [`Error::MalformedCommitment`] for a length that is not `112 + 32 M`;
    /// [`Error::TooManyMessages`] for `M` past [`MAX_MESSAGES`]; for `C` as
    /// [`G1Affine::from_compressed`] ([`Error::InvalidPointEncoding`],
    /// [`Error::PointNotOnCurve`], [`Error::PointNotInSubgroup`],
    /// [`Error::IdentityPoint`]); [`Error::NonCanonicalScalar`] or
    /// [`Error::ZeroScalar`] for a scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<CommitmentWithProof, Error> {
        if bytes.len() < COMMITMENT_BASE_LEN
            || !(bytes.len() - COMMITMENT_BASE_LEN).is_multiple_of(SCALAR_LEN)
        {
            return Err(Error::MalformedCommitment(
                "length is not 112 + 32 M octets",
            ));
        }
        let m = (bytes.len() - COMMITMENT_BASE_LEN) / SCALAR_LEN;
        if m > MAX_MESSAGES {
            return Err(Error::TooManyMessages {
                got: m,
                max: MAX_MESSAGES,
            });
        }
        let mut cur = Cursor { rest: bytes };
        let commitment = G1Affine::from_compressed(cur.take(G1_LEN)?)?;
        let s_hat = cur.scalar()?;
        let m_hat = (0..m)
            .map(|_| cur.scalar())
            .collect::<Result<Vec<_>, _>>()?;
        let challenge = cur.scalar()?;
        if !cur.rest.is_empty() {
            return Err(Error::MalformedCommitment("trailing octets"));
        }
        Ok(CommitmentWithProof {
            commitment,
            s_hat,
            m_hat,
            challenge,
        })
    }

    /// `CoreCommitVerify`: recomputes `Cbar = J_0 * s^ + sum J_i * m^_i - C *
    /// c` and the blind challenge, which must equal `c`. Variable time: the
    /// commitment and its proof are public.
    ///
    /// # Errors
    /// [`Error::InvalidCommitmentProof`] when the proof does not verify.
    pub fn verify(&self, suite: Suite) -> Result<(), Error> {
        self.verify_for(suite, MessageGenerators::blind(0, self.m_hat.len()))
    }

    /// [`CommitmentWithProof::verify`] under the commitment generators and
    /// `api_id` of `which` (a blind list, or a pseudonym list whose
    /// committed messages and nyms together are the `M` here, see
    /// [`crate::nym`]); only the interface of `which` matters, not its
    /// counts.
    pub(crate) fn verify_for(&self, suite: Suite, which: MessageGenerators) -> Result<(), Error> {
        let which = which.with_committed(self.m_hat.len());
        let Some(gens) = committed_generators(suite, which) else {
            return Err(Error::InvalidCommitmentProof);
        };
        let mut fixed = Vec::with_capacity(self.m_hat.len() + 1);
        let tables = gens.tables();
        fixed.push((&tables[0], self.s_hat));
        for (t, m) in tables[1..].iter().zip(&self.m_hat) {
            fixed.push((t, *m));
        }
        let cbar = msm_straus_vartime(&fixed, &[(self.commitment, -self.challenge)]).to_affine();
        if blind_challenge(suite, which, gens.as_slice(), &self.commitment, &cbar) == self.challenge
        {
            Ok(())
        } else {
            Err(Error::InvalidCommitmentProof)
        }
    }
}

/// Blind challenge calculation: `hash_to_scalar(I2OSP(M, 8) || J_0 || .. ||
/// J_M || C || Cbar, api_id || "H2S_")` with the `api_id` of `which` (the
/// blind one, or the pseudonym one).
fn blind_challenge(
    suite: Suite,
    which: MessageGenerators,
    gens: &[G1Affine],
    c: &G1Affine,
    cbar: &G1Affine,
) -> Scalar {
    let m = gens.len().saturating_sub(1) as u64;
    let mut buf = Vec::with_capacity(8 + G1_LEN * (gens.len() + 2));
    buf.extend_from_slice(&m.to_be_bytes());
    for g in gens {
        buf.extend_from_slice(&g.to_compressed());
    }
    buf.extend_from_slice(&c.to_compressed());
    buf.extend_from_slice(&cbar.to_compressed());
    suite.hash_to_scalar(&buf, which.h2s_dst(suite))
}

/// `CoreCommit` over committed message scalars with fresh randomness from
/// `rng`: returns the `commitment_with_proof` for the signer and the
/// `secret_prover_blind` the holder keeps.
///
/// # Errors
/// [`Error::TooManyMessages`] past [`MAX_MESSAGES`] committed messages;
/// [`Error::IdentityPoint`] with negligible probability.
pub fn commit<R: RngCore + CryptoRng + ?Sized>(
    suite: Suite,
    committed_messages: &[Scalar],
    rng: &mut R,
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    check_count(committed_messages.len())?;
    let blind = SecretProverBlind::random(rng);
    let mut random = Zeroizing::new(Vec::with_capacity(committed_messages.len() + 2));
    random.push(*blind.as_scalar());
    for _ in 0..=committed_messages.len() {
        random.push(Scalar::random(rng));
    }
    commit_with_scalars(suite, committed_messages, &random)
}

/// `CoreCommit` with the random scalars given: `(secret_prover_blind, s~,
/// m~_1 .. m~_M)`, the draft's order. The seam through which the mocked
/// test vectors are reproduced; real commitments come from [`commit`].
///
/// # Errors
/// [`Error::InvalidLength`] unless `M + 2` scalars; as [`commit`].
pub(crate) fn commit_with_scalars(
    suite: Suite,
    committed_messages: &[Scalar],
    random: &[Scalar],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    commit_with_scalars_for(
        suite,
        MessageGenerators::blind(0, committed_messages.len()),
        committed_messages,
        random,
    )
}

/// [`commit_with_scalars`] under the commitment generators and `api_id` of
/// `which`: the pseudonym draft's `CommitWithNym` commits to
/// `committed_messages || prover_nyms` this way (see [`crate::nym`]). Only
/// the interface of `which` matters; the generators are `J_0 .. J_K` for
/// the `K` scalars given.
///
/// # Errors
/// As [`commit_with_scalars`].
pub(crate) fn commit_with_scalars_for(
    suite: Suite,
    which: MessageGenerators,
    committed_messages: &[Scalar],
    random: &[Scalar],
) -> Result<(CommitmentWithProof, SecretProverBlind), Error> {
    let m = committed_messages.len();
    check_count(m)?;
    if random.len() != m + 2 {
        return Err(Error::InvalidLength {
            what: "random scalars",
            expected: m + 2,
            got: random.len(),
        });
    }
    let blind = SecretProverBlind(random[0]);
    let s_tilde = random[1];
    let m_tilde = &random[2..];
    let which = which.with_committed(m);
    let gens = committed_generators(suite, which).ok_or(Error::InvalidStatement(
        "a commitment needs a blind or pseudonym generator list",
    ))?;
    let j: Vec<G1Projective> = gens.as_slice().iter().map(|g| g.to_projective()).collect();
    // Constant time: the blind, the messages and the blindings are secret.
    let mut terms = Vec::with_capacity(m + 1);
    terms.push((j[0], *blind.as_scalar()));
    terms.extend(
        j[1..]
            .iter()
            .copied()
            .zip(committed_messages.iter().copied()),
    );
    let mut bar_terms = Vec::with_capacity(m + 1);
    bar_terms.push((j[0], s_tilde));
    bar_terms.extend(j[1..].iter().copied().zip(m_tilde.iter().copied()));
    let pts = G1Projective::batch_to_affine(&[
        G1Projective::lincomb_ct(&terms),
        G1Projective::lincomb_ct(&bar_terms),
    ]);
    terms.iter_mut().for_each(|(_, s)| s.zeroize());
    bar_terms.iter_mut().for_each(|(_, s)| s.zeroize());
    let (commitment, cbar) = (pts[0], pts[1]);
    if commitment.is_identity() {
        return Err(Error::IdentityPoint);
    }
    let challenge = blind_challenge(suite, which, gens.as_slice(), &commitment, &cbar);
    let s_hat = s_tilde + *blind.as_scalar() * challenge;
    let m_hat = m_tilde
        .iter()
        .zip(committed_messages)
        .map(|(mt, msg)| *mt + *msg * challenge)
        .collect();
    Ok((
        CommitmentWithProof {
            commitment,
            s_hat,
            m_hat,
            challenge,
        },
        blind,
    ))
}

struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.rest.len() < n {
            return Err(Error::MalformedCommitment("truncated"));
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Ok(a)
    }

    fn scalar(&mut self) -> Result<Scalar, Error> {
        let b: &[u8; SCALAR_LEN] = self
            .take(SCALAR_LEN)?
            .try_into()
            .map_err(|_| Error::MalformedCommitment("truncated"))?;
        let s = Scalar::from_be_bytes(b)?;
        if s.is_zero() {
            return Err(Error::ZeroScalar);
        }
        Ok(s)
    }
}
