//! zkcred-crypto's range predicates, through its public API only: a BBS
//! proof of knowledge (IETF draft, BLS12-381-SHA-256) alone, or a composite
//! proof ([`zkcred_crypto::composite`]) of the same credential with range
//! claims on hidden date messages (Pedersen commitments tied to the BBS
//! proof by shared responses, one aggregated Bulletproofs+ range proof).
//! Every call is single-threaded.
//!
//! The credential signs the [`Workload`]'s messages hashed to scalars
//! (`map_message_to_scalar`), except the date messages, which are the
//! integer scalars of their day counts since 1970-01-01
//! (`Scalar::from_i64`), as a range proof needs the value itself.
//!
//! As everywhere in these benches, proofs leave the prover and reach the
//! verifier as bytes (decoding, with its subgroup checks, is part of
//! verification) and the verifier hashes the disclosed messages inside the
//! call. Set up once, outside the timed loops: the holder's
//! [`ProverCredential`] (its comb tables) and the issuer's [`VerifierKey`]
//! (its caches), as a holder and a verifier keep them.

use rand::rngs::StdRng;
use zkcred_crypto::bbs::{self, core, BatchItem, Proof, ProverCredential, Suite, VerifierKey};
use zkcred_crypto::composite::{
    self, CompositeItem, CompositeProof, MessageRef, ProverPart, RangeClaim, Relations,
    VerifierPart,
};
use zkcred_crypto::{Error, Scalar};

use crate::{key_material, Workload, HEADER, KEY_INFO, PH};

/// The ciphersuite of every call: BLS12-381-SHA-256.
pub const SUITE: Suite = Suite::Bls12381Sha256;

/// Which proof a function makes or checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The plain BBS proof of knowledge (`ProverCredential::prove`,
    /// `VerifierKey::proof_verify`): the baseline.
    Plain,
    /// The composite proof of the same disclosure with the fixture's
    /// [`Fixture::relations`] (`composite::prove` / `composite::verify`).
    Composite,
}

/// A range claim on message `index` of the presentation's only credential.
pub fn claim(index: usize, min: Option<i64>, max: Option<i64>, bits: u32) -> RangeClaim {
    RangeClaim {
        message: MessageRef {
            credential: 0,
            index,
        },
        min,
        max,
        bits,
    }
}

/// Relations made of range claims alone.
pub fn ranges(claims: Vec<RangeClaim>) -> Relations {
    Relations {
        equalities: Vec::new(),
        ranges: claims,
        pseudonyms: Vec::new(),
        memberships: vec![],
    }
}

/// One issuer key, one signed credential (prepared for proving) and the
/// relations its composite proofs claim.
pub struct Fixture {
    /// The signed scalars: the workload's messages hashed, except the dates.
    pub scalars: Vec<Scalar>,
    /// The holder's prepared credential.
    pub credential: ProverCredential,
    /// The verifier's prepared issuer key.
    pub vk: VerifierKey,
    /// What [`Kind::Composite`] proofs claim.
    pub relations: Relations,
}

impl Fixture {
    /// Key from [`key_material`], a signature under [`HEADER`] over `w`'s
    /// messages with `dates` (`(index, days since 1970-01-01)`) in place of
    /// the messages at those indices, prepared for proving; `relations`
    /// for the composite proofs.
    ///
    /// # Panics
    ///
    /// If a date index is out of range, or key generation, signing, the
    /// signature check or the preparation fails.
    pub fn new(w: &Workload, dates: &[(usize, i64)], relations: Relations) -> Fixture {
        let mut scalars = bbs::messages_to_scalars(SUITE, &w.messages);
        for &(i, d) in dates {
            scalars[i] = Scalar::from_i64(d);
        }
        Fixture::signed(scalars, relations)
    }

    /// The same key (derived again from [`key_material`]), messages and
    /// relations with a fresh signature on the dates `dates` instead: an
    /// out-of-range credential.
    ///
    /// # Panics
    ///
    /// As [`Fixture::new`].
    pub fn with_dates(&self, dates: &[(usize, i64)]) -> Fixture {
        let mut scalars = self.scalars.clone();
        for &(i, d) in dates {
            scalars[i] = Scalar::from_i64(d);
        }
        Fixture::signed(scalars, self.relations.clone())
    }

    /// The issuer key from [`key_material`] and [`KEY_INFO`], a signature
    /// over `scalars` under [`HEADER`] (checked), both sides prepared.
    fn signed(scalars: Vec<Scalar>, relations: Relations) -> Self {
        let sk = bbs::keygen(SUITE, &key_material(), KEY_INFO, None).expect("keygen");
        let pk = sk.public_key();
        let sig = core::sign(SUITE, &sk, &pk, HEADER, &scalars).expect("sign");
        core::verify(SUITE, &pk, &sig, HEADER, &scalars).expect("signature verifies");
        let credential =
            ProverCredential::new(SUITE, &pk, &sig, HEADER, &scalars).expect("prepare");
        let vk = VerifierKey::new(pk);
        Fixture {
            scalars,
            credential,
            vk,
            relations,
        }
    }
}

/// A proof of `kind` disclosing the messages at `disclosed`, with [`PH`]
/// and blinding from `rng`; encoded.
///
/// # Errors
///
/// zkcred's error: [`Error::ValueOutOfRange`] when a date misses its claim,
/// the others for bad indexes or relations.
pub fn prove(
    f: &Fixture,
    kind: Kind,
    disclosed: &[usize],
    rng: &mut StdRng,
) -> Result<Vec<u8>, Error> {
    match kind {
        Kind::Plain => Ok(f.credential.prove(PH, disclosed, rng)?.to_bytes()),
        Kind::Composite => {
            let parts = [ProverPart {
                credential: &f.credential,
                disclosed,
            }];
            Ok(composite::prove(&parts, &f.relations, PH, rng)?.to_bytes())
        }
    }
}

/// The disclosed `(index, message)` pairs hashed to scalars.
fn disclosed_scalars(disclosed: &[(usize, &[u8])]) -> Vec<(usize, Scalar)> {
    disclosed
        .iter()
        .map(|&(i, m)| (i, bbs::map_message_to_scalar(SUITE, m)))
        .collect()
}

/// Decodes `proof`, hashes the disclosed `(index, message)` pairs and
/// verifies a proof of `kind` (a composite one against `f.relations`):
/// true if it decodes and is valid.
pub fn verify(f: &Fixture, kind: Kind, proof: &[u8], disclosed: &[(usize, &[u8])]) -> bool {
    match kind {
        Kind::Plain => match Proof::from_bytes(proof) {
            Ok(p) => {
                f.vk.proof_verify(SUITE, &p, HEADER, PH, &disclosed_scalars(disclosed))
                    .is_ok()
            }
            Err(_) => false,
        },
        Kind::Composite => verify_claims(f, &f.relations, proof, disclosed),
    }
}

/// A composite proof verified against `relations` (not necessarily the ones
/// it was made for), as [`verify`] does: true if it decodes and is valid.
pub fn verify_claims(
    f: &Fixture,
    relations: &Relations,
    proof: &[u8],
    disclosed: &[(usize, &[u8])],
) -> bool {
    let Ok(proof) = CompositeProof::from_bytes(proof) else {
        return false;
    };
    let scalars = disclosed_scalars(disclosed);
    let parts = [VerifierPart {
        suite: SUITE,
        generators: zkcred_crypto::bbs::MessageGenerators::Plain,
        key: &f.vk,
        header: HEADER,
        disclosed: &scalars,
    }];
    composite::verify(&CompositeItem {
        parts: &parts,
        relations,
        ph: PH,
        proof: &proof,
    })
    .is_ok()
}

/// Decodes every proof and verifies them as one batch, random weights from
/// `rng`: `bbs::verify_batch` for [`Kind::Plain`], `composite::verify_batch`
/// (pairings in one random linear combination, range proofs in one
/// multi-scalar multiplication) for [`Kind::Composite`]. The disclosed
/// messages (the same for every proof) are hashed once per call. True if
/// every proof decodes and is valid.
pub fn verify_batch(
    f: &Fixture,
    kind: Kind,
    proofs: &[Vec<u8>],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
) -> bool {
    let scalars = disclosed_scalars(disclosed);
    match kind {
        Kind::Plain => {
            let Ok(decoded) = proofs
                .iter()
                .map(|p| Proof::from_bytes(p))
                .collect::<Result<Vec<_>, _>>()
            else {
                return false;
            };
            let items: Vec<BatchItem<'_>> = decoded
                .iter()
                .map(|proof| BatchItem {
                    suite: SUITE,
                    generators: zkcred_crypto::bbs::MessageGenerators::Plain,
                    key: &f.vk,
                    proof,
                    header: HEADER,
                    ph: PH,
                    disclosed: &scalars,
                })
                .collect();
            bbs::verify_batch(&items, rng).iter().all(Result::is_ok)
        }
        Kind::Composite => {
            let Ok(decoded) = proofs
                .iter()
                .map(|p| CompositeProof::from_bytes(p))
                .collect::<Result<Vec<_>, _>>()
            else {
                return false;
            };
            let parts = [VerifierPart {
                suite: SUITE,
                generators: zkcred_crypto::bbs::MessageGenerators::Plain,
                key: &f.vk,
                header: HEADER,
                disclosed: &scalars,
            }];
            let items: Vec<CompositeItem<'_>> = decoded
                .iter()
                .map(|proof| CompositeItem {
                    parts: &parts,
                    relations: &f.relations,
                    ph: PH,
                    proof,
                })
                .collect();
            composite::verify_batch(&items, rng)
                .iter()
                .all(Result::is_ok)
        }
    }
}
