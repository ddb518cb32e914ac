//! The vector generators `G_i`, `H_i` of the range proofs, derived once per
//! suite and cached (see the module docs of [`super`]).

use std::sync::{Arc, OnceLock, RwLock};

use crate::bbs::Suite;
use crate::curve::G1Affine;

/// Most bits one aggregated proof covers (e.g. 16 values of 64 bits).
pub const MAX_RANGE_BITS: usize = 1024;

/// `G_1 .. G_N` and `H_1 .. H_N` for some `N`.
#[derive(Debug)]
pub struct RangeGenerators {
    /// `G_i`.
    pub g: Vec<G1Affine>,
    /// `H_i`.
    pub h: Vec<G1Affine>,
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
        *g = Arc::new(RangeGenerators { g: gs, h: hs });
    }
    g.clone()
}
