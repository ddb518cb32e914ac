//! Message generators (`create_generators`, draft §4.1.1) and their cache.
//!
//! The draft's generators form one deterministic sequence per `api_id`:
//! `create_generators(n)` is always a prefix of `create_generators(n + 1)`.
//! So each suite keeps one growing list, extended on demand under a lock and
//! shared (as an `Arc` snapshot) by every key and every message count. Each
//! generator comes with its [`VartimeFixedBaseTable`], so verification multiplies
//! by generators through tables only.

use std::sync::{Arc, OnceLock, RwLock};

use super::{Suite, EXPAND_LEN};
use crate::curve::hash::hash_to_g1;
use crate::curve::{CombTable, G1Affine, G1Projective, VartimeFixedBaseTable};

/// The first `count` generators of the sequence seeded by `seed`, computed
/// from scratch (no cache).
pub(crate) fn derive_points(suite: Suite, seed: &[u8], count: usize) -> Vec<G1Projective> {
    derive_points_with_api_id(suite, suite.api_id(), seed, count)
}

/// `create_generators(count, api_id)` of draft §4.1.1 for any `api_id`
/// (other protocols' generators: commitments, range proofs): the seed
/// `api_id || "MESSAGE_GENERATOR_SEED"` unless `seed` is given, and the DSTs
/// `api_id || "SIG_GENERATOR_SEED_"`, `api_id || "SIG_GENERATOR_DST_"`.
/// Computed from scratch, no cache.
pub(crate) fn create_generators_with_api_id(
    suite: Suite,
    api_id: &[u8],
    count: usize,
) -> Vec<G1Affine> {
    let seed = [api_id, b"MESSAGE_GENERATOR_SEED"].concat();
    G1Projective::batch_to_affine(&derive_points_with_api_id(suite, api_id, &seed, count))
}

fn derive_points_with_api_id(
    suite: Suite,
    api_id: &[u8],
    seed: &[u8],
    count: usize,
) -> Vec<G1Projective> {
    let exp = suite.expander();
    let seed_dst = [api_id, b"SIG_GENERATOR_SEED_"].concat();
    let gen_dst = [api_id, b"SIG_GENERATOR_DST_"].concat();
    let mut v = exp.expand(&[seed], &seed_dst, EXPAND_LEN);
    let mut out = Vec::with_capacity(count);
    for i in 1..=count as u64 {
        v = exp.expand(&[&v, &i.to_be_bytes()], &seed_dst, EXPAND_LEN);
        out.push(hash_to_g1(exp, &v, &gen_dst));
    }
    out
}

/// `create_generators(count, api_id)`: `Q_1` followed by `H_1 .. H_{count-1}`.
pub fn create_generators(suite: Suite, count: usize) -> Vec<G1Affine> {
    generators(suite, count).as_slice().to_vec()
}

/// A shared view of the first `len` generators of a suite: `Q_1, H_1, ...`.
#[derive(Clone)]
pub struct Generators {
    all: Arc<Vec<G1Affine>>,
    tables: Arc<Vec<VartimeFixedBaseTable>>,
    len: usize,
}

impl Generators {
    /// All generators in this view, `Q_1` first.
    pub fn as_slice(&self) -> &[G1Affine] {
        &self.all[..self.len]
    }
    /// `Q_1`.
    pub fn q1(&self) -> &G1Affine {
        &self.all[0]
    }
    /// `H_1 .. H_L`.
    pub fn h(&self) -> &[G1Affine] {
        &self.all[1..self.len]
    }
    /// The fixed-base table of `Q_1`.
    pub fn q1_table(&self) -> &VartimeFixedBaseTable {
        &self.tables[0]
    }
    /// The fixed-base tables of `H_1 .. H_L`.
    pub fn h_tables(&self) -> &[VartimeFixedBaseTable] {
        &self.tables[1..self.len]
    }
}

struct Sequence {
    /// The expand_message state after the last generator computed.
    v: Vec<u8>,
    points: Arc<Vec<G1Affine>>,
    tables: Arc<Vec<VartimeFixedBaseTable>>,
}

/// The first `count` generators of `suite` (at least one), from the cache.
pub fn generators(suite: Suite, count: usize) -> Generators {
    static SHA: OnceLock<RwLock<Sequence>> = OnceLock::new();
    static SHAKE: OnceLock<RwLock<Sequence>> = OnceLock::new();
    let count = count.max(1);
    let cell = match suite {
        Suite::Bls12381Sha256 => &SHA,
        Suite::Bls12381Shake256 => &SHAKE,
    };
    let seq = cell.get_or_init(|| {
        let exp = suite.expander();
        let seed = suite.dst(b"MESSAGE_GENERATOR_SEED");
        let v = exp.expand(&[&seed], &suite.dst(b"SIG_GENERATOR_SEED_"), EXPAND_LEN);
        RwLock::new(Sequence {
            v,
            points: Arc::new(Vec::new()),
            tables: Arc::new(Vec::new()),
        })
    });
    {
        let s = seq.read().unwrap_or_else(|e| e.into_inner());
        if s.points.len() >= count {
            return Generators {
                all: s.points.clone(),
                tables: s.tables.clone(),
                len: count,
            };
        }
    }
    let mut s = seq.write().unwrap_or_else(|e| e.into_inner());
    if s.points.len() < count {
        let exp = suite.expander();
        let seed_dst = suite.dst(b"SIG_GENERATOR_SEED_");
        let gen_dst = suite.dst(b"SIG_GENERATOR_DST_");
        // Grow geometrically so a slowly rising count does not recompute often.
        let target = count.max(s.points.len() * 2).max(16);
        let mut fresh = Vec::with_capacity(target - s.points.len());
        let mut v = std::mem::take(&mut s.v);
        for i in s.points.len() + 1..=target {
            v = exp.expand(&[&v, &(i as u64).to_be_bytes()], &seed_dst, EXPAND_LEN);
            fresh.push(hash_to_g1(exp, &v, &gen_dst));
        }
        s.v = v;
        let fresh = G1Projective::batch_to_affine(&fresh);
        let mut tables = Vec::with_capacity(target);
        tables.extend_from_slice(&s.tables);
        tables.extend(VartimeFixedBaseTable::batch_new(&fresh));
        let mut all = Vec::with_capacity(target);
        all.extend_from_slice(&s.points);
        all.extend(fresh);
        s.points = Arc::new(all);
        s.tables = Arc::new(tables);
    }
    Generators {
        all: s.points.clone(),
        tables: s.tables.clone(),
        len: count,
    }
}

/// Constant-time comb tables of `Q_1, H_1, ..` for proof generation, built
/// lazily (only processes that prove pay for them) and shared.
pub(crate) fn prover_tables(suite: Suite, count: usize) -> Arc<Vec<CombTable>> {
    static SHA: OnceLock<RwLock<Arc<Vec<CombTable>>>> = OnceLock::new();
    static SHAKE: OnceLock<RwLock<Arc<Vec<CombTable>>>> = OnceLock::new();
    let cell = match suite {
        Suite::Bls12381Sha256 => &SHA,
        Suite::Bls12381Shake256 => &SHAKE,
    };
    let lock = cell.get_or_init(|| RwLock::new(Arc::new(Vec::new())));
    {
        let t = lock.read().unwrap_or_else(|e| e.into_inner());
        if t.len() >= count {
            return t.clone();
        }
    }
    let mut t = lock.write().unwrap_or_else(|e| e.into_inner());
    if t.len() < count {
        let gens = generators(suite, count);
        let mut all = Vec::with_capacity(count);
        all.extend_from_slice(&t);
        all.extend(CombTable::batch_new(&gens.as_slice()[t.len()..]));
        *t = Arc::new(all);
    }
    t.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_generators_with_the_suite_api_id_is_the_draft_sequence() {
        for suite in Suite::ALL {
            let g = create_generators_with_api_id(suite, suite.api_id(), 5);
            assert_eq!(g, generators(suite, 5).as_slice());
            let other = create_generators_with_api_id(suite, b"OTHER_", 5);
            assert!(other.iter().all(|p| !g.contains(p)));
        }
    }

    #[test]
    fn cache_is_a_prefix_of_fresh_derivation() {
        for suite in Suite::ALL {
            let seed = suite.dst(b"MESSAGE_GENERATOR_SEED");
            let fresh = derive_points(suite, &seed, 20);
            let small = generators(suite, 3);
            let big = generators(suite, 20);
            for (i, p) in fresh.iter().enumerate() {
                assert_eq!(big.as_slice()[i], p.to_affine());
            }
            assert_eq!(small.as_slice(), &big.as_slice()[..3]);
        }
    }
}
