//! A workload to profile what holder binding and a pseudonym cost a
//! verifier: 10 signer messages, 2 disclosed, 64 proofs of each of
//! - `plain`: a plain BBS proof of a plainly signed credential;
//! - `blind`: the BBS proof of the same messages issued blindly to a holder
//!   secret (`L = 10`, `M = 1`; the blind and the holder secret hidden);
//! - `nym`: the composite proof of the blind credential with one pseudonym
//!   on the holder secret.
//!
//! Every batch decodes its 64 proofs from octets and verifies them together
//! (`bbs::verify_batch`, `composite::verify_batch`). The three kinds are
//! timed interleaved, round after round, so that a machine shared with other
//! jobs disturbs them alike; the medians per proof are printed with their
//! differences to `plain`.
//!
//! `cargo run --release -p zkcred-crypto --example pseudonym_profile [ROUNDS]`
//!
//! With `PROFILE=plain|blind|nym` it runs only `N` (the argument, default 1)
//! batches of that kind after one warm-up, inside `profiled`, for
//! instruction counts:
//! `PROFILE=nym valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*profiled*' target/release/examples/pseudonym_profile 1`.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use zkcred_crypto::bbs::{
    self, core, BatchItem, MessageGenerators, Proof, ProverCredential, SecretKey, Suite,
    VerifierKey,
};
use zkcred_crypto::blind;
use zkcred_crypto::composite::{
    self, CompositeItem, CompositeProof, MessageRef, ProverPart, PseudonymClaim, Relations,
    VerifierPart,
};
use zkcred_crypto::Scalar;

const SUITE: Suite = Suite::Bls12381Sha256;
const BATCH: usize = 64;
const L: usize = 10;
const HEADER: &[u8] = b"pseudonym profile header";
const PH: &[u8] = b"pseudonym profile presentation header";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Plain,
    Blind,
    Nym,
}

const KINDS: [Kind; 3] = [Kind::Plain, Kind::Blind, Kind::Nym];

struct Fixture {
    vk: VerifierKey,
    relations: Relations,
    plain_disclosed: Vec<(usize, Scalar)>,
    blind_disclosed: Vec<(usize, Scalar)>,
    /// 64 encoded proofs per kind, in `KINDS` order.
    proofs: [Vec<Vec<u8>>; 3],
}

impl Fixture {
    fn new() -> Fixture {
        let mut rng = StdRng::seed_from_u64(14);
        let sk = SecretKey::random(&mut rng);
        let pk = sk.public_key();
        let octets: Vec<Vec<u8>> = (0..L)
            .map(|i| format!("attribute {i}: value").into_bytes())
            .collect();
        let disclosed = [0usize, 5];

        let plain_scalars = bbs::messages_to_scalars(SUITE, &octets);
        let sig = core::sign(SUITE, &sk, &pk, HEADER, &plain_scalars).unwrap();
        let plain = ProverCredential::new(SUITE, &pk, &sig, HEADER, &plain_scalars).unwrap();

        let holder_secret = Scalar::random(&mut rng);
        let (cwp, spb) =
            blind::core::commit(SUITE, std::slice::from_ref(&holder_secret), &mut rng).unwrap();
        let blind_scalars = blind::messages_to_scalars(SUITE, &octets);
        let bsig =
            blind::core::blind_sign(SUITE, &sk, &pk, Some(&cwp), HEADER, &blind_scalars).unwrap();
        let blind_cred = ProverCredential::new_blind(
            SUITE,
            &pk,
            &bsig,
            HEADER,
            blind_scalars.clone(),
            vec![holder_secret],
            &spb,
        )
        .unwrap();
        let relations = Relations {
            pseudonyms: vec![PseudonymClaim {
                message: MessageRef {
                    credential: 0,
                    index: L + 1,
                },
                context_id: b"hotel:chain-0042".to_vec(),
            }],
            ..Relations::default()
        };
        let parts = [ProverPart {
            credential: &blind_cred,
            disclosed: &disclosed,
        }];
        let proofs = [
            (0..BATCH)
                .map(|_| plain.prove(PH, &disclosed, &mut rng).unwrap().to_bytes())
                .collect(),
            (0..BATCH)
                .map(|_| {
                    blind_cred
                        .prove(PH, &disclosed, &mut rng)
                        .unwrap()
                        .to_bytes()
                })
                .collect(),
            (0..BATCH)
                .map(|_| {
                    composite::prove(&parts, &relations, PH, &mut rng)
                        .unwrap()
                        .to_bytes()
                })
                .collect(),
        ];
        Fixture {
            vk: VerifierKey::new(pk),
            relations,
            plain_disclosed: disclosed.iter().map(|&i| (i, plain_scalars[i])).collect(),
            blind_disclosed: disclosed.iter().map(|&i| (i, blind_scalars[i])).collect(),
            proofs,
        }
    }

    /// Decodes the 64 proofs of `kind` and verifies them as one batch.
    fn verify_batch(&self, kind: Kind, rng: &mut StdRng) -> bool {
        let which = MessageGenerators::blind(L, 1);
        match kind {
            Kind::Plain | Kind::Blind => {
                let (generators, disclosed, proofs) = if kind == Kind::Plain {
                    (
                        MessageGenerators::Plain,
                        &self.plain_disclosed,
                        &self.proofs[0],
                    )
                } else {
                    (which, &self.blind_disclosed, &self.proofs[1])
                };
                let decoded: Vec<Proof> = proofs
                    .iter()
                    .map(|p| Proof::from_bytes(p).unwrap())
                    .collect();
                let items: Vec<BatchItem<'_>> = decoded
                    .iter()
                    .map(|proof| BatchItem {
                        suite: SUITE,
                        generators,
                        key: &self.vk,
                        proof,
                        header: HEADER,
                        ph: PH,
                        disclosed,
                    })
                    .collect();
                bbs::verify_batch(&items, rng).iter().all(Result::is_ok)
            }
            Kind::Nym => {
                let decoded: Vec<CompositeProof> = self.proofs[2]
                    .iter()
                    .map(|p| CompositeProof::from_bytes(p).unwrap())
                    .collect();
                let parts = [VerifierPart {
                    suite: SUITE,
                    generators: which,
                    key: &self.vk,
                    header: HEADER,
                    disclosed: &self.blind_disclosed,
                }];
                let items: Vec<CompositeItem<'_>> = decoded
                    .iter()
                    .map(|proof| CompositeItem {
                        parts: &parts,
                        relations: &self.relations,
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
}

/// `n` batches of `kind`: the only code instruction counts are collected
/// in (`--toggle-collect='*profiled*'`).
#[inline(never)]
fn profiled(f: &Fixture, kind: Kind, n: usize, rng: &mut StdRng) {
    for _ in 0..n {
        assert!(f.verify_batch(kind, rng));
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let f = Fixture::new();
    let mut rng = StdRng::seed_from_u64(15);
    for kind in KINDS {
        assert!(f.verify_batch(kind, &mut rng), "{kind:?}");
    }
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    if let Some(mode) = std::env::var_os("PROFILE") {
        let kind = match mode.to_str() {
            Some("plain") => Kind::Plain,
            Some("blind") => Kind::Blind,
            _ => Kind::Nym,
        };
        profiled(&f, kind, n, &mut rng);
        return;
    }
    let rounds = n.max(30);
    let mut times: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (k, kind) in KINDS.iter().enumerate() {
            let t = Instant::now();
            assert!(f.verify_batch(*kind, &mut rng));
            times[k].push(t.elapsed().as_secs_f64() * 1e3 / BATCH as f64);
        }
    }
    let med: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
    println!("batch{BATCH}, {rounds} interleaved rounds, median ms per proof:");
    for (k, kind) in KINDS.iter().enumerate() {
        println!(
            "  {:<6} {:.3} ms  ({:+.0} µs vs plain)",
            format!("{kind:?}").to_lowercase(),
            med[k],
            (med[k] - med[0]) * 1e3
        );
    }
}
