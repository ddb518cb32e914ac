//! Accumulator tests: witnesses, removals, reinstatements and updates over
//! many epochs, checked against the pairing equation and against
//! witnesses the secret key computes directly.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::Error;

fn setup(seed: u64) -> (StdRng, SecretKey, PublicKey, Accumulator) {
    let mut rng = StdRng::seed_from_u64(seed);
    let sk = SecretKey::random(&mut rng);
    let pk = sk.public_key();
    let v = Accumulator::initial(&mut rng);
    (rng, sk, pk, v)
}

#[test]
fn issued_witness_verifies_and_others_do_not() {
    let (mut rng, sk, pk, v) = setup(1);
    let y = Element::random(&mut rng);
    let w = sk.witness(&v, &y).unwrap();
    assert!(w.verify(&pk, &v, &y));
    let other = Element::random(&mut rng);
    assert!(!w.verify(&pk, &v, &other));
    let other_key = SecretKey::random(&mut rng).public_key();
    assert!(!w.verify(&other_key, &v, &y));
    let other_value = Accumulator::initial(&mut rng);
    assert!(!w.verify(&pk, &other_value, &y));
}

#[test]
fn removal_invalidates_only_the_removed() {
    let (mut rng, sk, pk, v0) = setup(2);
    let ys: Vec<Element> = (0..5).map(|_| Element::random(&mut rng)).collect();
    let ws: Vec<Witness> = ys.iter().map(|y| sk.witness(&v0, y).unwrap()).collect();
    let (v1, up) = sk.update(&v0, &[Change::Remove(ys[2].clone())]).unwrap();
    assert_ne!(v1, v0);
    assert_eq!(up.value(&v0), v1);
    for (i, (y, w)) in ys.iter().zip(&ws).enumerate() {
        // The old witness no longer meets the new value.
        assert!(!w.verify(&pk, &v1, y));
        let r = w.update_vartime(y, &v0, &up);
        if i == 2 {
            assert_eq!(r, Err(Error::ElementRemoved));
        } else {
            let nw = r.unwrap();
            assert!(nw.verify(&pk, &v1, y));
            assert_eq!(nw, sk.witness(&v1, y).unwrap());
        }
    }
}

#[test]
fn suspension_then_reinstatement() {
    let (mut rng, sk, pk, v0) = setup(3);
    let y = Element::random(&mut rng);
    let z = Element::random(&mut rng);
    let wy = sk.witness(&v0, &y).unwrap();
    let wz = sk.witness(&v0, &z).unwrap();
    let (v1, u1) = sk.update(&v0, &[Change::Remove(y.clone())]).unwrap();
    assert_eq!(wy.update_vartime(&y, &v0, &u1), Err(Error::ElementRemoved));
    let wz1 = wz.update_vartime(&z, &v0, &u1).unwrap();
    let (v2, u2) = sk.update(&v1, &[Change::Add(y.clone())]).unwrap();
    // The suspended holder's old witness comes back through the update.
    let wy2 = wy.update_vartime(&y, &v1, &u2).unwrap();
    assert!(wy2.verify(&pk, &v2, &y));
    let wz2 = wz1.update_vartime(&z, &v1, &u2).unwrap();
    assert!(wz2.verify(&pk, &v2, &z));
    // Removed and added back in one epoch: a witness again.
    let (v3, u3) = sk
        .update(&v2, &[Change::Remove(y.clone()), Change::Add(y.clone())])
        .unwrap();
    assert!(wy2
        .update_vartime(&y, &v2, &u3)
        .unwrap()
        .verify(&pk, &v3, &y));
    // Added back then removed: none.
    let (_, u4) = sk
        .update(&v3, &[Change::Add(z.clone()), Change::Remove(y.clone())])
        .unwrap();
    assert_eq!(
        sk.witness(&v3, &y).unwrap().update_vartime(&y, &v3, &u4),
        Err(Error::ElementRemoved)
    );
}

#[test]
fn many_epochs_random_changes_match_direct_witnesses() {
    let (mut rng, sk, pk, mut v) = setup(4);
    let n = 12;
    let ys: Vec<Element> = (0..n).map(|_| Element::random(&mut rng)).collect();
    let mut valid = vec![true; n];
    // Each holder keeps its last witness, stale while removed: the update
    // that adds it back resets it.
    let mut ws: Vec<Witness> = ys.iter().map(|y| sk.witness(&v, y).unwrap()).collect();
    let mut removed_seen = 0;
    let mut reinstated_seen = 0;
    for _epoch in 0..20 {
        let k = rng.gen_range(0..6);
        let mut changes = Vec::new();
        let before = valid.clone();
        for _ in 0..k {
            let i = rng.gen_range(0..n);
            if valid[i] {
                changes.push(Change::Remove(ys[i].clone()));
            } else {
                changes.push(Change::Add(ys[i].clone()));
            }
            valid[i] = !valid[i];
        }
        let (nv, up) = sk.update(&v, &changes).unwrap();
        let decoded = Update::from_bytes(&up.to_bytes()).unwrap();
        assert_eq!(decoded, up);
        for i in 0..n {
            match (valid[i], ws[i].update_vartime(&ys[i], &v, &decoded)) {
                (true, Ok(w)) => {
                    assert!(w.verify(&pk, &nv, &ys[i]));
                    assert_eq!(w, sk.witness(&nv, &ys[i]).unwrap());
                    if !before[i] {
                        reinstated_seen += 1;
                    }
                    ws[i] = w;
                }
                (false, Err(Error::ElementRemoved)) => removed_seen += 1,
                // Removed in an earlier epoch and not mentioned now: the
                // stale witness stays useless.
                (false, Ok(w)) => {
                    assert!(!before[i]);
                    assert!(!w.verify(&pk, &nv, &ys[i]));
                }
                (valid, r) => panic!("element {i}: valid {valid}, update {r:?}"),
            }
        }
        v = nv;
    }
    assert!(removed_seen > 0 && reinstated_seen > 0);
}

#[test]
fn update_decoding_refuses_malformed_octets() {
    let (mut rng, sk, _, v) = setup(5);
    let y = Element::random(&mut rng);
    let (_, up) = sk.update(&v, &[Change::Remove(y)]).unwrap();
    let good = up.to_bytes();
    assert!(Update::from_bytes(&good).is_ok());
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(
        Update::from_bytes(&trailing),
        Err(Error::MalformedUpdate(_))
    ));
    assert!(matches!(
        Update::from_bytes(&good[..good.len() - 1]),
        Err(Error::MalformedUpdate(_))
    ));
    assert!(matches!(
        Update::from_bytes(&good[..3]),
        Err(Error::MalformedUpdate(_))
    ));
    let mut tag = good.clone();
    tag[4] = 9;
    assert!(matches!(
        Update::from_bytes(&tag),
        Err(Error::MalformedUpdate(_))
    ));
    let mut scalar = good.clone();
    scalar[5..37].fill(0xff);
    assert_eq!(Update::from_bytes(&scalar), Err(Error::NonCanonicalScalar));
    let mut identity = good.clone();
    identity[37] = 0xc0;
    identity[38..].fill(0);
    assert_eq!(Update::from_bytes(&identity), Err(Error::IdentityPoint));
    let mut count = good;
    count[..4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        Update::from_bytes(&count),
        Err(Error::MalformedUpdate(_))
    ));
}

#[test]
fn key_and_value_encodings() {
    let (mut rng, sk, pk, v) = setup(6);
    let sk2 = SecretKey::from_bytes(&sk.to_bytes()[..]).unwrap();
    assert_eq!(sk2.public_key(), pk);
    assert_eq!(PublicKey::from_bytes(&pk.to_bytes()).unwrap(), pk);
    assert_eq!(Accumulator::from_bytes(&v.to_bytes()).unwrap(), v);
    assert_eq!(
        SecretKey::from_bytes(&[0u8; 32]).unwrap_err(),
        Error::ZeroScalar
    );
    assert!(SecretKey::from_bytes(&[1u8; 31]).is_err());
    assert!(SecretKey::from_bytes(&[0xffu8; 32]).is_err());
    let mut id = [0u8; 48];
    id[0] = 0xc0;
    assert_eq!(
        Accumulator::from_bytes(&id).unwrap_err(),
        Error::IdentityPoint
    );
    assert_eq!(Witness::from_bytes(&id).unwrap_err(), Error::IdentityPoint);
    let y = Element::random(&mut rng);
    assert_eq!(Element::from_bytes(&y.to_bytes()).unwrap(), y);
    assert!(!format!("{sk:?}").contains(&hex::encode(sk.to_bytes())));
    assert!(!format!("{y:?}").contains(&hex::encode(y.to_bytes())));
    let w = sk.witness(&v, &y).unwrap();
    assert!(!format!("{w:?}").contains(&hex::encode(&w.to_bytes()[..4])));
}
