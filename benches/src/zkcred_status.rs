//! zkcred-crypto's credential status, through its public API only: the
//! accumulator of [`zkcred_crypto::accumulator`] (issuer-side
//! [`SecretKey::update`], holder-side [`Witness::update_vartime`]) and the
//! composite proof of a BBS credential with a [`MembershipClaim`] on its
//! hidden message [`MEMBER_INDEX`]. Every call is single-threaded.
//!
//! The credential is [`crate::zkcred_predicates::Fixture`]'s: the
//! workload's messages hashed to scalars (`map_message_to_scalar`), the
//! holder prepared ([`zkcred_crypto::bbs::ProverCredential`]), the issuer
//! key prepared for the verifier. The hashed message [`MEMBER_INDEX`] is
//! the revocation handle. Proofs cross as bytes, as everywhere here.

use rand::rngs::StdRng;
use zkcred_crypto::accumulator::{
    Accumulator, Change, Element, PublicKey, SecretKey, Update, Witness,
};
use zkcred_crypto::bbs;
use zkcred_crypto::composite::{self, MembershipClaim, MessageRef, ProverPart, Relations};
use zkcred_crypto::Error;

use crate::dock_status::MEMBER_INDEX;
use crate::zkcred_predicates::{self as zk, Kind, SUITE};
use crate::{rng, Workload, PH};

/// Which proof a function makes or checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The plain BBS proof (`ProverCredential::prove`), the baseline.
    BbsOnly,
    /// A composite proof of the same disclosure with no relation.
    Composite,
    /// A composite proof with one [`MembershipClaim`] on
    /// [`MEMBER_INDEX`] (`composite::prove_with_witnesses`).
    Membership,
}

impl Status {
    /// All three, in the order the bench reports them.
    pub const ALL: [Status; 3] = [Status::BbsOnly, Status::Composite, Status::Membership];

    /// The bench's function id: `zkcred_bbs_only`, `zkcred_composite` or
    /// `zkcred_membership`.
    pub fn id(self) -> &'static str {
        match self {
            Status::BbsOnly => "zkcred_bbs_only",
            Status::Composite => "zkcred_composite",
            Status::Membership => "zkcred_membership",
        }
    }
}

/// The revocation handle of the registry's `i`-th other credential: the
/// label of [`crate::dock_status::other_member`] hashed to a scalar.
pub fn other_member(i: usize) -> Element {
    Element::new(bbs::map_message_to_scalar(
        SUITE,
        format!("zkcred-bench other credential {i}").as_bytes(),
    ))
}

/// `k` removals: the first `k` other credentials' handles.
pub fn removals(k: usize) -> Vec<Change> {
    (0..k).map(|i| Change::Remove(other_member(i))).collect()
}

/// The membership claim on [`MEMBER_INDEX`] for the value `value`.
pub fn claim(pk: &PublicKey, value: Accumulator) -> Relations {
    Relations {
        memberships: vec![MembershipClaim {
            message: MessageRef {
                credential: 0,
                index: MEMBER_INDEX,
            },
            public_key: pk.clone(),
            value,
        }],
        ..Relations::default()
    }
}

/// The credential (twice: with no relation and with the membership claim
/// for the current value) and the status registry.
pub struct Fixture {
    /// The credential with [`Relations::default`].
    pub none: zk::Fixture,
    /// The same credential with [`claim`] for `value`.
    pub member: zk::Fixture,
    /// The registry's accumulator secret key, from [`rng`].
    pub sk: SecretKey,
    /// Its public key.
    pub pk: PublicKey,
    /// The current value, [`Accumulator::initial`] from [`rng`]: issuing
    /// credentials does not change it, so the other credentials' handles
    /// count as accumulated without changing it.
    pub value: Accumulator,
    /// The holder's handle, the credential's message [`MEMBER_INDEX`].
    pub element: Element,
    /// The holder's witness for `value`, checked.
    pub witness: Witness,
}

impl Fixture {
    /// The fixture for `w`.
    ///
    /// # Panics
    ///
    /// If `w` discloses [`MEMBER_INDEX`], or on any failure.
    pub fn new(w: &Workload) -> Fixture {
        assert!(!w.disclosed.contains(&MEMBER_INDEX));
        let mut rng = rng();
        let sk = SecretKey::random(&mut rng);
        let pk = sk.public_key();
        let value = Accumulator::initial(&mut rng);
        let none = zk::Fixture::new(w, &[], Relations::default());
        let member = zk::Fixture::new(w, &[], claim(&pk, value));
        let element = Element::new(none.scalars[MEMBER_INDEX]);
        let witness = sk.witness(&value, &element).expect("witness");
        assert!(witness.verify(&pk, &value, &element));
        Fixture {
            none,
            member,
            sk,
            pk,
            value,
            element,
            witness,
        }
    }

    /// The registry's update applying `changes` to [`Fixture::value`]: the
    /// new value and the published [`Update`].
    ///
    /// # Errors
    ///
    /// As [`SecretKey::update`].
    pub fn update(&self, changes: &[Change]) -> Result<(Accumulator, Update), Error> {
        self.sk.update(&self.value, changes)
    }
}

/// A proof of `s` disclosing the messages at `disclosed`, the membership
/// (for [`Status::Membership`]) claimed for `value` with `witness`; [`PH`],
/// blinding from `rng`; encoded.
///
/// # Errors
///
/// zkcred's error for bad indexes or relations.
pub fn prove(
    f: &Fixture,
    s: Status,
    value: Accumulator,
    witness: &Witness,
    disclosed: &[usize],
    rng: &mut StdRng,
) -> Result<Vec<u8>, Error> {
    match s {
        Status::BbsOnly => zk::prove(&f.none, Kind::Plain, disclosed, rng),
        Status::Composite => zk::prove(&f.none, Kind::Composite, disclosed, rng),
        Status::Membership => {
            let parts = [ProverPart {
                credential: &f.member.credential,
                disclosed,
            }];
            let relations = claim(&f.pk, value);
            Ok(
                composite::prove_with_witnesses(&parts, &relations, &[*witness], PH, rng)?
                    .to_bytes(),
            )
        }
    }
}

/// Decodes `proof`, hashes the disclosed `(index, message)` pairs and
/// verifies a proof of `s`, a membership against `value`: true if it
/// decodes and is valid.
pub fn verify(
    f: &Fixture,
    s: Status,
    value: Accumulator,
    proof: &[u8],
    disclosed: &[(usize, &[u8])],
) -> bool {
    match s {
        Status::BbsOnly => zk::verify(&f.none, Kind::Plain, proof, disclosed),
        Status::Composite => zk::verify(&f.none, Kind::Composite, proof, disclosed),
        Status::Membership => zk::verify_claims(&f.member, &claim(&f.pk, value), proof, disclosed),
    }
}

/// Decodes every proof and verifies them as one batch
/// ([`zk::verify_batch`]: `bbs::verify_batch` for [`Status::BbsOnly`],
/// `composite::verify_batch` otherwise, the membership against
/// [`Fixture::value`]), random weights from `rng`. True if every proof
/// decodes and is valid.
pub fn verify_batch(
    f: &Fixture,
    s: Status,
    proofs: &[Vec<u8>],
    disclosed: &[(usize, &[u8])],
    rng: &mut StdRng,
) -> bool {
    match s {
        Status::BbsOnly => zk::verify_batch(&f.none, Kind::Plain, proofs, disclosed, rng),
        Status::Composite => zk::verify_batch(&f.none, Kind::Composite, proofs, disclosed, rng),
        Status::Membership => zk::verify_batch(&f.member, Kind::Composite, proofs, disclosed, rng),
    }
}
