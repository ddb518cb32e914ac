//! Signature and proof cases of draft-irtf-cfrg-bbs-signatures (§3.4.1
//! `Sign`, §3.4.2 `Verify`, §3.4.3 `ProofGen`, §3.4.4 `ProofVerify`).

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use zkcred_crypto::bbs::{self, mocked, Proof, PublicKey, SecretKey, Signature, Suite};
use zkcred_crypto::curve::Scalar;

use super::{same, Judged, Verdict};
use crate::hexjson::{
    hex_array_or_empty, hex_field, hex_field_or_empty, index_array_or_empty, opt_hex_field,
    opt_str_field,
};

/// `result.valid` and the optional `result.reason`.
pub(super) fn expected(v: &Value) -> Result<(bool, Option<String>)> {
    let r = v
        .get("result")
        .ok_or_else(|| anyhow!("missing field `result`"))?;
    let valid = r
        .get("valid")
        .and_then(Value::as_bool)
        .ok_or_else(|| anyhow!("field `result.valid` must be a boolean"))?;
    let reason = opt_str_field(r, "reason")
        .context("in `result`")?
        .map(str::to_owned);
    Ok((valid, reason))
}

/// Compares zkcred's outcome with the file's expectation. `Some` is the
/// final judgement (a disagreement, or an invalid case rightly rejected);
/// `None` means a valid case verified, and the caller may check more.
pub(super) fn compare(expected: (bool, Option<String>), got: Result<(), String>) -> Option<Judged> {
    match (expected, got) {
        ((true, _), Ok(())) => None,
        ((false, reason), Err(e)) => Some(Judged::new(
            Verdict::Pass,
            format!(
                "rejected as expected{}: {e}",
                reason.map(|r| format!(" ({r})")).unwrap_or_default()
            ),
        )),
        ((true, _), Err(e)) => Some(Judged::new(
            Verdict::Fail(format!("expected valid, zkcred rejected: {e}")),
            "verify",
        )),
        ((false, reason), Ok(())) => Some(Judged::new(
            Verdict::Fail(format!(
                "expected invalid{}, zkcred accepted",
                reason.map(|r| format!(" ({r})")).unwrap_or_default()
            )),
            "verify",
        )),
    }
}

/// A signature case: `Verify`, then for a valid case with a secret key a
/// byte-for-byte re-signing.
pub(super) fn signature(suite: Suite, v: &Value) -> Result<Judged> {
    let kp = v
        .get("signerKeyPair")
        .filter(|k| k.is_object())
        .ok_or_else(|| anyhow!("field `signerKeyPair` must be an object"))?;
    let header = hex_field_or_empty(v, "header")?;
    let messages = hex_array_or_empty(v, "messages")?;
    let sig_bytes = hex_field(v, "signature")?;
    let sk_bytes = opt_hex_field(kp, "secretKey").context("in `signerKeyPair`")?;
    let pk_bytes = opt_hex_field(kp, "publicKey").context("in `signerKeyPair`")?;
    let exp = expected(v)?;
    // The public key: the file's, else the secret key's.
    let sk = sk_bytes
        .as_deref()
        .map(SecretKey::from_bytes)
        .transpose()
        .context("signerKeyPair.secretKey")?;
    let outcome = (|| -> Result<(), String> {
        let pk = match (&pk_bytes, &sk) {
            (Some(b), _) => PublicKey::from_bytes(b).map_err(|e| format!("public key: {e}"))?,
            (None, Some(sk)) => sk.public_key(),
            (None, None) => return Err("signerKeyPair has neither key".into()),
        };
        let sig = Signature::from_bytes(&sig_bytes).map_err(|e| format!("signature: {e}"))?;
        bbs::verify(suite, &pk, &sig, &header, &messages).map_err(|e| e.to_string())
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
    let pk = match &pk_bytes {
        Some(b) => PublicKey::from_bytes(b)?,
        None => sk.public_key(),
    };
    let sig = bbs::sign(suite, &sk, &pk, &header, &messages)?;
    Ok(Judged::new(
        same("signature", &sig.to_bytes(), &sig_bytes),
        "verified; re-signed byte for byte (signing is deterministic)",
    ))
}

/// How a proof file says it was made.
enum Provenance {
    /// `trace.random_scalars`: the exact scalars.
    Trace(Vec<Scalar>),
    /// `mockRngParameters.SEED`: the draft's mocked scalars from this seed.
    Seed(Vec<u8>),
    /// Neither: the maker's own random blinding.
    Unrecorded,
}

/// One 32-octet scalar of `trace.random_scalars`.
pub(super) fn trace_scalar(bytes: &[u8], what: &str) -> Result<Scalar> {
    let arr: &[u8; 32] = bytes
        .try_into()
        .map_err(|_| anyhow!("`trace.random_scalars.{what}` must be 32 octets"))?;
    Scalar::from_be_bytes(arr).map_err(|e| anyhow!("`trace.random_scalars.{what}`: {e}"))
}

/// The draft's trace of random scalars, `{r1, r2, e_tilde, r1_tilde,
/// r3_tilde, m_tilde_scalars: [...]}`, in `ProofGen`'s order.
pub(super) fn trace_scalars(t: &Value) -> Result<Vec<Scalar>> {
    let mut out = Vec::new();
    for name in ["r1", "r2", "e_tilde", "r1_tilde", "r3_tilde"] {
        out.push(trace_scalar(&hex_field(t, name)?, name)?);
    }
    for (i, b) in hex_array_or_empty(t, "m_tilde_scalars")?.iter().enumerate() {
        out.push(trace_scalar(b, &format!("m_tilde_scalars[{i}]"))?);
    }
    Ok(out)
}

fn provenance(v: &Value) -> Result<Provenance> {
    if let Some(t) = v.get("trace").and_then(|t| t.get("random_scalars")) {
        return Ok(Provenance::Trace(
            trace_scalars(t).context("in `trace.random_scalars`")?,
        ));
    }
    if let Some(p) = v.get("mockRngParameters") {
        if let Some(seed) = opt_str_field(p, "SEED").context("in `mockRngParameters`")? {
            return Ok(Provenance::Seed(seed.as_bytes().to_vec()));
        }
    }
    Ok(Provenance::Unrecorded)
}

/// A proof case: `ProofVerify` (indexes must be ascending, as the draft's
/// interface takes them), then for a valid case a byte-for-byte
/// regeneration when the file records its random scalars.
pub(super) fn proof(suite: Suite, v: &Value) -> Result<Judged> {
    let header = hex_field_or_empty(v, "header")?;
    let ph = hex_field_or_empty(v, "presentationHeader")?;
    let messages = hex_array_or_empty(v, "messages")?;
    let indexes = index_array_or_empty(v, "disclosedIndexes")?;
    let proof_bytes = hex_field(v, "proof")?;
    let pk_bytes = hex_field(v, "signerPublicKey")?;
    let sig_bytes = opt_hex_field(v, "signature")?;
    let made = provenance(v)?;
    let exp = expected(v)?;
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
    if let Some(j) = compare(exp, outcome) {
        return Ok(j);
    }
    let regenerate = |random: Option<&[Scalar]>, seed: Option<&[u8]>| -> Result<Proof> {
        let pk = PublicKey::from_bytes(&pk_bytes)?;
        let sig_bytes = sig_bytes
            .as_deref()
            .ok_or_else(|| anyhow!("a proof with recorded scalars needs `signature`"))?;
        let sig = Signature::from_bytes(sig_bytes).context("signature")?;
        Ok(match (random, seed) {
            (Some(r), _) => mocked::proof_gen_with_random_scalars(
                suite, &pk, &sig, &header, &ph, &messages, &indexes, r,
            )?,
            (None, Some(s)) => {
                mocked::proof_gen_mocked(suite, &pk, &sig, &header, &ph, &messages, &indexes, s)?
            }
            (None, None) => bail!("internal: nothing to regenerate from"),
        })
    };
    Ok(match made {
        Provenance::Trace(random) => Judged::new(
            same(
                "proof",
                &regenerate(Some(&random), None)?.to_bytes(),
                &proof_bytes,
            ),
            "verified; reproduced byte for byte from trace.random_scalars",
        ),
        Provenance::Seed(seed) => Judged::new(
            same(
                "proof",
                &regenerate(None, Some(&seed))?.to_bytes(),
                &proof_bytes,
            ),
            "verified; reproduced byte for byte from the mocked scalars of mockRngParameters.SEED",
        ),
        Provenance::Unrecorded => Judged::new(
            Verdict::Pass,
            "verified only: the file records no random scalars, so its blinding is its maker's own",
        ),
    })
}
