//! `zkcred bbs conformance` judges every kind of file it is given: one test
//! per way an earlier runner misjudged input made elsewhere.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use zkcred::conformance::{classify, run_value, Kind, Outcome, Totals, Verdict};
use zkcred_crypto::bbs::Suite;

const SHA: Suite = Suite::Bls12381Sha256;

fn vector(rel: &str) -> Value {
    let p = common::fixtures_dir()
        .join("bbs-signatures/bls12-381-sha-256")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn judge(v: &Value) -> Outcome {
    run_value(v, Some(SHA), Path::new("case.json"))
}

fn assert_pass(o: &Outcome) {
    assert_eq!(o.verdict, Verdict::Pass, "{}", o.line());
}

fn assert_fail(o: &Outcome, containing: &str) {
    match &o.verdict {
        Verdict::Fail(why) => assert!(why.contains(containing), "{}", o.line()),
        _ => panic!("expected a failure with {containing:?}: {}", o.line()),
    }
}

#[test]
fn a_proof_without_recorded_scalars_is_judged_by_verification() {
    // proof003 with its trace removed: the bytes cannot be reproduced, and
    // need not be: the proof verifies.
    let mut v = vector("proof/proof003.json");
    v.as_object_mut().unwrap().remove("trace");
    let o = judge(&v);
    assert_pass(&o);
    assert!(o.check.starts_with("verified only"), "{}", o.line());

    // With the trace, the bytes are reproduced; a trace that does not make
    // the proof is caught, so the reproduction is real.
    let v = vector("proof/proof003.json");
    let o = judge(&v);
    assert_pass(&o);
    assert!(o.check.contains("trace.random_scalars"), "{}", o.line());
    let mut wrong = v.clone();
    wrong["trace"]["random_scalars"]["r1"] = wrong["trace"]["random_scalars"]["r2"].clone();
    assert_fail(&judge(&wrong), "proof: computed");

    // A seed recorded instead (the blind drafts' mockRngParameters) is used
    // too: the draft's seed reproduces the draft's proof.
    let mut seeded = vector("proof/proof003.json");
    seeded.as_object_mut().unwrap().remove("trace");
    seeded["mockRngParameters"] = json!({"SEED": "3.141592653589793238462643383279"});
    let o = judge(&seeded);
    assert_pass(&o);
    assert!(o.check.contains("mockRngParameters.SEED"), "{}", o.line());
    seeded["mockRngParameters"]["SEED"] = json!("2.718281828");
    assert_fail(&judge(&seeded), "proof: computed");
}

#[test]
fn unknown_fields_are_noted_and_the_case_still_judged() {
    // An invalid case with a field the runner does not know is judged, not
    // skipped...
    let mut v = vector("proof/proof004.json");
    v["peer"] = json!("rejects");
    assert_eq!(classify(&v), Kind::Proof);
    let o = judge(&v);
    assert_pass(&o);
    assert!(o.check.starts_with("rejected as expected"), "{}", o.line());
    assert!(o.notes.iter().any(|n| n.contains("`peer`")), "{}", o.line());
    assert!(o.line().contains("(note: field `peer`"), "{}", o.line());
    // ...so a wrong expectation in such a file is a failure.
    v["result"] = json!({"valid": true});
    assert_fail(&judge(&v), "expected valid, zkcred rejected");

    let mut s = vector("signature/signature004.json");
    s["generatedBy"] = json!({"name": "another implementation"});
    let o = judge(&s);
    assert_pass(&o);
    assert_eq!(o.notes.len(), 1, "{}", o.line());
}

#[test]
fn absent_messages_and_indexes_take_the_drafts_default() {
    let sk = "60e55110f76883a13d030b2f6bd11883422d5abde717569fc0731f51237169fc";
    let sig = zkcred::generate::sign(
        SHA,
        &json!({"signerKeyPair": {"secretKey": sk}, "header": "11"}),
    )
    .unwrap();
    let mut no_messages = sig.clone();
    no_messages.as_object_mut().unwrap().remove("messages");
    assert_eq!(classify(&no_messages), Kind::Signature);
    let o = judge(&no_messages);
    assert_pass(&o);
    assert!(o.check.contains("re-signed"), "{}", o.line());

    let input = json!({
        "signerPublicKey": sig["signerKeyPair"]["publicKey"],
        "signature": sig["signature"],
        "header": "11",
    });
    for mocked in [false, true] {
        let mut proof = zkcred::generate::prove(SHA, &input, mocked).unwrap();
        let obj = proof.as_object_mut().unwrap();
        obj.remove("messages");
        obj.remove("disclosedIndexes");
        obj.remove("presentationHeader");
        let o = judge(&proof);
        assert_pass(&o);
        assert_eq!(
            o.check.contains("reproduced"),
            mocked,
            "mocked={mocked}: {}",
            o.line()
        );
    }
}

#[test]
fn indexes_out_of_ascending_order_are_refused() {
    // proof003 discloses [0, 2, 4, 6]; the same set in another order is not
    // what the draft's ProofVerify takes.
    let mut v = vector("proof/proof003.json");
    v["disclosedIndexes"] = json!([2, 0, 4, 6]);
    assert_fail(&judge(&v), "ascending");
    // A file that expects the refusal passes.
    v["result"] = json!({"valid": false, "reason": "indexes not ascending"});
    let o = judge(&v);
    assert_pass(&o);
    assert!(o.check.contains("ascending"), "{}", o.line());
    // Repeated indexes likewise.
    let mut v = vector("proof/proof003.json");
    v["disclosedIndexes"] = json!([0, 2, 2, 6]);
    assert_fail(&judge(&v), "repeated");
}

#[test]
fn malformed_fields_are_failures_naming_the_field() {
    let cases: [(&str, Value, &str); 5] = [
        ("proof/proof001.json", json!({"header": 7}), "`header`"),
        (
            "proof/proof001.json",
            json!({"disclosedIndexes": ["0"]}),
            "`disclosedIndexes[0]`",
        ),
        (
            "proof/proof001.json",
            json!({"messages": "00"}),
            "`messages`",
        ),
        (
            "signature/signature001.json",
            json!({"result": {}}),
            "`result.valid`",
        ),
        (
            "signature/signature001.json",
            json!({"caseName": 3}),
            "`caseName`",
        ),
    ];
    for (file, patch, field) in cases {
        let mut v = vector(file);
        for (k, x) in patch.as_object().unwrap() {
            v[k] = x.clone();
        }
        assert_fail(&judge(&v), field);
    }
    let mut v = vector("signature/signature001.json");
    v["signerKeyPair"]["publicKey"] = json!(12);
    assert_fail(&judge(&v), "`publicKey`");
}

#[test]
fn non_cases_are_skipped_by_name_and_fail_the_run() {
    let dir = common::fixtures_dir();
    // Pseudonym files carry the blind draft's fields too; they are the
    // pseudonym draft's, and judged, generators file included.
    let nym = dir.join("bbs-pseudonyms/bls12-381-shake-256/nymProof/nymProof001.json");
    assert_pass(&zkcred::conformance::run_file(&nym, None));
    let nym_gens = dir.join("bbs-pseudonyms/bls12-381-sha-256/generators.json");
    assert_pass(&zkcred::conformance::run_file(&nym_gens, None));
    // Blind-signatures files are judged, not skipped.
    let blind = dir.join("bbs-blind-signatures/bls12-381-sha-256/signature/signature001.json");
    let o = zkcred::conformance::run_file(&blind, None);
    assert_pass(&o);
    let skip = judge(&json!({"caseName": "x", "whatever": 1}));
    assert!(
        matches!(&skip.verdict, Verdict::Skip(w) if w.contains("`whatever`")),
        "{}",
        skip.line()
    );
    // A pseudonym field on a file of no pseudonym kind is no case either
    // (and no blind or plain one).
    let mut v = vector("signature/signature001.json");
    v["context_id"] = json!("00");
    assert_eq!(classify(&v), Kind::Unknown);
    assert!(matches!(judge(&v).verdict, Verdict::Skip(_)));

    // The draft's message list is data, neither a pass nor a skip.
    let list = dir.join("bbs-signatures/messages.json");
    let data = zkcred::conformance::run_file(&list, None);
    assert!(matches!(data.verdict, Verdict::Data(_)), "{}", data.line());

    let pass = judge(&vector("proof/proof001.json"));
    let t = Totals::of(&[pass.clone(), data.clone()]);
    assert!(t.success());
    assert_eq!(t.closing_line(), "1 passed, 0 failed, 0 skipped");
    let t = Totals::of(&[pass, data, skip]);
    assert!(!t.success());
    assert_eq!(t.closing_line(), "1 passed, 0 failed, 1 skipped");
}

#[test]
fn every_vendored_signatures_vector_passes_and_none_is_skipped() {
    let dir: PathBuf = common::fixtures_dir().join("bbs-signatures");
    let outcomes = zkcred::conformance::run_dir(&dir, None).unwrap();
    let t = Totals::of(&outcomes);
    let lines: Vec<String> = outcomes.iter().map(Outcome::line).collect();
    assert_eq!(
        (t.passed, t.failed, t.skipped, t.data),
        (60, 0, 0, 1),
        "{}",
        lines.join("\n")
    );
    // Every valid proof vector records its scalars and is reproduced.
    for o in &outcomes {
        if o.path.to_string_lossy().contains("/proof/") && o.case_name.starts_with("valid") {
            assert!(o.check.contains("reproduced byte for byte"), "{}", o.line());
        }
    }
}

fn blind_path(rel: &str) -> PathBuf {
    common::fixtures_dir()
        .join("bbs-blind-signatures/bls12-381-sha-256")
        .join(rel)
}

fn blind_vector(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(blind_path(rel)).unwrap()).unwrap()
}

/// Judges a blind file as if it were at its own path (so that the draft's
/// `messages.json` is found).
fn judge_blind(rel: &str, v: &Value) -> Outcome {
    run_value(v, Some(SHA), &blind_path(rel))
}

#[test]
fn every_vendored_blind_signatures_vector_passes_and_none_is_skipped() {
    let dir: PathBuf = common::fixtures_dir().join("bbs-blind-signatures");
    let outcomes = zkcred::conformance::run_dir(&dir, None).unwrap();
    let t = Totals::of(&outcomes);
    let lines: Vec<String> = outcomes.iter().map(Outcome::line).collect();
    assert_eq!(
        (t.passed, t.failed, t.skipped, t.data),
        (32, 0, 0, 1),
        "{}",
        lines.join("\n")
    );
    for o in &outcomes {
        let p = o.path.to_string_lossy();
        if p.contains("/proof/") || p.contains("/commit/") {
            assert!(o.check.contains("reproduced byte for byte"), "{}", o.line());
        }
        if p.contains("/signature/") {
            assert!(o.check.contains("re-signed byte for byte"), "{}", o.line());
        }
        assert!(o.notes.is_empty(), "{}", o.line());
    }
}

#[test]
fn blind_cases_are_classified_by_their_fields() {
    use zkcred::conformance::BlindKind;
    for (rel, kind) in [
        ("commit/commit001.json", BlindKind::Commit),
        ("signature/signature005.json", BlindKind::Signature),
        ("proof/proof008.json", BlindKind::Proof),
        ("generators.json", BlindKind::Generators),
    ] {
        assert_eq!(classify(&blind_vector(rel)), Kind::Blind(kind), "{rel}");
    }
    let list: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures_dir().join("bbs-blind-signatures/messages.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(classify(&list), Kind::MessageList);
    // A blind field alone is no plain BBS case.
    let mut v = vector("signature/signature001.json");
    v["proverBlind"] = json!("00");
    assert_eq!(classify(&v), Kind::Unknown);
}

#[test]
fn blind_commitments_are_checked_and_reproduced() {
    let v = blind_vector("commit/commit002.json");
    let o = judge_blind("commit/commit002.json", &v);
    assert_pass(&o);
    assert!(o.check.contains("trace.random_scalars"), "{}", o.line());
    // Without the trace, the mocked scalars of mockRngParameters.
    let mut seeded = v.clone();
    seeded.as_object_mut().unwrap().remove("trace");
    let o = judge_blind("commit/commit002.json", &seeded);
    assert_pass(&o);
    assert!(o.check.contains("mockRngParameters"), "{}", o.line());
    // A recorded count that is not M + 2 is a failure naming it.
    seeded["mockRngParameters"]["commit"]["count"] = json!(3);
    assert_fail(&judge_blind("commit/commit002.json", &seeded), "count");
    // Another blind does not make this commitment.
    let mut wrong = v.clone();
    wrong["proverBlind"] = blind_vector("commit/commit001.json")["proverBlind"].clone();
    assert_fail(
        &judge_blind("commit/commit002.json", &wrong),
        "commitmentWithProof: computed",
    );
    // A committed message changed: the proof no longer fits the messages
    // only through regeneration, so it is caught there.
    let mut msg = v.clone();
    msg["committedMessages"][0] = json!("00");
    assert_fail(&judge_blind("commit/commit002.json", &msg), "computed");
    // A tampered commitment: rejected, and a file expecting that passes.
    let mut bad = v.clone();
    let mut c = hex::decode(v["commitmentWithProof"].as_str().unwrap()).unwrap();
    c[48 + 31] ^= 1;
    bad["commitmentWithProof"] = json!(hex::encode(&c));
    assert_fail(
        &judge_blind("commit/commit002.json", &bad),
        "expected valid, zkcred rejected",
    );
    bad["result"] = json!({"valid": false, "reason": "modified commitment proof"});
    let o = judge_blind("commit/commit002.json", &bad);
    assert_pass(&o);
    assert!(
        o.check.contains("modified commitment proof"),
        "{}",
        o.line()
    );
    // Malformed octets are named.
    bad["commitmentWithProof"] = json!(hex::encode(&c[..100]));
    let o = judge_blind("commit/commit002.json", &bad);
    assert_pass(&o);
    assert!(o.check.contains("commitmentWithProof"), "{}", o.line());
}

#[test]
fn blind_signatures_are_verified_by_the_holder_and_re_signed() {
    let v = blind_vector("signature/signature004.json");
    assert_pass(&judge_blind("signature/signature004.json", &v));
    // The wrong blind, a changed committed message: the holder rejects.
    let mut wrong = v.clone();
    wrong["proverBlind"] = blind_vector("signature/signature001.json")["proverBlind"].clone();
    assert_fail(
        &judge_blind("signature/signature004.json", &wrong),
        "expected valid, zkcred rejected",
    );
    let mut wrong = v.clone();
    wrong["committedMessages"][1] = json!("00");
    assert_fail(
        &judge_blind("signature/signature004.json", &wrong),
        "expected valid, zkcred rejected",
    );
    // A commitment that does not verify is refused by the signer's check,
    // named as such.
    let mut bad = v.clone();
    let mut c = hex::decode(v["commitmentWithProof"].as_str().unwrap()).unwrap();
    c[48 + 31] ^= 1;
    bad["commitmentWithProof"] = json!(hex::encode(&c));
    bad["result"] = json!({"valid": false, "reason": "bad commitment"});
    let o = judge_blind("signature/signature004.json", &bad);
    assert_pass(&o);
    assert!(o.check.contains("the signer's check"), "{}", o.line());
    // Without the secret key, verification is the verdict.
    let mut pk_only = v.clone();
    pk_only["signerKeyPair"]
        .as_object_mut()
        .unwrap()
        .remove("secretKey");
    let o = judge_blind("signature/signature004.json", &pk_only);
    assert_pass(&o);
    assert!(o.check.starts_with("verified only"), "{}", o.line());
    // A null commitment: no committed messages, a zero blind (signature005).
    let o = judge_blind(
        "signature/signature005.json",
        &blind_vector("signature/signature005.json"),
    );
    assert_pass(&o);
    assert!(o.check.contains("re-signed"), "{}", o.line());
}

#[test]
fn blind_proofs_are_verified_and_reproduced_with_the_drafts_messages() {
    let v = blind_vector("proof/proof004.json");
    let o = judge_blind("proof/proof004.json", &v);
    assert_pass(&o);
    assert!(o.check.contains("messages.json"), "{}", o.line());
    // Elsewhere (no messages.json above), verification is the verdict.
    let o = run_value(&v, Some(SHA), Path::new("case.json"));
    assert_pass(&o);
    assert!(o.check.starts_with("verified only"), "{}", o.line());
    // The messages in the file are used first.
    let mut inline = v.clone();
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures_dir().join("bbs-blind-signatures/messages.json"))
            .unwrap(),
    )
    .unwrap();
    inline["messages"] = all["messages"].clone();
    inline["committedMessages"] = all["committedMessages"].clone();
    let o = run_value(&inline, Some(SHA), Path::new("case.json"));
    assert_pass(&o);
    assert!(o.check.contains("the file's messages"), "{}", o.line());
    // ...and must agree with what the proof reveals.
    inline["messages"][0] = json!("00");
    assert_fail(
        &run_value(&inline, Some(SHA), Path::new("case.json")),
        "revealedMessages[0] differs",
    );
    // Without the trace, the mocked scalars of mockRngParameters.
    let mut seeded = v.clone();
    seeded.as_object_mut().unwrap().remove("trace");
    let o = judge_blind("proof/proof004.json", &seeded);
    assert_pass(&o);
    assert!(o.check.contains("mockRngParameters"), "{}", o.line());
    // A trace that does not make the proof is caught.
    let mut wrong = v.clone();
    wrong["trace"]["random_scalars"]["r1"] = wrong["trace"]["random_scalars"]["r2"].clone();
    assert_fail(
        &judge_blind("proof/proof004.json", &wrong),
        "proof: computed",
    );
    // A wrong L, a wrong revealed committed message, another ph: rejected.
    for patch in [
        json!({"L": 9}),
        json!({"revealedCommittedMessages": {"0": "00", "2": "835889a40744813a892eff9deb1edaeb", "4": ""}}),
        json!({"presentationHeader": "00"}),
    ] {
        let mut p = v.clone();
        for (k, x) in patch.as_object().unwrap() {
            p[k] = x.clone();
        }
        assert_fail(
            &judge_blind("proof/proof004.json", &p),
            "expected valid, zkcred rejected",
        );
        p["result"] = json!({"valid": false, "reason": "tampered"});
        assert_pass(&judge_blind("proof/proof004.json", &p));
    }
    // Revealed messages of the wrong shape are named.
    let mut p = v.clone();
    p["revealedMessages"] = json!({"zero": "00"});
    assert_fail(
        &judge_blind("proof/proof004.json", &p),
        "`revealedMessages`",
    );
    let mut p = v.clone();
    p["L"] = json!("10");
    assert_fail(&judge_blind("proof/proof004.json", &p), "`L`");
}

fn nym_path(suite: &str, rel: &str) -> PathBuf {
    common::fixtures_dir()
        .join("bbs-pseudonyms")
        .join(suite)
        .join(rel)
}

fn nym_vector(rel: &str) -> Value {
    let p = nym_path("bls12-381-sha-256", rel);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn judge_nym(v: &Value) -> Outcome {
    run_value(v, Some(SHA), Path::new("case.json"))
}

#[test]
fn every_vendored_pseudonym_vector_passes_and_none_is_skipped() {
    let dir: PathBuf = common::fixtures_dir().join("bbs-pseudonyms");
    let outcomes = zkcred::conformance::run_dir(&dir, None).unwrap();
    let t = Totals::of(&outcomes);
    let lines: Vec<String> = outcomes.iter().map(Outcome::line).collect();
    assert_eq!(
        (t.passed, t.failed, t.skipped, t.data),
        (44, 0, 0, 1),
        "{}",
        lines.join("\n")
    );
    let mut padded = 0;
    for o in &outcomes {
        let p = o.path.to_string_lossy();
        if p.contains("/nymProof/") {
            assert!(o.check.contains("pseudonym recomputed"), "{}", o.line());
        }
        if p.contains("/nymProof/") || p.contains("/nymCommit/") {
            assert!(o.check.contains("reproduced byte for byte"), "{}", o.line());
        }
        if p.contains("/nymSignature/") {
            assert!(o.check.contains("re-signed byte for byte"), "{}", o.line());
        }
        if o.check.contains("read left-padded") {
            padded += 1;
        }
        assert!(o.notes.is_empty(), "{}", o.line());
    }
    // The published files' quirk: 16 files write some scalars with 63 hex
    // digits, and the runner says it padded them.
    assert_eq!(padded, 16);
}

#[test]
fn pseudonym_cases_are_classified_by_their_fields() {
    use zkcred::conformance::NymKind;
    for (rel, kind) in [
        ("nymCommit/nymCommit003.json", NymKind::Commit),
        ("nymSignature/nymSignature002.json", NymKind::Signature),
        ("nymProof/nymProof104.json", NymKind::Proof),
        ("generators.json", NymKind::Generators),
    ] {
        assert_eq!(classify(&nym_vector(rel)), Kind::Nym(kind), "{rel}");
    }
    let list: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures_dir().join("bbs-pseudonyms/messages.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(classify(&list), Kind::MessageList);
}

#[test]
fn pseudonym_commitments_and_signatures_are_checked() {
    let v = nym_vector("nymCommit/nymCommit004.json");
    let o = judge_nym(&v);
    assert_pass(&o);
    // Without the trace, the mocked scalars of mockRngParameters.
    let mut seeded = v.clone();
    seeded.as_object_mut().unwrap().remove("trace");
    let o = judge_nym(&seeded);
    assert_pass(&o);
    assert!(o.check.contains("mockRngParameters"), "{}", o.line());
    // Another prover nym does not make this commitment.
    let mut wrong = v.clone();
    wrong["proverNyms"][0] = json!("01");
    assert_fail(&judge_nym(&wrong), "commitmentWithProof: computed");
    // One nym fewer: the proof covers another count.
    let mut fewer = v.clone();
    fewer["proverNyms"].as_array_mut().unwrap().pop();
    assert_fail(&judge_nym(&fewer), "expected valid, zkcred rejected");
    // A blind-signatures commitment is not a pseudonym one.
    let mut blind = v.clone();
    blind["commitmentWithProof"] =
        blind_vector("commit/commit002.json")["commitmentWithProof"].clone();
    blind["result"] = json!({"valid": false, "reason": "another api_id"});
    let o = judge_nym(&blind);
    assert_pass(&o);
    assert!(o.check.starts_with("rejected as expected"), "{}", o.line());

    let v = nym_vector("nymSignature/nymSignature006.json");
    assert_pass(&judge_nym(&v));
    // Another entropy, or nym secrets that are not the finalized ones.
    let mut wrong = v.clone();
    wrong["signer_nym_entropy"] =
        nym_vector("nymSignature/nymSignature001.json")["proverBlind"].clone();
    assert_fail(&judge_nym(&wrong), "expected valid, zkcred rejected");
    let mut wrong = v.clone();
    wrong["nym_secrets"][0] = json!("02");
    assert_fail(&judge_nym(&wrong), "nym_secrets differ");
    // A scalar of more than 64 hex digits is an error naming it.
    let mut long = v.clone();
    long["proverNyms"][0] = json!(format!("00{}", v["proverNyms"][0].as_str().unwrap()));
    assert_fail(&judge_nym(&long), "proverNyms[0]");
}

#[test]
fn pseudonym_proofs_are_verified_and_reproduced() {
    let v = nym_vector("nymProof/nymProof102.json");
    let o = judge_nym(&v);
    assert_pass(&o);
    assert!(o.check.contains("trace.random_scalars"), "{}", o.line());
    // Without the trace, from the mocked scalars.
    let mut seeded = v.clone();
    seeded.as_object_mut().unwrap().remove("trace");
    let o = judge_nym(&seeded);
    assert_pass(&o);
    assert!(o.check.contains("mockRngParameters"), "{}", o.line());
    // A trace that does not make the proof is caught.
    let mut wrong = v.clone();
    wrong["trace"]["random_scalars"]["r1"] = wrong["trace"]["random_scalars"]["r2"].clone();
    assert_fail(&judge_nym(&wrong), "proof: computed");
    // Another context or another pseudonym: the proof does not verify.
    for (field, other) in [
        ("context_id", json!("00")),
        (
            "pseudonym",
            nym_vector("nymProof/nymProof001.json")["pseudonym"].clone(),
        ),
    ] {
        let mut bad = v.clone();
        bad[field] = other;
        assert_fail(&judge_nym(&bad), "expected valid, zkcred rejected");
        bad["result"] = json!({"valid": false, "reason": "swapped"});
        let o = judge_nym(&bad);
        assert_pass(&o);
        assert!(o.check.starts_with("rejected as expected"), "{}", o.line());
    }
    // An identity pseudonym is refused at decoding, and named.
    let mut bad = v.clone();
    bad["pseudonym"] = json!(format!("c0{}", "00".repeat(47)));
    bad["result"] = json!({"valid": false});
    let o = judge_nym(&bad);
    assert_pass(&o);
    assert!(o.check.contains("pseudonym"), "{}", o.line());
    // nym_secrets that are not the pseudonym's: the verification passes
    // (it does not read them), the recomputation fails.
    let mut wrong = v.clone();
    wrong["nym_secrets"][3] = json!("03");
    assert_fail(&judge_nym(&wrong), "pseudonym: computed");
    // The wrong suite fails.
    let o = run_value(&v, Some(Suite::Bls12381Shake256), Path::new("case.json"));
    assert!(matches!(o.verdict, Verdict::Fail(_)), "{}", o.line());
}
