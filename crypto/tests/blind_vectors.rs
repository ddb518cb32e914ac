//! Every IETF blind-signatures vector (draft-irtf-cfrg-bbs-blind-signatures,
//! the editor's copy carried in `tests/vectors/bbs-blind-signatures/`, both
//! ciphersuites): generators, commit001-002, signature001-005 and
//! proof001-008. Commitments and proofs are reproduced byte for byte from
//! the draft's mocked scalars (and checked against the files' traces),
//! signatures re-signed byte for byte; everything also verifies. Negative
//! cases: each file, tampered, is refused with the reason.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

use std::path::PathBuf;

use serde_json::Value;
use zkcred_crypto::bbs::mocked::{mocked_random_scalars_with_dst, DRAFT_SEED};
use zkcred_crypto::bbs::{self, MessageGenerators, Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::blind::{self, mocked, CommitmentWithProof, SecretProverBlind};
use zkcred_crypto::{Error, Scalar};

const SUITES: [(Suite, &str); 2] = [
    (Suite::Bls12381Sha256, "bls12-381-sha-256"),
    (Suite::Bls12381Shake256, "bls12-381-shake-256"),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bbs-blind-signatures")
}

fn load(folder: &str, rel: &str) -> Value {
    let p = dir().join(folder).join(rel);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn hexv(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn hex_list(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .map(|a| a.iter().map(hexv).collect())
        .unwrap_or_default()
}

fn scalar(v: &Value) -> Scalar {
    let b: [u8; 32] = hexv(v).try_into().unwrap();
    Scalar::from_be_bytes(&b).unwrap()
}

fn blind_of(v: &Value) -> SecretProverBlind {
    match v.as_str() {
        Some(s) => SecretProverBlind::from_bytes(&hex::decode(s).unwrap()).unwrap(),
        None => SecretProverBlind::zero(),
    }
}

/// `messages` and `committedMessages` of the draft's `messages.json`.
fn all_messages() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("messages.json")).unwrap())
            .unwrap();
    (hex_list(&v["messages"]), hex_list(&v["committedMessages"]))
}

fn files(folder: &str, sub: &str, n: usize) -> Vec<(String, Value)> {
    (1..=n)
        .map(|i| {
            let rel = format!("{sub}/{sub}{i:03}.json");
            let v = load(folder, &rel);
            assert_eq!(v["result"]["valid"], Value::Bool(true), "{rel}");
            (rel, v)
        })
        .collect()
}

#[test]
fn generators() {
    for (suite, folder) in SUITES {
        let v = load(folder, "generators.json");
        assert_eq!(
            v["generators"]["api_id"].as_str().unwrap().as_bytes(),
            blind::api_id(suite)
        );
        let msg = hex_list(&v["generators"]["MsgGenerators"]);
        let blind_msg = hex_list(&v["blindGenerators"]["MsgGenerators"]);
        // The list of a blind credential with L signer messages and M
        // committed ones: Q_1, H_1..H_L, J_0..J_M.
        let (l, m) = (msg.len(), blind_msg.len());
        let gens = bbs::generators_for(suite, MessageGenerators::blind(l, m), l + 1 + m).unwrap();
        let g = gens.as_slice();
        assert_eq!(g.len(), l + m + 2);
        assert_eq!(g[0].to_compressed().to_vec(), hexv(&v["generators"]["Q1"]));
        for (i, want) in msg.iter().enumerate() {
            assert_eq!(
                &g[1 + i].to_compressed().to_vec(),
                want,
                "{folder} H_{}",
                i + 1
            );
        }
        // The file lists J_0 as the blind list's Q1 and J_1.. as its
        // MsgGenerators.
        assert_eq!(
            g[l + 1].to_compressed().to_vec(),
            hexv(&v["blindGenerators"]["Q1"])
        );
        for (j, want) in blind_msg.iter().enumerate() {
            assert_eq!(
                &g[l + 2 + j].to_compressed().to_vec(),
                want,
                "{folder} J_{}",
                j + 1
            );
        }
        for k in ["generators", "blindGenerators"] {
            assert_eq!(suite.p1().to_compressed().to_vec(), hexv(&v[k]["P1"]));
        }
        // A prefix of a longer list, and distinct from the plain list.
        let plain = bbs::create_generators(suite, l + 1);
        assert!(g.iter().all(|p| !plain.contains(p)));
    }
}

#[test]
fn commit_vectors() {
    for (suite, folder) in SUITES {
        for (rel, v) in files(folder, "commit", 2) {
            let committed = hex_list(&v["committedMessages"]);
            let want = hexv(&v["commitmentWithProof"]);
            let mock = &v["mockRngParameters"];
            assert_eq!(
                mock["commit"]["DST"].as_str().unwrap().as_bytes(),
                mocked::commit_dst(suite)
            );
            assert_eq!(mock["SEED"].as_str().unwrap().as_bytes(), DRAFT_SEED);
            let count = mock["commit"]["count"].as_u64().unwrap() as usize;
            assert_eq!(count, committed.len() + 2);
            // The mocked scalars are the trace's, after the blind.
            let random = mocked_random_scalars_with_dst(
                suite,
                DRAFT_SEED,
                &mocked::commit_dst(suite),
                count,
            )
            .unwrap();
            let trace = &v["trace"]["random_scalars"];
            assert_eq!(random[1], scalar(&trace["s_tilde"]), "{rel}");
            let m_tildes: Vec<Scalar> = trace["m_tildes"]
                .as_array()
                .unwrap()
                .iter()
                .map(scalar)
                .collect();
            assert_eq!(&random[2..], m_tildes.as_slice(), "{rel}");

            let (cwp, spb) = mocked::commit_mocked(suite, &committed, DRAFT_SEED).unwrap();
            assert_eq!(
                hex::encode(cwp.to_bytes()),
                hex::encode(&want),
                "{folder}/{rel}"
            );
            assert_eq!(spb.to_bytes().to_vec(), hexv(&v["proverBlind"]), "{rel}");
            assert_eq!(spb, blind_of(&v["proverBlind"]));
            let (again, _) =
                mocked::commit_with_random_scalars(suite, &committed, &random).unwrap();
            assert_eq!(again, cwp);

            // Decoded, it is the same and its proof verifies; under the
            // other suite it does not.
            let decoded = CommitmentWithProof::from_bytes(&want).unwrap();
            assert_eq!(decoded, cwp);
            assert_eq!(decoded.committed_message_count(), committed.len());
            decoded.verify(suite).unwrap();
            let other = SUITES.iter().find(|(s, _)| *s != suite).unwrap().0;
            assert_eq!(decoded.verify(other), Err(Error::InvalidCommitmentProof));
        }
    }
}

#[test]
fn signature_vectors() {
    for (suite, folder) in SUITES {
        for (rel, v) in files(folder, "signature", 5) {
            let sk = SecretKey::from_bytes(&hexv(&v["signerKeyPair"]["secretKey"])).unwrap();
            let pk = PublicKey::from_bytes(&hexv(&v["signerKeyPair"]["publicKey"])).unwrap();
            assert_eq!(sk.public_key(), pk);
            let header = hexv(&v["header"]);
            let messages = hex_list(&v["messages"]);
            let committed = hex_list(&v["committedMessages"]);
            let spb = blind_of(&v["proverBlind"]);
            let cwp = v["commitmentWithProof"]
                .as_str()
                .map(|s| CommitmentWithProof::from_bytes(&hex::decode(s).unwrap()).unwrap());
            if let Some(c) = &cwp {
                // The file's commitment is the mocked one over its committed messages.
                let (mine, blind) = mocked::commit_mocked(suite, &committed, DRAFT_SEED).unwrap();
                assert_eq!(&mine, c, "{rel}");
                assert_eq!(blind, spb, "{rel}");
            } else {
                assert!(committed.is_empty() && v["proverBlind"].is_null(), "{rel}");
            }
            let want = hexv(&v["signature"]);
            let sig = blind::blind_sign(suite, &sk, &pk, cwp.as_ref(), &header, &messages).unwrap();
            assert_eq!(
                hex::encode(sig.to_bytes()),
                hex::encode(&want),
                "{folder}/{rel}"
            );
            let decoded = Signature::from_bytes(&want).unwrap();
            blind::blind_verify(suite, &pk, &decoded, &header, &messages, &committed, &spb)
                .unwrap();
            // The holder's credential accepts it.
            let cred = bbs::ProverCredential::new_blind(
                suite,
                &pk,
                &decoded,
                &header,
                blind::messages_to_scalars(suite, &messages),
                blind::messages_to_scalars(suite, &committed),
                &spb,
            )
            .unwrap();
            assert_eq!(
                cred.generators(),
                MessageGenerators::blind(messages.len(), committed.len())
            );

            // Negative: another blind, a changed committed or signer message,
            // the plain interface.
            let wrong_blind = SecretProverBlind::from_scalar(*spb.as_scalar() + Scalar::ONE);
            assert_eq!(
                blind::blind_verify(
                    suite,
                    &pk,
                    &decoded,
                    &header,
                    &messages,
                    &committed,
                    &wrong_blind
                ),
                Err(Error::VerificationFailed),
                "{rel}"
            );
            if let Some(first) = committed.first() {
                let mut changed = committed.clone();
                changed[0] = [first.as_slice(), b"x"].concat();
                assert_eq!(
                    blind::blind_verify(suite, &pk, &decoded, &header, &messages, &changed, &spb),
                    Err(Error::VerificationFailed),
                    "{rel}"
                );
            }
            if !messages.is_empty() {
                let mut changed = messages.clone();
                changed.swap(0, messages.len() - 1);
                if changed != messages {
                    assert_eq!(
                        blind::blind_verify(
                            suite, &pk, &decoded, &header, &changed, &committed, &spb
                        ),
                        Err(Error::VerificationFailed),
                        "{rel}"
                    );
                }
            }
            assert_eq!(
                bbs::verify(suite, &pk, &decoded, &header, &messages),
                Err(Error::VerificationFailed),
                "{rel}: not a plain signature"
            );
            assert_eq!(
                blind::blind_verify(suite, &pk, &decoded, b"other", &messages, &committed, &spb),
                Err(Error::VerificationFailed),
            );
            assert!(matches!(
                bbs::ProverCredential::new_blind(
                    suite,
                    &pk,
                    &decoded,
                    &header,
                    blind::messages_to_scalars(suite, &messages),
                    blind::messages_to_scalars(suite, &committed),
                    &wrong_blind,
                ),
                Err(Error::VerificationFailed)
            ));
        }
    }
}

/// Index → message of a `revealed*` object.
fn revealed(v: &Value) -> Vec<(usize, Vec<u8>)> {
    let mut out: Vec<(usize, Vec<u8>)> = v
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, m)| (k.parse().unwrap(), hexv(m)))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn trace_scalars(t: &Value) -> Vec<Scalar> {
    let mut out: Vec<Scalar> = ["r1", "r2", "e_tilde", "r1_tilde", "r3_tilde"]
        .iter()
        .map(|k| scalar(&t[*k]))
        .collect();
    out.extend(t["m_tilde_scalars"].as_array().unwrap().iter().map(scalar));
    out
}

#[test]
fn proof_vectors() {
    let (all_msgs, all_committed) = all_messages();
    for (suite, folder) in SUITES {
        for (rel, v) in files(folder, "proof", 8) {
            let pk = PublicKey::from_bytes(&hexv(&v["signerPublicKey"])).unwrap();
            let sig = Signature::from_bytes(&hexv(&v["signature"])).unwrap();
            let header = hexv(&v["header"]);
            let ph = hexv(&v["presentationHeader"]);
            let l = v["L"].as_u64().unwrap() as usize;
            let msgs = &all_msgs[..l];
            let has_commitment = !v["commitmentWithProof"].is_null();
            let committed: &[Vec<u8>] = if has_commitment { &all_committed } else { &[] };
            let spb = blind_of(&v["proverBlind"]);
            let rev = revealed(&v["revealedMessages"]);
            let rev_c = revealed(&v["revealedCommittedMessages"]);
            for (i, m) in &rev {
                assert_eq!(&msgs[*i], m, "{rel}: messages.json agrees");
            }
            for (j, m) in &rev_c {
                assert_eq!(&committed[*j], m, "{rel}: messages.json agrees");
            }
            let di: Vec<usize> = rev.iter().map(|(i, _)| *i).collect();
            let dj: Vec<usize> = rev_c.iter().map(|(j, _)| *j).collect();
            let want = hexv(&v["proof"]);

            // The mocked scalars are the trace's.
            let mock = &v["mockRngParameters"]["proof"];
            assert_eq!(
                mock["DST"].as_str().unwrap().as_bytes(),
                mocked::proof_dst(suite)
            );
            let count = mock["count"].as_u64().unwrap() as usize;
            let traced = trace_scalars(&v["trace"]["random_scalars"]);
            assert_eq!(traced.len(), count, "{rel}");
            assert_eq!(
                mocked_random_scalars_with_dst(suite, DRAFT_SEED, &mocked::proof_dst(suite), count)
                    .unwrap(),
                traced,
                "{rel}"
            );

            let proof = mocked::blind_proof_gen_mocked(
                suite, &pk, &sig, &header, &ph, msgs, committed, &di, &dj, &spb, DRAFT_SEED,
            )
            .unwrap();
            assert_eq!(
                hex::encode(proof.to_bytes()),
                hex::encode(&want),
                "{folder}/{rel}"
            );
            let again = mocked::blind_proof_gen_with_random_scalars(
                suite, &pk, &sig, &header, &ph, msgs, committed, &di, &dj, &spb, &traced,
            )
            .unwrap();
            assert_eq!(again, proof);

            let decoded = Proof::from_bytes(&want).unwrap();
            let d: Vec<(usize, &[u8])> = rev.iter().map(|(i, m)| (*i, m.as_slice())).collect();
            let dc: Vec<(usize, &[u8])> = rev_c.iter().map(|(j, m)| (*j, m.as_slice())).collect();
            blind::blind_proof_verify(suite, &pk, &decoded, &header, &ph, l, &d, &dc).unwrap();

            // The same proof through the key cache and the scalar interface.
            let which = MessageGenerators::blind(l, committed.len());
            let scalars: Vec<(usize, Scalar)> = d
                .iter()
                .map(|(i, m)| (*i, which.map_message_to_scalar(suite, m)))
                .chain(dc.iter().map(|(j, m)| {
                    (
                        which.committed_message_index(*j).unwrap(),
                        which.map_message_to_scalar(suite, m),
                    )
                }))
                .collect();
            let vk = bbs::VerifierKey::new(pk.clone());
            vk.proof_verify_with(suite, which, &decoded, &header, &ph, &scalars)
                .unwrap();
            // A prepared blind credential makes the same proof.
            let cred = bbs::ProverCredential::new_blind(
                suite,
                &pk,
                &sig,
                &header,
                blind::messages_to_scalars(suite, msgs),
                blind::messages_to_scalars(suite, committed),
                &spb,
            )
            .unwrap();
            let mut rng = rand::thread_rng();
            let joined: Vec<usize> = scalars.iter().map(|(i, _)| *i).collect();
            let fresh = cred.prove(&ph, &joined, &mut rng).unwrap();
            assert_ne!(fresh, decoded);
            vk.proof_verify_with(suite, which, &fresh, &header, &ph, &scalars)
                .unwrap();

            // Negative: the wrong L, a wrong disclosed message, another ph,
            // the plain list, the other suite.
            assert!(
                blind::blind_proof_verify(suite, &pk, &decoded, &header, &ph, l - 1, &d, &dc)
                    .is_err()
            );
            assert_eq!(
                blind::blind_proof_verify(suite, &pk, &decoded, &header, b"other", l, &d, &dc),
                Err(Error::VerificationFailed)
            );
            if let Some(&(j, _)) = dc.first() {
                let mut wrong = dc.clone();
                wrong[0] = (j, b"forged");
                assert_eq!(
                    blind::blind_proof_verify(suite, &pk, &decoded, &header, &ph, l, &d, &wrong),
                    Err(Error::VerificationFailed),
                    "{rel}"
                );
            }
            assert_eq!(
                vk.proof_verify(suite, &decoded, &header, &ph, &scalars),
                Err(Error::VerificationFailed),
                "{rel}: not a plain proof"
            );
            let other = SUITES.iter().find(|(s, _)| *s != suite).unwrap().0;
            assert!(
                blind::blind_proof_verify(other, &pk, &decoded, &header, &ph, l, &d, &dc).is_err()
            );
        }
    }
}

#[test]
fn trace_values_agree() {
    // The signature and proof traces record B (with the domain term) and
    // the domain. One published trace is garbled: signature003 of the
    // SHA-256 suite has B (48 octets) in its `domain` field and another
    // point in its `B` field. Checked as such, so that any other departure
    // fails (its signature is reproduced byte for byte above all the same).
    let mut quirks = Vec::new();
    for (suite, folder) in SUITES {
        let sigs = files(folder, "signature", 5);
        let proofs = files(folder, "proof", 8);
        for (rel, v) in sigs.iter().chain(&proofs) {
            let t = &v["trace"];
            let (pk, l, m) = if rel.starts_with("signature") {
                let m = hex_list(&v["committedMessages"]).len();
                (
                    PublicKey::from_bytes(&hexv(&v["signerKeyPair"]["publicKey"])).unwrap(),
                    hex_list(&v["messages"]).len(),
                    m,
                )
            } else {
                let m = if v["commitmentWithProof"].is_null() {
                    0
                } else {
                    all_messages().1.len()
                };
                (
                    PublicKey::from_bytes(&hexv(&v["signerPublicKey"])).unwrap(),
                    v["L"].as_u64().unwrap() as usize,
                    m,
                )
            };
            let which = MessageGenerators::blind(l, m);
            let domain =
                bbs::calculate_domain(suite, which, &pk, &hexv(&v["header"]), l + 1 + m).unwrap();
            let want = hexv(&t["domain"]);
            let garbled = want.len() != 32;
            if garbled {
                quirks.push(format!("{folder}/{rel}"));
            } else {
                assert_eq!(domain.to_be_bytes().to_vec(), want, "{folder}/{rel} domain");
            }
            // B = A * (SK + e) for the signatures with their secret key.
            if let Some(sk) = v["signerKeyPair"]["secretKey"].as_str() {
                let sig = hexv(&v["signature"]);
                let a = zkcred_crypto::curve::G1Affine::from_compressed(&sig[..48]).unwrap();
                let e = Scalar::from_be_bytes(&sig[48..].try_into().unwrap()).unwrap();
                let sk =
                    Scalar::from_be_bytes(&hex::decode(sk).unwrap().try_into().unwrap()).unwrap();
                let b = a.to_projective().mul_ct(&(sk + e)).to_affine();
                let field = if garbled { "domain" } else { "B" };
                assert_eq!(
                    b.to_compressed().to_vec(),
                    hexv(&t[field]),
                    "{folder}/{rel} B"
                );
            }
            if rel.starts_with("proof") {
                let proof = hexv(&v["proof"]);
                assert_eq!(proof[proof.len() - 32..].to_vec(), hexv(&t["challenge"]));
                for (k, name) in ["Abar", "Bbar", "D"].iter().enumerate() {
                    assert_eq!(
                        proof[48 * k..48 * (k + 1)].to_vec(),
                        hexv(&t[*name]),
                        "{rel}"
                    );
                }
            }
        }
    }
    assert_eq!(quirks, ["bls12-381-sha-256/signature/signature003.json"]);
}
