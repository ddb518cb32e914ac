//! The bodies of zkcred's fuzz targets, one `pub fn <target>(data: &[u8])`
//! per target, and the fixtures they check against.
//!
//! Two builds compile this file: the `zkcred-fuzz` crate (its `cargo fuzz`
//! binaries in `fuzz_targets/` call these functions) and the root package's
//! `tests/fuzz_corpus.rs` (through `#[path]`), which replays
//! `fuzz/corpus/<target>/*` and `fuzz/regressions/<target>/*` on stable in
//! the ordinary `cargo test`. So this file uses only crates the root package
//! depends on, and never `crate::` paths.
//!
//! A body panics (a crash for libFuzzer, a failure for the replay test) when
//! a decoder panics or when a property it asserts breaks: decode → encode
//! round trips, no identity points, and above all that nothing arbitrary
//! input can do makes verification accept what it must not (see
//! `fuzz/README.md` for the list of targets and what each asserts).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use zkcred_credential::formats::{license_number, AreaCode, IdNumber};
use zkcred_credential::keys::{check_authority, check_identifier};
use zkcred_credential::presentation::{
    prepare_presentation, KeyRole, PreparedPresentation, PublicSigningKey, RegisteredVerifier,
    SecretSigningKey, TrustedRegulators, VerifierRegistration,
};
use zkcred_credential::status::{
    EpochContent, LicenseStatus, StatusChange, StatusEpoch, StatusUpdate,
};
use zkcred_credential::wallet::{SealedRecord, WalletFile};
use zkcred_credential::{
    issuance, issue_to, issue_with, present, verify_presentation, AttributeSet, AttributeType,
    AttributeValue, Catalogue, Credential, Date, HolderSecret, IssueOptions, IssuerKey,
    IssuerPublicKey, KdfParams, KeyResolver, KeySet, LicenseId, LicenseTypeCode, Presentation,
    PresentationRequest, RangeOp, RangeStatement, RequestedCredential, Statement, Uscc, Wallet,
    WalletEntry,
};
use zkcred_crypto::bbs::{
    self, BatchItem, Proof, ProverCredential, PublicKey, SecretKey, Signature, Suite, VerifierKey,
};
use zkcred_crypto::composite::{self, CompositeItem, CompositeProof, Relations, VerifierPart};
use zkcred_crypto::curve::{G1Affine, G1Projective, G2Affine};
use zkcred_crypto::range::{
    self, PedersenGenerators, RangeBatchItem, RangeProof, RangeWitness, ValueCommitment,
};
use zkcred_crypto::Scalar;
use zkcred_policy::{Evaluator, FixedClock, Issuer, Policy, PolicyLoader, RegionCode, Registry};
use zkcred_translog::{
    verify_export, verify_export_bytes, DisclosureRecord, LogExport, LogSigningKey, SignedTreeHead,
    TreeHead,
};

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target: its name (the `fuzz_targets/<name>.rs` binary and the
/// `corpus/<name>` and `regressions/<name>` folders) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("crypto_decode", crypto_decode),
    ("proof_verify", proof_verify),
    ("presentation", presentation),
    ("presentation_request", presentation_request),
    ("credential_file", credential_file),
    ("key_files", key_files),
    ("formats", formats),
    ("issuance", issuance),
    ("policy", policy),
    ("registry", registry),
    ("api_bodies", api_bodies),
    ("log_export", log_export),
    ("log_key_file", log_key_file),
    ("conformance", conformance),
    ("range_proof", range_proof),
    ("composite_proof", composite_proof),
    ("composite_presentation", composite_presentation),
    ("wallet_files", wallet_files),
    ("signed_request", signed_request),
    ("credential_request", credential_request),
    ("status_documents", status_documents),
    ("coherence_change", coherence_change),
];

// ---------------------------------------------------------------- fixtures

/// The fixed clock of every fixture: 2026-03-01T08:00:00Z.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_772_352_000).expect("in range")
}

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Both ciphersuites, by a selector bit.
fn suite_of(bit: u8) -> Suite {
    if bit & 1 == 0 {
        Suite::Bls12381Sha256
    } else {
        Suite::Bls12381Shake256
    }
}

/// The BBS layer's fixture per suite: a key, five messages, their
/// signature and valid proofs for a few disclosure sets.
pub struct BbsFixture {
    /// The suite.
    pub suite: Suite,
    /// The signer's secret key.
    pub sk: SecretKey,
    /// The signer's public key.
    pub pk: PublicKey,
    /// The prepared key.
    pub vk: VerifierKey,
    /// The signature header.
    pub header: Vec<u8>,
    /// The presentation header of every proof.
    pub ph: Vec<u8>,
    /// The signed messages.
    pub messages: Vec<Vec<u8>>,
    /// The signature over them.
    pub signature: Signature,
    /// Valid proofs, by disclosure mask (bit `i`: message `i` disclosed).
    pub proofs: BTreeMap<u8, Vec<u8>>,
}

/// Disclosure masks the fixture has a valid proof for.
pub const PROOF_MASKS: [u8; 4] = [0b00000, 0b00001, 0b10101, 0b11111];

fn bbs_fixture(suite: Suite) -> BbsFixture {
    let sk = bbs::keygen(suite, &[7u8; 32], b"zkcred-fuzz", None).expect("key material");
    let pk = sk.public_key();
    let header = b"zkcred fuzz header".to_vec();
    let ph = b"zkcred fuzz presentation header".to_vec();
    let messages: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 8 + usize::from(i)]).collect();
    let signature = bbs::sign(suite, &sk, &pk, &header, &messages).expect("sign");
    let mut r = rng(1);
    let proofs = PROOF_MASKS
        .iter()
        .map(|&mask| {
            let disclosed = mask_indexes(mask, messages.len());
            let proof = bbs::proof_gen(
                suite, &pk, &signature, &header, &ph, &messages, &disclosed, &mut r,
            )
            .expect("proof_gen");
            (mask, proof.to_bytes())
        })
        .collect();
    BbsFixture {
        suite,
        vk: VerifierKey::new(pk.clone()),
        sk,
        pk,
        header,
        ph,
        messages,
        signature,
        proofs,
    }
}

fn mask_indexes(mask: u8, n: usize) -> Vec<usize> {
    (0..n).filter(|i| mask >> i & 1 == 1).collect()
}

/// The fixture of `suite`, built once per process.
pub fn bbs_fixtures(suite: Suite) -> &'static BbsFixture {
    static SHA: OnceLock<BbsFixture> = OnceLock::new();
    static SHAKE: OnceLock<BbsFixture> = OnceLock::new();
    match suite {
        Suite::Bls12381Sha256 => SHA.get_or_init(|| bbs_fixture(suite)),
        Suite::Bls12381Shake256 => SHAKE.get_or_init(|| bbs_fixture(suite)),
    }
}

/// The credential layer's fixture: one Chongqing public-security issuer
/// with a key of each suite, a resident ID card (SHA-256 key) and a
/// driver's licence (SHAKE-256 key) for one holder, a registry and policy
/// that accept them, the request that policy makes and a valid
/// presentation answering it.
pub struct CredentialFixture {
    /// The built-in catalogue.
    pub catalogue: &'static Catalogue,
    /// The SHA-256 key (ID card).
    pub key_sha: IssuerKey,
    /// The SHAKE-256 key (driver's licence).
    pub key_shake: IssuerKey,
    /// Both public keys.
    pub keys: KeySet,
    /// The ID card.
    pub id_card: Credential,
    /// The driver's licence.
    pub licence: Credential,
    /// The true attribute values, by credential type.
    pub truth: BTreeMap<String, AttributeSet>,
    /// A registry with the issuer and its keys.
    pub registry: Registry,
    /// The policy the request comes from.
    pub policy: Policy,
    /// The policy's JSON.
    pub policy_json: String,
    /// The verifier's request.
    pub request: PresentationRequest,
    /// A valid answer to it.
    pub presentation: Presentation,
}

/// The issuer's unified social credit code (Chongqing, government body).
fn issuer_id() -> String {
    Uscc::with_check_char("11500000000000001")
        .expect("check character")
        .to_string()
}

fn attributes(
    catalogue: &Catalogue,
    credential_type: &str,
    issuer: &str,
    rng: &mut StdRng,
) -> AttributeSet {
    let t = catalogue.get(credential_type).expect("type");
    let s = |v: &str| AttributeValue::String(v.into());
    let d = |v: &str| AttributeValue::Date(Date::parse(v).expect("date"));
    let id = "500103199203154418";
    let license_id = LicenseId::generate(
        t.type_code.clone(),
        Uscc::parse(issuer).expect("uscc"),
        1,
        rng,
    )
    .expect("license id");
    let common = AttributeSet::new()
        .with("license_id", s(&license_id.to_string()))
        .with("license_number", s(id))
        .with("holder_name", s("张伟"))
        .with("holder_id", s(id))
        .with("holder_id_type", s("居民身份证"))
        .with("issuer_name", s("重庆市公安局"))
        .with("issuer_code", s(issuer))
        .with("issue_date", d("2026-02-15"))
        .with("valid_from", d("2026-02-15"))
        .with("valid_until", d("2036-02-15"))
        .with("area_code", s("500103"))
        .with("sex", s("男"))
        .with("birth_date", d("1992-03-15"))
        .with("address", s("重庆市渝中区解放碑民族路 88 号"))
        .with("photo_digest", AttributeValue::Bytes(vec![0x5a; 32]));
    match credential_type {
        "resident_id_card" => common.with("ethnicity", s("汉")),
        _ => common
            .with("nationality", s("中国"))
            .with("first_issue_date", d("2012-05-01"))
            .with("vehicle_class", s("C1"))
            .with("file_number", s("500100123456")),
    }
}

/// The policy of the presentation fixture (hotel-style check-in plus a
/// driver's licence class).
fn policy_json() -> Value {
    json!({
        "format": "zkcred-policy",
        "format_version": 1,
        "id": "fuzz-check-in",
        "version": 1,
        "title": "Fuzz check-in",
        "verifier": { "id": "hotel.fuzz.example.cn", "name": "Fuzz Hotel", "region": "500103" },
        "purpose": { "category": "identity_registration", "description": "Register the guest.",
                     "legal_basis": "《旅馆业治安管理办法》第六条" },
        "retention": { "days": 365 },
        "freshness": { "request_ttl_seconds": 300 },
        "requirements": [
            { "id": "guest", "types": ["resident_id_card"], "disclose": ["holder_name", "photo_digest"],
              "predicates": [{ "attribute": "valid_until", "op": "after", "if_absent": "pass" }] },
            { "id": "driver", "types": ["drivers_license"], "disclose": ["vehicle_class", "penalty_points"] }
        ]
    })
}

fn credential_fixture() -> CredentialFixture {
    let catalogue = Catalogue::builtin();
    let mut r = rng(2);
    let issuer = issuer_id();
    let key = |suite, r: &mut StdRng| {
        IssuerKey::generate(
            &issuer,
            suite,
            now() - Duration::days(30),
            now() + Duration::days(700),
            r,
        )
        .expect("key")
        .with_authority("public_security")
        .expect("authority")
    };
    let key_sha = key(Suite::Bls12381Sha256, &mut r);
    let key_shake = key(Suite::Bls12381Shake256, &mut r);
    let mut keys = KeySet::new();
    keys.insert(key_sha.public().clone());
    keys.insert(key_shake.public().clone());
    let backdated = IssueOptions {
        allow_backdated: true,
    };
    let mut truth = BTreeMap::new();
    // One holder: both licences bound to one holder secret.
    let holder = HolderSecret::random(&mut r);
    let mut issue = |ty: &str, key: &IssuerKey, r: &mut StdRng| {
        let attrs = attributes(catalogue, ty, &issuer, r);
        let c = issue_to(catalogue, key, ty, &attrs, &backdated, &holder, now(), r).expect("issue");
        truth.insert(ty.to_owned(), attrs);
        c
    };
    let id_card = issue("resident_id_card", &key_sha, &mut r);
    let licence = issue("drivers_license", &key_shake, &mut r);

    let mut registry = Registry::builtin(catalogue).expect("builtin registry");
    registry
        .add_issuer(Issuer::new(
            &issuer,
            "重庆市公安局",
            RegionCode::parse("500000").expect("region"),
            "public_security",
            &["resident_id_card", "drivers_license"],
        ))
        .expect("issuer");
    registry.add_key(key_sha.public().clone()).expect("sha key");
    registry
        .add_key(key_shake.public().clone())
        .expect("shake key");
    let policy_json = policy_json().to_string();
    let policy = PolicyLoader::new(catalogue)
        .with_registry(&registry)
        .parse("fuzz-policy", &policy_json)
        .expect("policy");
    let request = policy
        .request(&policy.default_choices(), now(), &mut r)
        .expect("request");
    let presentation = present(
        catalogue,
        &request,
        &[(&id_card, key_sha.public()), (&licence, key_shake.public())],
        now(),
        &mut r,
    )
    .expect("present");
    CredentialFixture {
        catalogue,
        key_sha,
        key_shake,
        keys,
        id_card,
        licence,
        truth,
        registry,
        policy,
        policy_json,
        request,
        presentation,
    }
}

/// The credential fixture, built once per process.
pub fn credentials() -> &'static CredentialFixture {
    static F: OnceLock<CredentialFixture> = OnceLock::new();
    F.get_or_init(credential_fixture)
}

/// The log fixture's signing key (a fixed seed).
pub fn log_key() -> &'static LogSigningKey {
    static K: OnceLock<LogSigningKey> = OnceLock::new();
    K.get_or_init(|| LogSigningKey::from_seed(&[42; 32]))
}

/// One range statement of the `range_proof` target and a valid proof of
/// it.
pub struct RangeFixture {
    /// The suite (transcript hash and generators).
    pub suite: Suite,
    /// The composite commitment generators of that suite.
    pub pedersen: PedersenGenerators,
    /// The Fiat-Shamir binding.
    pub binding: Scalar,
    /// The values' commitments and widths.
    pub statement: Vec<ValueCommitment>,
    /// A valid proof, decoded.
    pub proof: RangeProof,
    /// Its octets.
    pub bytes: Vec<u8>,
}

impl RangeFixture {
    fn item<'a>(&'a self, proof: &'a RangeProof) -> RangeBatchItem<'a> {
        RangeBatchItem {
            suite: self.suite,
            pedersen: &self.pedersen,
            binding: &self.binding,
            statement: &self.statement,
            proof,
        }
    }
}

/// `C = g * v + h * gamma`.
fn pedersen_commit(pg: &PedersenGenerators, v: u64, gamma: Scalar) -> G1Affine {
    G1Projective::msm_vartime(&[pg.g, pg.h], &[Scalar::from_u64(v), gamma]).to_affine()
}

/// Three statements with valid proofs of 3, 5 and 6 rounds (8, 32 and 64
/// bits): `v` in 8 bits; `b - m` in 32 bits (an upper bound on a day
/// count); `m - a` in 32 bits next to a public value (no point) in 16, the
/// last over SHAKE-256.
fn range_fixture() -> Vec<RangeFixture> {
    let mut r = rng(5);
    let mut make = |suite: Suite, binding: u64, values: &[(Option<u64>, bool, i64, u32, u64)]| {
        // (committed value, or none; negated; offset; bits; witness value)
        let pedersen = zkcred_crypto::composite::commitment_generators(suite);
        let mut statement = Vec::new();
        let mut witness = Vec::new();
        for &(m, negated, offset, bits, value) in values {
            let gamma = if m.is_some() {
                Scalar::random(&mut r)
            } else {
                Scalar::ZERO
            };
            statement.push(ValueCommitment {
                point: m.map(|m| pedersen_commit(&pedersen, m, gamma)),
                coefficient: if negated { -Scalar::ONE } else { Scalar::ONE },
                offset: Scalar::from_i64(offset),
                bits,
            });
            witness.push(RangeWitness {
                value,
                blinding: if negated { -gamma } else { gamma },
            });
        }
        let binding = Scalar::from_u64(binding);
        let proof = range::prove(suite, &pedersen, &binding, &statement, &witness, &mut r)
            .expect("range proof");
        RangeFixture {
            suite,
            pedersen,
            binding,
            statement,
            bytes: proof.to_bytes(),
            proof,
        }
    };
    vec![
        make(Suite::Bls12381Sha256, 3, &[(Some(200), false, 0, 8, 200)]),
        make(
            Suite::Bls12381Sha256,
            5,
            &[(Some(13_938), true, 20_000, 32, 20_000 - 13_938)],
        ),
        make(
            Suite::Bls12381Shake256,
            6,
            &[
                (Some(13_938), false, -13_000, 32, 938),
                (None, false, 7, 16, 7),
            ],
        ),
    ]
}

/// The range fixtures, built once per process.
pub fn range_fixtures() -> &'static [RangeFixture] {
    static F: OnceLock<Vec<RangeFixture>> = OnceLock::new();
    F.get_or_init(range_fixture)
}

/// The `composite_proof` target's statement: a 10-message credential
/// (SHA-256 suite) signed once, messages 0 and 1 disclosed, hidden message
/// 5 (a day count, 13 938) claimed in `[10 000, 20 000]` over 32 bits and
/// hidden messages 2 and 8 claimed equal; a valid proof of it, and proofs
/// of other statements over the same credential (seeds of other shapes).
pub struct CompositeFixture {
    /// The prepared issuer key.
    pub vk: VerifierKey,
    /// The signature header.
    pub header: Vec<u8>,
    /// The disclosed messages.
    pub disclosed: Vec<(usize, Scalar)>,
    /// The relations claimed.
    pub relations: Relations,
    /// The presentation header.
    pub ph: Vec<u8>,
    /// The valid proof, decoded.
    pub proof: CompositeProof,
    /// Its octets.
    pub bytes: Vec<u8>,
    /// Proofs over the same credential of other statements: no relation,
    /// two range claims (two commitments, four range values).
    pub other_shapes: Vec<Vec<u8>>,
}

/// The suite of the composite fixture.
const COMPOSITE_SUITE: Suite = Suite::Bls12381Sha256;

fn composite_fixture() -> CompositeFixture {
    use zkcred_crypto::composite::{MessageRef, ProverPart, RangeClaim};
    let sk = bbs::keygen(COMPOSITE_SUITE, &[9u8; 32], b"zkcred-fuzz-composite", None)
        .expect("key material");
    let pk = sk.public_key();
    // Message 5 is the ranged day count, message 8 equals message 2.
    let messages: Vec<Scalar> = [
        13_000i64, 13_001, 13_002, 13_003, 13_004, 13_938, 13_006, 13_007, 13_002, 13_009,
    ]
    .iter()
    .map(|&m| Scalar::from_i64(m))
    .collect();
    let header = b"zkcred fuzz composite header".to_vec();
    let sig = bbs::core::sign(COMPOSITE_SUITE, &sk, &pk, &header, &messages).expect("sign");
    let pc = ProverCredential::new(COMPOSITE_SUITE, &pk, &sig, &header, &messages)
        .expect("prover credential");
    let at = |index| MessageRef {
        credential: 0,
        index,
    };
    let claim = |index, min, max| RangeClaim {
        message: at(index),
        min,
        max,
        bits: 32,
    };
    let relations = Relations {
        equalities: vec![(at(2), at(8))],
        ranges: vec![claim(5, Some(10_000), Some(20_000))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let disclosed_idx = [0usize, 1];
    let parts = [ProverPart {
        credential: &pc,
        disclosed: &disclosed_idx,
    }];
    let ph = b"zkcred fuzz composite presentation header".to_vec();
    let mut r = rng(6);
    let proof = composite::prove(&parts, &relations, &ph, &mut r).expect("composite proof");
    let other_shapes = [
        Relations::default(),
        Relations {
            equalities: Vec::new(),
            ranges: vec![claim(5, None, Some(20_000)), claim(9, Some(13_000), None)],
            pseudonyms: vec![],
            memberships: vec![],
        },
    ]
    .iter()
    .map(|rel| {
        composite::prove(&parts, rel, &ph, &mut r)
            .expect("composite proof")
            .to_bytes()
    })
    .collect();
    CompositeFixture {
        vk: VerifierKey::new(pk),
        header,
        disclosed: disclosed_idx.iter().map(|&i| (i, messages[i])).collect(),
        relations,
        ph,
        bytes: proof.to_bytes(),
        proof,
        other_shapes,
    }
}

/// The composite fixture, built once per process.
pub fn composite_fixtures() -> &'static CompositeFixture {
    static F: OnceLock<CompositeFixture> = OnceLock::new();
    F.get_or_init(composite_fixture)
}

/// The `composite_presentation` target's fixture: a request with
/// statements answered by the credential fixture's ID card (SHA-256 key):
/// `holder_name` disclosed and `birth_date <= 2008-03-01` (an adult on
/// 2026-03-01) proven; a valid composite presentation answering it, and
/// that presentation prepared for batch verification.
pub struct CompositePresentationFixture {
    /// The request.
    pub request: PresentationRequest,
    /// A valid answer.
    pub presentation: Presentation,
    /// Its composite proof's octets.
    pub proof: Vec<u8>,
    /// It, checked up to its proof.
    pub prepared: PreparedPresentation,
    /// The prepared keys of its entries.
    pub keys: Vec<VerifierKey>,
    /// Another valid composite presentation, answering another request
    /// (`birth_date` between two dates, `sex` disclosed): a seed of another
    /// shape.
    pub other: Presentation,
}

fn composite_presentation_fixture() -> CompositePresentationFixture {
    let f = credentials();
    let mut r = rng(7);
    let request = |disclose: &[&str], statement: Statement, r: &mut StdRng| {
        let mut rc = RequestedCredential::new("resident_id_card", disclose);
        rc.statements = vec![statement];
        PresentationRequest::new(
            "hotel.fuzz.example.cn",
            vec![rc],
            now() + Duration::minutes(5),
            r,
        )
        .expect("request")
    };
    let answer = |req: &PresentationRequest, r: &mut StdRng| {
        present(
            f.catalogue,
            req,
            &[(&f.id_card, f.key_sha.public())],
            now(),
            r,
        )
        .expect("composite presentation")
    };
    let req = request(
        &["holder_name"],
        RangeStatement::bound("birth_date", RangeOp::Le, json!("2008-03-01")).into(),
        &mut r,
    );
    let presentation = answer(&req, &mut r);
    let other_req = request(
        &["sex"],
        RangeStatement::between("birth_date", json!("1990-01-01"), json!("1995-12-31")).into(),
        &mut r,
    );
    let other = answer(&other_req, &mut r);
    let proof = hex::decode(
        &presentation
            .proof
            .as_ref()
            .expect("a composite proof")
            .value,
    )
    .expect("hex");
    let prepared = prepare_presentation(f.catalogue, &req, &presentation, &f.keys, now())
        .expect("the fixture presentation prepares");
    let keys = entry_keys(&prepared);
    CompositePresentationFixture {
        request: req,
        presentation,
        proof,
        prepared,
        keys,
        other,
    }
}

/// The prepared key of every entry of a prepared presentation (keys of the
/// credential fixture).
fn entry_keys(prepared: &PreparedPresentation) -> Vec<VerifierKey> {
    let f = credentials();
    prepared
        .entries
        .iter()
        .map(|e| {
            let k = f
                .keys
                .resolve(&e.credential.issuer, &e.credential.key_id)
                .expect("a prepared entry's key is known");
            VerifierKey::new(k.public_key.clone())
        })
        .collect()
}

/// The composite presentation fixture, built once per process.
pub fn composite_presentations() -> &'static CompositePresentationFixture {
    static F: OnceLock<CompositePresentationFixture> = OnceLock::new();
    F.get_or_init(composite_presentation_fixture)
}

// ----------------------------------------------------------------- helpers

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Whether a JSON value holds a float anywhere (serde_json does not
/// promise that floats survive a round trip, so round-trip properties skip
/// such inputs).
fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(a) => a.iter().any(has_float),
        Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

/// Whether `data` is JSON without floats (round trips are exact).
fn exact_json(data: &[u8]) -> bool {
    serde_json::from_slice::<Value>(data).is_ok_and(|v| !has_float(&v))
}

/// `x` survives serialising and parsing again unchanged.
fn assert_json_round_trip<T>(x: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let s = serde_json::to_string(x).expect("a parsed value serialises");
    let back: T = serde_json::from_str(&s).expect("what we serialise parses");
    assert_eq!(&back, x, "JSON round trip changed the value");
}

/// The compressed encoding of the identity (infinity) of G1 or G2.
fn is_identity_encoding(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0xc0) && bytes[1..].iter().all(|&b| b == 0)
}

// ----------------------------------------------------------------- targets

/// `crypto_decode`: every octet decoder of the BBS layer on the input and
/// on its prefixes of each fixed length: secret keys, public keys (G2),
/// signatures, proofs, scalars, G1 points, and the blind draft's
/// `commitment_with_proof` and `secret_prover_blind`. Asserts that whatever decodes
/// re-encodes to the same octets (the encodings are canonical) and that the
/// decoders that refuse the identity never return it.
pub fn crypto_decode(data: &[u8]) {
    for len in [32usize, 48, 80, 96] {
        if data.len() >= len {
            decode_all(&data[..len]);
        }
    }
    decode_all(data);
}

fn decode_all(data: &[u8]) {
    if let Ok(sk) = SecretKey::from_bytes(data) {
        assert_eq!(&sk.to_bytes()[..], data, "secret key round trip");
    }
    if let Ok(pk) = PublicKey::from_bytes(data) {
        assert_eq!(&pk.to_bytes()[..], data, "public key round trip");
        assert!(!is_identity_encoding(data), "identity public key accepted");
        assert_eq!(&pk.point().to_compressed()[..], data);
    }
    if let Ok(p) = G2Affine::from_compressed(data) {
        assert_eq!(&p.to_compressed()[..], data, "G2 round trip");
        assert!(!is_identity_encoding(data), "identity G2 point accepted");
    }
    if let Ok(p) = G1Affine::from_compressed(data) {
        assert_eq!(&p.to_compressed()[..], data, "G1 round trip");
        assert!(!p.is_identity(), "identity G1 point accepted");
    }
    if let Ok(p) = G1Affine::from_compressed_allow_identity(data) {
        assert_eq!(
            &p.to_compressed()[..],
            data,
            "G1 (identity allowed) round trip"
        );
        assert_eq!(p.is_identity(), is_identity_encoding(data));
    }
    if let Ok(arr) = <&[u8; 32]>::try_from(data) {
        if let Ok(s) = Scalar::from_be_bytes(arr) {
            assert_eq!(&s.to_be_bytes(), arr, "scalar round trip");
        }
    }
    let _ = Scalar::from_be_bytes_reduced(data);
    if let Ok(sig) = Signature::from_bytes(data) {
        assert_eq!(&sig.to_bytes()[..], data, "signature round trip");
    }
    if let Ok(proof) = Proof::from_bytes(data) {
        assert_eq!(proof.to_bytes(), data, "proof round trip");
        assert_eq!(proof.encoded_len(), data.len());
        assert!(proof.undisclosed_count() <= bbs::MAX_MESSAGES);
    }
    if let Ok(c) = zkcred_crypto::blind::CommitmentWithProof::from_bytes(data) {
        assert_eq!(c.to_bytes(), data, "commitment_with_proof round trip");
        assert_eq!(c.encoded_len(), data.len());
        assert!(
            !c.commitment().is_identity(),
            "identity commitment accepted"
        );
        assert!(c.committed_message_count() <= bbs::MAX_MESSAGES);
        // The signer's check never panics (it refuses what is not a proof).
        let _ = c.verify(Suite::Bls12381Sha256);
    }
    if let Ok(b) = zkcred_crypto::blind::SecretProverBlind::from_bytes(data) {
        assert_eq!(&b.to_bytes()[..], data, "secret_prover_blind round trip");
    }
    if let Ok(p) = zkcred_crypto::nym::Pseudonym::from_bytes(data) {
        assert_eq!(&p.to_bytes()[..], data, "pseudonym round trip");
        assert!(!p.as_point().is_identity(), "identity pseudonym accepted");
    }
    if let Ok(e) = zkcred_crypto::nym::SignerNymEntropy::from_bytes(data) {
        assert_eq!(&e.to_bytes()[..], data, "signer_nym_entropy round trip");
    }
    decode_accumulator(data);
    if let Ok(c) = zkcred_crypto::blind::CommitmentWithProof::from_bytes(data) {
        // The pseudonym issuer's check never panics either.
        let _ = zkcred_crypto::nym::verify_commitment(Suite::Bls12381Shake256, &c);
    }
}

/// The accumulator's decoders ([`zkcred_crypto::accumulator`]): keys,
/// values, witnesses, elements and epoch updates round-trip, identity
/// points are refused, and a decoded update applies to a witness without
/// panicking.
fn decode_accumulator(data: &[u8]) {
    use zkcred_crypto::accumulator as acc;
    if let Ok(k) = acc::SecretKey::from_bytes(data) {
        assert_eq!(&k.to_bytes()[..], data, "accumulator secret key round trip");
    }
    if let Ok(k) = acc::PublicKey::from_bytes(data) {
        assert_eq!(&k.to_bytes()[..], data, "accumulator key round trip");
        assert!(
            !is_identity_encoding(data),
            "identity accumulator key accepted"
        );
    }
    if let Ok(v) = acc::Accumulator::from_bytes(data) {
        assert_eq!(&v.to_bytes()[..], data, "accumulator value round trip");
        assert!(
            !v.point().is_identity(),
            "identity accumulator value accepted"
        );
    }
    if let Ok(w) = acc::Witness::from_bytes(data) {
        assert_eq!(&w.to_bytes()[..], data, "witness round trip");
    }
    if let Ok(e) = acc::Element::from_bytes(data) {
        assert_eq!(&e.to_bytes()[..], data, "element round trip");
    }
    if let Ok(u) = acc::Update::from_bytes(data) {
        assert_eq!(u.to_bytes(), data, "update round trip");
        // Applying it to some witness never panics (a removal of the
        // element is an error, anything else a point).
        if let Some(first) = u.changes().next() {
            let w = acc::Witness::from_bytes(&G1Affine::generator().to_compressed());
            if let Ok(w) = w {
                let start = acc::Accumulator::from_bytes(&G1Affine::generator().to_compressed());
                if let Ok(start) = start {
                    let _ = w.update_vartime(first.element(), &start, &u);
                    let other = acc::Element::new(Scalar::from_u64(7));
                    let _ = w.update_vartime(&other, &start, &u);
                }
            }
        }
    }
}

/// `proof_verify`: arbitrary octets as a proof (and as a signature) against
/// a real key. Byte 0 picks the suite, byte 1 the disclosed messages, the
/// rest is the proof. Asserts that a proof verifies only if it is one of
/// the fixture's own valid proofs for that disclosure, that the cached
/// verifier (`VerifierKey`) and `verify_batch` (alone and next to a valid
/// proof, which must stay valid) agree with `proof_verify`, and that the
/// octets verify as a signature only if they are the real one.
pub fn proof_verify(data: &[u8]) {
    let [sel, mask, rest @ ..] = data else {
        return;
    };
    let f = bbs_fixtures(suite_of(*sel));
    let mask = mask & 0b11111;
    let disclosed_idx = mask_indexes(mask, f.messages.len());
    let disclosed: Vec<(usize, &[u8])> = disclosed_idx
        .iter()
        .map(|&i| (i, f.messages[i].as_slice()))
        .collect();

    if rest.len() >= bbs::SIGNATURE_LEN {
        if let Ok(sig) = Signature::from_bytes(&rest[..bbs::SIGNATURE_LEN]) {
            let ok = bbs::verify(f.suite, &f.pk, &sig, &f.header, &f.messages).is_ok();
            assert_eq!(
                ok,
                sig == f.signature,
                "a signature other than the real one verified"
            );
        }
    }

    let Ok(proof) = Proof::from_bytes(rest) else {
        return;
    };
    let plain = bbs::proof_verify(f.suite, &f.pk, &proof, &f.header, &f.ph, &disclosed);
    let known = f.proofs.get(&mask).is_some_and(|p| p.as_slice() == rest);
    assert_eq!(
        plain.is_ok(),
        known,
        "verification accepted octets that are not a valid proof (or refused a valid one)"
    );

    let scalars: Vec<(usize, Scalar)> = disclosed
        .iter()
        .map(|(i, m)| (*i, bbs::map_message_to_scalar(f.suite, m)))
        .collect();
    let cached =
        f.vk.proof_verify(f.suite, &proof, &f.header, &f.ph, &scalars);
    assert_eq!(cached.is_ok(), plain.is_ok(), "VerifierKey disagrees");

    // Batch: the fuzzed proof next to a valid one.
    let valid_mask = PROOF_MASKS[usize::from(*sel >> 1) % PROOF_MASKS.len()];
    let valid = Proof::from_bytes(&f.proofs[&valid_mask]).expect("fixture proof");
    let valid_scalars: Vec<(usize, Scalar)> = mask_indexes(valid_mask, f.messages.len())
        .into_iter()
        .map(|i| (i, bbs::map_message_to_scalar(f.suite, &f.messages[i])))
        .collect();
    let item = |proof, disclosed| BatchItem {
        suite: f.suite,
        generators: zkcred_crypto::bbs::MessageGenerators::Plain,
        key: &f.vk,
        proof,
        header: &f.header,
        ph: &f.ph,
        disclosed,
    };
    let items = [
        item(&valid, valid_scalars.as_slice()),
        item(&proof, scalars.as_slice()),
    ];
    let results = bbs::verify_batch(&items, &mut rng(u64::from(*sel)));
    assert!(
        results[0].is_ok(),
        "a valid proof failed next to a fuzzed one"
    );
    assert_eq!(results[1].is_ok(), plain.is_ok(), "verify_batch disagrees");
}

/// The true disclosed values of a verified credential.
fn assert_truthful(
    f: &CredentialFixture,
    credential_type: &str,
    attrs: &BTreeMap<String, Option<AttributeValue>>,
) {
    let truth = &f.truth[credential_type];
    for (name, value) in attrs {
        assert_eq!(
            value.as_ref(),
            truth.get(name),
            "verification disclosed a value the issuer never signed ({credential_type}.{name})"
        );
    }
}

/// `presentation`: the input as a presentation document answering the
/// fixture's request. Asserts the document round-trips through JSON, and
/// that whatever `verify_presentation` and the policy evaluator accept
/// discloses exactly the values the issuer signed (nothing a mutated
/// document can do makes them disclose another value).
pub fn presentation(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Ok(p) = Presentation::from_json(t) else {
        return;
    };
    if exact_json(data) {
        assert_json_round_trip(&p);
        assert_eq!(
            Presentation::from_json(&p.to_json()).expect("to_json parses"),
            p
        );
    }
    let f = credentials();
    if let Ok(out) = verify_presentation(f.catalogue, &f.request, &p, &f.keys, now()) {
        assert_eq!(out.len(), f.request.credentials.len());
        for dc in &out {
            assert_truthful(f, &dc.credential_type, &dc.attributes);
        }
    }
    let clock = FixedClock::new(now());
    let evaluator = Evaluator {
        catalogue: f.catalogue,
        registry: &f.registry,
        clock: &clock,
    };
    let decision = evaluator.evaluate(&f.policy, &f.request, &p);
    if decision.is_accepted() {
        let values = decision.values().expect("an accepted decision has values");
        for (requirement, attribute) in values.names() {
            let ty = if requirement == "guest" {
                "resident_id_card"
            } else {
                "drivers_license"
            };
            let v = values
                .get(&requirement, &attribute)
                .expect("a listed name has a value");
            assert_eq!(
                v.as_ref(),
                f.truth[ty].get(&attribute),
                "an accepted decision returned a value the issuer never signed"
            );
        }
    }
}

/// `presentation_request`: the input as a verifier's presentation request.
/// Asserts it round-trips through JSON, that validation and the digest do
/// not panic, and that the fixture's presentation verifies against it only
/// if it is the fixture's request (its digest binds every field).
pub fn presentation_request(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Ok(req) = PresentationRequest::from_json(t) else {
        return;
    };
    if exact_json(data) {
        assert_eq!(
            PresentationRequest::from_json(&req.to_json()).expect("to_json parses"),
            req
        );
    }
    let f = credentials();
    let valid = req.validate(f.catalogue).is_ok();
    let digest = req.digest();
    let ok = verify_presentation(f.catalogue, &req, &f.presentation, &f.keys, now()).is_ok();
    if ok {
        assert!(valid, "a presentation verified against an invalid request");
        assert_eq!(
            digest,
            f.request.digest(),
            "a presentation verified against another request"
        );
    }
}

/// `credential_file`: the input as a credential document (what a holder's
/// wallet imports). Asserts it round-trips through JSON and that a
/// credential verifies under a fixture key only with the values that key
/// signed.
pub fn credential_file(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Ok(c) = Credential::from_json(t) else {
        return;
    };
    if exact_json(data) {
        assert_eq!(
            Credential::from_json(&c.to_json()).expect("to_json parses"),
            c
        );
    }
    let f = credentials();
    let _ = c.attribute_set(f.catalogue);
    for key in [f.key_sha.public(), f.key_shake.public()] {
        if let Ok(attrs) = c.verify(f.catalogue, key) {
            let truth = &f.truth[&c.credential_type];
            assert_eq!(
                &attrs, truth,
                "a credential verified with values the issuer never signed"
            );
        }
    }
}

/// `key_files`: the input as an issuer public key file, a key set and an
/// issuer secret key file. Asserts each round-trips (parse → write →
/// parse gives the same key).
pub fn key_files(data: &[u8]) {
    if let Some(t) = text(data) {
        if let Ok(k) = IssuerPublicKey::from_json(t) {
            assert_eq!(
                IssuerPublicKey::from_json(&k.to_json()).expect("re-parse"),
                k
            );
            let _ = format!("{k:?}");
        }
        if let Ok(set) = KeySet::from_json(t) {
            let again = KeySet::from_json(&set.to_json()).expect("re-parse");
            assert_eq!(again.len(), set.len());
            assert!(set.keys().zip(again.keys()).all(|(a, b)| a == b));
        }
    }
    if let Ok(k) = IssuerKey::from_secret_json(data) {
        let again = IssuerKey::from_secret_json(&k.to_secret_json()).expect("re-parse");
        assert_eq!(again.public(), k.public());
    }
}

/// `formats`: the input as every national format and identifier the
/// credential and policy crates parse: GB 11643 ID numbers, GB/T 2260 area
/// and region codes, license numbers, GB/T 36904 license identifiers and
/// type codes, GB 32100 credit codes, dates, identifiers, authority kinds,
/// the issuance format checks and typed attribute values. Asserts that
/// whatever parses prints back to a form that parses to the same value.
pub fn formats(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(v) = IdNumber::parse(s) {
        let again = IdNumber::parse(&v.to_string()).expect("printed ID number parses");
        assert_eq!(again.as_str(), v.as_str());
        let _ = (v.birth_date(), v.area_code());
    }
    if let Ok(v) = AreaCode::parse(s) {
        assert_eq!(v.to_string(), s, "area codes are canonical");
        let _ = v.province();
    }
    let _ = license_number::check(s);
    if let Ok(v) = Uscc::parse(s) {
        let again = Uscc::parse(&v.to_string()).expect("printed USCC parses");
        assert_eq!(again, v);
    }
    if let Ok(v) = LicenseTypeCode::parse(s) {
        let again = LicenseTypeCode::parse(&v.to_string()).expect("printed type code parses");
        assert_eq!(again, v);
        let _ = v.defining_authority();
    }
    if let Ok(v) = LicenseId::parse(s) {
        let again = LicenseId::parse(&v.to_string()).expect("printed license id parses");
        assert_eq!(again, v);
        let _ = v.check_char();
    }
    if let Some(d) = Date::parse(s) {
        assert_eq!(d.to_string(), s, "dates are canonical");
        assert_eq!(Date::from_days(d.days()), Some(d));
    }
    if let Ok(r) = RegionCode::parse(s) {
        assert_eq!(
            RegionCode::parse(&r.to_string()).expect("printed region parses"),
            r
        );
        let _ = (r.province(), r.is_province());
    }
    let _ = zkcred_policy::clock::parse_date(s);
    let _ = check_identifier("identifier", s);
    let _ = check_authority(s);
    let _ = issuance::check_id_number("holder_id", s);
    let _ = issuance::check_uscc("issuer_code", s);
    let _ = issuance::check_area_code("area_code", s);
    if let Ok(v) = serde_json::from_str::<Value>(s) {
        for ty in [
            AttributeType::String,
            AttributeType::Date,
            AttributeType::Integer,
            AttributeType::Boolean,
            AttributeType::Bytes,
        ] {
            if let Ok(Some(a)) = AttributeValue::from_json("a", ty, &v) {
                let _ = a.check("a", ty, Some(64));
                assert_eq!(
                    AttributeValue::from_json("a", ty, &a.to_json()).expect("printed value parses"),
                    Some(a.clone())
                );
                let _ = a.message_input();
            }
        }
    }
}

/// `issuance`: the input as the attribute values of a credential to issue,
/// checked against both fixture credential types. Asserts that what passes
/// `AttributeSet::validate` and the issuance rules can be issued, and that
/// the issued credential verifies with exactly those values.
pub fn issuance(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let f = credentials();
    for ty in ["resident_id_card", "drivers_license"] {
        let t = f.catalogue.get(ty).expect("type");
        let Ok(attrs) = AttributeSet::from_json(t, &v) else {
            continue;
        };
        let _ = attrs.to_json(t);
        if attrs.validate(t).is_err() {
            continue;
        }
        let options = IssueOptions {
            allow_backdated: data.len().is_multiple_of(2),
        };
        if issuance::check(t, &attrs, f.key_sha.public(), now(), &options).is_err() {
            continue;
        }
        let c = issue_with(
            f.catalogue,
            &f.key_sha,
            ty,
            &attrs,
            &options,
            now(),
            &mut rng(3),
        )
        .expect("what passes the issuance checks is issued");
        let mut back = Credential::from_json(&c.to_json()).expect("issued credential parses");
        assert!(
            back.holder.is_none(),
            "a credential document carries no holder secret"
        );
        back.holder.clone_from(&c.holder);
        let verified = back
            .verify(f.catalogue, f.key_sha.public())
            .expect("an issued credential verifies");
        assert_eq!(verified, attrs, "issued values changed");
    }
}

/// `policy`: the input as a policy file, loaded against the fixture
/// registry. Asserts that a loaded policy's file form loads again to the
/// same policy, that its audit runs, and that the request it makes is
/// valid under the catalogue.
pub fn policy(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let f = credentials();
    let loader = PolicyLoader::new(f.catalogue).with_registry(&f.registry);
    let Ok(p) = loader.parse("fuzz", t) else {
        return;
    };
    let again = loader
        .parse("fuzz-again", &p.to_json())
        .expect("a loaded policy's file form loads");
    assert_eq!(again.to_json(), p.to_json(), "policy round trip");
    let _ = zkcred_policy::audit(f.catalogue, &p);
    if let Ok(req) = p.request(&p.default_choices(), now(), &mut rng(4)) {
        req.validate(f.catalogue)
            .expect("a policy's request is valid under the catalogue");
    }
    // The engine's path (policies stored in the service).
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        let _ = engine().load_policy(&v);
    }
}

/// The service's policy engine over the built-in catalogue.
fn engine() -> &'static zkcred_service::http::engine::Engine {
    static E: OnceLock<zkcred_service::http::engine::Engine> = OnceLock::new();
    E.get_or_init(|| {
        zkcred_service::http::engine::Engine::new(Catalogue::builtin()).expect("engine")
    })
}

fn stored(kind: &str, id: &str, body: Value) -> zkcred_api::Document {
    zkcred_api::Document {
        kind: kind.into(),
        id: id.into(),
        version: 1,
        body,
        status: zkcred_api::DocumentStatus::Active,
        created_at: "2026-03-01T08:00:00Z".into(),
        updated_at: "2026-03-01T08:00:00Z".into(),
    }
}

/// `registry`: the input as a trust-registry file (the policy crate's
/// `merge_text`) and as each registry document the service stores
/// (issuer, issuer key, agreement; built into a registry by the service's
/// engine). Asserts that a registry that loads writes a file that loads
/// into the same registry, and that merging is all-or-nothing.
pub fn registry(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let c = Catalogue::builtin();
    let base = Registry::builtin(c).expect("builtin registry");
    let mut r = base.clone();
    match r.merge_text("fuzz", t) {
        Ok(()) => {
            let written = r.to_json();
            let mut again = Registry::new(c);
            again
                .merge_text("written", &written)
                .expect("a registry's own file loads");
            assert_eq!(again.to_json(), written, "registry round trip");
        }
        Err(_) => assert_eq!(
            r.to_json(),
            base.to_json(),
            "a failed merge changed the registry"
        ),
    }
    let Ok(v) = serde_json::from_str::<Value>(t) else {
        return;
    };
    let e = engine();
    let issuer = e.issuer_id(&v);
    let agreement = e.agreement_id(&v);
    let _ = IssuerPublicKey::from_json(t);
    let mut docs = zkcred_service::http::engine::RegistryDocs::default();
    if let Ok(id) = &issuer {
        docs.issuers.push(stored("issuer", id, v.clone()));
    }
    if let Ok(id) = &agreement {
        docs.agreements.push(stored("agreement", id, v.clone()));
    }
    // As an issuer key of the fixture issuer, next to the fixture issuer.
    let f = credentials();
    let issuer_doc = json!({
        "id": issuer_id(), "name_zh": "重庆市公安局", "region": "500000",
        "authority": "public_security", "types": ["resident_id_card"],
    });
    docs.issuers
        .push(stored("issuer", &issuer_id(), issuer_doc));
    let key_id = v
        .get("key_id")
        .and_then(Value::as_str)
        .unwrap_or(&f.key_sha.public().key_id)
        .to_owned();
    docs.keys.push(stored(
        "issuer_key",
        &format!("{}/{key_id}", issuer_id()),
        v.clone(),
    ));
    let _ = e.build(&docs);
}

/// `api_bodies`: the input as every request body of the verifier API and
/// every response body its client decodes: submissions (and the limits
/// checked on them at the edge), batches and their items, challenge
/// requests, registry documents, problem documents, log heads, record
/// pages, inclusion and consistency proofs (verified against a root).
/// Asserts each round-trips through JSON.
pub fn api_bodies(data: &[u8]) {
    use zkcred_api as api;
    let exact = exact_json(data);
    macro_rules! body {
        ($t:ty) => {
            serde_json::from_slice::<$t>(data).ok().inspect(|x| {
                if exact {
                    assert_json_round_trip(x);
                }
            })
        };
    }
    if let Some(sub) = body!(api::Submission) {
        let _ = zkcred_service::http::verify::check_limits(&sub);
    }
    if let Some(batch) = body!(api::BatchRequest) {
        for item in &batch.items {
            if let Ok(sub) = serde_json::from_value::<api::Submission>(item.clone()) {
                let _ = zkcred_service::http::verify::check_limits(&sub);
            }
        }
    }
    let _ = body!(api::ChallengeRequest);
    let _ = body!(api::IssuedChallenge);
    let _ = body!(api::Accepted);
    let _ = body!(api::BatchResponse);
    let _ = body!(api::Document);
    let _ = body!(api::DocumentVersions);
    if let Some(p) = body!(api::ProblemDocument) {
        let _ = (
            p.problem_code(),
            p.decision(),
            p.log_sequence(),
            p.reasons(),
        );
        let _ = p.is_refusal();
    }
    let _ = body!(api::LogHead);
    let _ = body!(api::LogRecords);
    let _ = body!(api::RecordsQuery);
    let _ = body!(api::InclusionQuery);
    let _ = body!(api::ConsistencyQuery);
    let root = zkcred_translog::merkle::leaf_hash(b"fuzz");
    if let Some(p) = body!(api::InclusionProof) {
        let _ = p.verify(&root);
        let _ = p.verify(&p.leaf_hash);
    }
    if let Some(p) = body!(api::ConsistencyProof) {
        let _ = p.verify(&root, &root);
    }
}

/// `log_export`: the input as a disclosure-log export (what `zkcred audit
/// verify` reads), verified against the fixture log key as it is, and
/// again with every head re-signed by that key (so the fuzzer reaches the
/// Merkle checks behind the signatures). Also as a single record and a
/// signed head. Asserts exports round-trip, that a verified export's report
/// is coherent with its records and heads, that a record's canonical form
/// parses back to it, and that the streamed verifier (what `zkcred audit
/// verify` and `zkcred client log verify` run over the bytes as they
/// arrive) agrees with the in-memory one on every export both can read.
pub fn log_export(data: &[u8]) {
    let key = log_key();
    let streamed = verify_export_bytes(data, &key.public_key(), &[]);
    let Some(t) = text(data) else { return };
    if let Ok(r) = serde_json::from_str::<DisclosureRecord>(t) {
        if r.validate().is_ok() {
            let back: DisclosureRecord =
                serde_json::from_slice(&r.canonical_bytes()).expect("canonical bytes parse");
            assert_eq!(back, r);
            let _ = r.leaf_hash();
        }
    }
    if let Ok(h) = serde_json::from_str::<SignedTreeHead>(t) {
        let _ = key.public_key().verify(&h);
        assert_json_round_trip(&h);
    }
    let Ok(mut ex) = LogExport::from_json(t) else {
        return;
    };
    if exact_json(data) {
        assert_eq!(LogExport::from_json(&ex.to_json()).expect("re-parse"), ex);
    }
    let in_memory = verify_export(&ex, &key.public_key());
    if exact_json(data) {
        assert_eq!(
            streamed.as_ref().ok(),
            in_memory.as_ref().ok(),
            "streamed and in-memory verification disagree"
        );
    }
    ex.log_public_key = key.public_key();
    for h in &mut ex.signed_heads {
        if zkcred_translog::record::check_timestamp("timestamp", &h.timestamp).is_ok() {
            *h = key.sign(&TreeHead {
                tree_size: h.tree_size,
                root_hash: h.root_hash,
                timestamp: h.timestamp.clone(),
            });
        }
    }
    if let Ok(report) = verify_export(&ex, &key.public_key()) {
        let n = ex.records.len() as u64;
        assert_eq!(report.records, n);
        assert!(report.signed_size <= n);
        assert_eq!(report.unsigned_records, n - report.signed_size);
        let leaves: Vec<_> = ex.records[..report.signed_size as usize]
            .iter()
            .map(DisclosureRecord::leaf_hash)
            .collect();
        assert_eq!(zkcred_translog::merkle::root(&leaves), report.signed_root);
    }
}

/// `log_key_file`: the input as the service's log-key file (written 0600
/// to a scratch file and read with `log_key::load`). Asserts that a key
/// loads only from 64 hex digits (and a trailing newline) and is the key of
/// that seed.
pub fn log_key_file(data: &[u8]) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("scratch dir"));
    let path: PathBuf = dir.path().join("log.key");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .expect("scratch file");
    f.write_all(data).expect("write");
    drop(f);
    if let Ok(k) = zkcred_service::log_key::load(&path) {
        let s = std::str::from_utf8(data).expect("a loaded key file is text");
        let hexpart = s.trim_end();
        assert_eq!(
            hexpart.len(),
            64,
            "a key loaded from other than 64 hex digits"
        );
        let mut seed = [0u8; 32];
        hex::decode_to_slice(hexpart, &mut seed).expect("hex");
        assert_eq!(k.public_key(), LogSigningKey::from_seed(&seed).public_key());
    }
}

/// The `wallet_files` target's wallet: made once per process with the
/// smallest accepted Argon2id cost, holding the credential fixture's ID
/// card.
pub struct WalletFixture {
    /// The wallet's directory (kept for the process).
    pub dir: tempfile::TempDir,
    /// The wallet, open.
    pub wallet: Wallet,
    /// The ID card's entry identifier.
    pub id: String,
    /// The ID card's entry.
    pub entry: WalletEntry,
    /// `wallet.json` as written.
    pub wallet_file: Vec<u8>,
    /// The ID card's sealed record as written.
    pub record: Vec<u8>,
    /// Serialises the calls that replace the ID card's record.
    pub record_lock: std::sync::Mutex<()>,
}

/// The passphrase of the wallet fixture.
pub const WALLET_PASSPHRASE: &[u8] = b"fuzz passphrase";

/// The KDF parameters of the wallet fixture (the cheapest accepted).
pub const WALLET_KDF: KdfParams = KdfParams {
    memory_kib: KdfParams::MIN_MEMORY_KIB,
    iterations: 1,
    parallelism: 1,
};

/// The wallet fixture, built once per process.
pub fn wallet_fixture() -> &'static WalletFixture {
    static F: OnceLock<WalletFixture> = OnceLock::new();
    F.get_or_init(|| {
        let f = credentials();
        let mut rng = StdRng::seed_from_u64(0x3a11e7);
        let dir = tempfile::tempdir().expect("scratch dir");
        let wallet =
            Wallet::init(dir.path(), WALLET_PASSPHRASE, WALLET_KDF, &mut rng).expect("wallet init");
        // The ID card's attributes issued to this wallet (blind issuance).
        let request = wallet
            .request_credential(f.key_sha.public().suite, &mut rng)
            .expect("request");
        let card = zkcred_credential::issue_blind(
            f.catalogue,
            &f.key_sha,
            "resident_id_card",
            &f.truth["resident_id_card"],
            &IssueOptions {
                allow_backdated: true,
            },
            &request,
            now(),
            &mut rng,
        )
        .expect("issue to the wallet");
        let id = wallet
            .add(f.catalogue, &f.keys, card, &mut rng)
            .expect("add the ID card");
        let entry = wallet.get(&id).expect("the entry opens");
        let wallet_file = std::fs::read(dir.path().join("wallet.json")).expect("wallet.json");
        let record = std::fs::read(dir.path().join("credentials").join(format!("{id}.json")))
            .expect("record");
        WalletFixture {
            dir,
            wallet,
            id,
            entry,
            wallet_file,
            record,
            record_lock: std::sync::Mutex::new(()),
        }
    })
}

/// `wallet_files`: the input as a wallet file (`WalletFile::from_json`,
/// and, when it asks for the fixture's cheap KDF, `Wallet::open` of a
/// scratch copy) and as a sealed record (`SealedRecord::from_json`, then
/// `Wallet::get` under the fixture wallet, in place of its ID card's
/// record and under a name no record was sealed for). Asserts the decoders
/// round-trip; a wallet file opens only to the fixture's own holder
/// secret; a record opens only to the fixture's own entry, and never under
/// another name.
pub fn wallet_files(data: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let w = wallet_fixture();
    if let Ok(file) = WalletFile::from_json(data) {
        let again = WalletFile::from_json(file.to_json().as_bytes()).expect("re-parse");
        assert_eq!(again, file);
        if file.kdf == WALLET_KDF {
            let dir = tempfile::tempdir().expect("scratch dir");
            std::fs::write(dir.path().join("wallet.json"), data).expect("write");
            if let Ok(opened) = Wallet::open(dir.path(), WALLET_PASSPHRASE) {
                assert_eq!(
                    opened.holder_secret(),
                    w.wallet.holder_secret(),
                    "a wallet file opened to another holder secret"
                );
                assert_eq!(opened.wallet_id(), w.wallet.wallet_id());
            }
        }
    }
    if let Ok(r) = SealedRecord::from_json(data) {
        assert_eq!(
            SealedRecord::from_json(r.to_json().as_bytes()).expect("re-parse"),
            r
        );
    }
    // In place of the ID card's record.
    let path = w
        .dir
        .path()
        .join("credentials")
        .join(format!("{}.json", w.id));
    {
        let _guard = w.record_lock.lock().unwrap_or_else(|e| e.into_inner());
        std::fs::write(&path, data).expect("write");
        let got = w.wallet.get(&w.id);
        std::fs::write(&path, &w.record).expect("restore");
        if let Ok(e) = got {
            assert_eq!(e, w.entry, "a record opened to another entry");
        }
    }
    // Under a name no record was sealed for.
    static N: AtomicU64 = AtomicU64::new(0);
    let other = format!("ffff{:012x}", N.fetch_add(1, Ordering::Relaxed));
    let path = w
        .dir
        .path()
        .join("credentials")
        .join(format!("{other}.json"));
    std::fs::write(&path, data).expect("write");
    let got = w.wallet.get(&other);
    std::fs::remove_file(&path).expect("remove");
    assert!(got.is_err(), "a record opened under another name");
}

/// `conformance`: the input as a BBS fixture file judged by `zkcred bbs
/// conformance` (the runner that reads files from any implementation),
/// under each suite and none. No panics; a verdict for every file.
pub fn conformance(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let path = std::path::Path::new("fuzz.json");
    for suite in [
        Some(Suite::Bls12381Sha256),
        Some(Suite::Bls12381Shake256),
        None,
    ] {
        let _ = zkcred::conformance::run_value(&v, suite, path);
    }
}

/// `range_proof`: the input as Bulletproofs+ range proof octets
/// (`RangeProof::from_bytes`), verified against each range fixture
/// statement (3, 5 and 6 rounds, both suites). Asserts that whatever
/// decodes re-encodes to the same octets, that it verifies against a
/// statement exactly when it is that statement's valid proof, and that
/// `verify_batch` next to the valid proof (for a proof of the statement's
/// size) keeps the valid one valid and agrees with `verify` on the input.
pub fn range_proof(data: &[u8]) {
    let Ok(proof) = RangeProof::from_bytes(data) else {
        return;
    };
    assert_eq!(proof.to_bytes(), data, "range proof round trip");
    assert_eq!(proof.encoded_len(), data.len());
    assert!(1usize << proof.rounds() <= range::MAX_RANGE_BITS);
    for (k, f) in range_fixtures().iter().enumerate() {
        let item = f.item(&proof);
        let single = range::verify(&item);
        assert_eq!(
            single.is_ok(),
            data == f.bytes.as_slice(),
            "range verification accepted octets that are not the valid proof (or refused it)"
        );
        if proof.rounds() == f.proof.rounds() {
            let results = range::verify_batch(&[f.item(&f.proof), item], &mut rng(k as u64));
            assert!(
                results[0].is_ok(),
                "a valid range proof failed next to a fuzzed one"
            );
            assert_eq!(results[1], single, "range verify_batch disagrees");
        }
    }
}

/// `composite_proof`: the input as composite proof octets
/// (`CompositeProof::from_bytes`: tagged sections of BBS proofs,
/// commitments and a range proof), verified against the composite
/// fixture's statement (one credential, a range claim, an equality).
/// Asserts that whatever decodes re-encodes to the same octets, that it
/// verifies exactly when it is the fixture's valid proof, and that
/// `verify_batch` next to the valid proof keeps that one valid and agrees
/// with `verify` on the input.
pub fn composite_proof(data: &[u8]) {
    let Ok(proof) = CompositeProof::from_bytes(data) else {
        return;
    };
    assert_eq!(proof.to_bytes(), data, "composite proof round trip");
    // The format's bounds: 1 to 16 credentials.
    assert!((1..=16).contains(&proof.bbs_proofs().len()));
    let f = composite_fixtures();
    let parts = [VerifierPart {
        suite: COMPOSITE_SUITE,
        generators: zkcred_crypto::bbs::MessageGenerators::Plain,
        key: &f.vk,
        header: &f.header,
        disclosed: &f.disclosed,
    }];
    let item = CompositeItem {
        parts: &parts,
        relations: &f.relations,
        ph: &f.ph,
        proof: &proof,
    };
    let single = composite::verify(&item);
    assert_eq!(
        single.is_ok(),
        data == f.bytes.as_slice(),
        "composite verification accepted octets that are not the valid proof (or refused it)"
    );
    let valid = CompositeItem {
        proof: &f.proof,
        ..item
    };
    let results = composite::verify_batch(&[valid, item], &mut rng(8));
    assert!(
        results[0].is_ok(),
        "a valid composite proof failed next to a fuzzed one"
    );
    assert_eq!(
        results[1].is_ok(),
        single.is_ok(),
        "composite verify_batch disagrees"
    );
}

/// `composite_presentation`: the input as a presentation document answering
/// the composite fixture's request (an ID card, `holder_name` disclosed,
/// `birth_date <= 2008-03-01` proven), verified with `verify_presentation`
/// and along the batcher's path (`prepare_presentation`, then
/// `composite::verify_batch` next to the fixture's valid presentation).
/// Asserts the document round-trips through JSON; that a verified
/// presentation discloses exactly the values the issuer signed, proves the
/// requested statement and carries the holder's own composite proof; and
/// that the batch keeps the valid presentation valid and agrees with
/// `verify_presentation`.
pub fn composite_presentation(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let Ok(p) = Presentation::from_json(t) else {
        return;
    };
    if exact_json(data) {
        assert_json_round_trip(&p);
        assert_eq!(
            Presentation::from_json(&p.to_json()).expect("to_json parses"),
            p
        );
    }
    let f = credentials();
    let c = composite_presentations();
    let verified = verify_presentation(f.catalogue, &c.request, &p, &f.keys, now());
    if let Ok(out) = &verified {
        assert_eq!(out.len(), c.request.credentials.len());
        for (dc, rc) in out.iter().zip(&c.request.credentials) {
            assert_truthful(f, &dc.credential_type, &dc.attributes);
            assert_eq!(
                dc.statements, rc.statements,
                "a composite presentation verified without its statements"
            );
        }
        let po = p
            .proof
            .as_ref()
            .expect("a verified composite presentation has a proof");
        assert_eq!(
            hex::decode(&po.value).ok().as_deref(),
            Some(c.proof.as_slice()),
            "a composite presentation verified with a proof other than the holder's"
        );
    }
    let Ok(prepared) = prepare_presentation(f.catalogue, &c.request, &p, &f.keys, now()) else {
        return;
    };
    let keys = entry_keys(&prepared);
    let refs: Vec<&VerifierKey> = keys.iter().collect();
    let valid_refs: Vec<&VerifierKey> = c.keys.iter().collect();
    let (Some(parts), Some(pc)) = (prepared.composite_parts(&refs), &prepared.composite) else {
        panic!("a prepared presentation answering statements has a composite proof");
    };
    let valid_parts = c
        .prepared
        .composite_parts(&valid_refs)
        .expect("fixture parts");
    let vc = c.prepared.composite.as_ref().expect("fixture composite");
    let items = [
        CompositeItem {
            parts: &valid_parts,
            relations: &vc.relations,
            ph: &vc.presentation_header,
            proof: &vc.proof,
        },
        CompositeItem {
            parts: &parts,
            relations: &pc.relations,
            ph: &pc.presentation_header,
            proof: &pc.proof,
        },
    ];
    let results = composite::verify_batch(&items, &mut rng(9));
    assert!(
        results[0].is_ok(),
        "the valid composite presentation failed next to a fuzzed one"
    );
    assert_eq!(
        results[1].is_ok(),
        verified.is_ok(),
        "the batcher's path disagrees with verify_presentation"
    );
}

/// The regulator, the fixture verifier's request key, its registration of
/// the fixture policy, and the signed request under it.
pub struct SignedFixture {
    /// The regulator key (the one trusted).
    pub regulator: SecretSigningKey,
    /// The verifier's request key.
    pub key: SecretSigningKey,
    /// The registration of the fixture policy.
    pub registration: VerifierRegistration,
    /// The fixture policy's request, signed.
    pub request: PresentationRequest,
    /// The trusted regulator keys: the regulator's only.
    pub trusted: TrustedRegulators,
}

fn signed_fixture() -> SignedFixture {
    let f = credentials();
    let mut r = rng(31);
    let regulator = SecretSigningKey::generate(KeyRole::Regulator, &mut r);
    let key = SecretSigningKey::generate(KeyRole::Request, &mut r);
    let v = &f.policy.spec.verifier;
    let registration = VerifierRegistration::issue(
        &regulator,
        RegisteredVerifier {
            id: v.id.clone(),
            name: v.name.clone(),
            region: v.region.clone(),
        },
        key.public(),
        vec![serde_json::to_value(&f.policy.spec).expect("policy json")],
        now() - Duration::days(1),
        now() + Duration::days(30),
    )
    .expect("registration");
    let mut request = f.request.clone();
    let ids = f.policy.requirements.iter().map(|r| r.id.clone()).collect();
    zkcred_policy::consent::sign_request(&f.policy, &mut request, ids, &key, &registration)
        .expect("signed request");
    let mut trusted = TrustedRegulators::new();
    trusted
        .insert(regulator.public().clone())
        .expect("a regulator key");
    SignedFixture {
        regulator,
        key,
        registration,
        request,
        trusted,
    }
}

/// The signed-request fixture, built once per process.
pub fn signed() -> &'static SignedFixture {
    static F: OnceLock<SignedFixture> = OnceLock::new();
    F.get_or_init(signed_fixture)
}

/// `signed_request`: the input as a verifier registration, a signed
/// presentation request (what a wallet receives) and an Ed25519 key file
/// of either role. Asserts each round-trips through JSON, and that the
/// wallet's check (`zkcred_policy::consent::check`, trusting the fixture
/// regulator only) accepts a registration only if it is the one the
/// regulator signed, and a request only if it is the one the verifier
/// signed: nothing arbitrary input can do passes for either signature.
pub fn signed_request(data: &[u8]) {
    let s = signed();
    if let Some(t) = text(data) {
        if let Ok(reg) = VerifierRegistration::from_json(t) {
            if exact_json(data) {
                assert_eq!(
                    VerifierRegistration::from_json(&reg.to_json()).expect("to_json parses"),
                    reg
                );
            }
            if reg.verify(&s.trusted, now()).is_ok() {
                assert_eq!(
                    reg.signing_input(),
                    s.registration.signing_input(),
                    "a registration the regulator never signed verified"
                );
            }
        }
        if let Ok(req) = PresentationRequest::from_json(t) {
            if exact_json(data) {
                assert_eq!(
                    PresentationRequest::from_json(&req.to_json()).expect("to_json parses"),
                    req
                );
            }
            let _ = req.signing_input();
            let checked = zkcred_policy::consent::check(
                Catalogue::builtin(),
                &req,
                &s.trusted,
                now(),
                zkcred_policy::consent::Unsigned::Refuse,
            );
            if checked.is_ok() {
                assert_eq!(
                    req.signing_input().expect("signed"),
                    s.request.signing_input().expect("signed"),
                    "a request the verifier never signed passed the wallet's check"
                );
                assert_eq!(req.digest(), s.request.digest());
            }
        }
        for role in [KeyRole::Regulator, KeyRole::Request] {
            if let Ok(k) = PublicSigningKey::from_json(role, t) {
                assert_eq!(
                    PublicSigningKey::from_json(role, &k.to_json()).expect("re-parse"),
                    k
                );
            }
        }
    }
    for role in [KeyRole::Regulator, KeyRole::Request] {
        if let Ok(k) = SecretSigningKey::from_secret_json(role, data) {
            let again =
                SecretSigningKey::from_secret_json(role, &k.to_secret_json()).expect("re-parse");
            assert_eq!(again.public(), k.public());
            let _ = format!("{k:?}");
        }
    }
}

// ------------------------------------------------------- credential requests

/// A holder's credential request for the fixture's SHA-256 key, and what
/// it was made from.
pub struct RequestFixture {
    /// The request (JSON form).
    pub request: zkcred_credential::CredentialRequest,
    /// Its `commitment_with_proof` octets.
    pub commitment: Vec<u8>,
}

fn request_fixture() -> RequestFixture {
    let mut r = rng(14);
    let holder = HolderSecret::random(&mut r);
    let (request, _blind) =
        zkcred_credential::CredentialRequest::new(Suite::Bls12381Sha256, &holder, &mut r)
            .expect("request");
    let commitment = hex::decode(&request.commitment_with_proof).expect("hex");
    RequestFixture {
        request,
        commitment,
    }
}

/// The request fixture, built once per process.
pub fn credential_requests() -> &'static RequestFixture {
    static F: OnceLock<RequestFixture> = OnceLock::new();
    F.get_or_init(request_fixture)
}

/// `credential_request`: what an issuer receives from a holder. As octets,
/// the blind draft's `commitment_with_proof` decoder (a round trip; only
/// the fixture's commitment verifies, and only in its suite); as JSON, a
/// credential request through `issue_blind` with the fixture key: it issues
/// only for the fixture's commitment, never panics otherwise.
pub fn credential_request(data: &[u8]) {
    let rf = credential_requests();
    if let Ok(c) = zkcred_crypto::blind::CommitmentWithProof::from_bytes(data) {
        assert_eq!(c.to_bytes(), data, "commitment round trip");
        if c.verify(Suite::Bls12381Sha256).is_ok() {
            assert_eq!(
                data,
                rf.commitment.as_slice(),
                "a forged commitment proof verified"
            );
        }
        assert!(
            c.verify(Suite::Bls12381Shake256).is_err() || data != rf.commitment.as_slice(),
            "a commitment verified in the other suite"
        );
    }
    let Some(t) = text(data) else { return };
    let Ok(req) = zkcred_credential::CredentialRequest::from_json(t) else {
        return;
    };
    if exact_json(data) {
        assert_json_round_trip(&req);
    }
    let f = credentials();
    let attrs = &f.truth["resident_id_card"];
    let issued = zkcred_credential::issue_blind(
        f.catalogue,
        &f.key_sha,
        "resident_id_card",
        attrs,
        &IssueOptions {
            allow_backdated: true,
        },
        &req,
        now(),
        &mut rng(15),
    );
    if let Ok(c) = issued {
        assert_eq!(
            hex::decode(&req.commitment_with_proof).ok().as_deref(),
            Some(rf.commitment.as_slice()),
            "a credential was issued to a commitment nobody proved"
        );
        assert!(c.holder.is_none(), "the issuer learns no holder part");
    }
}

// ------------------------------------------------------------------- seeds

/// The starting corpus: valid objects made with the project's own code,
/// by target (written by `tests/fuzz_corpus.rs`'s ignored
/// `write_seed_corpus`; the IETF vectors are copied from
/// `crypto/tests/vectors` there too).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for sel in [0u8, 1] {
        let f = bbs_fixtures(suite_of(sel));
        out.push(("crypto_decode", f.pk.to_bytes().to_vec()));
        out.push(("crypto_decode", f.signature.to_bytes().to_vec()));
        out.push(("crypto_decode", f.sk.to_bytes().to_vec()));
        for (&mask, p) in &f.proofs {
            out.push(("crypto_decode", p.clone()));
            let mut input = vec![sel, mask];
            input.extend_from_slice(p);
            out.push(("proof_verify", input));
        }
        let mut input = vec![sel, 0];
        input.extend_from_slice(&f.signature.to_bytes());
        out.push(("proof_verify", input));
    }
    let f = credentials();
    out.push(("presentation", f.presentation.to_json().into_bytes()));
    out.push(("presentation_request", f.request.to_json().into_bytes()));
    out.push(("credential_file", f.id_card.to_json().into_bytes()));
    out.push(("credential_file", f.licence.to_json().into_bytes()));
    out.push(("key_files", f.key_sha.public().to_json().into_bytes()));
    out.push(("key_files", f.keys.to_json().into_bytes()));
    out.push(("key_files", f.key_shake.to_secret_json().to_vec()));
    for s in [
        "500103199203154418",
        "500103",
        "11500000000000001X",
        &issuer_id(),
        "2026-03-01",
        "11100000000000000J001",
        "public_security",
        "\"5a5a\"",
        "true",
        "-42",
    ] {
        out.push(("formats", s.as_bytes().to_vec()));
    }
    out.push((
        "formats",
        f.truth["resident_id_card"]
            .get("license_id")
            .map(|v| v.to_json().as_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
            .into_bytes(),
    ));
    for (ty, attrs) in &f.truth {
        let t = f.catalogue.get(ty).expect("type");
        out.push((
            "issuance",
            serde_json::to_vec(&attrs.to_json(t)).expect("json"),
        ));
    }
    out.push(("policy", f.policy_json.clone().into_bytes()));
    out.push(("registry", f.registry.to_json().into_bytes()));
    out.push(("registry", f.key_sha.public().to_json().into_bytes()));
    let sub = zkcred_api::Submission {
        policy: "fuzz-check-in".into(),
        request: f.request.clone(),
        presentation: f.presentation.clone(),
    };
    out.push(("api_bodies", serde_json::to_vec(&sub).expect("json")));
    out.push((
        "api_bodies",
        serde_json::to_vec(&zkcred_api::BatchRequest::of(&[sub]).expect("batch")).expect("json"),
    ));
    out.push(("api_bodies", br#"{"policy":"fuzz-check-in"}"#.to_vec()));
    let ex = seed_export();
    out.push((
        "api_bodies",
        serde_json::to_vec(&ex.signed_heads[1]).expect("json"),
    ));
    out.push(("log_export", ex.to_json().into_bytes()));
    out.push((
        "log_export",
        serde_json::to_vec(&ex.records[0]).expect("json"),
    ));
    out.push((
        "log_export",
        serde_json::to_vec(&ex.signed_heads[0]).expect("json"),
    ));
    out.push((
        "log_key_file",
        format!("{}\n", hex::encode([42u8; 32])).into_bytes(),
    ));
    for rf in range_fixtures() {
        out.push(("range_proof", rf.bytes.clone()));
    }
    let rf = credential_requests();
    out.push(("credential_request", rf.commitment.clone()));
    out.push(("credential_request", rf.request.to_json().into_bytes()));
    let cf = composite_fixtures();
    out.push(("composite_proof", cf.bytes.clone()));
    for other in &cf.other_shapes {
        out.push(("composite_proof", other.clone()));
    }
    let cp = composite_presentations();
    out.push((
        "composite_presentation",
        cp.presentation.to_json().into_bytes(),
    ));
    out.push(("composite_presentation", cp.other.to_json().into_bytes()));
    let wf = wallet_fixture();
    out.push(("wallet_files", wf.wallet_file.clone()));
    out.push(("wallet_files", wf.record.clone()));
    let sf = signed();
    out.push(("signed_request", sf.request.to_json().into_bytes()));
    out.push(("signed_request", sf.registration.to_json().into_bytes()));
    out.push((
        "signed_request",
        sf.regulator.public().to_json().into_bytes(),
    ));
    out.push(("signed_request", sf.key.to_secret_json().to_vec()));
    let st = status_fixture();
    for e in &st.epochs {
        out.push(("status_documents", e.to_json().into_bytes()));
    }
    for u in &st.updates {
        out.push(("status_documents", u.to_json().into_bytes()));
    }
    {
        use zkcred_service::coherence::Change;
        for c in [
            Change::document("issuer_key", "11330105002500287C/k1"),
            Change::document("policy", "hotel-checkin"),
            Change::StatusEpoch {
                issuer: "11330105002500287C".into(),
                credential_type: "drivers_license".into(),
                epoch: 7,
            },
            Change::RequestKeys {
                verifier: Some("hotel.example".into()),
            },
            Change::Everything,
        ] {
            out.push(("coherence_change", c.to_payload().into_bytes()));
        }
    }
    out
}

/// A small honest export: 7 records, heads at sizes 0, 1, 4 and 7.
fn seed_export() -> LogExport {
    use zkcred_translog::{CredentialDisclosure, DisclosureEvent, Outcome, PolicyRef};
    let records: Vec<DisclosureRecord> = (0..7u64)
        .map(|i| {
            DisclosureRecord::from_event(
                i,
                &DisclosureEvent {
                    timestamp: format!("2026-03-01T08:00:{i:02}.000Z"),
                    verifier: "hotel.fuzz.example.cn".into(),
                    policy: PolicyRef {
                        id: "fuzz-check-in".into(),
                        version: 1,
                    },
                    credentials: vec![CredentialDisclosure {
                        credential_type: "resident_id_card".into(),
                        disclosed_attributes: vec!["holder_name".into()],
                        issuer: issuer_id(),
                        proven: Vec::new(),
                        status_epoch: None,
                    }],
                    outcome: if i % 3 == 2 {
                        Outcome::Refused
                    } else {
                        Outcome::Accepted
                    },
                    reason: if i % 3 == 2 { "proof_invalid" } else { "ok" }.into(),
                },
            )
            .expect("record")
        })
        .collect();
    let key = log_key();
    let signed_heads = [0usize, 1, 4, 7]
        .iter()
        .enumerate()
        .map(|(t, &size)| {
            let leaves: Vec<_> = records[..size].iter().map(|r| r.leaf_hash()).collect();
            key.sign(&TreeHead {
                tree_size: size as u64,
                root_hash: zkcred_translog::merkle::root(&leaves),
                timestamp: format!("2026-03-01T09:00:{t:02}.000Z"),
            })
        })
        .collect();
    LogExport {
        format: zkcred_translog::export::EXPORT_FORMAT.into(),
        log_public_key: key.public_key(),
        records,
        signed_heads,
    }
}

/// Asserts that the fixtures and seeds reach what the targets check: the
/// presentation verifies and the policy accepts it, the seed export
/// verifies, the seed policy and registry load, the seed attributes pass
/// the issuance rules, every fixture proof verifies. Without this a
/// property like "only the real values are ever disclosed" could hold
/// vacuously.
pub fn check_fixtures() {
    let st = status_fixture();
    for e in &st.epochs {
        e.verify(credentials().key_sha.public())
            .expect("the fixture epochs verify");
    }
    for (i, u) in st.updates.iter().enumerate() {
        u.check_epochs(&st.epochs[i], &st.epochs[i + 1])
            .expect("the fixture updates join their epochs");
    }
    let f = credentials();
    let out = verify_presentation(f.catalogue, &f.request, &f.presentation, &f.keys, now())
        .expect("the fixture presentation verifies");
    assert_eq!(out.len(), 2);
    let clock = FixedClock::new(now());
    let evaluator = Evaluator {
        catalogue: f.catalogue,
        registry: &f.registry,
        clock: &clock,
    };
    let d = evaluator.evaluate(&f.policy, &f.request, &f.presentation);
    assert!(
        d.is_accepted(),
        "the fixture policy accepts: {:?}",
        d.reasons
    );
    assert!(!d.values().expect("values").names().is_empty());
    for (ty, attrs) in &f.truth {
        let t = f.catalogue.get(ty).expect("type");
        issuance::check(
            t,
            attrs,
            f.key_sha.public(),
            now(),
            &IssueOptions {
                allow_backdated: true,
            },
        )
        .expect("the fixture attributes pass the issuance rules");
    }
    let ex = seed_export();
    let report = verify_export(&ex, &log_key().public_key()).expect("the seed export verifies");
    assert_eq!(report.signed_size, 7);
    let mut r = Registry::new(f.catalogue);
    r.merge_text("fixture", &f.registry.to_json())
        .expect("the fixture registry's file loads");
    for sel in [0, 1] {
        let b = bbs_fixtures(suite_of(sel));
        for (&mask, p) in &b.proofs {
            let proof = Proof::from_bytes(p).expect("decodes");
            let disclosed: Vec<(usize, &[u8])> = mask_indexes(mask, b.messages.len())
                .into_iter()
                .map(|i| (i, b.messages[i].as_slice()))
                .collect();
            bbs::proof_verify(b.suite, &b.pk, &proof, &b.header, &b.ph, &disclosed)
                .expect("a fixture proof verifies");
        }
    }
    for rf in range_fixtures() {
        range::verify(&rf.item(&rf.proof)).expect("a fixture range proof verifies");
    }
    let rounds: Vec<usize> = range_fixtures()
        .iter()
        .map(|rf| rf.proof.rounds())
        .collect();
    assert_eq!(rounds, [3, 5, 6], "the range fixtures' sizes");
    let cf = composite_fixtures();
    let parts = [VerifierPart {
        suite: COMPOSITE_SUITE,
        generators: zkcred_crypto::bbs::MessageGenerators::Plain,
        key: &cf.vk,
        header: &cf.header,
        disclosed: &cf.disclosed,
    }];
    composite::verify(&CompositeItem {
        parts: &parts,
        relations: &cf.relations,
        ph: &cf.ph,
        proof: &cf.proof,
    })
    .expect("the fixture composite proof verifies");
    assert!(cf.proof.range_proof().is_some() && cf.proof.commitments().len() == 1);
    let cp = composite_presentations();
    let out = verify_presentation(f.catalogue, &cp.request, &cp.presentation, &f.keys, now())
        .expect("the fixture composite presentation verifies");
    assert_eq!(out[0].statements.len(), 1);
    assert!(cp.presentation.proof.is_some());
    assert!(
        verify_presentation(f.catalogue, &f.request, &cp.presentation, &f.keys, now()).is_err()
    );
    // The wallet fixture's files parse, its wallet file asks for the cheap
    // KDF (so the target reaches `Wallet::open`) and its record opens.
    let wf = wallet_fixture();
    let file = WalletFile::from_json(&wf.wallet_file).expect("the fixture wallet file parses");
    assert_eq!(file.kdf, WALLET_KDF);
    SealedRecord::from_json(&wf.record).expect("the fixture record parses");
    assert_eq!(wf.wallet.get(&wf.id).expect("the record opens"), wf.entry);
    let copy = tempfile::tempdir().expect("scratch dir");
    std::fs::write(copy.path().join("wallet.json"), &wf.wallet_file).expect("write");
    let opened = Wallet::open(copy.path(), WALLET_PASSPHRASE).expect("the copy opens");
    assert_eq!(opened.holder_secret(), wf.wallet.holder_secret());
    let sf = signed();
    zkcred_policy::consent::check(
        f.catalogue,
        &sf.request,
        &sf.trusted,
        now(),
        zkcred_policy::consent::Unsigned::Refuse,
    )
    .expect("the fixture signed request passes the wallet's check");
    sf.registration
        .verify(&sf.trusted, now())
        .expect("the fixture registration verifies");
}

/// A status chain of three epochs signed with the credential fixture's
/// SHA-256 key, and the two updates between them: epoch 1 suspends one
/// licence and revokes two, epoch 2 reinstates the first and cancels the
/// third (a change that moves nothing).
pub struct StatusFixture {
    /// Epochs 0, 1 and 2.
    pub epochs: Vec<StatusEpoch>,
    /// The updates 0 -> 1 and 1 -> 2.
    pub updates: Vec<StatusUpdate>,
}

fn status_fixture_build() -> StatusFixture {
    use zkcred_crypto::accumulator::{Accumulator, Change, Element, SecretKey as AccSecret};
    let key = &credentials().key_sha;
    let mut r = rng(15);
    let sk = AccSecret::random(&mut r);
    let pk = sk.public_key();
    let ys: Vec<Element> = (0..3).map(|_| Element::random(&mut r)).collect();
    let content = |epoch, value, previous, update_digest| EpochContent {
        credential_type: "drivers_license".into(),
        accumulator_key: pk.clone(),
        epoch,
        value,
        published_at: now() + Duration::hours(i64::try_from(epoch).unwrap_or(0)),
        previous,
        update_digest,
    };
    let v0 = Accumulator::initial(&mut r);
    let e0 = StatusEpoch::sign(key, content(0, v0, None, None)).expect("epoch 0");
    let change = |y: &Element, status| StatusChange {
        element: y.clone(),
        status,
    };
    let (v1, u1) = sk
        .update(
            &v0,
            &[
                Change::Remove(ys[0].clone()),
                Change::Remove(ys[1].clone()),
                Change::Remove(ys[2].clone()),
            ],
        )
        .expect("update 1");
    let u1 = StatusUpdate::new(
        &key.public().issuer,
        "drivers_license",
        0,
        u1,
        vec![
            change(&ys[0], LicenseStatus::Suspended),
            change(&ys[1], LicenseStatus::Revoked),
            change(&ys[2], LicenseStatus::Suspended),
        ],
    )
    .expect("status update 1");
    let e1 = StatusEpoch::sign(key, content(1, v1, Some(e0.digest()), Some(u1.digest())))
        .expect("epoch 1");
    let (v2, u2) = sk
        .update(&v1, &[Change::Add(ys[0].clone())])
        .expect("update 2");
    let u2 = StatusUpdate::new(
        &key.public().issuer,
        "drivers_license",
        1,
        u2,
        vec![
            change(&ys[0], LicenseStatus::Valid),
            change(&ys[2], LicenseStatus::Cancelled),
        ],
    )
    .expect("status update 2");
    let e2 = StatusEpoch::sign(key, content(2, v2, Some(e1.digest()), Some(u2.digest())))
        .expect("epoch 2");
    StatusFixture {
        epochs: vec![e0, e1, e2],
        updates: vec![u1, u2],
    }
}

/// The status fixture, built once per process.
pub fn status_fixture() -> &'static StatusFixture {
    static F: OnceLock<StatusFixture> = OnceLock::new();
    F.get_or_init(status_fixture_build)
}

/// `coherence_change`: the input as a change notice another node sent
/// through the database's `NOTIFY` (anyone who may `NOTIFY` on the
/// channel can send one). Never panics; what does not parse is
/// `Everything` (reload it all: always correct); a notice that parses
/// round-trips through its payload.
pub fn coherence_change(data: &[u8]) {
    use zkcred_service::coherence::Change;
    let Some(t) = text(data) else { return };
    let c = Change::from_payload(t);
    let _ = c.label();
    let _ = format!("{c:?}");
    let again = c.to_payload();
    // An oversized notice is sent as `Everything`; any other round-trips.
    let back = Change::from_payload(&again);
    assert!(back == c || back == Change::Everything, "{c:?} -> {again}");
}

/// `status_documents`: the input as a status epoch (what a verifier
/// fetches) and a status update (what a wallet fetches). Asserts both
/// round-trip through JSON, that an epoch verifies under the fixture key
/// only if it is one the issuer signed, and that an update joins two
/// fixture epochs only if it is the update they were signed with.
pub fn status_documents(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let f = status_fixture();
    if let Ok(e) = StatusEpoch::from_json(t) {
        if exact_json(data) {
            assert_eq!(
                StatusEpoch::from_json(&e.to_json()).expect("to_json parses"),
                e
            );
        }
        let _ = format!("{e:?}");
        if e.verify(credentials().key_sha.public()).is_ok() {
            assert!(
                f.epochs.contains(&e),
                "an epoch verified that the issuer never signed"
            );
        }
    }
    if let Ok(u) = StatusUpdate::from_json(t) {
        if exact_json(data) {
            assert_eq!(
                StatusUpdate::from_json(&u.to_json()).expect("to_json parses"),
                u
            );
        }
        for i in 0..2 {
            if u.check_epochs(&f.epochs[i], &f.epochs[i + 1]).is_ok() {
                assert_eq!(
                    u, f.updates[i],
                    "an update joined epochs it was not signed with"
                );
            }
        }
    }
}
