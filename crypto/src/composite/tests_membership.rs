//! Accumulator membership statements in composite proofs.

#![allow(clippy::unwrap_used)]

use rand::rngs::OsRng;

use super::tests::{at, cred, Cred, SUITE};
use super::*;
use crate::accumulator::{self, Accumulator, Change, Element, Witness};
use crate::bbs::MessageGenerators;
use crate::curve::Scalar;
use crate::Error;

/// An issuer's accumulator with one credential's handle (its message 0).
struct Status {
    sk: accumulator::SecretKey,
    pk: accumulator::PublicKey,
    value: Accumulator,
}

fn status() -> Status {
    let sk = accumulator::SecretKey::random(&mut OsRng);
    Status {
        pk: sk.public_key(),
        value: Accumulator::initial(&mut OsRng),
        sk,
    }
}

fn handle(c: &Cred) -> Element {
    Element::new(c.messages[0])
}

fn claim(credential: usize, st: &Status, value: Accumulator) -> MembershipClaim {
    MembershipClaim {
        message: at(credential, 0),
        public_key: st.pk.clone(),
        value,
    }
}

fn relations(claims: Vec<MembershipClaim>) -> Relations {
    Relations {
        memberships: claims,
        ..Relations::default()
    }
}

fn prove_one(c: &Cred, disclosed: &[usize], rel: &Relations, w: &[Witness]) -> CompositeProof {
    let parts = [ProverPart {
        credential: &c.pc,
        disclosed,
    }];
    let proof = prove_with_witnesses(&parts, rel, w, b"ph", &mut OsRng).unwrap();
    CompositeProof::from_bytes(&proof.to_bytes()).unwrap()
}

fn item_parts<'a>(c: &'a Cred, pairs: &'a [(usize, Scalar)]) -> [VerifierPart<'a>; 1] {
    [VerifierPart {
        suite: SUITE,
        generators: MessageGenerators::Plain,
        key: &c.vk,
        header: &c.header,
        disclosed: pairs,
    }]
}

fn check(
    c: &Cred,
    disclosed: &[usize],
    rel: &Relations,
    proof: &CompositeProof,
) -> Result<(), Error> {
    let pairs: Vec<(usize, Scalar)> = disclosed.iter().map(|&i| (i, c.messages[i])).collect();
    let parts = item_parts(c, &pairs);
    let item = CompositeItem {
        parts: &parts,
        relations: rel,
        ph: b"ph",
        proof,
    };
    let single = verify(&item);
    let batch = verify_batch(&[item, item], &mut OsRng);
    assert_eq!(single, batch[0]);
    assert_eq!(single, batch[1]);
    single
}

#[test]
fn a_valid_credential_proves_membership() {
    let c = cred(&[777, 2, 3, 4]);
    let st = status();
    let w = st.sk.witness(&st.value, &handle(&c)).unwrap();
    let rel = relations(vec![claim(0, &st, st.value)]);
    let proof = prove_one(&c, &[1], &rel, &[w]);
    assert_eq!(proof.membership_count(), 1);
    assert_eq!(check(&c, &[1], &rel, &proof), Ok(()));
    // Another value, another key, another message: refused.
    let other = relations(vec![claim(0, &st, Accumulator::initial(&mut OsRng))]);
    assert_eq!(
        check(&c, &[1], &other, &proof),
        Err(Error::VerificationFailed)
    );
    let st2 = status();
    let other_key = relations(vec![claim(0, &st2, st.value)]);
    assert_eq!(
        check(&c, &[1], &other_key, &proof),
        Err(Error::VerificationFailed)
    );
    let moved = relations(vec![MembershipClaim {
        message: at(0, 2),
        ..claim(0, &st, st.value)
    }]);
    assert_eq!(
        check(&c, &[1], &moved, &proof),
        Err(Error::VerificationFailed)
    );
    // Without the claim, the proof's extra section is refused.
    assert_eq!(
        check(&c, &[1], &Relations::default(), &proof),
        Err(Error::VerificationFailed)
    );
}

#[test]
fn a_removed_credential_cannot_prove_against_the_new_value() {
    let c = cred(&[4242, 2, 3]);
    let st = status();
    let w = st.sk.witness(&st.value, &handle(&c)).unwrap();
    let (v1, up) = st
        .sk
        .update(&st.value, &[Change::Remove(handle(&c))])
        .unwrap();
    assert_eq!(
        w.update_vartime(&handle(&c), &st.value, &up),
        Err(Error::ElementRemoved)
    );
    // The stale witness against the new value: the proof fails.
    let rel = relations(vec![claim(0, &st, v1)]);
    let proof = prove_one(&c, &[1], &rel, &[w]);
    assert_eq!(check(&c, &[1], &rel, &proof), Err(Error::NotAccumulated));
    // A witness for another handle: fails too.
    let other = st
        .sk
        .witness(&v1, &Element::new(Scalar::from_u64(5)))
        .unwrap();
    let proof = prove_one(&c, &[1], &rel, &[other]);
    assert_eq!(check(&c, &[1], &rel, &proof), Err(Error::NotAccumulated));
    // Reinstated: the updated old witness proves again.
    let (v2, up2) = st.sk.update(&v1, &[Change::Add(handle(&c))]).unwrap();
    let w2 = w.update_vartime(&handle(&c), &v1, &up2).unwrap();
    let rel2 = relations(vec![claim(0, &st, v2)]);
    let proof = prove_one(&c, &[1], &rel2, &[w2]);
    assert_eq!(check(&c, &[1], &rel2, &proof), Ok(()));
}

#[test]
fn a_batch_singles_out_the_bad_membership() {
    let st = status();
    let creds: Vec<Cred> = (0..6).map(|i| cred(&[100 + i, 2, 3])).collect();
    let ws: Vec<Witness> = creds
        .iter()
        .map(|c| st.sk.witness(&st.value, &handle(c)).unwrap())
        .collect();
    let rel = relations(vec![claim(0, &st, st.value)]);
    let mut proofs: Vec<CompositeProof> = creds
        .iter()
        .zip(&ws)
        .map(|(c, w)| prove_one(c, &[1], &rel, &[*w]))
        .collect();
    // Proof 3 answers with credential 4's witness: its BBS part is sound,
    // only the membership's pairing equation fails.
    proofs[3] = prove_one(&creds[3], &[1], &rel, &[ws[4]]);
    let pairs: Vec<Vec<(usize, Scalar)>> = creds.iter().map(|c| vec![(1, c.messages[1])]).collect();
    let parts: Vec<[VerifierPart<'_>; 1]> = creds
        .iter()
        .zip(&pairs)
        .map(|(c, p)| item_parts(c, p))
        .collect();
    let items: Vec<CompositeItem<'_>> = parts
        .iter()
        .zip(&proofs)
        .map(|(p, proof)| CompositeItem {
            parts: p,
            relations: &rel,
            ph: b"ph",
            proof,
        })
        .collect();
    let results = verify_batch(&items, &mut OsRng);
    for (i, r) in results.iter().enumerate() {
        let expected = if i == 3 {
            Err(Error::NotAccumulated)
        } else {
            Ok(())
        };
        assert_eq!(*r, expected, "item {i}");
    }
}

#[test]
fn two_presentations_of_one_credential_share_no_membership_value() {
    let c = cred(&[31337, 2, 3]);
    let st = status();
    let w = st.sk.witness(&st.value, &handle(&c)).unwrap();
    let rel = relations(vec![claim(0, &st, st.value)]);
    let a = prove_one(&c, &[1], &rel, &[w]).to_bytes();
    let b = prove_one(&c, &[1], &rel, &[w]).to_bytes();
    // Every 32-octet window of one appears nowhere in the other, and
    // neither carries the witness or the handle.
    let secret_like = [w.to_bytes().to_vec(), handle(&c).to_bytes().to_vec()];
    for win in a.windows(32) {
        // Disclosed message 1 and the counts are the only shared content:
        // none spans 32 octets of proof.
        assert!(!b.windows(32).any(|x| x == win));
    }
    for s in &secret_like {
        assert!(!a.windows(32).any(|x| x == &s[..32]));
    }
}

#[test]
fn membership_claims_and_witnesses_must_match() {
    let c = cred(&[9, 2, 3]);
    let st = status();
    let w = st.sk.witness(&st.value, &handle(&c)).unwrap();
    let parts = [ProverPart {
        credential: &c.pc,
        disclosed: &[1],
    }];
    let rel = relations(vec![claim(0, &st, st.value)]);
    assert!(matches!(
        prove_with_witnesses(&parts, &rel, &[], b"ph", &mut OsRng),
        Err(Error::InvalidStatement(_))
    ));
    assert!(matches!(
        prove(&parts, &rel, b"ph", &mut OsRng),
        Err(Error::InvalidStatement(_))
    ));
    // A membership on a disclosed message is refused.
    let disclosed = relations(vec![MembershipClaim {
        message: at(0, 1),
        ..claim(0, &st, st.value)
    }]);
    assert_eq!(
        prove_with_witnesses(&parts, &disclosed, &[w], b"ph", &mut OsRng),
        Err(Error::InvalidStatement("relation on a disclosed message"))
    );
}

#[test]
fn membership_section_decoding() {
    let c = cred(&[5, 6, 7]);
    let st = status();
    let w = st.sk.witness(&st.value, &handle(&c)).unwrap();
    let rel = relations(vec![claim(0, &st, st.value)]);
    let proof = prove_one(&c, &[1], &rel, &[w]);
    let bytes = proof.to_bytes();
    assert_eq!(CompositeProof::from_bytes(&bytes).unwrap(), proof);
    let mut long = bytes.clone();
    long.push(0);
    assert!(CompositeProof::from_bytes(&long).is_err());
    assert!(CompositeProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    // The section: tag 5, count 1, Cbar, Dbar, r^ (129 + 1 octets).
    let start = bytes.len() - 130;
    assert_eq!(bytes[start], 5);
    let mut zero = bytes.clone();
    zero[start + 1] = 0;
    assert!(CompositeProof::from_bytes(&zero).is_err());
    let mut identity = bytes.clone();
    identity[start + 2] = 0xc0;
    identity[start + 3..start + 50].fill(0);
    assert_eq!(
        CompositeProof::from_bytes(&identity),
        Err(Error::IdentityPoint)
    );
    let mut scalar = bytes.clone();
    let s = bytes.len() - 32;
    scalar[s..].fill(0xff);
    assert_eq!(
        CompositeProof::from_bytes(&scalar),
        Err(Error::NonCanonicalScalar)
    );
    let mut tag = bytes;
    tag[start] = 6;
    assert!(CompositeProof::from_bytes(&tag).is_err());
}
