//! Runs IETF BBS fixture files (the JSON format of the draft's test vectors)
//! against zkcred: `zkcred bbs conformance DIR`.
//!
//! Every file is classified by its fields. Signature and proof files are
//! verified and the outcome compared with `result.valid`; valid ones are also
//! regenerated (signatures are deterministic; proofs with the draft's mocked
//! random scalars) and must match byte for byte. Key-pair, generator,
//! hash-to-scalar, map-to-scalar and mocked-scalar files are recomputed.
//! Files of other drafts (blind signatures, pseudonyms) are skipped.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use zkcred_crypto::bbs::{self, mocked, Proof, PublicKey, SecretKey, Signature, Suite};

use crate::hexjson::{hex_array, hex_field, hex_field_or_empty, index_array};

/// What running one file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// zkcred agrees with the file.
    Pass,
    /// zkcred disagrees; the string says how.
    Fail(String),
    /// Not a fixture of the BBS signatures draft.
    Skip(String),
}

/// One file's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The file.
    pub path: PathBuf,
    /// Its `caseName`, if any.
    pub case_name: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// The suite of a fixture path: the nearest enclosing folder named
/// `bls12-381-sha-256` or `bls12-381-shake-256`.
pub fn suite_from_path(path: &Path) -> Option<Suite> {
    path.ancestors()
        .skip(1)
        .filter_map(|p| p.file_name()?.to_str())
        .find_map(|name| match name {
            "bls12-381-sha-256" | "bls12-381-shake-256" => Suite::from_name(name),
            _ => None,
        })
}

/// All `.json` files below `dir`, sorted, for a stable report.
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.is_file() {
            out.push(d);
            continue;
        }
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs every fixture file below `dir`. `suite` overrides the suite taken
/// from each file's path.
pub fn run_dir(dir: &Path, suite: Option<Suite>) -> Result<Vec<Outcome>> {
    Ok(fixture_files(dir)?
        .into_iter()
        .map(|p| run_file(&p, suite))
        .collect())
}

/// Runs one fixture file. Errors reading or parsing become failures.
pub fn run_file(path: &Path, suite: Option<Suite>) -> Outcome {
    let parsed = std::fs::read_to_string(path)
        .map_err(anyhow::Error::from)
        .and_then(|s| serde_json::from_str::<Value>(&s).map_err(anyhow::Error::from));
    let v = match parsed {
        Ok(v) => v,
        Err(e) => {
            return Outcome {
                path: path.to_path_buf(),
                case_name: String::new(),
                verdict: Verdict::Fail(format!("unreadable: {e}")),
            }
        }
    };
    let case_name = v
        .get("caseName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let verdict = match suite.or_else(|| suite_from_path(path)) {
        None => Verdict::Skip("no ciphersuite (use --suite or a bls12-381-* folder)".into()),
        Some(suite) => match check(suite, &v) {
            Ok(v) => v,
            Err(e) => Verdict::Fail(format!("{e:#}")),
        },
    };
    Outcome {
        path: path.to_path_buf(),
        case_name,
        verdict,
    }
}

fn keys_within(v: &Value, allowed: &[&str]) -> bool {
    v.as_object()
        .is_some_and(|o| o.keys().all(|k| allowed.contains(&k.as_str())))
}

fn expected_valid(v: &Value) -> Result<bool> {
    v.get("result")
        .and_then(|r| r.get("valid"))
        .and_then(Value::as_bool)
        .ok_or_else(|| anyhow!("missing boolean `result.valid`"))
}

fn check(suite: Suite, v: &Value) -> Result<Verdict> {
    const SIG: &[&str] = &[
        "caseName",
        "signerKeyPair",
        "header",
        "messages",
        "signature",
        "result",
        "trace",
    ];
    const PROOF: &[&str] = &[
        "caseName",
        "signerPublicKey",
        "signature",
        "header",
        "presentationHeader",
        "messages",
        "disclosedIndexes",
        "proof",
        "result",
        "trace",
    ];
    let has = |k: &str| v.get(k).is_some();
    if has("proof") && has("disclosedIndexes") && keys_within(v, PROOF) {
        check_proof(suite, v)
    } else if has("signerKeyPair") && has("signature") && keys_within(v, SIG) {
        check_signature(suite, v)
    } else if has("keyMaterial") && has("keyPair") {
        check_keypair(suite, v)
    } else if has("MsgGenerators") {
        check_generators(suite, v)
    } else if has("mockedScalars") {
        check_mocked(suite, v)
    } else if has("cases") && has("dst") {
        check_map_to_scalar(suite, v)
    } else if has("scalar") && has("dst") && has("message") {
        let got = bbs::hash_to_scalar(suite, &hex_field(v, "message")?, &hex_field(v, "dst")?);
        same("scalar", &got.to_be_bytes(), &hex_field(v, "scalar")?)
    } else {
        Ok(Verdict::Skip("not a BBS signatures fixture".into()))
    }
}

fn same(what: &str, got: &[u8], want: &[u8]) -> Result<Verdict> {
    Ok(if got == want {
        Verdict::Pass
    } else {
        Verdict::Fail(format!(
            "{what}: computed {}, expected {}",
            hex::encode(got),
            hex::encode(want)
        ))
    })
}

fn outcome_matches(expected: bool, got: Result<(), String>) -> Verdict {
    match (expected, got) {
        (true, Ok(())) | (false, Err(_)) => Verdict::Pass,
        (true, Err(e)) => Verdict::Fail(format!("expected valid, zkcred rejected: {e}")),
        (false, Ok(())) => Verdict::Fail("expected invalid, zkcred accepted".into()),
    }
}

fn check_signature(suite: Suite, v: &Value) -> Result<Verdict> {
    let kp = v
        .get("signerKeyPair")
        .ok_or_else(|| anyhow!("missing signerKeyPair"))?;
    let header = hex_field_or_empty(v, "header")?;
    let messages = hex_array(v, "messages")?;
    let sig_bytes = hex_field(v, "signature")?;
    let expected = expected_valid(v)?;
    let outcome = (|| -> Result<(), String> {
        let pk = PublicKey::from_bytes(&hex_field(kp, "publicKey").map_err(|e| e.to_string())?)
            .map_err(|e| format!("public key: {e}"))?;
        let sig = Signature::from_bytes(&sig_bytes).map_err(|e| format!("signature: {e}"))?;
        bbs::verify(suite, &pk, &sig, &header, &messages).map_err(|e| e.to_string())
    })();
    let verdict = outcome_matches(expected, outcome);
    if verdict != Verdict::Pass || !expected {
        return Ok(verdict);
    }
    // Signing is deterministic: a valid vector must be reproduced exactly.
    let sk = SecretKey::from_bytes(&hex_field(kp, "secretKey")?)?;
    let pk = PublicKey::from_bytes(&hex_field(kp, "publicKey")?)?;
    let sig = bbs::sign(suite, &sk, &pk, &header, &messages)?;
    same("signature", &sig.to_bytes(), &sig_bytes)
}

fn check_proof(suite: Suite, v: &Value) -> Result<Verdict> {
    let header = hex_field_or_empty(v, "header")?;
    let ph = hex_field_or_empty(v, "presentationHeader")?;
    let messages = hex_array(v, "messages")?;
    let indexes = index_array(v, "disclosedIndexes")?;
    let proof_bytes = hex_field(v, "proof")?;
    let expected = expected_valid(v)?;
    let pk_bytes = hex_field(v, "signerPublicKey")?;
    let outcome = (|| -> Result<(), String> {
        let pk = PublicKey::from_bytes(&pk_bytes).map_err(|e| format!("public key: {e}"))?;
        let proof = Proof::from_bytes(&proof_bytes).map_err(|e| format!("proof: {e}"))?;
        let disclosed = indexes
            .iter()
            .map(|&i| {
                messages
                    .get(i)
                    .map(|m| (i, m.as_slice()))
                    .ok_or_else(|| format!("disclosed index {i} has no message"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        bbs::proof_verify(suite, &pk, &proof, &header, &ph, &disclosed).map_err(|e| e.to_string())
    })();
    let verdict = outcome_matches(expected, outcome);
    if verdict != Verdict::Pass || !expected {
        return Ok(verdict);
    }
    // Reproduce the proof with the draft's mocked random scalars.
    let pk = PublicKey::from_bytes(&pk_bytes)?;
    let sig = Signature::from_bytes(&hex_field(v, "signature")?)?;
    let proof = mocked::proof_gen_mocked(
        suite,
        &pk,
        &sig,
        &header,
        &ph,
        &messages,
        &indexes,
        mocked::DRAFT_SEED,
    )?;
    same("proof", &proof.to_bytes(), &proof_bytes)
}

fn check_keypair(suite: Suite, v: &Value) -> Result<Verdict> {
    let kp = v.get("keyPair").ok_or_else(|| anyhow!("missing keyPair"))?;
    let dst = hex_field(v, "keyDst").ok();
    let sk = bbs::keygen(
        suite,
        &hex_field(v, "keyMaterial")?,
        &hex_field(v, "keyInfo")?,
        dst.as_deref(),
    )?;
    if let Verdict::Fail(f) = same(
        "secretKey",
        sk.to_bytes().as_ref(),
        &hex_field(kp, "secretKey")?,
    )? {
        return Ok(Verdict::Fail(f));
    }
    same(
        "publicKey",
        &sk.public_key().to_bytes(),
        &hex_field(kp, "publicKey")?,
    )
}

fn check_generators(suite: Suite, v: &Value) -> Result<Verdict> {
    let msg = hex_array(v, "MsgGenerators")?;
    let gens = bbs::create_generators(suite, msg.len() + 1);
    if let Verdict::Fail(f) = same("P1", &suite.p1().to_compressed(), &hex_field(v, "P1")?)? {
        return Ok(Verdict::Fail(f));
    }
    if let Verdict::Fail(f) = same("Q1", &gens[0].to_compressed(), &hex_field(v, "Q1")?)? {
        return Ok(Verdict::Fail(f));
    }
    for (i, (g, want)) in gens[1..].iter().zip(&msg).enumerate() {
        if let Verdict::Fail(f) = same(&format!("H_{}", i + 1), &g.to_compressed(), want)? {
            return Ok(Verdict::Fail(f));
        }
    }
    Ok(Verdict::Pass)
}

fn check_mocked(suite: Suite, v: &Value) -> Result<Verdict> {
    let want = hex_array(v, "mockedScalars")?;
    let count = v
        .get("count")
        .and_then(Value::as_u64)
        .ok_or_else(|| anyhow!("missing count"))? as usize;
    if count != want.len() {
        bail!("count {count} but {} scalars", want.len());
    }
    let dst = hex_field(v, "dst")?;
    if dst != suite.dst(b"MOCK_RANDOM_SCALARS_DST_") {
        return Ok(Verdict::Fail(
            "dst differs from the suite's mocked-scalar DST".into(),
        ));
    }
    let got = mocked::mocked_random_scalars(suite, &hex_field(v, "seed")?, count)?;
    let got: Vec<u8> = got.iter().flat_map(|s| s.to_be_bytes()).collect();
    same("mockedScalars", &got, &want.concat())
}

fn check_map_to_scalar(suite: Suite, v: &Value) -> Result<Verdict> {
    let dst = hex_field(v, "dst")?;
    let cases = v
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("missing cases"))?;
    for (i, c) in cases.iter().enumerate() {
        let msg = hex_field(c, "message")?;
        let got = bbs::hash_to_scalar(suite, &msg, &dst);
        if let Verdict::Fail(f) = same(
            &format!("cases[{i}]"),
            &got.to_be_bytes(),
            &hex_field(c, "scalar")?,
        )? {
            return Ok(Verdict::Fail(f));
        }
        if dst == suite.dst(b"MAP_MSG_TO_SCALAR_AS_HASH_")
            && bbs::map_message_to_scalar(suite, &msg) != got
        {
            return Ok(Verdict::Fail(format!(
                "cases[{i}]: map_message_to_scalar differs"
            )));
        }
    }
    Ok(Verdict::Pass)
}
