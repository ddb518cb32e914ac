//! Files whose every value is derived from inputs in the file, recomputed:
//! `KeyGen` (draft §3.3.1), `create_generators` (§4.1.1), the mocked
//! random scalars (appendix "Mocked Random Scalars"), `hash_to_scalar`
//! (§4.2.1) and `MapMessageToScalarAsHash` (§4.1.2).

use anyhow::{anyhow, bail, Result};
use serde_json::Value;
use zkcred_crypto::bbs::{self, mocked, Suite};

use super::{same, Judged, Verdict};
use crate::hexjson::{hex_array, hex_field, opt_hex_field};

const RECOMPUTED: &str = "recomputed";

/// The first failure of several comparisons, else `Pass`.
fn all(checks: impl IntoIterator<Item = Verdict>) -> Verdict {
    checks
        .into_iter()
        .find(|v| *v != Verdict::Pass)
        .unwrap_or(Verdict::Pass)
}

pub(super) fn keypair(suite: Suite, v: &Value) -> Result<Judged> {
    let kp = v
        .get("keyPair")
        .filter(|k| k.is_object())
        .ok_or_else(|| anyhow!("field `keyPair` must be an object"))?;
    let dst = opt_hex_field(v, "keyDst")?;
    let sk = bbs::keygen(
        suite,
        &hex_field(v, "keyMaterial")?,
        &hex_field(v, "keyInfo")?,
        dst.as_deref(),
    )?;
    let verdict = all([
        same(
            "secretKey",
            sk.to_bytes().as_ref(),
            &hex_field(kp, "secretKey")?,
        ),
        same(
            "publicKey",
            &sk.public_key().to_bytes(),
            &hex_field(kp, "publicKey")?,
        ),
    ]);
    Ok(Judged::new(verdict, RECOMPUTED))
}

pub(super) fn generators(suite: Suite, v: &Value) -> Result<Judged> {
    let msg = hex_array(v, "MsgGenerators")?;
    let gens = bbs::create_generators(suite, msg.len() + 1);
    let mut checks = vec![
        same("P1", &suite.p1().to_compressed(), &hex_field(v, "P1")?),
        same("Q1", &gens[0].to_compressed(), &hex_field(v, "Q1")?),
    ];
    for (i, (g, want)) in gens[1..].iter().zip(&msg).enumerate() {
        checks.push(same(&format!("H_{}", i + 1), &g.to_compressed(), want));
    }
    Ok(Judged::new(all(checks), RECOMPUTED))
}

pub(super) fn mocked(suite: Suite, v: &Value) -> Result<Judged> {
    let want = hex_array(v, "mockedScalars")?;
    let count = v
        .get("count")
        .and_then(Value::as_u64)
        .ok_or_else(|| anyhow!("field `count` must be a non-negative integer"))?;
    let count = usize::try_from(count)?;
    if count != want.len() {
        bail!("count {count} but {} scalars", want.len());
    }
    let dst = hex_field(v, "dst")?;
    if dst != suite.dst(b"MOCK_RANDOM_SCALARS_DST_") {
        return Ok(Judged::new(
            Verdict::Fail("dst differs from the suite's mocked-scalar DST".into()),
            RECOMPUTED,
        ));
    }
    let got = mocked::mocked_random_scalars(suite, &hex_field(v, "seed")?, count)?;
    let got: Vec<u8> = got.iter().flat_map(|s| s.to_be_bytes()).collect();
    Ok(Judged::new(
        same("mockedScalars", &got, &want.concat()),
        RECOMPUTED,
    ))
}

pub(super) fn map_to_scalar(suite: Suite, v: &Value) -> Result<Judged> {
    let dst = hex_field(v, "dst")?;
    let cases = v
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("field `cases` must be an array"))?;
    let as_hash = dst == suite.dst(b"MAP_MSG_TO_SCALAR_AS_HASH_");
    for (i, c) in cases.iter().enumerate() {
        let msg = hex_field(c, "message").map_err(|e| anyhow!("cases[{i}]: {e:#}"))?;
        let want = hex_field(c, "scalar").map_err(|e| anyhow!("cases[{i}]: {e:#}"))?;
        let got = bbs::hash_to_scalar(suite, &msg, &dst);
        let verdict = same(&format!("cases[{i}]"), &got.to_be_bytes(), &want);
        if verdict != Verdict::Pass {
            return Ok(Judged::new(verdict, RECOMPUTED));
        }
        if as_hash && bbs::map_message_to_scalar(suite, &msg) != got {
            return Ok(Judged::new(
                Verdict::Fail(format!("cases[{i}]: map_message_to_scalar differs")),
                RECOMPUTED,
            ));
        }
    }
    Ok(Judged::new(Verdict::Pass, RECOMPUTED))
}

pub(super) fn hash_to_scalar(suite: Suite, v: &Value) -> Result<Judged> {
    let got = bbs::hash_to_scalar(suite, &hex_field(v, "message")?, &hex_field(v, "dst")?);
    Ok(Judged::new(
        same("scalar", &got.to_be_bytes(), &hex_field(v, "scalar")?),
        RECOMPUTED,
    ))
}
