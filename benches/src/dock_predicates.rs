//! docknetwork `proof_system` 0.34 over arkworks' BLS12-381: composite
//! proofs of knowledge of a BBS signature (the `PoKBBSSignature23IETF`
//! statement, bbs_plus' `proof_23_ietf` protocol, the one of the IETF draft)
//! alone or with a range predicate on one hidden message, proved either with
//! a LegoGroth16 SNARK (`BoundCheckLegoGroth16`) or with Bulletproofs++
//! (`BoundCheckBpp`). Every call is single-threaded: proof_system and the
//! crates under it are built without their `parallel` features.
//!
//! The credential signs the [`Workload`]'s messages hashed to scalars with
//! [`crate::dock::message_scalar`], except the message at
//! [`PREDICATE_INDEX`], which is a date encoded as the integer scalar of its
//! day count since 1970-01-01 (a range proof needs the value itself, not a
//! hash of it). The predicate is "not expired": `min <= expiry < max` with
//! `min` = [`TODAY`] and `max - min` = 2^32 ([`bounds`]).
//!
//! As in [`crate::dock`], proofs leave the prover and reach the verifier as
//! bytes (arkworks compressed serialization; deserialization, with its
//! subgroup checks, is part of verification), and both sides build their
//! statements for every proof, hashing the disclosed messages inside the
//! call. The presentation header [`PH`] is proof_system's nonce and the
//! signature header [`HEADER`] its proof-spec context; the Fiat-Shamir
//! transcript is proof_system's own (Merlin) with SHA-256 where it asks for a
//! digest.

use std::collections::{BTreeMap, BTreeSet};

use ark_bls12_381::{Bls12_381, Fr, G1Affine};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use bbs_plus::setup::{KeypairG2, SignatureParams23G1};
use bbs_plus::signature_23::Signature23G1;
use bulletproofs_plus_plus::setup::SetupParams as BppSetupParams;
use proof_system::prelude::{
    generate_snark_srs_bound_check, EqualWitnesses, MetaStatements, Proof, ProofSpec,
    ProofSystemError, Statements, VerifierConfig, Witness, Witnesses,
};
use proof_system::statement::bbs_23_ietf::{
    PoKBBSSignature23IETFG1Prover, PoKBBSSignature23IETFG1Verifier,
};
use proof_system::statement::bound_check_bpp::BoundCheckBpp;
use proof_system::statement::bound_check_legogroth16::{
    BoundCheckLegoGroth16Prover, BoundCheckLegoGroth16Verifier, ProvingKey,
};
use proof_system::witness::PoKBBSSignature23G1 as PoKBBSSignature23G1Witness;
use rand::rngs::StdRng;
use sha2::Sha256;

use crate::dock::{message_scalar, revealed, PARAMS_LABEL};
use crate::{key_material, rng, Workload, HEADER, PH};

/// Index of the hidden message the range predicate is about. Hidden in the
/// `(10, 2)` workload, which discloses messages 0 and 5.
pub const PREDICATE_INDEX: usize = 3;
/// "Today" of the predicate: 2025-06-01 as days since 1970-01-01.
pub const TODAY: u64 = 20_240;
/// The credential's expiry date, 2029-03-15, as days since 1970-01-01: in
/// range.
pub const EXPIRY: u64 = 21_623;
/// An expiry date before [`TODAY`], 2024-12-31 as days since 1970-01-01:
/// out of range.
pub const EXPIRED: u64 = 20_088;
/// Width of the predicate's range, `max - min`, in bits.
pub const RANGE_BITS: u32 = 32;
/// Label the Bulletproofs++ generators are derived from.
pub const BPP_LABEL: &[u8] = b"zkcred-bench proof_system bulletproofs++ generators";

/// The predicate's bounds `[min, max)`: `min` = [`TODAY`], `max` = `min +
/// 2^RANGE_BITS`, so "`min <= expiry < max`" is "not expired" (for the next
/// 11 million years).
pub fn bounds() -> (u64, u64) {
    (TODAY, TODAY + (1u64 << RANGE_BITS))
}

/// Which composite proof: the BBS proof of knowledge alone or with one of
/// proof_system's two range predicates on [`PREDICATE_INDEX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Predicate {
    /// `PoKBBSSignature23IETF` alone (the baseline).
    BbsOnly,
    /// Plus `BoundCheckLegoGroth16`, tied to the BBS message by a
    /// witness-equality meta statement.
    LegoGroth16,
    /// Plus `BoundCheckBpp` (Bulletproofs++), tied the same way.
    Bpp,
}

impl Predicate {
    /// All three, in the order the bench reports them.
    pub const ALL: [Predicate; 3] = [Predicate::BbsOnly, Predicate::LegoGroth16, Predicate::Bpp];

    /// The bench's function id: `dock_bbs_only`, `dock_legogroth16` or
    /// `dock_bpp`.
    pub fn id(self) -> &'static str {
        match self {
            Predicate::BbsOnly => "dock_bbs_only",
            Predicate::LegoGroth16 => "dock_legogroth16",
            Predicate::Bpp => "dock_bpp",
        }
    }
}

/// Everything set up once, outside any timed loop: the issuer's key pair
/// and BBS generators, the LegoGroth16 proving key of proof_system's
/// bound-check circuit (its verifying key is `lego_pk.vk`) and the
/// Bulletproofs++ generators.
///
/// The prover uses the signature, messages, `params`, `lego_pk` and `bpp`;
/// the verifier `params`, `keypair.public_key`, `lego_pk.vk` and `bpp`.
pub struct Fixture {
    /// BBS generators for `n` messages, from [`PARAMS_LABEL`] (the same as
    /// [`crate::dock::Signed`]'s).
    pub params: SignatureParams23G1<Bls12_381>,
    /// Issuer key pair, from [`key_material`].
    pub keypair: KeypairG2<Bls12_381>,
    /// Signature over `scalars`.
    pub sig: Signature23G1<Bls12_381>,
    /// The signed scalars: the workload's messages hashed, except the date
    /// at [`PREDICATE_INDEX`].
    pub scalars: Vec<Fr>,
    /// LegoGroth16 proving key (with its verifying key) of the bound-check
    /// circuit: a trusted setup, here from the deterministic [`rng`].
    pub lego_pk: ProvingKey<Bls12_381>,
    /// Bulletproofs++ generators for proof_system's arbitrary-range proof:
    /// base 2, 64-bit values (the only shape proof_system 0.34 proves,
    /// whatever the bounds), one range.
    pub bpp: BppSetupParams<G1Affine>,
}

impl Fixture {
    /// The setup above for workload `w`, the signed date being `date` (days
    /// since 1970-01-01; [`EXPIRY`] in range, [`EXPIRED`] out of it). The
    /// signature is checked to verify.
    ///
    /// # Panics
    ///
    /// If `w` has no message at [`PREDICATE_INDEX`] or discloses it, or if
    /// signing, the signature check or the SNARK setup fails.
    pub fn new(w: &Workload, date: u64) -> Fixture {
        assert!(PREDICATE_INDEX < w.n && !w.disclosed.contains(&PREDICATE_INDEX));
        let mut rng = rng();
        let params = SignatureParams23G1::<Bls12_381>::new::<Sha256>(PARAMS_LABEL, w.n as u32);
        let keypair =
            KeypairG2::generate_using_seed_and_bbs23_params::<Sha256>(&key_material(), &params);
        let mut scalars: Vec<Fr> = w.messages.iter().map(|m| message_scalar(m)).collect();
        scalars[PREDICATE_INDEX] = Fr::from(date);
        let sig =
            Signature23G1::new(&mut rng, &scalars, &keypair.secret_key, &params).expect("sign");
        sig.verify(&scalars, keypair.public_key.clone(), params.clone())
            .expect("verify");
        let lego_pk =
            generate_snark_srs_bound_check::<Bls12_381, _>(&mut rng).expect("LegoGroth16 setup");
        let bpp = BppSetupParams::<G1Affine>::new_for_arbitrary_range_proof::<Sha256>(
            BPP_LABEL, 2, 64, 1,
        );
        Fixture {
            params,
            keypair,
            sig,
            scalars,
            lego_pk,
            bpp,
        }
    }

    /// The same setup (keys, generators, SNARK keys) with a fresh signature
    /// on the same messages but the date `date` at [`PREDICATE_INDEX`]: the
    /// out-of-range credential without a second SNARK setup.
    ///
    /// # Panics
    ///
    /// If signing or the signature check fails.
    pub fn with_date(&self, date: u64) -> Fixture {
        let mut scalars = self.scalars.clone();
        scalars[PREDICATE_INDEX] = Fr::from(date);
        let sig = Signature23G1::new(&mut rng(), &scalars, &self.keypair.secret_key, &self.params)
            .expect("sign");
        sig.verify(
            &scalars,
            self.keypair.public_key.clone(),
            self.params.clone(),
        )
        .expect("verify");
        Fixture {
            params: self.params.clone(),
            keypair: self.keypair.clone(),
            sig,
            scalars,
            lego_pk: self.lego_pk.clone(),
            bpp: self.bpp.clone(),
        }
    }
}

/// The meta statements: for a predicate, "message [`PREDICATE_INDEX`] of
/// statement 0 (the signature) equals the single witness of statement 1
/// (the bound check)"; none for [`Predicate::BbsOnly`].
fn meta_statements(p: Predicate) -> MetaStatements {
    let mut meta = MetaStatements::new();
    if p != Predicate::BbsOnly {
        meta.add_witness_equality(EqualWitnesses(BTreeSet::from([
            (0, PREDICATE_INDEX),
            (1, 0),
        ])));
    }
    meta
}

/// Proves knowledge of `f`'s signature disclosing the messages at the
/// (ascending) indices `disclosed`, with predicate `p` on the date at
/// [`PREDICATE_INDEX`], blinding from `rng`; the composite proof serialized
/// (arkworks compressed).
///
/// # Errors
///
/// proof_system's error if a statement cannot be made or the proof cannot
/// be generated, as for a date outside [`bounds`] with [`Predicate::Bpp`].
///
/// # Panics
///
/// If the proof does not serialize (writing to a `Vec` does not fail).
pub fn proof_gen(
    f: &Fixture,
    p: Predicate,
    disclosed: &[usize],
    rng: &mut StdRng,
) -> Result<Vec<u8>, ProofSystemError> {
    let (min, max) = bounds();
    let revealed: BTreeMap<usize, Fr> = disclosed.iter().map(|&i| (i, f.scalars[i])).collect();
    let unrevealed: BTreeMap<usize, Fr> = f
        .scalars
        .iter()
        .enumerate()
        .filter(|(i, _)| !revealed.contains_key(i))
        .map(|(i, m)| (i, *m))
        .collect();
    let date = f.scalars[PREDICATE_INDEX];

    let mut statements = Statements::new();
    statements.add(PoKBBSSignature23IETFG1Prover::new_statement_from_params(
        f.params.clone(),
        revealed,
    ));
    let mut witnesses = Witnesses::new();
    witnesses.add(PoKBBSSignature23G1Witness::new_as_witness(
        f.sig.clone(),
        unrevealed,
    ));
    match p {
        Predicate::BbsOnly => {}
        Predicate::LegoGroth16 => {
            statements.add(BoundCheckLegoGroth16Prover::new_statement_from_params(
                min,
                max,
                f.lego_pk.clone(),
            )?);
            witnesses.add(Witness::BoundCheckLegoGroth16(date));
        }
        Predicate::Bpp => {
            statements.add(BoundCheckBpp::new_statement_from_params(
                min,
                max,
                f.bpp.clone(),
            )?);
            witnesses.add(Witness::BoundCheckBpp(date));
        }
    }
    let spec = ProofSpec::new(
        statements,
        meta_statements(p),
        vec![],
        Some(HEADER.to_vec()),
    );
    let (proof, _) =
        Proof::new::<StdRng, Sha256>(rng, spec, witnesses, Some(PH.to_vec()), Default::default())?;
    let mut bytes = Vec::new();
    proof
        .serialize_compressed(&mut bytes)
        .expect("serialize proof");
    Ok(bytes)
}

/// How [`proof_verify`] runs proof_system's verifier: its default, each
/// pairing equation checked on its own. Its other option, folding the
/// pairings of one proof into a `RandomizedPairingChecker` (lazy or not),
/// measured no faster on these proofs (within 10%, either way, on a loaded
/// 2-core machine): the BBS and LegoGroth16 checks are one multi-pairing
/// each already.
pub fn verifier_config() -> VerifierConfig {
    VerifierConfig::default()
}

/// Deserializes `proof`, builds the verifier's statements (the disclosed
/// `(index, message)` pairs hashed to scalars, `f`'s public key, BBS
/// generators and predicate parameters) and verifies the composite proof
/// for predicate `p` with `config`, random weights from `rng`: true if it
/// deserializes and is valid.
pub fn proof_verify_with(
    f: &Fixture,
    p: Predicate,
    proof: &[u8],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
    config: VerifierConfig,
) -> bool {
    let (min, max) = bounds();
    let Ok(proof) = Proof::<Bls12_381>::deserialize_compressed(proof) else {
        return false;
    };
    let mut statements = Statements::new();
    statements.add(PoKBBSSignature23IETFG1Verifier::new_statement_from_params(
        f.params.clone(),
        f.keypair.public_key.clone(),
        revealed(disclosed),
    ));
    let predicate = match p {
        Predicate::BbsOnly => None,
        Predicate::LegoGroth16 => Some(BoundCheckLegoGroth16Verifier::new_statement_from_params(
            min,
            max,
            f.lego_pk.vk.clone(),
        )),
        Predicate::Bpp => Some(BoundCheckBpp::new_statement_from_params(
            min,
            max,
            f.bpp.clone(),
        )),
    };
    match predicate {
        None => {}
        Some(Ok(s)) => {
            statements.add(s);
        }
        Some(Err(_)) => return false,
    }
    let spec = ProofSpec::new(
        statements,
        meta_statements(p),
        vec![],
        Some(HEADER.to_vec()),
    );
    proof
        .verify::<StdRng, Sha256>(rng, spec, Some(PH.to_vec()), config)
        .is_ok()
}

/// [`proof_verify_with`] with [`verifier_config`].
pub fn proof_verify(
    f: &Fixture,
    p: Predicate,
    proof: &[u8],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
) -> bool {
    proof_verify_with(f, p, proof, disclosed, rng, verifier_config())
}

/// proof_system has no way to verify several composite proofs together: its
/// `RandomizedPairingChecker` option folds the pairings of one proof and
/// is checked at the end of that proof's `verify`. So this verifies `proofs`
/// one after the other, each with [`proof_verify`]: true if all are valid.
pub fn proof_verify_each(
    f: &Fixture,
    p: Predicate,
    proofs: &[Vec<u8>],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
) -> bool {
    proofs
        .iter()
        .all(|proof| proof_verify(f, p, proof, disclosed, rng))
}
