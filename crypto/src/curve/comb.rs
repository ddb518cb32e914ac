//! Constant-time fixed-base multiplication by a signed radix-16 comb.
//!
//! For proof generation, where scalars are secret (blinding factors, the
//! holder's undisclosed messages). A [`CombTable`] of a point `P` holds
//! `j * 16^k * P` for `j = 1..8` and every digit position `k`, so
//! `k * P = sum_k d_k 16^k P` with signed digits `d_k` in `[-8, 8]` costs one
//! table row scan and one addition per digit — no doublings, and no memory
//! access or branch that depends on the scalar: every entry of a row is
//! read and the wanted one kept with masks, negation and the zero digit are
//! masked too, and blst's point addition is complete and constant time.

use blst::{blst_fp_cneg, blst_p1, blst_p1_add_or_double_affine, blst_p1_affine};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

use super::{G1Affine, G1Projective, Scalar};

/// Digit positions: 64 nibbles of a 256-bit integer and a final carry.
const DIGITS: usize = 65;
/// Multiples per position (digits 1..=8; sign handled by negation).
const ROW: usize = 8;

/// The comb table of one fixed point (about 50 KiB).
#[derive(Clone)]
pub struct CombTable {
    rows: Vec<blst_p1_affine>,
}

impl CombTable {
    /// The table of `p`.
    pub fn new(p: &G1Affine) -> Self {
        Self::batch_new(std::slice::from_ref(p))
            .pop()
            .unwrap_or(CombTable { rows: Vec::new() })
    }

    /// Tables of many points sharing one field inversion.
    pub fn batch_new(points: &[G1Affine]) -> Vec<Self> {
        let mut proj = Vec::with_capacity(points.len() * DIGITS * ROW);
        for p in points {
            let mut base = p.to_projective();
            for _ in 0..DIGITS {
                let mut m = base;
                proj.push(m);
                for _ in 1..ROW {
                    m += base;
                    proj.push(m);
                }
                for _ in 0..4 {
                    base = base.double();
                }
            }
        }
        G1Projective::batch_to_affine(&proj)
            .chunks_exact(DIGITS * ROW)
            .map(|c| CombTable {
                rows: c.iter().map(|a| a.0).collect(),
            })
            .collect()
    }
}

impl zeroize::Zeroize for CombTable {
    fn zeroize(&mut self) {
        for e in &mut self.rows {
            e.x.l.zeroize();
            e.y.l.zeroize();
        }
    }
}

/// Signed radix-16 digits of a scalar, each in `[-8, 8]`, computed without
/// branches on the value.
fn recode(s: &Scalar) -> [i8; DIGITS] {
    let bytes = s.to_blst_scalar().b;
    let mut out = [0i8; DIGITS];
    let mut carry: i32 = 0;
    for i in 0..64 {
        let nibble = ((bytes[i / 2] >> (4 * (i % 2))) & 0xf) as i32;
        let d = nibble + carry;
        // carry = 1 when d >= 8 (d is in 0..=16): arithmetic, no branch.
        carry = (d + 8) >> 4;
        out[i] = (d - (carry << 4)) as i8;
    }
    out[DIGITS - 1] = carry as i8;
    out
}

/// `sum k_i * P_i` in constant time with respect to the scalars.
pub fn comb_lincomb_ct(terms: &[(&CombTable, Scalar)]) -> G1Projective {
    let digits: Vec<[i8; DIGITS]> = terms.iter().map(|(_, s)| recode(s)).collect();
    let mut acc = blst_p1::default();
    for (t, (table, _)) in terms.iter().enumerate() {
        for (pos, &d) in digits[t].iter().enumerate() {
            let neg = Choice::from(((d as u8) >> 7) & 1);
            let abs = d.unsigned_abs();
            let row = &table.rows[pos * ROW..(pos + 1) * ROW];
            // Zero digit: the all-zero affine encoding is blst's identity.
            let mut pt = blst_p1_affine::default();
            for (j, cand) in row.iter().enumerate() {
                let hit = abs.ct_eq(&((j + 1) as u8));
                for l in 0..6 {
                    pt.x.l[l] = u64::conditional_select(&pt.x.l[l], &cand.x.l[l], hit);
                    pt.y.l[l] = u64::conditional_select(&pt.y.l[l], &cand.y.l[l], hit);
                }
            }
            // SAFETY: conditional negation and complete, constant-time
            // mixed addition of valid points.
            unsafe {
                blst_fp_cneg(&mut pt.y, &pt.y, bool::from(neg));
                blst_p1_add_or_double_affine(&mut acc, &acc, &pt);
            }
        }
    }
    G1Projective(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn recoding_is_exact() {
        let mut rng = StdRng::seed_from_u64(9);
        let sixteen = Scalar::from_u64(16);
        for s in (0..200).map(|_| Scalar::random(&mut rng)).chain([
            Scalar::ZERO,
            -Scalar::ONE,
            Scalar::ONE,
        ]) {
            let d = recode(&s);
            assert!(d.iter().all(|&x| (-8..=8).contains(&x)));
            let back = d.iter().rev().fold(Scalar::ZERO, |acc, &x| {
                acc * sixteen + Scalar::from_i64(x as i64)
            });
            assert_eq!(back, s);
        }
    }

    #[test]
    fn comb_matches_naive() {
        let mut rng = StdRng::seed_from_u64(10);
        let pts: Vec<G1Affine> = (0..4)
            .map(|_| {
                G1Affine::generator()
                    .to_projective()
                    .mul_ct(&Scalar::random(&mut rng))
                    .to_affine()
            })
            .collect();
        let tables = CombTable::batch_new(&pts);
        for trial in 0..10 {
            let mut ks: Vec<Scalar> = (0..4).map(|_| Scalar::random(&mut rng)).collect();
            if trial == 0 {
                ks[0] = Scalar::ZERO;
                ks[1] = -Scalar::ONE;
            }
            let terms: Vec<_> = tables.iter().zip(&ks).map(|(t, k)| (t, *k)).collect();
            let want = pts
                .iter()
                .zip(&ks)
                .fold(G1Projective::identity(), |acc, (p, k)| {
                    acc + p.to_projective().mul_ct(k)
                });
            assert_eq!(comb_lincomb_ct(&terms), want);
        }
        assert!(comb_lincomb_ct(&[]).is_identity());
    }
}
