//! Cases of draft-irtf-cfrg-bbs-blind-signatures: commitments (`Commit`,
//! commitment validation), blind signatures (`BlindSign`, the holder's
//! `Verify`), proofs (`ProofGen`, `ProofVerify` of the blind interface) and
//! the draft's generators file. See [`zkcred_crypto::blind`] for the
//! revision followed.
//!
//! Each kind is judged like its BBS counterpart: the verdict is zkcred's
//! verification against `result.valid`; a valid case is then reproduced
//! byte for byte when the file says how it was made.
//!
//! - **Commit** (`commitmentWithProof`, `committedMessages`, no signature):
//!   the commitment is decoded and its proof verified; then regenerated from
//!   `proverBlind` and `trace.random_scalars` (`s_tilde`, `m_tildes`), or
//!   from the mocked scalars of `mockRngParameters` (`SEED`, `commit.DST`).
//! - **Signature** (`signerKeyPair`, `signature`, `commitmentWithProof`):
//!   the signer's check of the commitment and the holder's `Verify` with
//!   `proverBlind` and `committedMessages` (a `null` commitment is "no
//!   commitment": no committed messages, a zero blind); then re-signed
//!   (deterministic) when the file has the secret key.
//! - **Proof** (`signerPublicKey`, `proof`, `L`, `revealedMessages`,
//!   `revealedCommittedMessages`): `ProofVerify` with `L`; then, with the
//!   signature, `proverBlind` and every message (the file's `messages` and
//!   `committedMessages`, else the draft's `messages.json` found in a folder
//!   above the file, its committed messages used when `commitmentWithProof`
//!   is not `null`: only that presence is read, the prover does not need
//!   the commitment), regenerated from `trace.random_scalars` or from
//!   `mockRngParameters` (`SEED`, `proof.DST`).
//! - **Generators** (`generators`, `blindGenerators`): recomputed.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use zkcred_crypto::bbs::mocked::mocked_random_scalars_with_dst;
use zkcred_crypto::bbs::{self, MessageGenerators, Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::blind::{self, mocked, CommitmentWithProof, SecretProverBlind};
use zkcred_crypto::curve::Scalar;

use super::bbs_cases::{compare, expected, trace_scalar, trace_scalars};
use super::{same, Judged, Verdict};
use crate::hexjson::{hex_array, hex_array_or_empty, hex_field, hex_field_or_empty, opt_hex_field};

/// The kinds of blind-signatures file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlindKind {
    /// `Commit` and the commitment's validation.
    Commit,
    /// `BlindSign` and the holder's `Verify`.
    Signature,
    /// `ProofGen` / `ProofVerify` of the blind interface.
    Proof,
    /// The generators of both lists.
    Generators,
}

impl BlindKind {
    /// The fields this kind reads.
    pub(super) fn known_fields(self) -> &'static [&'static str] {
        match self {
            BlindKind::Commit => &[
                "caseName",
                "mockRngParameters",
                "committedMessages",
                "proverBlind",
                "commitmentWithProof",
                "result",
                "trace",
            ],
            BlindKind::Signature => &[
                "caseName",
                "mockRngParameters",
                "signerKeyPair",
                "commitmentWithProof",
                "header",
                "messages",
                "committedMessages",
                "proverBlind",
                "signature",
                "result",
                "trace",
            ],
            BlindKind::Proof => &[
                "caseName",
                "mockRngParameters",
                "signerPublicKey",
                "signature",
                "commitmentWithProof",
                "proverBlind",
                "header",
                "presentationHeader",
                "revealedMessages",
                "revealedCommittedMessages",
                "messages",
                "committedMessages",
                "L",
                "proof",
                "result",
                "trace",
            ],
            BlindKind::Generators => &["caseName", "generators", "blindGenerators"],
        }
    }
}

/// The blind-signatures kind of a file, by its fields (pseudonym files,
/// which share them, are told apart before this is asked).
pub(super) fn classify(v: &Value) -> Option<BlindKind> {
    let has = |k: &str| v.get(k).is_some();
    if has("blindGenerators") && has("generators") {
        Some(BlindKind::Generators)
    } else if has("proof")
        && has("signerPublicKey")
        && (has("L") || has("revealedMessages") || has("revealedCommittedMessages"))
    {
        Some(BlindKind::Proof)
    } else if has("signature") && has("signerKeyPair") && has("commitmentWithProof") {
        Some(BlindKind::Signature)
    } else if has("commitmentWithProof") && !has("signature") && !has("proof") {
        Some(BlindKind::Commit)
    } else {
        None
    }
}

/// Judges a file of kind `kind`; `path` locates the draft's `messages.json`.
pub(super) fn check(kind: BlindKind, suite: Suite, v: &Value, path: &Path) -> Result<Judged> {
    match kind {
        BlindKind::Commit => commit(suite, v),
        BlindKind::Signature => signature(suite, v),
        BlindKind::Proof => proof(suite, v, path),
        BlindKind::Generators => generators(suite, v),
    }
}

/// `proverBlind`: 32 octets, or zero when absent or `null` (no commitment).
pub(super) fn prover_blind(v: &Value) -> Result<SecretProverBlind> {
    match opt_hex_field(v, "proverBlind")? {
        Some(b) => SecretProverBlind::from_bytes(&b).context("field `proverBlind`"),
        None => Ok(SecretProverBlind::zero()),
    }
}

/// `commitmentWithProof`, `None` when absent or `null`.
fn commitment_bytes(v: &Value) -> Result<Option<Vec<u8>>> {
    opt_hex_field(v, "commitmentWithProof")
}

/// `mockRngParameters.SEED` and the `DST` and `count` of its `section`.
pub(super) struct Mock {
    seed: Vec<u8>,
    dst: Option<Vec<u8>>,
    count: Option<usize>,
}

pub(super) fn mock(v: &Value, section: &str) -> Result<Option<Mock>> {
    let Some(p) = v.get("mockRngParameters").filter(|p| !p.is_null()) else {
        return Ok(None);
    };
    let str_of = |x: &Value, k: &str, what: &str| -> Result<Option<String>> {
        match x.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => bail!("field `{what}` must be a string"),
        }
    };
    let Some(seed) = str_of(p, "SEED", "mockRngParameters.SEED")? else {
        return Ok(None);
    };
    let sec = p.get(section).filter(|s| !s.is_null());
    let dst = match sec {
        Some(s) => str_of(s, "DST", &format!("mockRngParameters.{section}.DST"))?,
        None => None,
    };
    let count = match sec.and_then(|s| s.get("count")) {
        None | Some(Value::Null) => None,
        Some(c) => Some(
            c.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    anyhow!("field `mockRngParameters.{section}.count` must be an integer")
                })?,
        ),
    };
    Ok(Some(Mock {
        seed: seed.into_bytes(),
        dst: dst.map(String::into_bytes),
        count,
    }))
}

/// The mocked scalars a file records: `count` of them under the file's DST
/// (default `default_dst`); a recorded count that differs is an error.
pub(super) fn mocked_scalars(
    suite: Suite,
    m: &Mock,
    default_dst: Vec<u8>,
    count: usize,
) -> Result<Vec<Scalar>> {
    if let Some(c) = m.count {
        if c != count {
            bail!("mockRngParameters count {c}, but the case needs {count} scalars");
        }
    }
    let dst = m.dst.clone().unwrap_or(default_dst);
    Ok(mocked_random_scalars_with_dst(suite, &m.seed, &dst, count)?)
}

fn commit(suite: Suite, v: &Value) -> Result<Judged> {
    let committed = hex_array_or_empty(v, "committedMessages")?;
    let cwp_bytes = hex_field(v, "commitmentWithProof")?;
    let exp = expected(v)?;
    let outcome = (|| -> Result<(), String> {
        let c = CommitmentWithProof::from_bytes(&cwp_bytes)
            .map_err(|e| format!("commitmentWithProof: {e}"))?;
        if c.committed_message_count() != committed.len() {
            return Err(format!(
                "the commitment's proof covers {} messages, the file commits to {}",
                c.committed_message_count(),
                committed.len()
            ));
        }
        c.verify(suite).map_err(|e| e.to_string())
    })();
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let m = committed.len();
    let (random, how) = match v.get("trace").and_then(|t| t.get("random_scalars")) {
        Some(t) if opt_hex_field(v, "proverBlind")?.is_some() => {
            let mut r = vec![*prover_blind(v)?.as_scalar()];
            let s = hex_field(t, "s_tilde").context("in `trace.random_scalars`")?;
            r.push(trace_scalar(&s, "s_tilde")?);
            for (i, b) in hex_array_or_empty(t, "m_tildes")
                .context("in `trace.random_scalars`")?
                .iter()
                .enumerate()
            {
                r.push(trace_scalar(b, &format!("m_tildes[{i}]"))?);
            }
            (r, "proverBlind and trace.random_scalars")
        }
        _ => match mock(v, "commit")? {
            Some(mk) => (
                mocked_scalars(suite, &mk, mocked::commit_dst(suite), m + 2)?,
                "the mocked scalars of mockRngParameters",
            ),
            None => {
                return Ok(Judged::new(
                    Verdict::Pass,
                    "verified only: the file records no random scalars",
                ))
            }
        },
    };
    let (c, b) = mocked::commit_with_random_scalars(suite, &committed, &random)
        .context("regenerating the commitment")?;
    let mut verdict = same("commitmentWithProof", &c.to_bytes(), &cwp_bytes);
    if verdict == Verdict::Pass {
        if let Some(want) = opt_hex_field(v, "proverBlind")? {
            verdict = same("proverBlind", b.to_bytes().as_ref(), &want);
        }
    }
    Ok(Judged::new(
        verdict,
        format!("verified; reproduced byte for byte from {how}"),
    ))
}

fn signature(suite: Suite, v: &Value) -> Result<Judged> {
    let kp = v
        .get("signerKeyPair")
        .filter(|k| k.is_object())
        .ok_or_else(|| anyhow!("field `signerKeyPair` must be an object"))?;
    let header = hex_field_or_empty(v, "header")?;
    let messages = hex_array_or_empty(v, "messages")?;
    let committed = hex_array_or_empty(v, "committedMessages")?;
    let blind_scalar = prover_blind(v)?;
    let cwp_bytes = commitment_bytes(v)?;
    let sig_bytes = hex_field(v, "signature")?;
    let sk = opt_hex_field(kp, "secretKey")
        .context("in `signerKeyPair`")?
        .as_deref()
        .map(SecretKey::from_bytes)
        .transpose()
        .context("signerKeyPair.secretKey")?;
    let pk_bytes = opt_hex_field(kp, "publicKey").context("in `signerKeyPair`")?;
    let exp = expected(v)?;
    let pk = match (&pk_bytes, &sk) {
        (Some(b), _) => PublicKey::from_bytes(b).map_err(|e| format!("public key: {e}")),
        (None, Some(sk)) => Ok(sk.public_key()),
        (None, None) => Err("signerKeyPair has neither key".to_string()),
    };
    let cwp = cwp_bytes
        .as_deref()
        .map(CommitmentWithProof::from_bytes)
        .transpose()
        .map_err(|e| format!("commitmentWithProof: {e}"));
    let outcome = (|| -> Result<(), String> {
        let pk = pk.clone()?;
        let cwp = cwp.clone()?;
        if let Some(c) = &cwp {
            c.verify(suite)
                .map_err(|e| format!("the signer's check of the commitment: {e}"))?;
        }
        let sig = Signature::from_bytes(&sig_bytes).map_err(|e| format!("signature: {e}"))?;
        blind::blind_verify(
            suite,
            &pk,
            &sig,
            &header,
            &messages,
            &committed,
            &blind_scalar,
        )
        .map_err(|e| e.to_string())
    })();
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let Some(sk) = sk else {
        return Ok(Judged::new(
            Verdict::Pass,
            "verified only: no secretKey to re-sign with",
        ));
    };
    let pk = pk.map_err(|e| anyhow!(e))?;
    let cwp = cwp.map_err(|e| anyhow!(e))?;
    let sig = blind::blind_sign(suite, &sk, &pk, cwp.as_ref(), &header, &messages)?;
    Ok(Judged::new(
        same("signature", &sig.to_bytes(), &sig_bytes),
        "verified (signer's commitment check, holder's Verify); re-signed byte for byte",
    ))
}

/// `revealedMessages`-like objects: index (a decimal string) to hex
/// message, sorted by index.
pub(super) fn revealed(v: &Value, key: &str) -> Result<Vec<(usize, Vec<u8>)>> {
    let Some(x) = v.get(key).filter(|x| !x.is_null()) else {
        return Ok(Vec::new());
    };
    let obj = x
        .as_object()
        .ok_or_else(|| anyhow!("field `{key}` must be an object of index to hex message"))?;
    let mut out = obj
        .iter()
        .map(|(k, m)| {
            let i: usize = k
                .parse()
                .map_err(|_| anyhow!("`{key}` has the key {k:?}, not an index"))?;
            let s = m
                .as_str()
                .ok_or_else(|| anyhow!("`{key}.{k}` must be a hex string"))?;
            Ok((
                i,
                hex::decode(s).with_context(|| format!("`{key}.{k}` is not hex"))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}

/// The signer's messages and the committed messages a draft's vectors sign.
type MessageLists = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// The draft's `messages.json` (`{"messages": [..], "committedMessages":
/// [..]}`) in the nearest folder above `path` that has one.
fn draft_messages(path: &Path) -> Result<Option<MessageLists>> {
    for dir in path.ancestors().skip(1) {
        let f = dir.join("messages.json");
        if !f.is_file() {
            continue;
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&f)?)
            .with_context(|| format!("parsing {}", f.display()))?;
        if v.get("committedMessages").is_some() {
            let m = hex_array(&v, "messages").with_context(|| f.display().to_string())?;
            let c = hex_array(&v, "committedMessages").with_context(|| f.display().to_string())?;
            return Ok(Some((m, c)));
        }
    }
    Ok(None)
}

fn proof(suite: Suite, v: &Value, path: &Path) -> Result<Judged> {
    let pk_bytes = hex_field(v, "signerPublicKey")?;
    let header = hex_field_or_empty(v, "header")?;
    let ph = hex_field_or_empty(v, "presentationHeader")?;
    let proof_bytes = hex_field(v, "proof")?;
    let l = v
        .get("L")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| anyhow!("field `L` must be a non-negative integer"))?;
    let rev = revealed(v, "revealedMessages")?;
    let rev_c = revealed(v, "revealedCommittedMessages")?;
    let exp = expected(v)?;
    let decoded = (|| -> Result<(PublicKey, Proof), String> {
        Ok((
            PublicKey::from_bytes(&pk_bytes).map_err(|e| format!("public key: {e}"))?,
            Proof::from_bytes(&proof_bytes).map_err(|e| format!("proof: {e}"))?,
        ))
    })();
    let outcome = decoded.clone().and_then(|(pk, proof)| {
        let d: Vec<(usize, &[u8])> = rev.iter().map(|(i, m)| (*i, m.as_slice())).collect();
        let dc: Vec<(usize, &[u8])> = rev_c.iter().map(|(j, m)| (*j, m.as_slice())).collect();
        blind::blind_proof_verify(suite, &pk, &proof, &header, &ph, l, &d, &dc)
            .map_err(|e| e.to_string())
    });
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let (pk, proof) = decoded.map_err(|e| anyhow!(e))?;
    let total = rev.len() + rev_c.len() + proof.undisclosed_count();
    let m = total
        .checked_sub(l.saturating_add(1))
        .ok_or_else(|| anyhow!("internal: a verified proof covers fewer than L + 1 messages"))?;

    // Every message, to regenerate with.
    let file_msgs = v.get("messages").is_some_and(|x| !x.is_null());
    let (messages, committed, source) = if file_msgs {
        (
            hex_array_or_empty(v, "messages")?,
            hex_array_or_empty(v, "committedMessages")?,
            "the file's messages",
        )
    } else {
        match draft_messages(path)? {
            Some((all, all_c)) => {
                // Only whether there was a commitment is read here (one
                // published proof file has a stray character in it).
                let c = if v.get("commitmentWithProof").is_some_and(|c| !c.is_null()) {
                    all_c
                } else {
                    Vec::new()
                };
                (
                    all.into_iter().take(l).collect(),
                    c,
                    "messages.json",
                )
            }
            None => {
                return Ok(Judged::new(
                    Verdict::Pass,
                    "verified only: neither the file nor a messages.json above it gives the undisclosed messages",
                ))
            }
        }
    };
    if messages.len() != l || committed.len() != m {
        return Ok(Judged::new(
            Verdict::Fail(format!(
                "{source} gives {} signer and {} committed messages; the proof covers {l} and {m}",
                messages.len(),
                committed.len()
            )),
            "verified",
        ));
    }
    for (list, rv, what) in [
        (&messages, &rev, "revealedMessages"),
        (&committed, &rev_c, "revealedCommittedMessages"),
    ] {
        if let Some((i, _)) = rv.iter().find(|(i, msg)| list.get(*i) != Some(msg)) {
            return Ok(Judged::new(
                Verdict::Fail(format!("{what}[{i}] differs from {source}")),
                "verified",
            ));
        }
    }
    let Some(sig_bytes) = opt_hex_field(v, "signature")? else {
        return Ok(Judged::new(
            Verdict::Pass,
            "verified only: no `signature` to regenerate the proof from",
        ));
    };
    let sig = Signature::from_bytes(&sig_bytes).context("signature")?;
    let blind_scalar = prover_blind(v)?;
    let di: Vec<usize> = rev.iter().map(|(i, _)| *i).collect();
    let dj: Vec<usize> = rev_c.iter().map(|(j, _)| *j).collect();
    let u = proof.undisclosed_count();
    let (random, how) = match v.get("trace").and_then(|t| t.get("random_scalars")) {
        Some(t) => (
            trace_scalars(t).context("in `trace.random_scalars`")?,
            "trace.random_scalars",
        ),
        None => match mock(v, "proof")? {
            Some(mk) => (
                mocked_scalars(suite, &mk, mocked::proof_dst(suite), 5 + u)?,
                "the mocked scalars of mockRngParameters",
            ),
            None => {
                return Ok(Judged::new(
                    Verdict::Pass,
                    "verified only: the file records no random scalars, so its blinding is its maker's own",
                ))
            }
        },
    };
    let again = mocked::blind_proof_gen_with_random_scalars(
        suite,
        &pk,
        &sig,
        &header,
        &ph,
        &messages,
        &committed,
        &di,
        &dj,
        &blind_scalar,
        &random,
    )
    .context("regenerating the proof")?;
    Ok(Judged::new(
        same("proof", &again.to_bytes(), &proof_bytes),
        format!("verified; reproduced byte for byte from {how} with {source}"),
    ))
}

fn generators(suite: Suite, v: &Value) -> Result<Judged> {
    let g = v
        .get("generators")
        .filter(|x| x.is_object())
        .ok_or_else(|| anyhow!("field `generators` must be an object"))?;
    let b = v
        .get("blindGenerators")
        .filter(|x| x.is_object())
        .ok_or_else(|| anyhow!("field `blindGenerators` must be an object"))?;
    let api = |x: &Value, what: &str| -> Result<Vec<u8>> {
        Ok(x.get("api_id")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("field `{what}.api_id` must be a string"))?
            .as_bytes()
            .to_vec())
    };
    let api_id = blind::api_id(suite);
    if api(g, "generators")? != api_id {
        return Ok(Judged::new(
            Verdict::Fail(format!(
                "generators.api_id is not the blind interface's {}",
                String::from_utf8_lossy(api_id)
            )),
            "",
        ));
    }
    if api(b, "blindGenerators")? != [b"BLIND_".as_slice(), api_id].concat() {
        return Ok(Judged::new(
            Verdict::Fail("blindGenerators.api_id is not \"BLIND_\" || api_id".into()),
            "",
        ));
    }
    let h = hex_array(g, "MsgGenerators").context("in `generators`")?;
    let j = hex_array(b, "MsgGenerators").context("in `blindGenerators`")?;
    let (l, m) = (h.len(), j.len());
    let list = bbs::generators_for(suite, MessageGenerators::blind(l, m), l + 1 + m)?;
    let all = list.as_slice();
    let p1 = suite.p1().to_compressed();
    let mut checks = vec![
        same("generators.P1", &p1, &hex_field(g, "P1")?),
        same("blindGenerators.P1", &p1, &hex_field(b, "P1")?),
        same("Q_1", &all[0].to_compressed(), &hex_field(g, "Q1")?),
        same("J_0", &all[l + 1].to_compressed(), &hex_field(b, "Q1")?),
    ];
    for (i, want) in h.iter().enumerate() {
        checks.push(same(
            &format!("H_{}", i + 1),
            &all[1 + i].to_compressed(),
            want,
        ));
    }
    for (k, want) in j.iter().enumerate() {
        checks.push(same(
            &format!("J_{}", k + 1),
            &all[l + 2 + k].to_compressed(),
            want,
        ));
    }
    let verdict = checks
        .into_iter()
        .find(|c| *c != Verdict::Pass)
        .unwrap_or(Verdict::Pass);
    Ok(Judged::new(verdict, "recomputed"))
}
