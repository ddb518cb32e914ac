//! The pseudonym draft's test vectors (draft-irtf-cfrg-bbs-per-verifier-
//! linkability, editor's copy of June 2026), both suites, from
//! `tests/vectors/bbs-pseudonyms/` (or `$ZKCRED_FIXTURES/bbs-pseudonyms/`).
//!
//! Known quirk of the published files: some scalars in `proverNyms` and
//! `nym_secrets` are written with 63 hex digits (the leading zero dropped);
//! [`scalar`] left-pads them to 64.

#![allow(clippy::unwrap_used)] // test code: a failing unwrap is a failing test

use std::path::PathBuf;

use serde_json::Value;
use zkcred_crypto::bbs::{self, MessageGenerators, Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::blind::{CommitmentWithProof, SecretProverBlind};
use zkcred_crypto::nym::{self, NymSecrets, Pseudonym, SignerNymEntropy};
use zkcred_crypto::{Error, Scalar};

fn root() -> PathBuf {
    match std::env::var_os("ZKCRED_FIXTURES") {
        Some(dir) => PathBuf::from(dir).join("bbs-pseudonyms"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bbs-pseudonyms"),
    }
}

fn folder(suite: Suite) -> &'static str {
    match suite {
        Suite::Bls12381Sha256 => "bls12-381-sha-256",
        Suite::Bls12381Shake256 => "bls12-381-shake-256",
    }
}

/// Every file of `kind` (`nymCommit`, `nymSignature`, `nymProof`) for a
/// suite, sorted, with its name.
fn files(suite: Suite, kind: &str) -> Vec<(String, Value)> {
    let dir = root().join(folder(suite)).join(kind);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// A 32-octet big-endian scalar, left-padding the published files' 63-digit
/// values.
fn scalar(v: &Value) -> Scalar {
    let s = v.as_str().unwrap();
    assert!(s.len() <= 64, "scalar of {} hex digits", s.len());
    let padded = format!("{s:0>64}");
    let arr: [u8; 32] = hex::decode(padded).unwrap().try_into().unwrap();
    Scalar::from_be_bytes(&arr).unwrap()
}

fn scalars(v: &Value) -> Vec<Scalar> {
    v.as_array().unwrap().iter().map(scalar).collect()
}

#[test]
fn pseudonyms_match_the_vectors() {
    let mut checked = 0;
    let mut ops = 0;
    for suite in Suite::ALL {
        for (name, v) in files(suite, "nymProof") {
            let nym_secrets = scalars(&v["nym_secrets"]);
            let context_id = bytes(&v["context_id"]);
            let expected = bytes(&v["pseudonym"]);
            let got = nym::pseudonym_of(suite, &context_id, &nym_secrets).unwrap();
            // The trace's context point, where the file records it.
            if let Some(op) = v["trace"]["OP"].as_str() {
                let op = hex::decode(op).unwrap();
                assert_eq!(
                    hex::encode(nym::context_point(suite, &context_id).to_compressed()),
                    hex::encode(op),
                    "{name}"
                );
                ops += 1;
            }
            assert_eq!(
                hex::encode(got.to_bytes()),
                hex::encode(&expected),
                "{name}"
            );
            assert_eq!(Pseudonym::from_bytes(&expected).unwrap(), got, "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 22);
    assert!(ops > 0, "no trace recorded OP");
}

fn hex_list(v: &Value) -> Vec<Vec<u8>> {
    v.as_array().unwrap().iter().map(bytes).collect()
}

/// `{"index": "hex", ..}` as `(index, octets)` pairs in ascending index
/// order (the JSON object's keys are strings: "10" sorts before "2").
fn revealed(v: &Value) -> Vec<(usize, Vec<u8>)> {
    let mut out: Vec<(usize, Vec<u8>)> = v
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, m)| (k.parse().unwrap(), bytes(m)))
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|(i, _)| *i);
    out
}

fn seed(v: &Value) -> Vec<u8> {
    v["mockRngParameters"]["SEED"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn nyms(v: &Value) -> NymSecrets {
    NymSecrets::from_scalars(scalars(v)).unwrap()
}

#[test]
fn commitments_match_the_vectors() {
    let mut checked = 0;
    for suite in Suite::ALL {
        for (name, v) in files(suite, "nymCommit") {
            assert_eq!(v["result"]["valid"], Value::Bool(true), "{name}");
            let committed = hex_list(&v["committedMessages"]);
            let prover_nyms = nyms(&v["proverNyms"]);
            let (cwp, blind) =
                nym::mocked::commit_with_nym_mocked(suite, &committed, &prover_nyms, &seed(&v))
                    .unwrap();
            let expected = bytes(&v["commitmentWithProof"]);
            assert_eq!(
                hex::encode(cwp.to_bytes()),
                hex::encode(&expected),
                "{name}"
            );
            assert_eq!(
                hex::encode(blind.to_bytes().as_ref()),
                v["proverBlind"].as_str().unwrap(),
                "{name}"
            );
            // The trace's scalars are the mocked ones after the blind.
            let trace = &v["trace"]["random_scalars"];
            let mut random = vec![*blind.as_scalar(), scalar(&trace["s_tilde"])];
            random.extend(scalars(&trace["m_tildes"]));
            let (again, _) = nym::mocked::commit_with_nym_with_random_scalars(
                suite,
                &committed,
                &prover_nyms,
                &random,
            )
            .unwrap();
            assert_eq!(again, cwp, "{name}");
            // The issuer's side: the file's octets decode and their proof
            // verifies under the pseudonym api_id.
            let decoded = CommitmentWithProof::from_bytes(&expected).unwrap();
            assert_eq!(decoded, cwp, "{name}");
            nym::verify_commitment(suite, &decoded).unwrap();
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

#[test]
fn signatures_match_the_vectors() {
    let mut checked = 0;
    for suite in Suite::ALL {
        for (name, v) in files(suite, "nymSignature") {
            assert_eq!(v["result"]["valid"], Value::Bool(true), "{name}");
            let sk = SecretKey::from_bytes(&bytes(&v["signerKeyPair"]["secretKey"])).unwrap();
            let pk = PublicKey::from_bytes(&bytes(&v["signerKeyPair"]["publicKey"])).unwrap();
            let entropy = SignerNymEntropy::from_bytes(&bytes(&v["signer_nym_entropy"])).unwrap();
            let prover_nyms = nyms(&v["proverNyms"]);
            let blind = SecretProverBlind::from_bytes(&bytes(&v["proverBlind"])).unwrap();
            let cwp = CommitmentWithProof::from_bytes(&bytes(&v["commitmentWithProof"])).unwrap();
            let header = bytes(&v["header"]);
            let messages = hex_list(&v["messages"]);
            let committed = hex_list(&v["committedMessages"]);
            let sig = nym::blind_sign_with_nym(
                suite,
                &sk,
                &pk,
                &cwp,
                prover_nyms.len(),
                &entropy,
                &header,
                &messages,
            )
            .unwrap();
            let expected = bytes(&v["signature"]);
            assert_eq!(
                hex::encode(sig.to_bytes()),
                hex::encode(&expected),
                "{name}"
            );
            let nym_secrets = nym::verify_finalize_with_nym(
                suite,
                &pk,
                &sig,
                &header,
                &messages,
                &committed,
                &prover_nyms,
                &entropy,
                &blind,
            )
            .unwrap();
            assert_eq!(nym_secrets, nyms(&v["nym_secrets"]), "{name}");
            // The holder's check refuses another entropy and another header.
            let other = SignerNymEntropy::from_scalar(*entropy.as_scalar() + Scalar::ONE);
            assert_eq!(
                nym::verify_finalize_with_nym(
                    suite,
                    &pk,
                    &sig,
                    &header,
                    &messages,
                    &committed,
                    &prover_nyms,
                    &other,
                    &blind,
                ),
                Err(Error::VerificationFailed),
                "{name}"
            );
            assert_eq!(
                nym::verify_finalize_with_nym(
                    suite,
                    &pk,
                    &sig,
                    b"other",
                    &messages,
                    &committed,
                    &prover_nyms,
                    &entropy,
                    &blind,
                ),
                Err(Error::VerificationFailed),
                "{name}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}

/// A proof file's inputs.
struct ProofCase {
    name: String,
    pk: PublicKey,
    sig: Signature,
    header: Vec<u8>,
    ph: Vec<u8>,
    nym_secrets: NymSecrets,
    context_id: Vec<u8>,
    messages: Vec<Vec<u8>>,
    committed: Vec<Vec<u8>>,
    revealed: Vec<(usize, Vec<u8>)>,
    revealed_committed: Vec<(usize, Vec<u8>)>,
    blind: SecretProverBlind,
    proof: Vec<u8>,
    pseudonym: Vec<u8>,
    seed: Vec<u8>,
    trace_random: Vec<Scalar>,
}

impl ProofCase {
    fn new(name: String, v: &Value) -> ProofCase {
        assert_eq!(v["result"]["valid"], Value::Bool(true), "{name}");
        // The files spell the trace's key `random_scalars` or (SHAKE-256
        // nymProof101-104) `randomScalars`.
        let t = match &v["trace"]["random_scalars"] {
            Value::Null => &v["trace"]["randomScalars"],
            t => t,
        };
        let mut trace_random: Vec<Scalar> = ["r1", "r2", "e_Tilde", "r1_Tilde", "r3_Tilde"]
            .iter()
            .map(|k| scalar(&t[*k]))
            .collect();
        trace_random.extend(scalars(&t["m_tilde_scalars"]));
        let c = ProofCase {
            pk: PublicKey::from_bytes(&bytes(&v["signerPublicKey"])).unwrap(),
            sig: Signature::from_bytes(&bytes(&v["signature"])).unwrap(),
            header: bytes(&v["header"]),
            ph: bytes(&v["presentationHeader"]),
            nym_secrets: nyms(&v["nym_secrets"]),
            context_id: bytes(&v["context_id"]),
            messages: hex_list(&v["messages"]),
            committed: hex_list(&v["committedMessages"]),
            revealed: revealed(&v["revealedMessages"]),
            revealed_committed: revealed(&v["revealedCommittedMessages"]),
            blind: SecretProverBlind::from_bytes(&bytes(&v["proverBlind"])).unwrap(),
            proof: bytes(&v["proof"]),
            pseudonym: bytes(&v["pseudonym"]),
            seed: seed(v),
            trace_random,
            name,
        };
        assert_eq!(v["L"].as_u64().unwrap() as usize, c.messages.len());
        for (i, m) in &c.revealed {
            assert_eq!(&c.messages[*i], m, "{}", c.name);
        }
        for (j, m) in &c.revealed_committed {
            assert_eq!(&c.committed[*j], m, "{}", c.name);
        }
        c
    }

    fn disclosed_indexes(&self) -> Vec<usize> {
        self.revealed.iter().map(|(i, _)| *i).collect()
    }

    fn disclosed_commitment_indexes(&self) -> Vec<usize> {
        self.revealed_committed.iter().map(|(j, _)| *j).collect()
    }

    fn verify(
        &self,
        suite: Suite,
        proof: &Proof,
        pseudonym: &Pseudonym,
        ctx: &[u8],
    ) -> Result<(), Error> {
        let signer: Vec<(usize, &[u8])> = self
            .revealed
            .iter()
            .map(|(i, m)| (*i, m.as_slice()))
            .collect();
        let committed: Vec<(usize, &[u8])> = self
            .revealed_committed
            .iter()
            .map(|(j, m)| (*j, m.as_slice()))
            .collect();
        nym::proof_verify_with_nym(
            suite,
            &self.pk,
            proof,
            &self.header,
            &self.ph,
            pseudonym,
            ctx,
            self.nym_secrets.len(),
            self.messages.len(),
            &signer,
            &committed,
        )
    }
}

fn proof_cases(suite: Suite) -> Vec<ProofCase> {
    files(suite, "nymProof")
        .into_iter()
        .map(|(name, v)| ProofCase::new(name, &v))
        .collect()
}

#[test]
fn proofs_match_the_vectors() {
    let mut checked = 0;
    for suite in Suite::ALL {
        for (c, v) in proof_cases(suite).into_iter().zip(files(suite, "nymProof")) {
            let name = &c.name;
            // The file's signature and nym secrets are those the holder
            // finalizes from its prover nyms and the signer's entropy.
            let finalized = nym::verify_finalize_with_nym(
                suite,
                &c.pk,
                &c.sig,
                &c.header,
                &c.messages,
                &c.committed,
                &nyms(&v.1["proverNyms"]),
                &SignerNymEntropy::from_bytes(&bytes(&v.1["signer_nym_entropy"])).unwrap(),
                &c.blind,
            )
            .unwrap();
            assert_eq!(finalized, c.nym_secrets, "{name}");
            let (proof, pseudonym) = nym::mocked::proof_gen_with_nym_mocked(
                suite,
                &c.pk,
                &c.sig,
                &c.header,
                &c.ph,
                &c.nym_secrets,
                &c.context_id,
                &c.messages,
                &c.committed,
                &c.disclosed_indexes(),
                &c.disclosed_commitment_indexes(),
                &c.blind,
                &c.seed,
            )
            .unwrap();
            assert_eq!(
                hex::encode(proof.to_bytes()),
                hex::encode(&c.proof),
                "{name}"
            );
            assert_eq!(
                hex::encode(pseudonym.to_bytes()),
                hex::encode(&c.pseudonym),
                "{name}"
            );
            // The trace's scalars reproduce the same proof.
            let (again, _) = nym::mocked::proof_gen_with_nym_with_random_scalars(
                suite,
                &c.pk,
                &c.sig,
                &c.header,
                &c.ph,
                &c.nym_secrets,
                &c.context_id,
                &c.messages,
                &c.committed,
                &c.disclosed_indexes(),
                &c.disclosed_commitment_indexes(),
                &c.blind,
                &c.trace_random,
            )
            .unwrap();
            assert_eq!(again, proof, "{name}");
            // The verifier's side, from the file's octets.
            let decoded = Proof::from_bytes(&c.proof).unwrap();
            let pseudonym = Pseudonym::from_bytes(&c.pseudonym).unwrap();
            c.verify(suite, &decoded, &pseudonym, &c.context_id)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            checked += 1;
        }
    }
    assert_eq!(checked, 22);
}

#[test]
fn vector_proofs_refuse_another_pseudonym_or_context() {
    for suite in Suite::ALL {
        let cases = proof_cases(suite);
        for (k, c) in cases.iter().enumerate() {
            let name = &c.name;
            let proof = Proof::from_bytes(&c.proof).unwrap();
            let pseudonym = Pseudonym::from_bytes(&c.pseudonym).unwrap();
            // Another context: the same proof and pseudonym do not verify.
            let mut ctx = c.context_id.clone();
            ctx[0] ^= 1;
            assert_eq!(
                c.verify(suite, &proof, &pseudonym, &ctx),
                Err(Error::VerificationFailed),
                "{name}"
            );
            assert_eq!(
                c.verify(suite, &proof, &pseudonym, b""),
                Err(Error::VerificationFailed),
                "{name}"
            );
            // The pseudonym of the same nym secrets in another context, or
            // of another file's nym secrets, swapped in.
            let elsewhere = nym::pseudonym_of(suite, &ctx, c.nym_secrets.as_scalars()).unwrap();
            assert_eq!(
                c.verify(suite, &proof, &elsewhere, &c.context_id),
                Err(Error::VerificationFailed),
                "{name}"
            );
            let other = &cases[(k + 1) % cases.len()];
            let theirs = Pseudonym::from_bytes(&other.pseudonym).unwrap();
            if theirs != pseudonym {
                assert_eq!(
                    c.verify(suite, &proof, &theirs, &c.context_id),
                    Err(Error::VerificationFailed),
                    "{name}"
                );
            }
            // Another nym vector length changes the header and the split.
            if c.nym_secrets.len() > 1 {
                let signer: Vec<(usize, &[u8])> =
                    c.revealed.iter().map(|(i, m)| (*i, m.as_slice())).collect();
                let committed: Vec<(usize, &[u8])> = c
                    .revealed_committed
                    .iter()
                    .map(|(j, m)| (*j, m.as_slice()))
                    .collect();
                assert!(nym::proof_verify_with_nym(
                    suite,
                    &c.pk,
                    &proof,
                    &c.header,
                    &c.ph,
                    &pseudonym,
                    &c.context_id,
                    c.nym_secrets.len() - 1,
                    c.messages.len(),
                    &signer,
                    &committed,
                )
                .is_err());
            }
        }
    }
}

#[test]
fn a_wrong_nym_secret_gives_a_proof_that_does_not_verify() {
    for suite in Suite::ALL {
        for c in proof_cases(suite) {
            let mut wrong: Vec<Scalar> = c.nym_secrets.as_scalars().to_vec();
            let last = wrong.len() - 1;
            wrong[last] += Scalar::ONE;
            let wrong = NymSecrets::from_scalars(wrong).unwrap();
            let (proof, pseudonym) = nym::mocked::proof_gen_with_nym_mocked(
                suite,
                &c.pk,
                &c.sig,
                &c.header,
                &c.ph,
                &wrong,
                &c.context_id,
                &c.messages,
                &c.committed,
                &c.disclosed_indexes(),
                &c.disclosed_commitment_indexes(),
                &c.blind,
                &c.seed,
            )
            .unwrap();
            assert_ne!(pseudonym.to_bytes().to_vec(), c.pseudonym, "{}", c.name);
            assert_eq!(
                c.verify(suite, &proof, &pseudonym, &c.context_id),
                Err(Error::VerificationFailed),
                "{}",
                c.name
            );
        }
    }
}

#[test]
fn generators_match_the_vectors() {
    for suite in Suite::ALL {
        let path = root().join(folder(suite)).join("generators.json");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            v["generators"]["api_id"].as_str().unwrap().as_bytes(),
            nym::api_id(suite)
        );
        assert_eq!(
            v["blindGenerators"]["api_id"].as_str().unwrap().as_bytes(),
            [b"BLIND_".as_slice(), nym::api_id(suite)].concat()
        );
        let msg = hex_list(&v["generators"]["MsgGenerators"]);
        let blind_msg = hex_list(&v["blindGenerators"]["MsgGenerators"]);
        // A credential with L signer messages, and M committed messages and
        // N nym secrets that together fill the file's J_1..: Q_1, H_1..H_L,
        // J_0..J_{M+N}. Any split of M + N gives the same list.
        let (l, k) = (msg.len(), blind_msg.len());
        for n in 1..=k {
            let which = MessageGenerators::nym(l, k - n, n);
            let gens = bbs::generators_for(suite, which, l + 1 + k).unwrap();
            let g: Vec<Vec<u8>> = gens
                .as_slice()
                .iter()
                .map(|p| p.to_compressed().to_vec())
                .collect();
            assert_eq!(g.len(), l + k + 2);
            assert_eq!(g[0], bytes(&v["generators"]["Q1"]));
            assert_eq!(&g[1..=l], msg.as_slice());
            // The file lists J_0 as the blind list's Q1 and J_1.. as its
            // MsgGenerators.
            assert_eq!(g[l + 1], bytes(&v["blindGenerators"]["Q1"]));
            assert_eq!(&g[l + 2..], blind_msg.as_slice());
        }
        for key in ["generators", "blindGenerators"] {
            assert_eq!(suite.p1().to_compressed().to_vec(), bytes(&v[key]["P1"]));
        }
    }
}
