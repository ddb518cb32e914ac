//! The vector generators `G_i`, `H_i` of the range proofs, derived once per
//! suite and cached (see the module docs of [`super`]).

use std::sync::{Arc, OnceLock, RwLock};

use crate::bbs::Suite;
use crate::curve::{G1Affine, VartimeFixedBaseTable};

/// Most bits one aggregated proof covers (e.g. 16 values of 64 bits).
pub const MAX_RANGE_BITS: usize = 1024;

/// `G_1 .. G_N` and `H_1 .. H_N` for some `N`, with their fixed-base
/// tables for the verifier.
pub struct RangeGenerators {
    /// `G_i`.
    pub g: Vec<G1Affine>,
    /// `H_i`.
    pub h: Vec<G1Affine>,
    /// Tables of `G_i`.
    pub(crate) g_tables: Vec<VartimeFixedBaseTable>,
    /// Tables of `H_i`.
    pub(crate) h_tables: Vec<VartimeFixedBaseTable>,
}

impl std::fmt::Debug for RangeGenerators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeGenerators")
            .field("n", &self.g.len())
            .finish_non_exhaustive()
    }
}

/// Fixed-base tables of Pedersen generator pairs met so far (a process
/// sees one pair per suite).
pub(crate) fn pedersen_tables(
    g: &G1Affine,
    h: &G1Affine,
) -> Arc<(VartimeFixedBaseTable, VartimeFixedBaseTable)> {
    type Cache = Vec<(
        G1Affine,
        G1Affine,
        Arc<(VartimeFixedBaseTable, VartimeFixedBaseTable)>,
    )>;
    static CACHE: OnceLock<RwLock<Cache>> = OnceLock::new();
    let lock = CACHE.get_or_init(|| RwLock::new(Vec::new()));
    if let Some((_, _, t)) = lock
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(a, b, _)| a == g && b == h)
    {
        return t.clone();
    }
    let mut tables = VartimeFixedBaseTable::batch_new(&[*g, *h]).into_iter();
    let t = match (tables.next(), tables.next()) {
        (Some(a), Some(b)) => Arc::new((a, b)),
        _ => Arc::new((VartimeFixedBaseTable::new(g), VartimeFixedBaseTable::new(h))),
    };
    let mut w = lock.write().unwrap_or_else(|e| e.into_inner());
    if w.len() >= 16 {
        w.clear();
    }
    w.push((*g, *h, t.clone()));
    t
}

/// `ciphersuite_id || "BPPLUS_H2G_"`.
fn api_id(suite: Suite) -> Vec<u8> {
    [suite.ciphersuite_id(), b"BPPLUS_H2G_".as_slice()].concat()
}

/// The generators for proofs of up to `n` bits (at least `n` of each; the
/// cache grows in powers of two up to [`MAX_RANGE_BITS`]). The first `n`
/// are the same whatever was asked before.
pub fn range_generators(suite: Suite, n: usize) -> Arc<RangeGenerators> {
    static SHA: OnceLock<RwLock<Arc<RangeGenerators>>> = OnceLock::new();
    static SHAKE: OnceLock<RwLock<Arc<RangeGenerators>>> = OnceLock::new();
    let cell = match suite {
        Suite::Bls12381Sha256 => &SHA,
        Suite::Bls12381Shake256 => &SHAKE,
    };
    let lock = cell.get_or_init(|| {
        RwLock::new(Arc::new(RangeGenerators {
            g: Vec::new(),
            h: Vec::new(),
            g_tables: Vec::new(),
            h_tables: Vec::new(),
        }))
    });
    {
        let g = lock.read().unwrap_or_else(|e| e.into_inner());
        if g.g.len() >= n {
            return g.clone();
        }
    }
    let mut g = lock.write().unwrap_or_else(|e| e.into_inner());
    if g.g.len() < n {
        let target = n.next_power_of_two().max(64);
        // create_generators is a prefix-stable sequence: deriving the longer
        // list again yields the old points first.
        let all = crate::bbs::create_generators_with_api_id(suite, &api_id(suite), 2 * target);
        let (mut gs, mut hs) = (Vec::with_capacity(target), Vec::with_capacity(target));
        for pair in all.chunks_exact(2) {
            gs.push(pair[0]);
            hs.push(pair[1]);
        }
        let g_tables = VartimeFixedBaseTable::batch_new(&gs);
        let h_tables = VartimeFixedBaseTable::batch_new(&hs);
        *g = Arc::new(RangeGenerators {
            g: gs,
            h: hs,
            g_tables,
            h_tables,
        });
    }
    g.clone()
}
