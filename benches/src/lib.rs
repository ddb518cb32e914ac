//! Workloads and peer wrappers shared by the zkcred benchmarks (`bbs.rs`,
//! `verify.rs`, `predicates.rs`, `holder.rs`, `status.rs`).
//!
//! Every implementation is measured "bytes in, bytes out" on the same
//! workload: signatures and proofs arrive and leave as octet strings (so
//! decoding, with its subgroup checks, is part of verify / proof_verify and
//! encoding part of sign / proof_gen), messages are octet strings hashed to
//! scalars inside the measured call, and the issuer's public key is an
//! already-decoded object, as a verifier would cache it.
//!
//! All suites are BLS12-381-SHA-256. The peers are zkryptium 0.8 (the IETF
//! draft, like zkcred) and docknetwork's `bbs_plus` 0.25 (arkworks; its BBS,
//! not BBS+, signature with the proof of knowledge of
//! `proof_23_ietf`, the protocol the draft uses, and `proof_23_cdl`, the one
//! its prelude exports). `bbs_plus` is built without its `parallel` feature:
//! everything runs on one thread.
//!
//! `predicates.rs` adds docknetwork's `proof_system` 0.34 (composite proofs:
//! the BBS proof of knowledge with a range predicate), in
//! [`dock_predicates`], also single-threaded, beside zkcred-crypto's own
//! composite proofs in [`zkcred_predicates`].
//!
//! `holder.rs` measures blind issuance, holder binding and pseudonyms in
//! zkcred-crypto and in zkryptium (its `bbsplus_blind` and `bbsplus_nym`
//! features), in [`holder`].
//!
//! `status.rs` measures credential status through a positive accumulator:
//! docknetwork's `vb_accumulator` 0.29 and its membership statements in
//! `proof_system` 0.34, in [`dock_status`], single-threaded, beside
//! zkcred-crypto's accumulator and composite membership statement in
//! [`zkcred_status`].

pub mod dock_predicates;
pub mod dock_status;
pub mod holder;
pub mod zkcred_predicates;
pub mod zkcred_status;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// The clock of every bench: wall time (criterion's default), or with
/// `ZKCRED_BENCH_CLOCK=cpu` the CPU time of the measuring thread, which a
/// machine shared with other jobs disturbs far less (every implementation
/// measured here runs on one thread).
pub struct Clock {
    cpu: bool,
}

impl Clock {
    /// The clock `ZKCRED_BENCH_CLOCK` selects: thread CPU time if it is `cpu`
    /// (any case), wall time if it is unset or anything else.
    pub fn from_env() -> Clock {
        let cpu = std::env::var("ZKCRED_BENCH_CLOCK").is_ok_and(|v| v.eq_ignore_ascii_case("cpu"));
        Clock { cpu }
    }

    /// Criterion configured with this clock.
    pub fn criterion() -> Criterion<Clock> {
        Criterion::default().with_measurement(Clock::from_env())
    }

    /// The current reading of this clock, as time since an arbitrary fixed
    /// origin (only differences between two readings on the same thread
    /// mean anything).
    fn now(&self) -> Duration {
        if self.cpu {
            thread_cpu_time()
        } else {
            static EPOCH: OnceLock<Instant> = OnceLock::new();
            EPOCH.get_or_init(Instant::now).elapsed()
        }
    }
}

/// CPU time consumed so far by the calling thread
/// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), at the clock's nanosecond
/// resolution.
fn thread_cpu_time() -> Duration {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::try_from(ts).expect("thread CPU time is never negative")
}

/// Criterion measures with a [`Clock`]: values are [`Duration`]s, reported
/// in nanoseconds and formatted like criterion's own wall time.
impl Measurement for Clock {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, d: &Duration) -> f64 {
        d.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

/// A benchmark group named `name` for operations taking milliseconds: 20
/// samples in flat sampling mode keep a run short. Throughput is reported
/// as `elements` operations per iteration (e.g. the number of proofs a
/// batch verifies).
pub fn group<'a>(
    c: &'a mut Criterion<Clock>,
    name: &str,
    elements: usize,
) -> BenchmarkGroup<'a, Clock> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(elements as u64));
    g
}

/// The workload shapes measured by every bench, as (messages signed,
/// messages disclosed) pairs: a [`Workload::new`]`(n, k)` each.
pub const SIZES: [(usize, usize); 2] = [(10, 2), (30, 5)];

/// The signature header (issuer and schema) every implementation signs,
/// verifies and proves with.
pub const HEADER: &[u8] = b"zkcred benchmark header: issuer=DMV, schema=mDL/1";
/// The presentation header (the verifier's nonce) bound into every proof.
pub const PH: &[u8] = b"zkcred benchmark presentation header: verifier nonce 0123456789abcdef";
/// The `key_info` input of key generation, with [`key_material`].
pub const KEY_INFO: &[u8] = b"zkcred benchmark key";

/// Deterministic RNG for the workloads and for the provers' blinding.
pub fn rng() -> StdRng {
    StdRng::seed_from_u64(0x7a6b_6372_6564_0001)
}

/// 32 bytes of fixed, pseudo-random key material: every implementation's
/// issuer key is derived from it (with [`KEY_INFO`]).
pub fn key_material() -> [u8; 32] {
    let mut km = [0u8; 32];
    StdRng::seed_from_u64(0x7a6b_6372_6564_0002).fill_bytes(&mut km);
    km
}

/// `n` messages of 16 to 64 bytes (typical credential attributes: names,
/// dates, document numbers), `k` of them disclosed, spread over the list.
pub struct Workload {
    /// Number of messages signed.
    pub n: usize,
    /// Number of messages disclosed in a proof.
    pub k: usize,
    /// The `n` messages, each 16 to 64 bytes.
    pub messages: Vec<Vec<u8>>,
    /// Indices (into `messages`) of the `k` disclosed messages, ascending.
    pub disclosed: Vec<usize>,
}

impl Workload {
    /// The workload of `n` messages with `k` disclosed, the same on every
    /// run: the messages come from an RNG seeded with `n` and `k`, and the
    /// disclosed indices are `j * n / k` for `j` in `0..k`.
    ///
    /// # Panics
    ///
    /// If `n` is 0 or `k` is greater than `n`.
    pub fn new(n: usize, k: usize) -> Workload {
        assert!(k <= n && n > 0);
        let mut rng = StdRng::seed_from_u64(0x7a6b_6372_6564_0003 ^ (n as u64) << 16 ^ k as u64);
        let messages = (0..n)
            .map(|_| {
                let mut m = vec![0u8; rng.gen_range(16..=64)];
                rng.fill_bytes(&mut m);
                m
            })
            .collect();
        let disclosed = (0..k).map(|j| j * n / k).collect();
        Workload {
            n,
            k,
            messages,
            disclosed,
        }
    }

    /// "10-2": the suffix of every criterion group name.
    pub fn id(&self) -> String {
        format!("{}-{}", self.n, self.k)
    }

    /// The disclosed messages with their indices, `(index, message)` in
    /// ascending index order: the verifier's input.
    pub fn disclosed_pairs(&self) -> Vec<(usize, &[u8])> {
        self.disclosed
            .iter()
            .map(|&i| (i, self.messages[i].as_slice()))
            .collect()
    }

    /// Copies of the disclosed messages alone, in ascending index order
    /// (zkryptium takes messages and indices as separate lists).
    pub fn disclosed_messages(&self) -> Vec<Vec<u8>> {
        self.disclosed
            .iter()
            .map(|&i| self.messages[i].clone())
            .collect()
    }
}

/// zkcred-crypto, through its public API only.
pub mod zkcred {
    use super::*;
    use zkcred_crypto::bbs::{
        self, BatchItem, Proof, PublicKey, SecretKey, Signature, Suite, VerifierKey,
    };
    use zkcred_crypto::Scalar;

    /// The ciphersuite of every zkcred call: BLS12-381-SHA-256.
    pub const SUITE: Suite = Suite::Bls12381Sha256;

    /// What the zkcred benches of one [`Workload`] start from.
    pub struct Fixture {
        /// Issuer secret key, from [`key_material`].
        pub sk: SecretKey,
        /// The matching public key.
        pub pk: PublicKey,
        /// Signature over the workload's messages, encoded (80 bytes).
        pub sig: [u8; 80],
        /// Proof disclosing the workload's disclosed messages, encoded.
        pub proof: Vec<u8>,
    }

    impl Fixture {
        /// Key pair, signature and one proof for `w`, the proof checked
        /// to verify.
        ///
        /// # Panics
        ///
        /// If any of the operations fails or the proof does not verify.
        pub fn new(w: &Workload) -> Fixture {
            let (sk, pk) = keygen(&key_material());
            let sig = sign(&sk, &pk, &w.messages);
            let proof = proof_gen(&pk, &sig, &w.messages, &w.disclosed, &mut rng());
            assert!(proof_verify(&pk, &proof, &w.disclosed_pairs()));
            Fixture { sk, pk, sig, proof }
        }
    }

    /// Secret key from key material `km` (with [`KEY_INFO`]) and its
    /// public key.
    ///
    /// # Panics
    ///
    /// If key generation fails (`km` shorter than 32 bytes).
    pub fn keygen(km: &[u8]) -> (SecretKey, PublicKey) {
        let sk = bbs::keygen(SUITE, km, KEY_INFO, None).expect("keygen");
        let pk = sk.public_key();
        (sk, pk)
    }

    /// Signs `msgs` under [`HEADER`]; the signature encoded (80 bytes).
    ///
    /// # Panics
    ///
    /// If signing fails.
    pub fn sign(sk: &SecretKey, pk: &PublicKey, msgs: &[Vec<u8>]) -> [u8; 80] {
        bbs::sign(SUITE, sk, pk, HEADER, msgs)
            .expect("sign")
            .to_bytes()
    }

    /// Decodes the encoded signature `sig` and verifies it over `msgs`
    /// under [`HEADER`]: true if it decodes and is valid.
    pub fn verify(pk: &PublicKey, sig: &[u8], msgs: &[Vec<u8>]) -> bool {
        match Signature::from_bytes(sig) {
            Ok(sig) => bbs::verify(SUITE, pk, &sig, HEADER, msgs).is_ok(),
            Err(_) => false,
        }
    }

    /// Decodes the encoded signature `sig` over `msgs` and proves
    /// knowledge of it, disclosing the messages at the (ascending) indices
    /// `disclosed`, with [`PH`] and blinding from `rng`; the proof encoded.
    ///
    /// # Panics
    ///
    /// If the signature does not decode or proof generation fails.
    pub fn proof_gen(
        pk: &PublicKey,
        sig: &[u8],
        msgs: &[Vec<u8>],
        disclosed: &[usize],
        rng: &mut StdRng,
    ) -> Vec<u8> {
        let sig = Signature::from_bytes(sig).expect("signature");
        bbs::proof_gen(SUITE, pk, &sig, HEADER, PH, msgs, disclosed, rng)
            .expect("proof_gen")
            .to_bytes()
    }

    /// Decodes the encoded `proof` and verifies it against the disclosed
    /// `(index, message)` pairs: true if it decodes and is valid.
    pub fn proof_verify(pk: &PublicKey, proof: &[u8], disclosed: &[(usize, &[u8])]) -> bool {
        match Proof::from_bytes(proof) {
            Ok(proof) => bbs::proof_verify(SUITE, pk, &proof, HEADER, PH, disclosed).is_ok(),
            Err(_) => false,
        }
    }

    /// The disclosed messages hashed to scalars, indices kept.
    fn disclosed_scalars(disclosed: &[(usize, &[u8])]) -> Vec<(usize, Scalar)> {
        disclosed
            .iter()
            .map(|&(i, m)| (i, bbs::map_message_to_scalar(SUITE, m)))
            .collect()
    }

    /// `proof_verify` through a [`VerifierKey`] (the issuer key prepared
    /// once, with its per-header domain cache): the verifier's hot path.
    /// True if the proof decodes and is valid.
    pub fn proof_verify_vk(vk: &VerifierKey, proof: &[u8], disclosed: &[(usize, &[u8])]) -> bool {
        match Proof::from_bytes(proof) {
            Ok(proof) => vk
                .proof_verify(SUITE, &proof, HEADER, PH, &disclosed_scalars(disclosed))
                .is_ok(),
            Err(_) => false,
        }
    }

    /// `bbs::verify_batch` (single-threaded) over proofs under one key that
    /// disclose the same messages: decode all, one combined pairing check.
    /// True if every proof decodes and is valid; `rng` draws the batch's
    /// random weights.
    pub fn verify_batch(
        vk: &VerifierKey,
        proofs: &[Vec<u8>],
        disclosed: &[(usize, &[u8])],
        rng: &mut StdRng,
    ) -> bool {
        let scalars = disclosed_scalars(disclosed);
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
                key: vk,
                proof,
                header: HEADER,
                ph: PH,
                disclosed: &scalars,
            })
            .collect();
        bbs::verify_batch(&items, rng).iter().all(Result::is_ok)
    }

    /// `count` proofs of workload `w` spread round-robin over the issuer
    /// `keys`: each proof (encoded) with the index of its key in `keys` (and
    /// so in the verifier keys made from them). Generated through a
    /// `ProverCredential` per key (the holder's prepared path), so large
    /// batches are quick to set up.
    ///
    /// # Panics
    ///
    /// If `keys` is empty or signing or proving fails.
    pub fn proofs_for_keys(
        keys: &[(SecretKey, PublicKey)],
        w: &Workload,
        count: usize,
        rng: &mut StdRng,
    ) -> Vec<(usize, Vec<u8>)> {
        let scalars = bbs::messages_to_scalars(SUITE, &w.messages);
        let provers: Vec<bbs::ProverCredential> = keys
            .iter()
            .map(|(sk, pk)| {
                let sig = bbs::core::sign(SUITE, sk, pk, HEADER, &scalars).expect("sign");
                bbs::ProverCredential::new(SUITE, pk, &sig, HEADER, &scalars).expect("prepare")
            })
            .collect();
        (0..count)
            .map(|i| {
                let k = i % keys.len();
                let proof = provers[k].prove(PH, &w.disclosed, rng).expect("prove");
                (k, proof.to_bytes())
            })
            .collect()
    }

    /// Decodes every proof and verifies them as one batch under their keys
    /// (`(index into vks, proof)` pairs, as from [`proofs_for_keys`]),
    /// single-threaded (`verify_batch`, weights from `rng`) or on all cores
    /// (`verify_batch_parallel`, decoding in parallel too). True if every
    /// proof decodes and is valid.
    pub fn verify_batch_keys(
        vks: &[VerifierKey],
        proofs: &[(usize, Vec<u8>)],
        disclosed: &[(usize, &[u8])],
        rng: &mut StdRng,
        parallel: bool,
    ) -> bool {
        use rayon::prelude::*;
        let scalars = disclosed_scalars(disclosed);
        let decode = |(k, p): &(usize, Vec<u8>)| Proof::from_bytes(p).map(|p| (*k, p));
        // The parallel path decodes on every core as well: decoding (the
        // subgroup checks) is about a third of a batched verification.
        let decoded: Result<Vec<_>, _> = if parallel {
            proofs.par_iter().map(decode).collect()
        } else {
            proofs.iter().map(decode).collect()
        };
        let Ok(decoded) = decoded else {
            return false;
        };
        let items: Vec<BatchItem<'_>> = decoded
            .iter()
            .map(|(k, proof)| BatchItem {
                suite: SUITE,
                generators: zkcred_crypto::bbs::MessageGenerators::Plain,
                key: &vks[*k],
                proof,
                header: HEADER,
                ph: PH,
                disclosed: &scalars,
            })
            .collect();
        let results = if parallel {
            bbs::verify_batch_parallel(&items)
        } else {
            bbs::verify_batch(&items, rng)
        };
        results.iter().all(Result::is_ok)
    }
}

/// zkryptium 0.8, BLS12-381-SHA-256.
pub mod zkryptium {
    use super::*;
    use ::zkryptium::bbsplus::ciphersuites::Bls12381Sha256;
    use ::zkryptium::bbsplus::keys::{BBSplusPublicKey, BBSplusSecretKey};
    use ::zkryptium::keys::pair::KeyPair;
    use ::zkryptium::schemes::algorithms::BBSplus;
    use ::zkryptium::schemes::generics::{PoKSignature, Signature};

    type Scheme = BBSplus<Bls12381Sha256>;

    /// What the zkryptium benches of one [`Workload`] start from.
    pub struct Fixture {
        /// Issuer secret key, from [`key_material`].
        pub sk: BBSplusSecretKey,
        /// The matching public key.
        pub pk: BBSplusPublicKey,
        /// Signature over the workload's messages, encoded (80 bytes).
        pub sig: [u8; 80],
        /// Proof disclosing the workload's disclosed messages, encoded.
        pub proof: Vec<u8>,
    }

    impl Fixture {
        /// Key pair, signature and one proof for `w`, the proof checked
        /// to verify.
        ///
        /// # Panics
        ///
        /// If any of the operations fails or the proof does not verify.
        pub fn new(w: &Workload) -> Fixture {
            let (sk, pk) = keygen(&key_material());
            let sig = sign(&sk, &pk, &w.messages);
            let proof = proof_gen(&pk, &sig, &w.messages, &w.disclosed);
            assert!(proof_verify(
                &pk,
                &proof,
                &w.disclosed_messages(),
                &w.disclosed
            ));
            Fixture { sk, pk, sig, proof }
        }
    }

    /// Key pair from key material `km` (with [`KEY_INFO`]).
    ///
    /// # Panics
    ///
    /// If key generation fails.
    pub fn keygen(km: &[u8]) -> (BBSplusSecretKey, BBSplusPublicKey) {
        KeyPair::<Scheme>::generate(km, Some(KEY_INFO), None)
            .expect("keygen")
            .into_parts()
    }

    /// Signs `msgs` under [`HEADER`]; the signature encoded (80 bytes).
    ///
    /// # Panics
    ///
    /// If signing fails.
    pub fn sign(sk: &BBSplusSecretKey, pk: &BBSplusPublicKey, msgs: &[Vec<u8>]) -> [u8; 80] {
        Signature::<Scheme>::sign(Some(msgs), sk, pk, Some(HEADER))
            .expect("sign")
            .to_bytes()
    }

    /// Decodes the encoded signature `sig` and verifies it over `msgs`
    /// under [`HEADER`]: true if it decodes and is valid.
    pub fn verify(pk: &BBSplusPublicKey, sig: &[u8; 80], msgs: &[Vec<u8>]) -> bool {
        match Signature::<Scheme>::from_bytes(sig) {
            Ok(sig) => sig.verify(pk, Some(msgs), Some(HEADER)).is_ok(),
            Err(_) => false,
        }
    }

    /// Proves knowledge of the encoded signature `sig` over `msgs`,
    /// disclosing the messages at the (ascending) indices `disclosed`, with
    /// [`PH`]; the proof encoded. zkryptium draws the blinding scalars from
    /// `thread_rng` itself.
    ///
    /// # Panics
    ///
    /// If proof generation fails (including a signature that does not
    /// decode).
    pub fn proof_gen(
        pk: &BBSplusPublicKey,
        sig: &[u8],
        msgs: &[Vec<u8>],
        disclosed: &[usize],
    ) -> Vec<u8> {
        PoKSignature::<Scheme>::proof_gen(
            pk,
            sig,
            Some(HEADER),
            Some(PH),
            Some(msgs),
            Some(disclosed),
        )
        .expect("proof_gen")
        .to_bytes()
    }

    /// Decodes the encoded `proof` and verifies it against the disclosed
    /// messages: `disclosed_msgs[j]` is the message at `disclosed[j]`,
    /// ascending. True if it decodes and is valid.
    pub fn proof_verify(
        pk: &BBSplusPublicKey,
        proof: &[u8],
        disclosed_msgs: &[Vec<u8>],
        disclosed: &[usize],
    ) -> bool {
        match PoKSignature::<Scheme>::from_bytes(proof) {
            Ok(proof) => proof
                .proof_verify(
                    pk,
                    Some(disclosed_msgs),
                    Some(disclosed),
                    Some(HEADER),
                    Some(PH),
                )
                .is_ok(),
            Err(_) => false,
        }
    }
}

/// docknetwork `bbs_plus` 0.25 over arkworks' BLS12-381: BBS signature
/// (`Signature23G1`) and its proofs of knowledge.
///
/// The library leaves message encoding and the Fiat-Shamir challenge to the
/// caller; here messages are hashed to scalars with `hash_to_field`
/// (expand_message_xmd, SHA-256, as the draft's MapMessageToScalarAsHash)
/// and the challenge is the SHA-256 hash of the public key, the protocol's
/// challenge contribution and the presentation header, as in the library's
/// own tests. Its generators are set up once per message count (they are an
/// input to every call) whereas the draft derives them inside every call.
pub mod dock {
    use super::*;
    use ark_bls12_381::{Bls12_381, Fr};
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
    use bbs_plus::setup::{KeypairG2, PublicKeyG2, SignatureParams23G1};
    use bbs_plus::signature_23::Signature23G1;
    use dock_crypto_utils::hashing_utils::{field_elem_from_try_and_incr, hash_to_field};
    use dock_crypto_utils::randomized_pairing_check::RandomizedPairingChecker;
    use dock_crypto_utils::signature::MessageOrBlinding;
    use sha2::Sha256;
    use std::collections::BTreeMap;

    /// Domain separation tag of [`message_scalar`]'s hash to field.
    pub const MSG_DST: &[u8] = b"zkcred-bench bbs_plus MAP_MSG_TO_SCALAR_AS_HASH_";
    /// Label the signature parameters (generators) are derived from.
    pub const PARAMS_LABEL: &[u8] = b"zkcred-bench bbs_plus generators";

    /// Message `m` hashed to a scalar (`hash_to_field` with SHA-256 and
    /// [`MSG_DST`]), as bbs_plus signs and proves scalars, not octets.
    pub fn message_scalar(m: &[u8]) -> Fr {
        hash_to_field::<Fr, Sha256>(MSG_DST, m)
    }

    /// Revealed messages keyed by index, hashed to scalars with
    /// [`message_scalar`].
    pub fn revealed(disclosed: &[(usize, &[u8])]) -> BTreeMap<usize, Fr> {
        disclosed
            .iter()
            .map(|&(i, m)| (i, message_scalar(m)))
            .collect()
    }

    /// The Fiat-Shamir challenge: SHA-256 (try-and-increment to a scalar)
    /// of the public key, the protocol's challenge contribution and [`PH`].
    fn challenge(pk: &PublicKeyG2<Bls12_381>, contribution: &[u8]) -> Fr {
        let mut bytes = Vec::with_capacity(96 + contribution.len() + PH.len());
        pk.serialize_compressed(&mut bytes).expect("serialize pk");
        bytes.extend_from_slice(contribution);
        bytes.extend_from_slice(PH);
        field_elem_from_try_and_incr::<Fr, Sha256>(&bytes)
    }

    /// Key pair, parameters and one signature for a workload.
    pub struct Signed {
        /// Signature parameters (generators) for `n` messages, from
        /// [`PARAMS_LABEL`].
        pub params: SignatureParams23G1<Bls12_381>,
        /// Issuer key pair, from [`key_material`].
        pub keypair: KeypairG2<Bls12_381>,
        /// Signature over `scalars`.
        pub sig: Signature23G1<Bls12_381>,
        /// The workload's messages hashed with [`message_scalar`].
        pub scalars: Vec<Fr>,
    }

    impl Signed {
        /// Parameters, key pair and a signature (checked to verify) over
        /// `w`'s messages.
        ///
        /// # Panics
        ///
        /// If signing fails or the signature does not verify.
        pub fn new(w: &Workload) -> Signed {
            let mut rng = rng();
            let params = SignatureParams23G1::<Bls12_381>::new::<Sha256>(PARAMS_LABEL, w.n as u32);
            let keypair =
                KeypairG2::generate_using_seed_and_bbs23_params::<Sha256>(&key_material(), &params);
            let scalars: Vec<Fr> = w.messages.iter().map(|m| message_scalar(m)).collect();
            let sig =
                Signature23G1::new(&mut rng, &scalars, &keypair.secret_key, &params).expect("sign");
            sig.verify(&scalars, keypair.public_key.clone(), params.clone())
                .expect("verify");
            Signed {
                params,
                keypair,
                sig,
                scalars,
            }
        }
    }

    /// The same operations for both of bbs_plus' BBS proof protocols.
    macro_rules! proof_protocol {
        ($name:ident, $module:ident, $doc:literal) => {
            #[doc = $doc]
            pub mod $name {
                use super::*;
                use bbs_plus::$module::{PoKOfSignature23G1Proof, PoKOfSignature23G1Protocol};

                /// Proves knowledge of the signature in `s`, disclosing the
                /// messages at the (ascending) indices `disclosed`, blinding
                /// from `rng`; the proof serialized (arkworks compressed).
                ///
                /// # Panics
                ///
                /// If the protocol fails.
                pub fn proof_gen(s: &Signed, disclosed: &[usize], rng: &mut StdRng) -> Vec<u8> {
                    let revealed: BTreeMap<usize, Fr> =
                        disclosed.iter().map(|&i| (i, s.scalars[i])).collect();
                    let blindings = s.scalars.iter().enumerate().map(|(i, m)| {
                        if revealed.contains_key(&i) {
                            MessageOrBlinding::RevealMessage(m)
                        } else {
                            MessageOrBlinding::BlindMessageRandomly(m)
                        }
                    });
                    let protocol =
                        PoKOfSignature23G1Protocol::init(rng, &s.sig, &s.params, blindings)
                            .expect("init");
                    let mut contribution = Vec::new();
                    protocol
                        .challenge_contribution(&revealed, &s.params, &mut contribution)
                        .expect("challenge contribution");
                    let c = challenge(&s.keypair.public_key, &contribution);
                    let proof = protocol.gen_proof(&c).expect("gen_proof");
                    let mut bytes = Vec::new();
                    proof.serialize_compressed(&mut bytes).expect("serialize");
                    bytes
                }

                /// Deserializes `proof` and recomputes its challenge; `None`
                /// if either fails.
                fn decode_and_challenge(
                    s: &Signed,
                    proof: &[u8],
                    revealed: &BTreeMap<usize, Fr>,
                ) -> Option<(PoKOfSignature23G1Proof<Bls12_381>, Fr)> {
                    let proof =
                        PoKOfSignature23G1Proof::<Bls12_381>::deserialize_compressed(proof).ok()?;
                    let mut contribution = Vec::new();
                    proof
                        .challenge_contribution(revealed, &s.params, &mut contribution)
                        .ok()?;
                    let c = challenge(&s.keypair.public_key, &contribution);
                    Some((proof, c))
                }

                /// Decode, hash the disclosed `(index, message)` pairs,
                /// recompute the challenge, verify (with both pairings):
                /// true if the proof decodes and is valid.
                pub fn proof_verify(
                    s: &Signed,
                    proof: &[u8],
                    disclosed: &[(usize, &[u8])],
                ) -> bool {
                    let revealed = revealed(disclosed);
                    let Some((proof, c)) = decode_and_challenge(s, proof, &revealed) else {
                        return false;
                    };
                    proof
                        .verify(
                            &revealed,
                            &c,
                            s.keypair.public_key.clone(),
                            s.params.clone(),
                        )
                        .is_ok()
                }

                /// Several proofs (same key and parameters, same disclosed
                /// messages) with all pairing equations folded into one
                /// randomized pairing check, weights from `rng`: true if
                /// every proof decodes and is valid.
                pub fn proof_verify_batch(
                    s: &Signed,
                    proofs: &[Vec<u8>],
                    disclosed: &[(usize, &[u8])],
                    rng: &mut StdRng,
                ) -> bool {
                    let revealed = revealed(disclosed);
                    let mut checker =
                        RandomizedPairingChecker::<Bls12_381>::new_using_rng(rng, true);
                    for proof in proofs {
                        let Some((proof, c)) = decode_and_challenge(s, proof, &revealed) else {
                            return false;
                        };
                        if proof
                            .verify_with_randomized_pairing_checker(
                                &revealed,
                                &c,
                                s.keypair.public_key.clone(),
                                s.params.clone(),
                                &mut checker,
                            )
                            .is_err()
                        {
                            return false;
                        }
                    }
                    checker.verify()
                }
            }
        };
    }

    proof_protocol!(
        ietf,
        proof_23_ietf,
        "Proofs with bbs_plus' `proof_23_ietf`, the protocol of the IETF draft."
    );
    proof_protocol!(
        cdl,
        proof_23_cdl,
        "Proofs with bbs_plus' `proof_23_cdl`, the protocol its prelude exports."
    );
}
