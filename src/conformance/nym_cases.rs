//! Cases of draft-irtf-cfrg-bbs-per-verifier-linkability (pseudonyms):
//! commitments with nyms (`CommitWithNym`), signatures (`BlindSignWithNym`,
//! the holder's `VerifyFinalizeWithNym`), proofs with a pseudonym
//! (`ProofGenWithNym`, `ProofVerifyWithNym`) and the draft's generators
//! file. See [`zkcred_crypto::nym`] for the revision followed.
//!
//! Each kind is judged like its blind and BBS counterparts: the verdict is
//! zkcred's verification against `result.valid`; a valid case is then
//! reproduced byte for byte when the file says how it was made.
//!
//! - **Commit** (`commitmentWithProof`, `proverNyms`, no signature): the
//!   commitment is decoded and its proof verified under the pseudonym
//!   `api_id`; then regenerated from `proverBlind` and
//!   `trace.random_scalars` (`s_tilde`, `m_tildes`), or from the mocked
//!   scalars of `mockRngParameters` (`SEED`, `commit.DST`).
//! - **Signature** (`signerKeyPair`, `signature`, `signer_nym_entropy`):
//!   the signer's check of the commitment and the holder's
//!   `VerifyFinalizeWithNym` with `proverNyms`, `signer_nym_entropy` and
//!   `proverBlind`, whose `nym_secrets` must be the file's; then re-signed
//!   (deterministic) when the file has the secret key.
//! - **Proof** (`signerPublicKey`, `proof`, `pseudonym`, `context_id`):
//!   `ProofVerifyWithNym` with `L` and `N` (the length of `nym_secrets`, or
//!   of `proverNyms`); the pseudonym recomputed from `nym_secrets`; then,
//!   with the signature, `proverBlind` and every message, regenerated from
//!   `trace.random_scalars` (or `trace.randomScalars`) or from
//!   `mockRngParameters` (`SEED`, `proof.DST`).
//! - **Generators** (`generators`, `blindGenerators` under the pseudonym
//!   `api_id`): recomputed.
//!
//! The published files write some scalars of `proverNyms` and
//! `nym_secrets` with 63 hex digits (a leading zero dropped); they are read
//! left-padded to 64 and the check says so.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use zkcred_crypto::bbs::{self, MessageGenerators, Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::blind::{mocked as blind_mocked, CommitmentWithProof};
use zkcred_crypto::curve::Scalar;
use zkcred_crypto::nym::{self, mocked, NymSecrets, Pseudonym, SignerNymEntropy};

use super::bbs_cases::{compare, expected, trace_scalar};
use super::blind_cases::{mock, mocked_scalars, prover_blind, revealed};
use super::{same, Judged, Verdict};
use crate::hexjson::{hex_array, hex_array_or_empty, hex_field, hex_field_or_empty, opt_hex_field};

/// The kinds of pseudonym file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NymKind {
    /// `CommitWithNym` and the commitment's validation.
    Commit,
    /// `BlindSignWithNym` and the holder's `VerifyFinalizeWithNym`.
    Signature,
    /// `ProofGenWithNym` / `ProofVerifyWithNym`.
    Proof,
    /// The generators of both lists under the pseudonym `api_id`.
    Generators,
}

impl NymKind {
    /// The fields this kind reads.
    pub(super) fn known_fields(self) -> &'static [&'static str] {
        match self {
            NymKind::Commit => &[
                "caseName",
                "mockRngParameters",
                "committedMessages",
                "proverNyms",
                "proverBlind",
                "commitmentWithProof",
                "result",
                "trace",
            ],
            NymKind::Signature => &[
                "caseName",
                "signerKeyPair",
                "signer_nym_entropy",
                "proverNyms",
                "proverBlind",
                "nym_secrets",
                "commitmentWithProof",
                "header",
                "messages",
                "committedMessages",
                "signature",
                "result",
                "trace",
            ],
            NymKind::Proof => &[
                "caseName",
                "notes",
                "mockRngParameters",
                "signerPublicKey",
                "signature",
                "signer_nym_entropy",
                "proverNyms",
                "nym_secrets",
                "pseudonym",
                "proverBlind",
                "commitmentWithProof",
                "context_id",
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
            NymKind::Generators => &["caseName", "generators", "blindGenerators"],
        }
    }
}

/// Whether a `generators`/`blindGenerators` file is the pseudonym draft's
/// (its `api_id` ends with the pseudonym interface's suffix).
pub(super) fn is_nym_generators(v: &Value) -> bool {
    v.get("blindGenerators").is_some()
        && v.get("generators")
            .and_then(|g| g.get("api_id"))
            .and_then(Value::as_str)
            .is_some_and(|a| a.ends_with("H2G_HM2S_PSEUDONYM_"))
}

/// The pseudonym kind of a file, by its fields: a field only this draft
/// uses (`proverNyms`, `nym_secrets`, `pseudonym`, `context_id`,
/// `signer_nym_entropy`) and the inputs its kind needs (a proof its
/// `pseudonym` and `context_id`, a signature its commitment, prover nyms
/// and entropy, a commitment its prover nyms), or the pseudonym generators
/// file. `None` otherwise.
pub(super) fn classify(v: &Value) -> Option<NymKind> {
    let has = |k: &str| v.get(k).is_some();
    if is_nym_generators(v) {
        return Some(NymKind::Generators);
    }
    let nym = [
        "proverNyms",
        "nym_secrets",
        "pseudonym",
        "context_id",
        "signer_nym_entropy",
    ]
    .iter()
    .any(|k| has(k));
    if !nym {
        None
    } else if has("proof") && has("signerPublicKey") && has("pseudonym") && has("context_id") {
        Some(NymKind::Proof)
    } else if has("signature")
        && has("signerKeyPair")
        && has("commitmentWithProof")
        && has("proverNyms")
        && has("signer_nym_entropy")
    {
        Some(NymKind::Signature)
    } else if has("commitmentWithProof") && has("proverNyms") && !has("signature") && !has("proof")
    {
        Some(NymKind::Commit)
    } else {
        None
    }
}

/// Judges a file of kind `kind`.
pub(super) fn check(kind: NymKind, suite: Suite, v: &Value) -> Result<Judged> {
    match kind {
        NymKind::Commit => commit(suite, v),
        NymKind::Signature => signature(suite, v),
        NymKind::Proof => proof(suite, v),
        NymKind::Generators => generators(suite, v),
    }
}

/// A list of 32-octet scalars (`proverNyms`, `nym_secrets`); hex strings of
/// fewer than 64 digits are left-padded (the published files' quirk) and
/// counted in the second value. `None` when absent or `null`.
fn opt_nym_scalars(v: &Value, key: &str) -> Result<Option<(NymSecrets, usize)>> {
    let Some(x) = v.get(key).filter(|x| !x.is_null()) else {
        return Ok(None);
    };
    let arr = x
        .as_array()
        .ok_or_else(|| anyhow!("field `{key}` must be an array of hex scalars"))?;
    let mut padded = 0;
    let mut out = Vec::with_capacity(arr.len());
    for (i, s) in arr.iter().enumerate() {
        let s = s
            .as_str()
            .ok_or_else(|| anyhow!("`{key}[{i}]` must be a hex string"))?;
        if s.len() > 64 {
            bail!(
                "`{key}[{i}]` has {} hex digits, more than a scalar's 64",
                s.len()
            );
        }
        if s.len() < 64 {
            padded += 1;
        }
        let b =
            hex::decode(format!("{s:0>64}")).with_context(|| format!("`{key}[{i}]` is not hex"))?;
        out.push(b);
    }
    let secrets = NymSecrets::from_bytes(&out).with_context(|| format!("field `{key}`"))?;
    Ok(Some((secrets, padded)))
}

fn nym_scalars(v: &Value, key: &str) -> Result<(NymSecrets, usize)> {
    opt_nym_scalars(v, key)?.ok_or_else(|| anyhow!("missing array field `{key}`"))
}

/// " (N scalars of proverNyms/nym_secrets read left-padded)" when any was.
fn padding_note(padded: usize) -> String {
    if padded == 0 {
        String::new()
    } else {
        format!("; {padded} scalars of fewer than 64 hex digits read left-padded")
    }
}

fn entropy(v: &Value) -> Result<SignerNymEntropy> {
    SignerNymEntropy::from_bytes(&hex_field(v, "signer_nym_entropy")?)
        .context("field `signer_nym_entropy`")
}

fn commit(suite: Suite, v: &Value) -> Result<Judged> {
    let committed = hex_array_or_empty(v, "committedMessages")?;
    let (prover_nyms, padded) = nym_scalars(v, "proverNyms")?;
    let cwp_bytes = hex_field(v, "commitmentWithProof")?;
    let exp = expected(v)?;
    let outcome = (|| -> Result<(), String> {
        let c = CommitmentWithProof::from_bytes(&cwp_bytes)
            .map_err(|e| format!("commitmentWithProof: {e}"))?;
        let want = committed.len() + prover_nyms.len();
        if c.committed_message_count() != want {
            return Err(format!(
                "the commitment's proof covers {} scalars, the file commits to {want}",
                c.committed_message_count()
            ));
        }
        nym::verify_commitment(suite, &c).map_err(|e| e.to_string())
    })();
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let k = committed.len() + prover_nyms.len();
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
                mocked_scalars(suite, &mk, blind_mocked::commit_dst(suite), k + 2)?,
                "the mocked scalars of mockRngParameters",
            ),
            None => {
                return Ok(Judged::new(
                    Verdict::Pass,
                    format!(
                        "verified only: the file records no random scalars{}",
                        padding_note(padded)
                    ),
                ))
            }
        },
    };
    let (c, b) =
        mocked::commit_with_nym_with_random_scalars(suite, &committed, &prover_nyms, &random)
            .context("regenerating the commitment")?;
    let mut verdict = same("commitmentWithProof", &c.to_bytes(), &cwp_bytes);
    if verdict == Verdict::Pass {
        if let Some(want) = opt_hex_field(v, "proverBlind")? {
            verdict = same("proverBlind", b.to_bytes().as_ref(), &want);
        }
    }
    Ok(Judged::new(
        verdict,
        format!(
            "verified; reproduced byte for byte from {how}{}",
            padding_note(padded)
        ),
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
    let blind = prover_blind(v)?;
    let (prover_nyms, mut padded) = nym_scalars(v, "proverNyms")?;
    let want_secrets = opt_nym_scalars(v, "nym_secrets")?;
    padded += want_secrets.as_ref().map_or(0, |(_, p)| *p);
    let entropy = entropy(v)?;
    let cwp_bytes = hex_field(v, "commitmentWithProof")?;
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
    let cwp = CommitmentWithProof::from_bytes(&cwp_bytes)
        .map_err(|e| format!("commitmentWithProof: {e}"));
    let outcome = (|| -> Result<(), String> {
        let pk = pk.clone()?;
        let cwp = cwp.clone()?;
        nym::verify_commitment(suite, &cwp)
            .map_err(|e| format!("the signer's check of the commitment: {e}"))?;
        let sig = Signature::from_bytes(&sig_bytes).map_err(|e| format!("signature: {e}"))?;
        let secrets = nym::verify_finalize_with_nym(
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
        .map_err(|e| e.to_string())?;
        match &want_secrets {
            Some((want, _)) if *want != secrets => {
                Err("the finalized nym_secrets differ from the file's".into())
            }
            _ => Ok(()),
        }
    })();
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let Some(sk) = sk else {
        return Ok(Judged::new(
            Verdict::Pass,
            format!(
                "verified only: no secretKey to re-sign with{}",
                padding_note(padded)
            ),
        ));
    };
    let pk = pk.map_err(|e| anyhow!(e))?;
    let cwp = cwp.map_err(|e| anyhow!(e))?;
    let sig = nym::blind_sign_with_nym(
        suite,
        &sk,
        &pk,
        &cwp,
        prover_nyms.len(),
        &entropy,
        &header,
        &messages,
    )?;
    Ok(Judged::new(
        same("signature", &sig.to_bytes(), &sig_bytes),
        format!(
            "verified (signer's commitment check, holder's VerifyFinalizeWithNym and nym_secrets); re-signed byte for byte{}",
            padding_note(padded)
        ),
    ))
}

/// The trace's random scalars in `ProofGen`'s order, under either of the
/// spellings the files use (`random_scalars` or `randomScalars`, `e_tilde`
/// or `e_Tilde`...).
fn trace_random(v: &Value) -> Result<Option<(Vec<Scalar>, &'static str)>> {
    let Some(trace) = v.get("trace") else {
        return Ok(None);
    };
    let (t, key) = match (trace.get("random_scalars"), trace.get("randomScalars")) {
        (Some(t), _) => (t, "trace.random_scalars"),
        (None, Some(t)) => (t, "trace.randomScalars"),
        (None, None) => return Ok(None),
    };
    let mut out = Vec::new();
    for (name, alt) in [
        ("r1", "r1"),
        ("r2", "r2"),
        ("e_tilde", "e_Tilde"),
        ("r1_tilde", "r1_Tilde"),
        ("r3_tilde", "r3_Tilde"),
    ] {
        let b = match opt_hex_field(t, name)? {
            Some(b) => b,
            None => hex_field(t, alt).with_context(|| format!("in `{key}`"))?,
        };
        out.push(trace_scalar(&b, name)?);
    }
    for (i, b) in hex_array_or_empty(t, "m_tilde_scalars")
        .with_context(|| format!("in `{key}`"))?
        .iter()
        .enumerate()
    {
        out.push(trace_scalar(b, &format!("m_tilde_scalars[{i}]"))?);
    }
    Ok(Some((out, key)))
}

fn proof(suite: Suite, v: &Value) -> Result<Judged> {
    let pk_bytes = hex_field(v, "signerPublicKey")?;
    let header = hex_field_or_empty(v, "header")?;
    let ph = hex_field_or_empty(v, "presentationHeader")?;
    let proof_bytes = hex_field(v, "proof")?;
    let pseudonym_bytes = hex_field(v, "pseudonym")?;
    let context_id = hex_field(v, "context_id")?;
    let l = v
        .get("L")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| anyhow!("field `L` must be a non-negative integer"))?;
    let secrets = opt_nym_scalars(v, "nym_secrets")?;
    let prover_nyms = opt_nym_scalars(v, "proverNyms")?;
    let padded =
        secrets.as_ref().map_or(0, |(_, p)| *p) + prover_nyms.as_ref().map_or(0, |(_, p)| *p);
    let n = match (&secrets, &prover_nyms) {
        (Some((s, _)), _) | (None, Some((s, _))) => s.len(),
        (None, None) => {
            bail!("neither `nym_secrets` nor `proverNyms` gives the nym vector's length")
        }
    };
    let rev = revealed(v, "revealedMessages")?;
    let rev_c = revealed(v, "revealedCommittedMessages")?;
    let exp = expected(v)?;
    let decoded = (|| -> Result<(PublicKey, Proof, Pseudonym), String> {
        Ok((
            PublicKey::from_bytes(&pk_bytes).map_err(|e| format!("public key: {e}"))?,
            Proof::from_bytes(&proof_bytes).map_err(|e| format!("proof: {e}"))?,
            Pseudonym::from_bytes(&pseudonym_bytes).map_err(|e| format!("pseudonym: {e}"))?,
        ))
    })();
    let outcome = decoded.clone().and_then(|(pk, proof, pseudonym)| {
        let d: Vec<(usize, &[u8])> = rev.iter().map(|(i, m)| (*i, m.as_slice())).collect();
        let dc: Vec<(usize, &[u8])> = rev_c.iter().map(|(j, m)| (*j, m.as_slice())).collect();
        nym::proof_verify_with_nym(
            suite,
            &pk,
            &proof,
            &header,
            &ph,
            &pseudonym,
            &context_id,
            n,
            l,
            &d,
            &dc,
        )
        .map_err(|e| e.to_string())
    });
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let (pk, proof, _) = decoded.map_err(|e| anyhow!(e))?;
    let Some((nym_secrets, _)) = secrets else {
        return Ok(Judged::new(
            Verdict::Pass,
            "verified only: no `nym_secrets` to recompute the pseudonym and the proof from",
        ));
    };
    let p = nym::pseudonym_of(suite, &context_id, nym_secrets.as_scalars())?;
    let verdict = same("pseudonym", &p.to_bytes(), &pseudonym_bytes);
    if verdict != Verdict::Pass {
        return Ok(Judged::new(verdict, "verified"));
    }
    let total = rev.len() + rev_c.len() + proof.undisclosed_count();
    let m = total - l - 1 - n; // verified: total >= L + 1 + N
    let messages = hex_array_or_empty(v, "messages")?;
    let committed = hex_array_or_empty(v, "committedMessages")?;
    if messages.len() != l || committed.len() != m {
        return Ok(Judged::new(
            Verdict::Pass,
            format!(
                "verified; pseudonym recomputed; not regenerated: the file gives {} signer and {} committed messages, the proof covers {l} and {m}{}",
                messages.len(),
                committed.len(),
                padding_note(padded)
            ),
        ));
    }
    for (list, rv, what) in [
        (&messages, &rev, "revealedMessages"),
        (&committed, &rev_c, "revealedCommittedMessages"),
    ] {
        if let Some((i, _)) = rv.iter().find(|(i, msg)| list.get(*i) != Some(msg)) {
            return Ok(Judged::new(
                Verdict::Fail(format!("{what}[{i}] differs from the file's messages")),
                "verified",
            ));
        }
    }
    let Some(sig_bytes) = opt_hex_field(v, "signature")? else {
        return Ok(Judged::new(
            Verdict::Pass,
            "verified; pseudonym recomputed; no `signature` to regenerate the proof from",
        ));
    };
    let sig = Signature::from_bytes(&sig_bytes).context("signature")?;
    let blind = prover_blind(v)?;
    let di: Vec<usize> = rev.iter().map(|(i, _)| *i).collect();
    let dj: Vec<usize> = rev_c.iter().map(|(j, _)| *j).collect();
    let u = proof.undisclosed_count();
    let (random, how) = match trace_random(v)? {
        Some((r, key)) => (r, key),
        None => match mock(v, "proof")? {
            Some(mk) => (
                mocked_scalars(suite, &mk, blind_mocked::proof_dst(suite), 5 + u)?,
                "the mocked scalars of mockRngParameters",
            ),
            None => {
                return Ok(Judged::new(
                    Verdict::Pass,
                    "verified; pseudonym recomputed; the file records no random scalars, so its blinding is its maker's own",
                ))
            }
        },
    };
    let (again, again_p) = mocked::proof_gen_with_nym_with_random_scalars(
        suite,
        &pk,
        &sig,
        &header,
        &ph,
        &nym_secrets,
        &context_id,
        &messages,
        &committed,
        &di,
        &dj,
        &blind,
        &random,
    )
    .context("regenerating the proof")?;
    let mut verdict = same("proof", &again.to_bytes(), &proof_bytes);
    if verdict == Verdict::Pass {
        verdict = same("pseudonym", &again_p.to_bytes(), &pseudonym_bytes);
    }
    Ok(Judged::new(
        verdict,
        format!(
            "verified; pseudonym recomputed from nym_secrets; proof reproduced byte for byte from {how}{}",
            padding_note(padded)
        ),
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
    let api_id = nym::api_id(suite);
    if api(g, "generators")? != api_id {
        return Ok(Judged::new(
            Verdict::Fail(format!(
                "generators.api_id is not the pseudonym interface's {}",
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
    let (l, k) = (h.len(), j.len());
    // The list of a credential with L signer messages and M + N = K
    // committed messages and nyms (any split gives the same list).
    let which = MessageGenerators::nym(l, k.saturating_sub(1), k.min(1));
    let list = bbs::generators_for(suite, which, l + 1 + k)?;
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
    for (x, want) in j.iter().enumerate() {
        checks.push(same(
            &format!("J_{}", x + 1),
            &all[l + 2 + x].to_compressed(),
            want,
        ));
    }
    let verdict = checks
        .into_iter()
        .find(|c| *c != Verdict::Pass)
        .unwrap_or(Verdict::Pass);
    Ok(Judged::new(verdict, "recomputed"))
}
