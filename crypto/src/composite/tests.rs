//! Tests of composite proofs through the crate's internals (the public
//! interface is exercised in `tests/composite.rs`).

#![allow(clippy::unwrap_used)]

use rand::rngs::OsRng;

use super::*;
use crate::bbs::{core, ProverCredential, SecretKey, Suite, VerifierKey};
use crate::curve::Scalar;
use crate::range::prove::prove_unchecked;
use crate::Error;

pub(super) const SUITE: Suite = Suite::Bls12381Sha256;

pub(super) struct Cred {
    pub vk: VerifierKey,
    pub pc: ProverCredential,
    pub messages: Vec<Scalar>,
    pub header: Vec<u8>,
}

pub(super) fn cred(values: &[i64]) -> Cred {
    cred_in(SUITE, values)
}

fn cred_in(suite: Suite, values: &[i64]) -> Cred {
    let sk = SecretKey::random(&mut OsRng);
    let pk = sk.public_key();
    let messages: Vec<Scalar> = values.iter().map(|v| Scalar::from_i64(*v)).collect();
    let header = b"test header".to_vec();
    let sig = core::sign(suite, &sk, &pk, &header, &messages).unwrap();
    let pc = ProverCredential::new(suite, &pk, &sig, &header, &messages).unwrap();
    Cred {
        vk: VerifierKey::new(pk),
        pc,
        messages,
        header,
    }
}

fn disclosed_pairs(c: &Cred, idx: &[usize]) -> Vec<(usize, Scalar)> {
    idx.iter().map(|&i| (i, c.messages[i])).collect()
}

pub(super) fn at(credential: usize, index: usize) -> MessageRef {
    MessageRef { credential, index }
}

/// Proves over `creds` disclosing `disclosed[k]`, then verifies with
/// `verify_relations` (default: the same relations).
fn run(
    creds: &[&Cred],
    disclosed: &[&[usize]],
    rel: &Relations,
    verify_relations: Option<&Relations>,
) -> Result<Result<(), Error>, Error> {
    let parts: Vec<ProverPart<'_>> = creds
        .iter()
        .zip(disclosed)
        .map(|(c, d)| ProverPart {
            credential: &c.pc,
            disclosed: d,
        })
        .collect();
    let proof = prove(&parts, rel, b"ph", &mut OsRng)?;
    let bytes = proof.to_bytes();
    let proof = CompositeProof::from_bytes(&bytes).unwrap();
    let pairs: Vec<Vec<(usize, Scalar)>> = creds
        .iter()
        .zip(disclosed)
        .map(|(c, d)| disclosed_pairs(c, d))
        .collect();
    let vparts: Vec<VerifierPart<'_>> = creds
        .iter()
        .zip(&pairs)
        .map(|(c, d)| VerifierPart {
            suite: SUITE,
            generators: crate::bbs::MessageGenerators::Plain,
            key: &c.vk,
            header: &c.header,
            disclosed: d,
        })
        .collect();
    let item = CompositeItem {
        parts: &vparts,
        relations: verify_relations.unwrap_or(rel),
        ph: b"ph",
        proof: &proof,
    };
    let single = verify(&item);
    let batch = verify_batch(&[item], &mut OsRng).remove(0);
    assert_eq!(single.is_ok(), batch.is_ok());
    Ok(single)
}

fn range(credential: usize, index: usize, min: Option<i64>, max: Option<i64>) -> RangeClaim {
    RangeClaim {
        message: at(credential, index),
        min,
        max,
        bits: 32,
    }
}

#[test]
fn ranges_at_inside_and_outside_their_bounds() {
    // birth date 2008-02-29 = day 13938.
    let c = cred(&[1, 13_938, 3, 4]);
    for (min, max, holds) in [
        (None, Some(13_938), true),
        (None, Some(13_939), true),
        (None, Some(13_937), false),
        (Some(13_938), None, true),
        (Some(13_939), None, false),
        (Some(13_000), Some(14_000), true),
        (Some(13_938), Some(13_938), true),
        (Some(-5_000), Some(13_938), true),
        (Some(13_939), Some(20_000), false),
    ] {
        let rel = Relations {
            equalities: vec![],
            ranges: vec![range(0, 1, min, max)],
            pseudonyms: vec![],
            memberships: vec![],
        };
        let r = run(&[&c], &[&[0]], &rel, None);
        if holds {
            assert_eq!(r, Ok(Ok(())), "{min:?} {max:?}");
        } else {
            assert_eq!(r, Err(Error::ValueOutOfRange), "{min:?} {max:?}");
        }
    }
}

#[test]
fn negative_values_and_64_bit_widths() {
    let c = cred(&[-10_000, i64::MAX - 1]);
    let rel = Relations {
        equalities: vec![],
        ranges: vec![
            range(0, 0, Some(-20_000), Some(0)),
            RangeClaim {
                message: at(0, 1),
                min: Some(0),
                max: None,
                bits: 64,
            },
        ],
        pseudonyms: vec![],
        memberships: vec![],
    };
    assert_eq!(run(&[&c], &[&[]], &rel, None), Ok(Ok(())));
}

#[test]
fn one_two_and_three_credentials_with_equalities() {
    let id = cred(&[42, 13_000, 99]);
    let dl = cred(&[7, 42, 20_500]);
    let third = cred(&[42, 5]);
    let rel1 = Relations {
        equalities: vec![(at(0, 0), at(0, 2))],
        ranges: vec![],
        pseudonyms: vec![],
        memberships: vec![],
    };
    // 42 != 99: refused by the prover.
    assert_eq!(
        run(&[&id], &[&[1]], &rel1, None),
        Err(Error::InvalidStatement("the messages claimed equal differ"))
    );
    let rel2 = Relations {
        equalities: vec![(at(0, 0), at(1, 1))],
        ranges: vec![
            range(0, 1, None, Some(13_500)),
            range(1, 2, Some(20_000), None),
        ],
        pseudonyms: vec![],
        memberships: vec![],
    };
    assert_eq!(run(&[&id, &dl], &[&[], &[0]], &rel2, None), Ok(Ok(())));
    let rel3 = Relations {
        equalities: vec![(at(0, 0), at(1, 1)), (at(1, 1), at(2, 0))],
        ranges: vec![range(2, 1, Some(0), Some(10))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    assert_eq!(
        run(&[&id, &dl, &third], &[&[2], &[], &[]], &rel3, None),
        Ok(Ok(()))
    );
    // Verified against a statement with an equality the proof did not make.
    let no_eq = Relations {
        equalities: vec![],
        ranges: rel2.ranges.clone(),
        pseudonyms: vec![],
        memberships: vec![],
    };
    let forged = Relations {
        equalities: vec![(at(0, 2), at(1, 2))],
        ranges: rel2.ranges.clone(),
        pseudonyms: vec![],
        memberships: vec![],
    };
    assert_eq!(
        run(&[&id, &dl], &[&[], &[0]], &no_eq, Some(&forged)),
        Ok(Err(Error::VerificationFailed))
    );
}

#[test]
fn a_proof_of_an_out_of_range_value_made_through_the_internals_fails() {
    // Bypass the holder's check: prove the range part for a value above
    // the bound with the unchecked prover, splice it into a valid proof.
    let c = cred(&[1, 20_000]);
    let rel = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(30_000))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let parts = [ProverPart {
        credential: &c.pc,
        disclosed: &[0],
    }];
    let mut proof = prove(&parts, &rel, b"ph", &mut OsRng).unwrap();
    let claimed = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(19_999))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let values = claimed.range_values(&proof.commitments());
    // The holder's true blinding is unknown here, so a fresh proof for
    // value "19_999 - 20_000 mod 2^32" with any blinding cannot verify;
    // and the original proof does not fit the changed bound either.
    let fake = prove_unchecked(
        SUITE,
        &commitment::commitment_generators(SUITE),
        &proof.bbs[0].challenge,
        &values,
        &[crate::range::RangeWitness {
            value: u64::MAX,
            blinding: Scalar::ONE,
        }],
        &mut OsRng,
    )
    .unwrap();
    let pairs = disclosed_pairs(&c, &[0]);
    let vparts = [VerifierPart {
        suite: SUITE,
        generators: crate::bbs::MessageGenerators::Plain,
        key: &c.vk,
        header: &c.header,
        disclosed: &pairs,
    }];
    let item = CompositeItem {
        parts: &vparts,
        relations: &claimed,
        ph: b"ph",
        proof: &proof,
    };
    assert_eq!(verify(&item), Err(Error::VerificationFailed));
    proof.range = Some(fake);
    let item = CompositeItem {
        parts: &vparts,
        relations: &claimed,
        ph: b"ph",
        proof: &proof,
    };
    assert_eq!(verify(&item), Err(Error::VerificationFailed));
}

#[test]
fn tampering_with_anything_is_refused() {
    let c = cred(&[5, 13_000, 7]);
    let rel = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(13_500))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let parts = [ProverPart {
        credential: &c.pc,
        disclosed: &[0],
    }];
    let proof = prove(&parts, &rel, b"ph", &mut OsRng).unwrap();
    let bytes = proof.to_bytes();
    let pairs = disclosed_pairs(&c, &[0]);
    let vparts = [VerifierPart {
        suite: SUITE,
        generators: crate::bbs::MessageGenerators::Plain,
        key: &c.vk,
        header: &c.header,
        disclosed: &pairs,
    }];
    let ok = CompositeItem {
        parts: &vparts,
        relations: &rel,
        ph: b"ph",
        proof: &proof,
    };
    assert_eq!(verify(&ok), Ok(()));
    // Presentation header, bound, statement list.
    assert!(verify(&CompositeItem { ph: b"pH", ..ok }).is_err());
    let other_bound = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(13_501))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    assert!(verify(&CompositeItem {
        relations: &other_bound,
        ..ok
    })
    .is_err());
    let more = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(13_500)), range(0, 1, Some(0), None)],
        pseudonyms: vec![],
        memberships: vec![],
    };
    assert!(verify(&CompositeItem {
        relations: &more,
        ..ok
    })
    .is_err());
    let none = Relations::default();
    assert!(verify(&CompositeItem {
        relations: &none,
        ..ok
    })
    .is_err());
    // Disclosed value.
    let wrong = [(0usize, Scalar::from_u64(6))];
    let wparts = [VerifierPart {
        disclosed: &wrong,
        ..vparts[0]
    }];
    assert!(verify(&CompositeItem {
        parts: &wparts,
        ..ok
    })
    .is_err());
    // Every octet of the encoding, flipped: decoding or verification fails.
    for pos in 0..bytes.len() {
        let mut b = bytes.clone();
        b[pos] ^= 0x01;
        if let Ok(p) = CompositeProof::from_bytes(&b) {
            assert!(
                verify(&CompositeItem { proof: &p, ..ok }).is_err(),
                "octet {pos}"
            );
        }
    }
    assert!(CompositeProof::from_bytes(&[bytes.clone(), vec![0]].concat()).is_err());
    assert!(CompositeProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn credentials_of_both_suites_in_one_proof() {
    let a = cred(&[42, 13_000]);
    let b = cred_in(Suite::Bls12381Shake256, &[42, 20_500]);
    let parts = [
        ProverPart {
            credential: &a.pc,
            disclosed: &[],
        },
        ProverPart {
            credential: &b.pc,
            disclosed: &[],
        },
    ];
    let rel = Relations {
        equalities: vec![(at(0, 0), at(1, 0))],
        ranges: vec![range(1, 1, Some(20_000), None)],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let proof = prove(&parts, &rel, b"ph", &mut OsRng).unwrap();
    let vparts = [
        VerifierPart {
            suite: SUITE,
            generators: crate::bbs::MessageGenerators::Plain,
            key: &a.vk,
            header: &a.header,
            disclosed: &[],
        },
        VerifierPart {
            suite: Suite::Bls12381Shake256,
            generators: crate::bbs::MessageGenerators::Plain,
            key: &b.vk,
            header: &b.header,
            disclosed: &[],
        },
    ];
    let item = CompositeItem {
        parts: &vparts,
        relations: &rel,
        ph: b"ph",
        proof: &proof,
    };
    assert_eq!(verify(&item), Ok(()));
    // The second part claimed under the other suite does not verify.
    let wrong = [
        vparts[0],
        VerifierPart {
            suite: SUITE,
            generators: crate::bbs::MessageGenerators::Plain,
            ..vparts[1]
        },
    ];
    assert!(verify(&CompositeItem {
        parts: &wrong,
        ..item
    })
    .is_err());
}

#[test]
fn a_batch_gives_each_presentation_its_own_result() {
    let creds: Vec<Cred> = (0..6).map(|i| cred(&[i, 13_000 + i, 2])).collect();
    let rel = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(13_500))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let proofs: Vec<CompositeProof> = creds
        .iter()
        .map(|c| {
            prove(
                &[ProverPart {
                    credential: &c.pc,
                    disclosed: &[0],
                }],
                &rel,
                b"ph",
                &mut OsRng,
            )
            .unwrap()
        })
        .collect();
    let pairs: Vec<_> = creds.iter().map(|c| disclosed_pairs(c, &[0])).collect();
    let vparts: Vec<[VerifierPart<'_>; 1]> = creds
        .iter()
        .zip(&pairs)
        .map(|(c, d)| {
            [VerifierPart {
                suite: SUITE,
                generators: crate::bbs::MessageGenerators::Plain,
                key: &c.vk,
                header: &c.header,
                disclosed: d,
            }]
        })
        .collect();
    // Item 2 claims a tighter bound than it proved; item 4 another ph.
    let tight = Relations {
        equalities: vec![],
        ranges: vec![range(0, 1, None, Some(13_001))],
        pseudonyms: vec![],
        memberships: vec![],
    };
    let items: Vec<CompositeItem<'_>> = (0..6)
        .map(|i| CompositeItem {
            parts: &vparts[i],
            relations: if i == 2 { &tight } else { &rel },
            ph: if i == 4 { b"other" } else { b"ph" },
            proof: &proofs[i],
        })
        .collect();
    let r = verify_batch(&items, &mut OsRng);
    for (i, r) in r.iter().enumerate() {
        assert_eq!(r.is_ok(), i != 2 && i != 4, "item {i}");
    }
}

// ---- pseudonyms -------------------------------------------------------

fn nym(credential: usize, index: usize, context: &[u8]) -> PseudonymClaim {
    PseudonymClaim {
        message: at(credential, index),
        context_id: context.to_vec(),
    }
}

fn nym_relations(claims: Vec<PseudonymClaim>) -> Relations {
    Relations {
        pseudonyms: claims,
        memberships: vec![],
        ..Relations::default()
    }
}

fn prove_over(creds: &[&Cred], disclosed: &[&[usize]], rel: &Relations) -> CompositeProof {
    let parts: Vec<ProverPart<'_>> = creds
        .iter()
        .zip(disclosed)
        .map(|(c, d)| ProverPart {
            credential: &c.pc,
            disclosed: d,
        })
        .collect();
    let proof = prove(&parts, rel, b"ph", &mut OsRng).unwrap();
    CompositeProof::from_bytes(&proof.to_bytes()).unwrap()
}

fn verify_over(
    creds: &[&Cred],
    disclosed: &[&[usize]],
    rel: &Relations,
    proof: &CompositeProof,
) -> Result<(), Error> {
    let pairs: Vec<Vec<(usize, Scalar)>> = creds
        .iter()
        .zip(disclosed)
        .map(|(c, d)| disclosed_pairs(c, d))
        .collect();
    let vparts: Vec<VerifierPart<'_>> = creds
        .iter()
        .zip(&pairs)
        .map(|(c, d)| VerifierPart {
            suite: SUITE,
            generators: crate::bbs::MessageGenerators::Plain,
            key: &c.vk,
            header: &c.header,
            disclosed: d,
        })
        .collect();
    let item = CompositeItem {
        parts: &vparts,
        relations: rel,
        ph: b"ph",
        proof,
    };
    let single = verify(&item);
    let batch = verify_batch(&[item], &mut OsRng).remove(0);
    assert_eq!(single.is_ok(), batch.is_ok());
    single
}

/// A credential whose message 0 is `secret` (the holder secret) and whose
/// other messages are `values`.
fn cred_with_secret(secret: i64, values: &[i64]) -> Cred {
    let mut all = vec![secret];
    all.extend_from_slice(values);
    cred(&all)
}

#[test]
fn pseudonym_is_the_context_point_times_the_secret() {
    let c = cred_with_secret(424_242, &[1, 2]);
    let rel = nym_relations(vec![nym(0, 0, b"hotel:chain-1")]);
    let proof = prove_over(&[&c], &[&[1]], &rel);
    let op = pseudonym::context_point(SUITE, b"hotel:chain-1");
    assert_eq!(
        proof.pseudonyms(),
        &[op.to_projective()
            .mul_ct(&Scalar::from_i64(424_242))
            .to_affine()]
    );
    assert_eq!(verify_over(&[&c], &[&[1]], &rel, &proof), Ok(()));
    // The pseudonyms draft's pseudonym of the one nym secret.
    let draft =
        crate::nym::pseudonym_of(SUITE, b"hotel:chain-1", &[Scalar::from_i64(424_242)]).unwrap();
    assert_eq!(proof.pseudonyms()[0], *draft.as_point());
}

#[test]
fn pseudonyms_stable_per_holder_and_context_unlinkable_otherwise() {
    use rand::Rng;
    let contexts: [&[u8]; 3] = [b"hotel:chain-1", b"hotel:chain-2", b"rental:desk"];
    let mut seen = std::collections::HashMap::new();
    for _ in 0..6 {
        let secret: i64 = OsRng.gen_range(1..i64::MAX);
        // Two credentials of the same holder (same secret, other values).
        let a = cred_with_secret(secret, &[OsRng.gen(), 7]);
        let b = cred_with_secret(secret, &[OsRng.gen(), 8]);
        for ctx in contexts {
            let rel = nym_relations(vec![nym(0, 0, ctx)]);
            let pa = prove_over(&[&a], &[&[2]], &rel);
            let pb = prove_over(&[&b], &[&[]], &rel);
            let pa2 = prove_over(&[&a], &[&[]], &rel);
            assert_eq!(verify_over(&[&a], &[&[2]], &rel, &pa), Ok(()));
            assert_eq!(verify_over(&[&b], &[&[]], &rel, &pb), Ok(()));
            assert_eq!(
                pa.pseudonyms(),
                pb.pseudonyms(),
                "same holder, same context"
            );
            assert_eq!(pa.pseudonyms(), pa2.pseudonyms(), "same credential, twice");
            // Different holder or context: a new pseudonym, never seen.
            let prev = seen.insert(pa.pseudonyms()[0].to_compressed(), (secret, ctx));
            assert_eq!(prev, None, "pseudonym collision across holders/contexts");
        }
    }
    assert_eq!(seen.len(), 18);
}

#[test]
fn swapped_pseudonym_or_context_is_refused() {
    let alice = cred_with_secret(11, &[1, 2]);
    let bob = cred_with_secret(22, &[1, 2]);
    let rel = nym_relations(vec![nym(0, 0, b"hotel:chain-1")]);
    let pa = prove_over(&[&alice], &[&[1]], &rel);
    let pb = prove_over(&[&bob], &[&[1]], &rel);
    // Bob's pseudonym in Alice's proof.
    let mut swapped = pa.clone();
    swapped.pseudonyms = pb.pseudonyms.clone();
    assert_eq!(
        verify_over(&[&alice], &[&[1]], &rel, &swapped),
        Err(Error::VerificationFailed)
    );
    // The proof presented for another context.
    let other = nym_relations(vec![nym(0, 0, b"hotel:chain-2")]);
    assert_eq!(
        verify_over(&[&alice], &[&[1]], &other, &pa),
        Err(Error::VerificationFailed)
    );
    // The claim moved to another hidden message.
    let moved = nym_relations(vec![nym(0, 2, b"hotel:chain-1")]);
    assert_eq!(
        verify_over(&[&alice], &[&[1]], &moved, &pa),
        Err(Error::VerificationFailed)
    );
    // The pseudonym dropped, or the claim dropped.
    let mut dropped = pa.clone();
    dropped.pseudonyms.clear();
    assert_eq!(
        verify_over(&[&alice], &[&[1]], &rel, &dropped),
        Err(Error::VerificationFailed)
    );
    assert_eq!(
        verify_over(&[&alice], &[&[1]], &Relations::default(), &pa),
        Err(Error::VerificationFailed)
    );
}

#[test]
fn pseudonym_claims_are_checked() {
    let c = cred_with_secret(5, &[1, 2]);
    let parts = [ProverPart {
        credential: &c.pc,
        disclosed: &[0],
    }];
    for (rel, why) in [
        (
            nym_relations(vec![nym(0, 0, b"ctx")]),
            "relation on a disclosed message",
        ),
        (
            nym_relations(vec![nym(0, 1, b"")]),
            "pseudonym context_id length",
        ),
        (
            nym_relations(vec![nym(0, 1, &[7u8; 256])]),
            "pseudonym context_id length",
        ),
        (
            nym_relations(vec![nym(0, 9, b"ctx")]),
            "message index out of range",
        ),
    ] {
        assert_eq!(
            prove(&parts, &rel, b"ph", &mut OsRng),
            Err(Error::InvalidStatement(why))
        );
    }
}

#[test]
fn one_holder_secret_across_credentials_with_a_pseudonym() {
    // Holder binding: the ID card's and the license's secret are proven
    // equal, and the pseudonym is the shared secret's.
    let id = cred_with_secret(99, &[1, 2, 3]);
    let dl = cred_with_secret(99, &[4, 5]);
    let other = cred_with_secret(100, &[4, 5]);
    let rel = Relations {
        equalities: vec![(at(0, 0), at(1, 0))],
        pseudonyms: vec![nym(0, 0, b"rental:desk")],
        ..Relations::default()
    };
    let proof = prove_over(&[&id, &dl], &[&[1], &[2]], &rel);
    assert_eq!(
        verify_over(&[&id, &dl], &[&[1], &[2]], &rel, &proof),
        Ok(())
    );
    // Another holder's license cannot be combined.
    let parts = [
        ProverPart {
            credential: &id.pc,
            disclosed: &[1],
        },
        ProverPart {
            credential: &other.pc,
            disclosed: &[2],
        },
    ];
    assert_eq!(
        prove(&parts, &rel, b"ph", &mut OsRng),
        Err(Error::InvalidStatement("the messages claimed equal differ"))
    );
}

#[test]
fn pseudonym_section_decoding() {
    let c = cred_with_secret(5, &[1, 2]);
    let rel = nym_relations(vec![nym(0, 0, b"ctx")]);
    let proof = prove_over(&[&c], &[&[1]], &rel);
    let bytes = proof.to_bytes();
    assert_eq!(CompositeProof::from_bytes(&bytes).unwrap(), proof);
    // Trailing octets, truncation, a zero count, an identity point.
    let mut long = bytes.clone();
    long.push(0);
    assert!(CompositeProof::from_bytes(&long).is_err());
    assert!(CompositeProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let at_count = bytes.len() - 49;
    let mut zero = bytes[..at_count].to_vec();
    zero.push(0);
    assert!(CompositeProof::from_bytes(&zero).is_err());
    let mut ident = bytes.clone();
    ident[at_count + 1] = 0xc0;
    ident[at_count + 2..].fill(0);
    assert!(CompositeProof::from_bytes(&ident).is_err());
}
