//! docknetwork's `vb_accumulator` 0.29 (the release `proof_system` 0.34 is
//! built on) over arkworks' BLS12-381: a credential's status as membership
//! of its revocation handle in a Vitto–Biryukov positive accumulator, the
//! registry's updates and the holder's witness updates, and the composite
//! proof of the credential's BBS signature with the membership of its
//! hidden message [`MEMBER_INDEX`] (proof_system). Everything runs on one
//! thread: the crates are built without their `parallel` features.
//!
//! The credential is [`crate::dock::Signed`]: the workload's messages
//! hashed to scalars with [`message_scalar`]; the hashed message
//! [`MEMBER_INDEX`] is the revocation handle, the accumulator member.
//!
//! As in [`crate::dock_predicates`], proofs leave the prover and reach the
//! verifier as bytes (arkworks compressed; deserialization, with its
//! subgroup checks, is part of verification), both sides build their
//! statements for every proof, the verifier hashes the disclosed messages
//! inside the call, [`PH`] is proof_system's nonce and [`HEADER`] its
//! proof-spec context.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use ark_bls12_381::{Bls12_381, Fr, G1Affine};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use proof_system::prelude::{
    EqualWitnesses, MetaStatements, Proof, ProofSpec, ProofSystemError, Statements, VerifierConfig,
    Witnesses,
};
use proof_system::statement::accumulator::cdh::{
    VBAccumulatorMembershipCDHProver, VBAccumulatorMembershipCDHVerifier,
};
use proof_system::statement::accumulator::VBAccumulatorMembership;
use proof_system::statement::bbs_23_ietf::{
    PoKBBSSignature23IETFG1Prover, PoKBBSSignature23IETFG1Verifier,
};
use proof_system::witness::{
    Membership as MembershipWitnessInput, PoKBBSSignature23G1 as PoKBBSSignature23G1Witness,
};
use rand::rngs::StdRng;
use sha2::Sha256;
use vb_accumulator::persistence::State;
use vb_accumulator::prelude::{
    Accumulator, Keypair, MembershipProvingKey, MembershipWitness, Omega, PositiveAccumulator,
    SetupParams, VBAccumulatorError,
};

use crate::dock::{message_scalar, revealed, Signed};
use crate::{Workload, HEADER, PH};

/// Index of the hidden message that is the credential's revocation handle.
pub const MEMBER_INDEX: usize = 0;
/// The disclosed messages of the status workload: 10 messages, 2 disclosed,
/// neither of them [`MEMBER_INDEX`].
pub const DISCLOSED: [usize; 2] = [1, 6];
/// Label the accumulator's generators `P` (G1) and `P~` (G2) and the
/// membership proving key are derived from.
pub const ACC_LABEL: &[u8] = b"zkcred-bench vb_accumulator parameters";
/// Seed of the registry's accumulator key pair.
pub const ACC_KEY_SEED: &[u8] = b"zkcred-bench vb_accumulator registry key";
/// Most removals in one published `Omega`: vb_accumulator's `Omega::new`
/// keeps every intermediate polynomial (`k^2 / 2` scalars for `k`
/// removals, 1.6 GB at 10,000), so larger epochs are published as several
/// batches of this size and the holder applies them with its
/// multiple-batch update.
pub const OMEGA_BATCH: usize = 1_000;

/// The 10-message workload with [`DISCLOSED`] disclosed.
pub fn workload() -> Workload {
    let mut w = Workload::new(10, 2);
    w.disclosed = DISCLOSED.to_vec();
    w
}

/// The revocation handle of the registry's `i`-th other credential: a
/// label hashed to a scalar, the way the holder's is.
pub fn other_member(i: usize) -> Fr {
    message_scalar(format!("zkcred-bench other credential {i}").as_bytes())
}

/// Which composite proof: the BBS proof of knowledge alone or with the
/// membership of [`MEMBER_INDEX`] in one of proof_system's two VB
/// membership statements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `PoKBBSSignature23IETF` alone (the baseline).
    BbsOnly,
    /// Plus `VBAccumulatorMembership`: the membership proof of the VB
    /// paper (section 5, a proof of knowledge of a weak-BB signature with
    /// the proving key's generators and a pairing product), tied to the
    /// BBS message by a witness-equality meta statement.
    Vb,
    /// Plus `VBAccumulatorMembershipCDH{Prover,Verifier}`: docknetwork's
    /// later protocol (randomized witness, a Schnorr proof and one pairing
    /// check at the verifier), tied the same way.
    VbCdh,
}

impl Status {
    /// All three, in the order the bench reports them.
    pub const ALL: [Status; 3] = [Status::BbsOnly, Status::Vb, Status::VbCdh];

    /// The bench's function id: `dock_bbs_only`, `dock_vb` or
    /// `dock_vb_cdh`.
    pub fn id(self) -> &'static str {
        match self {
            Status::BbsOnly => "dock_bbs_only",
            Status::Vb => "dock_vb",
            Status::VbCdh => "dock_vb_cdh",
        }
    }
}

/// The registry's set of current members (vb_accumulator's `State`: it
/// refuses to remove an absent element or add a present one).
#[derive(Clone, Debug, Default)]
pub struct Members(HashSet<Fr>);

impl State<Fr> for Members {
    fn add(&mut self, element: Fr) {
        self.0.insert(element);
    }
    fn remove(&mut self, element: &Fr) {
        self.0.remove(element);
    }
    fn has(&self, element: &Fr) -> bool {
        self.0.contains(element)
    }
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
}

/// The status registry (the accumulator manager): parameters, key pair,
/// membership proving key, the accumulator and its members.
pub struct Registry {
    /// `P` and `P~`, from [`ACC_LABEL`].
    pub params: SetupParams<Bls12_381>,
    /// Secret `alpha` and public `Q~ = alpha * P~`, from [`ACC_KEY_SEED`].
    pub keypair: Keypair<Bls12_381>,
    /// Generators of the VB paper's membership proof, from [`ACC_LABEL`].
    pub proving_key: MembershipProvingKey<G1Affine>,
    /// The current value `V`.
    pub accumulator: PositiveAccumulator<G1Affine>,
    /// The current members.
    pub members: Members,
}

impl Registry {
    /// A registry whose accumulator holds `members` (one batch addition to
    /// the initial value `P`).
    ///
    /// # Panics
    ///
    /// If `members` repeats an element.
    pub fn new(members: Vec<Fr>) -> Registry {
        let params = SetupParams::<Bls12_381>::new::<Sha256>(ACC_LABEL);
        let keypair = Keypair::<Bls12_381>::generate_using_seed::<Sha256>(ACC_KEY_SEED, &params);
        let proving_key = MembershipProvingKey::<G1Affine>::new::<Sha256>(ACC_LABEL);
        let mut state = Members::default();
        let accumulator = PositiveAccumulator::initialize(&params)
            .add_batch(members, &keypair.secret_key, &mut state)
            .expect("distinct members");
        Registry {
            params,
            keypair,
            proving_key,
            accumulator,
            members: state,
        }
    }

    /// The membership witness of `element` for the current value.
    ///
    /// # Errors
    ///
    /// `ElementAbsent` if `element` is not a member.
    pub fn witness(&self, element: &Fr) -> Result<MembershipWitness<G1Affine>, VBAccumulatorError> {
        self.accumulator
            .get_membership_witness(element, &self.keypair.secret_key, &self.members)
    }

    /// Whether `witness` shows `element` a member of `value` (one
    /// two-pairing product).
    pub fn verify_membership(
        &self,
        value: &G1Affine,
        element: &Fr,
        witness: &MembershipWitness<G1Affine>,
    ) -> bool {
        PositiveAccumulator::verify_membership_given_accumulated(
            value,
            element,
            witness,
            &self.keypair.public_key,
            &self.params,
        )
    }

    /// What the registry publishes for removing `removed` from the current
    /// value, without changing `self`: the value after every single removal
    /// (the input of the holders' single-update path) and the same removals
    /// as batches of at most [`OMEGA_BATCH`], each with its `Omega` (the
    /// input of the public batch update).
    ///
    /// # Panics
    ///
    /// If an element of `removed` is not a member (or repeats).
    pub fn publish_removals(&self, removed: &[Fr]) -> Removals {
        let sk = &self.keypair.secret_key;
        let mut members = self.members.clone();
        let mut values = Vec::with_capacity(removed.len());
        let mut acc = self.accumulator.clone();
        for y in removed {
            acc = acc.remove(y, sk, &mut members).expect("member");
            values.push(*acc.value());
        }
        let mut batches = Vec::new();
        let mut before = *self.accumulator.value();
        for chunk in removed.chunks(OMEGA_BATCH) {
            let omega = Omega::new(&[], chunk, &before, sk);
            before =
                PositiveAccumulator::from_value(before).compute_new_post_remove_batch(chunk, sk);
            batches.push((chunk.to_vec(), omega));
        }
        assert_eq!(
            Some(&before),
            values.last(),
            "batched and single removals end at the same value"
        );
        Removals {
            removed: removed.to_vec(),
            values,
            batches,
        }
    }
}

/// One epoch's removals as the registry publishes them.
pub struct Removals {
    /// The removed revocation handles, in order.
    pub removed: Vec<Fr>,
    /// The accumulator value after each removal (`values[i]` after
    /// `removed[i]`).
    pub values: Vec<G1Affine>,
    /// The same removals as batches of at most [`OMEGA_BATCH`], each with
    /// its `Omega` (computed from the value before the batch).
    pub batches: Vec<(Vec<Fr>, Omega<G1Affine>)>,
}

impl Removals {
    /// The value after the last removal.
    ///
    /// # Panics
    ///
    /// If there are no removals.
    pub fn final_value(&self) -> G1Affine {
        *self.values.last().expect("at least one removal")
    }

    /// The holder's single-update path: `update_after_removal` once per
    /// removal, each with the value after it (one inversion and one
    /// variable-base scalar multiplication per removal).
    ///
    /// # Errors
    ///
    /// `NewElementSameAsCurrent` if `element` itself was removed.
    pub fn update_single(
        &self,
        witness: &MembershipWitness<G1Affine>,
        element: &Fr,
    ) -> Result<MembershipWitness<G1Affine>, VBAccumulatorError> {
        let mut w = witness.clone();
        for (y, v) in self.removed.iter().zip(&self.values) {
            w = w.update_after_removal(element, y, v)?;
        }
        Ok(w)
    }

    /// The holder's public batch update from the published `Omega`s
    /// (`update_using_public_info_after_batch_updates` for one batch,
    /// `update_using_public_info_after_multiple_batch_updates` for several:
    /// evaluations of the removal polynomials at `element` and one
    /// multi-scalar multiplication over every `Omega` point).
    ///
    /// # Errors
    ///
    /// `CannotBeZero` if `element` itself was removed.
    pub fn update_omega(
        &self,
        witness: &MembershipWitness<G1Affine>,
        element: &Fr,
    ) -> Result<MembershipWitness<G1Affine>, VBAccumulatorError> {
        if let [(removed, omega)] = self.batches.as_slice() {
            return witness.update_using_public_info_after_batch_updates(
                &[],
                removed,
                omega,
                element,
            );
        }
        let batches: Vec<(&[Fr], &[Fr], &Omega<G1Affine>)> = self
            .batches
            .iter()
            .map(|(removed, omega)| (&[][..], removed.as_slice(), omega))
            .collect();
        witness.update_using_public_info_after_multiple_batch_updates(batches, element)
    }
}

/// The holder's credential and status, and the registry.
pub struct Fixture {
    /// The signed credential; `signed.scalars[MEMBER_INDEX]` is the
    /// revocation handle.
    pub signed: Signed,
    /// The registry, the holder's handle one of its members.
    pub registry: Registry,
    /// The holder's membership witness for the registry's current value.
    pub witness: MembershipWitness<G1Affine>,
}

impl Fixture {
    /// The credential of `w` and a registry holding its handle and the
    /// handles of `others` other credentials ([`other_member`]); the
    /// witness checked against the value.
    ///
    /// # Panics
    ///
    /// If `w` discloses [`MEMBER_INDEX`], or on any failure.
    pub fn new(w: &Workload, others: usize) -> Fixture {
        assert!(!w.disclosed.contains(&MEMBER_INDEX));
        let signed = Signed::new(w);
        let element = signed.scalars[MEMBER_INDEX];
        let mut members: Vec<Fr> = (0..others).map(other_member).collect();
        members.push(element);
        let registry = Registry::new(members);
        let witness = registry.witness(&element).expect("member");
        assert!(registry.verify_membership(registry.accumulator.value(), &element, &witness));
        Fixture {
            signed,
            registry,
            witness,
        }
    }

    /// The holder's revocation handle.
    pub fn element(&self) -> Fr {
        self.signed.scalars[MEMBER_INDEX]
    }
}

/// For a membership statement: "message [`MEMBER_INDEX`] of statement 0
/// (the signature) equals the element, witness 0 of statement 1".
fn meta_statements(s: Status) -> MetaStatements {
    let mut meta = MetaStatements::new();
    if s != Status::BbsOnly {
        meta.add_witness_equality(EqualWitnesses(BTreeSet::from([(0, MEMBER_INDEX), (1, 0)])));
    }
    meta
}

/// Proves knowledge of `f`'s signature disclosing the messages at the
/// (ascending) indices `disclosed`, with status statement `s` for the
/// accumulator value `value` and the holder's `witness`, blinding from
/// `rng`; the composite proof serialized (arkworks compressed).
///
/// # Errors
///
/// proof_system's error if a statement cannot be made or the proof cannot
/// be generated.
///
/// # Panics
///
/// If the proof does not serialize (writing to a `Vec` does not fail).
pub fn proof_gen(
    f: &Fixture,
    s: Status,
    value: &G1Affine,
    witness: &MembershipWitness<G1Affine>,
    disclosed: &[usize],
    rng: &mut StdRng,
) -> Result<Vec<u8>, ProofSystemError> {
    let scalars = &f.signed.scalars;
    let revealed: BTreeMap<usize, Fr> = disclosed.iter().map(|&i| (i, scalars[i])).collect();
    let unrevealed: BTreeMap<usize, Fr> = scalars
        .iter()
        .enumerate()
        .filter(|(i, _)| !revealed.contains_key(i))
        .map(|(i, m)| (i, *m))
        .collect();
    let r = &f.registry;
    let mut statements = Statements::new();
    statements.add(PoKBBSSignature23IETFG1Prover::new_statement_from_params(
        f.signed.params.clone(),
        revealed,
    ));
    let mut witnesses = Witnesses::new();
    witnesses.add(PoKBBSSignature23G1Witness::new_as_witness(
        f.signed.sig.clone(),
        unrevealed,
    ));
    match s {
        Status::BbsOnly => {}
        Status::Vb => {
            statements.add(VBAccumulatorMembership::new_statement_from_params(
                r.params.clone(),
                r.keypair.public_key.clone(),
                r.proving_key.clone(),
                *value,
            ));
        }
        Status::VbCdh => {
            statements.add(VBAccumulatorMembershipCDHProver::new(*value));
        }
    }
    if s != Status::BbsOnly {
        witnesses.add(MembershipWitnessInput::new_as_witness(
            scalars[MEMBER_INDEX],
            witness.clone(),
        ));
    }
    let spec = ProofSpec::new(
        statements,
        meta_statements(s),
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

/// Deserializes `proof`, builds the verifier's statements (the disclosed
/// `(index, message)` pairs hashed to scalars, the issuer's key and
/// generators, the registry's parameters and public key and the value
/// `value`) and verifies the composite proof with proof_system's default
/// `VerifierConfig`, random weights from `rng`: true if it deserializes and
/// is valid.
pub fn proof_verify(
    f: &Fixture,
    s: Status,
    value: &G1Affine,
    proof: &[u8],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
) -> bool {
    let Ok(proof) = Proof::<Bls12_381>::deserialize_compressed(proof) else {
        return false;
    };
    let r = &f.registry;
    let mut statements = Statements::new();
    statements.add(PoKBBSSignature23IETFG1Verifier::new_statement_from_params(
        f.signed.params.clone(),
        f.signed.keypair.public_key.clone(),
        revealed(disclosed),
    ));
    match s {
        Status::BbsOnly => {}
        Status::Vb => {
            statements.add(VBAccumulatorMembership::new_statement_from_params(
                r.params.clone(),
                r.keypair.public_key.clone(),
                r.proving_key.clone(),
                *value,
            ));
        }
        Status::VbCdh => {
            statements.add(
                VBAccumulatorMembershipCDHVerifier::new_statement_from_params(
                    r.params.clone(),
                    r.keypair.public_key.clone(),
                    *value,
                ),
            );
        }
    }
    let spec = ProofSpec::new(
        statements,
        meta_statements(s),
        vec![],
        Some(HEADER.to_vec()),
    );
    proof
        .verify::<StdRng, Sha256>(rng, spec, Some(PH.to_vec()), VerifierConfig::default())
        .is_ok()
}

/// proof_system verifies one composite proof at a time (see
/// [`crate::dock_predicates::proof_verify_each`]): `proofs` one after the
/// other with [`proof_verify`]; true if all are valid.
pub fn proof_verify_each(
    f: &Fixture,
    s: Status,
    value: &G1Affine,
    proofs: &[Vec<u8>],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
) -> bool {
    proofs
        .iter()
        .all(|proof| proof_verify(f, s, value, proof, disclosed, rng))
}

/// The registry's `remove_batch` of `removed` on a copy of its members
/// (the copy made by the caller, outside any timing): the new value.
///
/// # Errors
///
/// `ElementAbsent` if an element of `removed` is not in `members`.
pub fn remove_batch(
    r: &Registry,
    members: &mut Members,
    removed: &[Fr],
) -> Result<PositiveAccumulator<G1Affine>, VBAccumulatorError> {
    r.accumulator
        .remove_batch(removed, &r.keypair.secret_key, members)
}

/// [`remove_batch`] and the `Omega` holders need to update their witnesses
/// from public information: everything the registry publishes for one
/// epoch of removals.
///
/// # Errors
///
/// As [`remove_batch`].
pub fn remove_batch_and_omega(
    r: &Registry,
    members: &mut Members,
    removed: &[Fr],
) -> Result<(PositiveAccumulator<G1Affine>, Omega<G1Affine>), VBAccumulatorError> {
    let acc = remove_batch(r, members, removed)?;
    let omega = Omega::new(&[], removed, r.accumulator.value(), &r.keypair.secret_key);
    Ok((acc, omega))
}
