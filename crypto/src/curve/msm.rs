//! Variable-time multi-scalar multiplication for the verifier's hot path.
//!
//! BBS verification needs sums of a dozen or so products: a few over points
//! that arrive in the proof (`Abar`, `Bbar`, `D`) and the rest over the
//! suite's fixed generators (`P1`, `Q_1`, `H_i`). At that size Pippenger's
//! buckets do not pay off; interleaved (Straus) evaluation with signed
//! sliding windows (wNAF) does, with every scalar halved to ~128 bits so all
//! terms share 128 doublings:
//!
//! - **fixed bases** carry a [`VartimeFixedBaseTable`], built once per generator:
//!   the odd multiples `1P, 3P, .., (2^(w-1) - 1)P` of `P` and of `2^128 P`
//!   (the digits a width-`w` wNAF uses), so a scalar splits as
//!   `k = k_lo + 2^128 k_hi` for free;
//! - **variable bases** are split with the GLV endomorphism
//!   `phi(x, y) = (beta x, y) = lambda (x, y)`, `lambda = z^2 - 1` (128 bits):
//!   `k = k1 + lambda k2`, and the table of `phi(P)` is the table of `P` with
//!   every `x` multiplied by `beta`.
//!
//! Everything here branches and indexes memory on scalar bits: it is used
//! only on public data (verification). Secret-dependent sums use
//! [`G1Projective::lincomb_ct`].

use std::sync::OnceLock;

use blst::{
    blst_fp, blst_fp_cneg, blst_fp_from_uint64, blst_fp_inverse, blst_fp_mul, blst_fp_sqrt,
    blst_p1, blst_p1_affine, blst_p1_double, blst_p1_mult,
};

use super::{vartime, G1Affine, G1Projective, Scalar};

/// wNAF width for fixed bases: tables of `2^(w-2)` odd multiples per half
/// (64 affine points, 6 KiB, per half at w = 8).
pub const FIXED_WINDOW: usize = 8;
/// Window width for variable bases (their tables are built per call).
const VAR_WINDOW: usize = 5;
/// Length of a wNAF of a scalar below 2^128 (one extra digit for the carry).
const NAF_LEN: usize = 130;

/// `lambda = z^2 - 1` with `z = -0xd201000000010000`: `lambda^2 + lambda + 1
/// = 0 mod r`.
const LAMBDA: u128 = 0xac45_a401_0001_a402_0000_0000_ffff_ffff;

/// Precomputed odd multiples of a fixed point `P` and of `2^128 P`, affine,
/// for the **variable-time** Straus evaluation: looked up by wNAF digits,
/// so only ever with public scalars (the constant-time counterpart for
/// secret scalars is [`super::CombTable`]).
#[derive(Clone)]
pub struct VartimeFixedBaseTable {
    lo: Vec<blst_p1_affine>,
    hi: Vec<blst_p1_affine>,
}

impl VartimeFixedBaseTable {
    /// Builds the table of `p` (about 2^w additions and 128 doublings).
    pub fn new(p: &G1Affine) -> Self {
        Self::batch_new(std::slice::from_ref(p))
            .pop()
            .unwrap_or_else(|| VartimeFixedBaseTable {
                lo: Vec::new(),
                hi: Vec::new(),
            })
    }

    /// Tables for many points, sharing one field inversion.
    pub fn batch_new(points: &[G1Affine]) -> Vec<Self> {
        let half = 1usize << (FIXED_WINDOW - 2);
        let mut all = Vec::with_capacity(points.len() * 2 * half);
        for p in points {
            let base = p.to_projective();
            let mut high = base;
            for _ in 0..128 {
                high = high.double();
            }
            all.extend(odd_multiples(&base, half));
            all.extend(odd_multiples(&high, half));
        }
        let affine = G1Projective::batch_to_affine(&all);
        affine
            .chunks_exact(2 * half)
            .map(|c| VartimeFixedBaseTable {
                lo: c[..half].iter().map(|a| a.0).collect(),
                hi: c[half..].iter().map(|a| a.0).collect(),
            })
            .collect()
    }
}

/// `P, 3P, 5P, .., (2n - 1)P` in projective coordinates.
fn odd_multiples(p: &G1Projective, n: usize) -> Vec<G1Projective> {
    let twice = p.double();
    let mut out = Vec::with_capacity(n);
    out.push(*p);
    for i in 1..n {
        out.push(out[i - 1] + twice);
    }
    out
}

/// Signed-digit wNAF of a value below 2^128: digits odd, in `(-2^(w-1),
/// 2^(w-1))`, at least `w` zeros between non-zero digits.
fn wnaf(mut k: u128, w: usize, out: &mut [i8; NAF_LEN]) {
    // Track a 129th bit: adding |digit| to a value near 2^128 can carry.
    let mut carry = false;
    let window = 1u128 << w;
    let mask = window - 1;
    let mut i = 0;
    *out = [0; NAF_LEN];
    while (k != 0 || carry) && i < NAF_LEN {
        if k & 1 == 1 {
            let mut d = (k & mask) as i64;
            if d >= (window >> 1) as i64 {
                d -= window as i64;
            }
            out[i] = d as i8;
            if d < 0 {
                let (v, c) = k.overflowing_add((-d) as u128);
                k = v;
                carry |= c;
            } else {
                k -= d as u128;
            }
        }
        k >>= 1;
        if carry {
            k |= 1 << 127;
            carry = false;
        }
        i += 1;
    }
}

/// The little-endian 64-bit limbs of a scalar's canonical value.
fn limbs(s: &Scalar) -> [u64; 4] {
    let b = s.to_blst_scalar().b;
    let mut out = [0u64; 4];
    for (i, l) in out.iter_mut().enumerate() {
        *l = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
    }
    out
}

/// `(k mod 2^128, k >> 128)`.
fn split_fixed(s: &Scalar) -> (u128, u128) {
    let l = limbs(s);
    (
        (l[0] as u128) | ((l[1] as u128) << 64),
        (l[2] as u128) | ((l[3] as u128) << 64),
    )
}

/// `(k1, k2)` with `k = k1 + lambda k2`, `k1 < lambda`, `k2 <= lambda + 1`
/// (since `k < r = lambda^2 + lambda + 1`): schoolbook division by lambda.
fn split_glv(s: &Scalar) -> (u128, u128) {
    let l = limbs(s);
    let mut rem: u128 = 0;
    let mut quo: u128 = 0;
    for bit in (0..256).rev() {
        let top = rem >> 127;
        rem = (rem << 1) | ((l[bit / 64] >> (bit % 64)) & 1) as u128;
        quo <<= 1;
        if top == 1 || rem >= LAMBDA {
            rem = rem.wrapping_sub(LAMBDA);
            quo |= 1;
        }
    }
    (rem, quo)
}

/// `beta`, the cube root of unity in Fp with `(beta x, y) = lambda (x, y)`.
fn beta() -> &'static blst_fp {
    static BETA: OnceLock<blst_fp> = OnceLock::new();
    BETA.get_or_init(|| {
        // beta = (-1 +/- sqrt(-3)) / 2; pick the root that matches lambda.
        let fp = |v: u64| {
            let mut out = blst_fp::default();
            let limbs = [v, 0, 0, 0, 0, 0];
            // SAFETY: reads six limbs.
            unsafe { blst_fp_from_uint64(&mut out, limbs.as_ptr()) };
            out
        };
        let mut minus3 = blst_fp::default();
        let mut root = blst_fp::default();
        let mut inv2 = blst_fp::default();
        let mut minus1 = blst_fp::default();
        // SAFETY: plain field arithmetic on valid elements; -3 is a square
        // mod p because p = 1 mod 3.
        unsafe {
            blst_fp_cneg(&mut minus3, &fp(3), true);
            blst_fp_sqrt(&mut root, &minus3);
            blst_fp_inverse(&mut inv2, &fp(2));
            blst_fp_cneg(&mut minus1, &fp(1), true);
        }
        let g = G1Affine::generator();
        let mut lambda_bytes = [0u8; 32];
        lambda_bytes[..16].copy_from_slice(&LAMBDA.to_le_bytes());
        let mut want = blst_p1::default();
        // SAFETY: multiplies the generator by a 128-bit scalar.
        unsafe { blst_p1_mult(&mut want, &g.to_projective().0, lambda_bytes.as_ptr(), 128) };
        let want = G1Projective(want);
        for sign in [false, true] {
            let mut r = blst_fp::default();
            let mut b = blst_fp::default();
            // SAFETY: field arithmetic.
            unsafe {
                blst_fp_cneg(&mut r, &root, sign);
                blst::blst_fp_add(&mut b, &minus1, &r);
                blst_fp_mul(&mut b, &b, &inv2);
            }
            if endo(&g, &b).to_projective() == want {
                return b;
            }
        }
        unreachable!("one cube root of unity matches lambda")
    })
}

fn endo(p: &G1Affine, beta: &blst_fp) -> G1Affine {
    let mut out = p.0;
    // SAFETY: field multiplication.
    unsafe { blst_fp_mul(&mut out.x, &p.0.x, beta) };
    G1Affine(out)
}

/// One term of the interleaved evaluation: a digit string and its table.
struct Lane<'a> {
    naf: [i8; NAF_LEN],
    table: &'a [blst_p1_affine],
}

/// Window tables of points that arrive with a proof: odd multiples of each
/// point and their endomorphism images, built with one shared inversion.
/// Build once per proof and use for every sum the points appear in
/// ([`msm_straus_with_vartime`]: **variable time**, public data only).
pub struct VartimeVarBases {
    tables: Vec<blst_p1_affine>,
    endo: Vec<blst_p1_affine>,
}

/// Table entries per variable base.
const VAR_ENTRIES: usize = 1 << (VAR_WINDOW - 2);

impl VartimeVarBases {
    /// Tables for `points`, indexed as given.
    pub fn new(points: &[G1Affine]) -> Self {
        let mut proj = Vec::with_capacity(points.len() * VAR_ENTRIES);
        for q in points {
            proj.extend(odd_multiples(&q.to_projective(), VAR_ENTRIES));
        }
        let tables: Vec<blst_p1_affine> = G1Projective::batch_to_affine(&proj)
            .into_iter()
            .map(|a| a.0)
            .collect();
        let b = beta();
        let endo = tables.iter().map(|a| endo(&G1Affine(*a), b).0).collect();
        VartimeVarBases { tables, endo }
    }

    fn len(&self) -> usize {
        self.tables.len() / VAR_ENTRIES
    }
}

/// `sum fixed_i.1 * P_i + sum var_j.1 * Q_j` in variable time, where each
/// `P_i` is given by its [`VartimeFixedBaseTable`].
pub fn msm_straus_vartime(
    fixed: &[(&VartimeFixedBaseTable, Scalar)],
    var: &[(G1Affine, Scalar)],
) -> G1Projective {
    let points: Vec<G1Affine> = var.iter().map(|(p, _)| *p).collect();
    let bases = VartimeVarBases::new(&points);
    let idx: Vec<(usize, Scalar)> = var.iter().enumerate().map(|(i, (_, s))| (i, *s)).collect();
    msm_straus_with_vartime(fixed, &bases, &idx)
}

/// As [`msm_straus_vartime`] (**variable time**), the variable bases given as indexes into
/// prepared [`VartimeVarBases`]. Indexes out of range are ignored.
pub fn msm_straus_with_vartime(
    fixed: &[(&VartimeFixedBaseTable, Scalar)],
    bases: &VartimeVarBases,
    var: &[(usize, Scalar)],
) -> G1Projective {
    let mut lanes: Vec<Lane<'_>> = Vec::with_capacity(2 * (fixed.len() + var.len()));
    let mut naf = [0i8; NAF_LEN];
    for (t, s) in fixed {
        let (lo, hi) = split_fixed(s);
        wnaf(lo, FIXED_WINDOW, &mut naf);
        lanes.push(Lane { naf, table: &t.lo });
        wnaf(hi, FIXED_WINDOW, &mut naf);
        lanes.push(Lane { naf, table: &t.hi });
    }
    for (j, s) in var {
        if *j >= bases.len() {
            continue;
        }
        let (k1, k2) = split_glv(s);
        let range = j * VAR_ENTRIES..(j + 1) * VAR_ENTRIES;
        wnaf(k1, VAR_WINDOW, &mut naf);
        lanes.push(Lane {
            naf,
            table: &bases.tables[range.clone()],
        });
        wnaf(k2, VAR_WINDOW, &mut naf);
        lanes.push(Lane {
            naf,
            table: &bases.endo[range],
        });
    }
    let top = lanes
        .iter()
        .filter_map(|l| l.naf.iter().rposition(|&d| d != 0))
        .max();
    let Some(top) = top else {
        return G1Projective::identity();
    };
    let mut acc = blst_p1::default();
    let mut started = false;
    for i in (0..=top).rev() {
        if started {
            // SAFETY: doubling a valid point.
            unsafe { blst_p1_double(&mut acc, &acc) };
        }
        for lane in &lanes {
            let d = lane.naf[i];
            if d == 0 {
                continue;
            }
            let mut pt = lane.table[(d.unsigned_abs() as usize) >> 1];
            if d < 0 {
                // SAFETY: negating y of a valid affine point.
                unsafe { blst_fp_cneg(&mut pt.y, &pt.y, true) };
            }
            vartime::add_affine_vartime(&mut acc, &pt);
            started = true;
        }
    }
    G1Projective(acc)
}

impl G1Projective {
    /// `2 * self`.
    pub fn double(&self) -> G1Projective {
        let mut out = blst_p1::default();
        // SAFETY: doubling a valid point.
        unsafe { blst_p1_double(&mut out, &self.0) };
        G1Projective(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The value of a digit string, mod 2^128.
    fn naf_value(naf: &[i8; NAF_LEN]) -> u128 {
        naf.iter().rev().fold(0u128, |v, &d| {
            v.wrapping_mul(2).wrapping_add(d as i128 as u128)
        })
    }

    #[test]
    fn wnaf_recodes() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut naf = [0i8; NAF_LEN];
        for _ in 0..2000 {
            let k: u128 = rng.gen::<u128>() >> rng.gen_range(0..128);
            for w in [4, 5, 7, 8] {
                wnaf(k, w, &mut naf);
                assert_eq!(naf_value(&naf), k, "w = {w}");
                for win in naf.windows(w) {
                    assert!(win.iter().filter(|&&d| d != 0).count() <= 1);
                }
                assert!(naf.iter().all(
                    |&d| d == 0 || (d % 2 != 0 && (d.unsigned_abs() as usize) < (1 << (w - 1)))
                ));
            }
        }
        wnaf(u128::MAX, 5, &mut naf);
        assert!(naf[128] != 0, "the carry digit of 2^128 - 1 is kept");
    }

    #[test]
    fn glv_split_recombines() {
        let mut rng = StdRng::seed_from_u64(2);
        let lambda = Scalar::from_be_bytes_reduced(&LAMBDA.to_be_bytes());
        let two64 = Scalar::from_u64(1 << 32) * Scalar::from_u64(1 << 32);
        let from_u128 =
            |v: u128| Scalar::from_u64(v as u64) + Scalar::from_u64((v >> 64) as u64) * two64;
        for _ in 0..500 {
            let s = Scalar::random(&mut rng);
            let (k1, k2) = split_glv(&s);
            assert!(k1 < LAMBDA);
            assert_eq!(from_u128(k1) + lambda * from_u128(k2), s);
        }
        let s = -Scalar::ONE;
        let (k1, k2) = split_glv(&s);
        assert_eq!(from_u128(k1) + lambda * from_u128(k2), s);
    }

    #[test]
    fn straus_matches_naive() {
        let mut rng = StdRng::seed_from_u64(3);
        let pts: Vec<G1Affine> = (0..8)
            .map(|_| {
                G1Affine::generator()
                    .to_projective()
                    .mul_ct(&Scalar::random(&mut rng))
                    .to_affine()
            })
            .collect();
        let tables = VartimeFixedBaseTable::batch_new(&pts[..5]);
        for trial in 0..20 {
            let mut scalars: Vec<Scalar> = (0..8).map(|_| Scalar::random(&mut rng)).collect();
            if trial == 0 {
                scalars[0] = -Scalar::ONE;
                scalars[6] = -Scalar::ONE;
                scalars[1] = Scalar::ZERO;
            }
            let fixed: Vec<_> = tables
                .iter()
                .zip(&scalars[..5])
                .map(|(t, s)| (t, *s))
                .collect();
            let var: Vec<_> = pts[5..]
                .iter()
                .zip(&scalars[5..])
                .map(|(p, s)| (*p, *s))
                .collect();
            let got = msm_straus_vartime(&fixed, &var);
            let want = pts
                .iter()
                .zip(&scalars)
                .fold(G1Projective::identity(), |acc, (p, s)| {
                    acc + p.to_projective().mul_ct(s)
                });
            assert_eq!(got, want, "trial {trial}");
        }
        assert!(msm_straus_vartime(&[], &[]).is_identity());
        assert!(msm_straus_vartime(&[(&tables[0], Scalar::ZERO)], &[]).is_identity());
    }

    #[test]
    fn u128_msm_matches_naive() {
        let mut rng = StdRng::seed_from_u64(4);
        for n in [1usize, 2, 5, 40] {
            let pts: Vec<G1Affine> = (0..n)
                .map(|_| {
                    G1Affine::generator()
                        .to_projective()
                        .mul_ct(&Scalar::random(&mut rng))
                        .to_affine()
                })
                .collect();
            let ks: Vec<u128> = (0..n).map(|_| rng.gen()).collect();
            let two64 = Scalar::from_u64(1 << 32) * Scalar::from_u64(1 << 32);
            let want = pts
                .iter()
                .zip(&ks)
                .fold(G1Projective::identity(), |acc, (p, k)| {
                    let s =
                        Scalar::from_u64(*k as u64) + Scalar::from_u64((*k >> 64) as u64) * two64;
                    acc + p.to_projective().mul_ct(&s)
                });
            assert_eq!(crate::curve::msm_u128_vartime(&pts, &ks), want, "n = {n}");
        }
    }
}
