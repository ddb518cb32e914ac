//! Message generators (`create_generators`, draft §4.1.1), the generator
//! lists of the two interfaces ([`MessageGenerators`]) and their caches.
//!
//! The draft's generators form one deterministic sequence per `api_id`:
//! `create_generators(n)` is always a prefix of `create_generators(n + 1)`.
//! So each suite keeps one growing list per `api_id` (the BBS one, the blind
//! one and the blind one's `"BLIND_"` list), extended on demand under a lock
//! and shared (as an `Arc` snapshot) by every key and every message count.
//! A blind list joins two of them and is cached per shape. Each generator
//! comes with its [`VartimeFixedBaseTable`], so verification multiplies by
//! generators through tables only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use super::{Suite, EXPAND_LEN};
use crate::curve::hash::hash_to_g1;
use crate::curve::{CombTable, G1Affine, G1Projective, Scalar, VartimeFixedBaseTable};
use crate::Error;

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

/// Which generator list (and which `api_id`) a signature's messages are
/// signed under. Every BBS operation on a credential (`CoreSign`,
/// `CoreVerify`, `ProofGen`, `ProofVerify`, batches, composite proofs)
/// takes the list from here, so a blind-signed credential is just a BBS
/// credential over another list.
///
/// # Message index convention
/// A credential under [`MessageGenerators::Blind`] with `L` signer messages
/// and `M` committed messages has `L + 1 + M` message scalars, in this
/// order:
///
/// | index | message | generator |
/// | --- | --- | --- |
/// | `0 .. L-1` | the signer's messages (`messages`) | `H_1 .. H_L` |
/// | `L` | `secret_prover_blind` (never disclosed) | `J_0` (`Q_2` of the commitment) |
/// | `L+1 .. L+M` | the holder's committed messages (`committed_messages`) | `J_1 .. J_M` |
///
/// with `(Q_1, H_1 .. H_L) = create_generators(L + 1, api_id)` and
/// `(J_0 .. J_M) = create_generators(M + 1, "BLIND_" || api_id)`, `api_id`
/// being [`Suite::blind_api_id`] (draft-irtf-cfrg-bbs-blind-signatures,
/// editor's copy the vectors follow: `BlindSign`, `Verify`, `ProofGen` and
/// `ProofVerify` of its "Blind BBS" interface). The domain hashes all
/// `L + M + 2` generators and the blind `api_id`; the challenge, the
/// signature's `e` and message mapping use that `api_id` too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageGenerators {
    /// The BBS signatures draft's interface: `create_generators(L + 1,
    /// api_id)` with `api_id = ciphersuite_id || "H2G_HM2S_"` for `L`
    /// messages.
    #[default]
    Plain,
    /// The blind-signatures draft's interface (see the type's docs).
    Blind {
        /// `L`: the messages the signer knows and signs.
        signer_messages: usize,
        /// `M`: the messages the holder committed to.
        committed_messages: usize,
    },
}

impl MessageGenerators {
    /// The blind list for `L` signer and `M` committed messages.
    pub fn blind(signer_messages: usize, committed_messages: usize) -> MessageGenerators {
        MessageGenerators::Blind {
            signer_messages,
            committed_messages,
        }
    }

    /// The `api_id` the list is scoped to.
    pub fn api_id(self, suite: Suite) -> &'static [u8] {
        match self {
            MessageGenerators::Plain => suite.api_id(),
            MessageGenerators::Blind { .. } => suite.blind_api_id(),
        }
    }

    /// The number of message scalars a credential under this list has:
    /// `L + 1 + M` for [`MessageGenerators::Blind`], `None` for
    /// [`MessageGenerators::Plain`] (any number). `None` too when `L + 1 +
    /// M` overflows.
    pub fn message_count(self) -> Option<usize> {
        match self {
            MessageGenerators::Plain => None,
            MessageGenerators::Blind {
                signer_messages,
                committed_messages,
            } => signer_messages
                .checked_add(1)?
                .checked_add(committed_messages),
        }
    }

    /// The index of `secret_prover_blind` among the message scalars (`L`),
    /// for [`MessageGenerators::Blind`]; it is never disclosed.
    pub fn secret_prover_blind_index(self) -> Option<usize> {
        match self {
            MessageGenerators::Plain => None,
            MessageGenerators::Blind {
                signer_messages, ..
            } => Some(signer_messages),
        }
    }

    /// The message index of committed message `j` (0-based): `L + 1 + j`,
    /// or `None` when the list is plain or `j >= M`.
    pub fn committed_message_index(self, j: usize) -> Option<usize> {
        match self {
            MessageGenerators::Blind {
                signer_messages,
                committed_messages,
            } if j < committed_messages => Some(signer_messages + 1 + j),
            _ => None,
        }
    }

    /// `map_message_to_scalar` under this list's `api_id` (DST `api_id ||
    /// "MAP_MSG_TO_SCALAR_AS_HASH_"`).
    pub fn map_message_to_scalar(self, suite: Suite, msg: &[u8]) -> Scalar {
        suite.hash_to_scalar(msg, self.map_dst(suite))
    }

    /// The DST of `hash_to_scalar` for domain, challenge and `e`: `api_id ||
    /// "H2S_"`.
    pub(crate) fn h2s_dst(self, suite: Suite) -> &'static [u8] {
        let c = suite.consts();
        match self {
            MessageGenerators::Plain => &c.h2s_dst,
            MessageGenerators::Blind { .. } => &c.blind_h2s_dst,
        }
    }

    fn map_dst(self, suite: Suite) -> &'static [u8] {
        let c = suite.consts();
        match self {
            MessageGenerators::Plain => &c.map_dst,
            MessageGenerators::Blind { .. } => &c.blind_map_dst,
        }
    }

    /// Checks `count` message scalars against the list: at most
    /// [`super::MAX_MESSAGES`], and exactly `L + 1 + M` for a blind list.
    ///
    /// # Errors
    /// [`Error::TooManyMessages`]; [`Error::MessageCountMismatch`].
    pub(crate) fn check(self, count: usize) -> Result<(), Error> {
        super::check_count(count)?;
        match self {
            MessageGenerators::Plain => Ok(()),
            MessageGenerators::Blind { .. } => match self.message_count() {
                Some(expected) if expected == count => Ok(()),
                expected => Err(Error::MessageCountMismatch {
                    expected: expected.unwrap_or(usize::MAX),
                    got: count,
                }),
            },
        }
    }
}

/// A shared view of a generator list: `Q_1, H_1, ...` (for a blind list,
/// `Q_1, H_1 .. H_L, J_0 .. J_M`), with their fixed-base tables.
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
    /// The message generators: `H_1 .. H_L` (and `J_0 .. J_M` for a blind
    /// list).
    pub fn h(&self) -> &[G1Affine] {
        &self.all[1..self.len]
    }
    /// The fixed-base table of `Q_1`.
    pub fn q1_table(&self) -> &VartimeFixedBaseTable {
        &self.tables[0]
    }
    /// The fixed-base tables of the message generators.
    pub fn h_tables(&self) -> &[VartimeFixedBaseTable] {
        &self.tables[1..self.len]
    }
    /// The fixed-base tables of every generator in the view.
    pub(crate) fn tables(&self) -> &[VartimeFixedBaseTable] {
        &self.tables[..self.len]
    }
}

/// The three generator sequences of a suite: one per `api_id`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Seq {
    /// `api_id`.
    Plain,
    /// The blind `api_id`: `Q_1, H_1, ..` of blind credentials.
    BlindSigner,
    /// `"BLIND_" || blind api_id`: `J_0, J_1, ..`.
    BlindCommitted,
}

impl Seq {
    fn api_id(self, suite: Suite) -> Vec<u8> {
        match self {
            Seq::Plain => suite.api_id().to_vec(),
            Seq::BlindSigner => suite.blind_api_id().to_vec(),
            Seq::BlindCommitted => [b"BLIND_".as_slice(), suite.blind_api_id()].concat(),
        }
    }

    fn slot(self, suite: Suite) -> usize {
        let s = match suite {
            Suite::Bls12381Sha256 => 0,
            Suite::Bls12381Shake256 => 1,
        };
        let q = match self {
            Seq::Plain => 0,
            Seq::BlindSigner => 1,
            Seq::BlindCommitted => 2,
        };
        3 * s + q
    }
}

struct Sequence {
    /// The expand_message state after the last generator computed.
    v: Vec<u8>,
    points: Arc<Vec<G1Affine>>,
    tables: Arc<Vec<VartimeFixedBaseTable>>,
}

/// The first `count` generators (at least one) of a sequence, from its
/// cache: one growing list per (suite, `api_id`), since
/// `create_generators(n)` is a prefix of `create_generators(n + 1)`.
fn sequence(suite: Suite, seq: Seq, count: usize) -> Generators {
    static SEQS: [OnceLock<RwLock<Sequence>>; 6] = [const { OnceLock::new() }; 6];
    let count = count.max(1);
    let api_id = seq.api_id(suite);
    let cell = &SEQS[seq.slot(suite)];
    let lock = cell.get_or_init(|| {
        let exp = suite.expander();
        let seed = [api_id.as_slice(), b"MESSAGE_GENERATOR_SEED"].concat();
        let seed_dst = [api_id.as_slice(), b"SIG_GENERATOR_SEED_"].concat();
        let v = exp.expand(&[&seed], &seed_dst, EXPAND_LEN);
        RwLock::new(Sequence {
            v,
            points: Arc::new(Vec::new()),
            tables: Arc::new(Vec::new()),
        })
    });
    {
        let s = lock.read().unwrap_or_else(|e| e.into_inner());
        if s.points.len() >= count {
            return Generators {
                all: s.points.clone(),
                tables: s.tables.clone(),
                len: count,
            };
        }
    }
    let mut s = lock.write().unwrap_or_else(|e| e.into_inner());
    if s.points.len() < count {
        let exp = suite.expander();
        let seed_dst = [api_id.as_slice(), b"SIG_GENERATOR_SEED_"].concat();
        let gen_dst = [api_id.as_slice(), b"SIG_GENERATOR_DST_"].concat();
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

/// The first `count` generators of `suite` (at least one), from the cache.
pub fn generators(suite: Suite, count: usize) -> Generators {
    sequence(suite, Seq::Plain, count)
}

/// How many blind shapes (suite, L, M) the caches below keep before
/// starting over. Credential types have fixed shapes, so few are live.
const SHAPE_CACHE: usize = 64;

/// A small map from a credential shape to its shared tables.
type ShapeMap<T> = Mutex<HashMap<(Suite, usize, usize), T>>;

fn shape_cached<T: Clone>(
    map: &ShapeMap<T>,
    key: (Suite, usize, usize),
    make: impl FnOnce() -> T,
) -> T {
    if let Some(found) = map.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return found.clone();
    }
    let made = make();
    let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
    if m.len() >= SHAPE_CACHE {
        m.clear();
    }
    m.entry(key).or_insert(made).clone()
}

/// The generators of `which` for `count` message scalars: for
/// [`MessageGenerators::Plain`] the suite's first `count + 1`; for a blind
/// list `Q_1, H_1 .. H_L, J_0 .. J_M` (cached per shape).
///
/// # Errors
/// [`Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
/// [`Error::MessageCountMismatch`] when `count` is not the blind list's
/// `L + 1 + M`.
pub fn generators_for(
    suite: Suite,
    which: MessageGenerators,
    count: usize,
) -> Result<Generators, Error> {
    which.check(count)?;
    let MessageGenerators::Blind {
        signer_messages: l,
        committed_messages: m,
    } = which
    else {
        return Ok(generators(suite, count + 1));
    };
    static BLIND: OnceLock<ShapeMap<Generators>> = OnceLock::new();
    let map = BLIND.get_or_init(|| Mutex::new(HashMap::new()));
    Ok(shape_cached(map, (suite, l, m), || {
        let a = sequence(suite, Seq::BlindSigner, l + 1);
        let b = sequence(suite, Seq::BlindCommitted, m + 1);
        let mut all = Vec::with_capacity(l + m + 2);
        all.extend_from_slice(a.as_slice());
        all.extend_from_slice(b.as_slice());
        let mut tables = Vec::with_capacity(l + m + 2);
        tables.extend_from_slice(&a.tables[..a.len]);
        tables.extend_from_slice(&b.tables[..b.len]);
        Generators {
            len: all.len(),
            all: Arc::new(all),
            tables: Arc::new(tables),
        }
    }))
}

/// `(J_0 .. J_M) = create_generators(M + 1, "BLIND_" || api_id)`: the
/// commitment's generators (`J_0` is the draft's `Q_2`), from the cache.
pub(crate) fn blind_generators(suite: Suite, committed_messages: usize) -> Generators {
    sequence(suite, Seq::BlindCommitted, committed_messages + 1)
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

/// [`prover_tables`] for any list: the comb tables of `generators_for(suite,
/// which, count)`, at least `count + 1` of them (cached per blind shape).
///
/// # Errors
/// As [`generators_for`].
pub(crate) fn prover_tables_for(
    suite: Suite,
    which: MessageGenerators,
    count: usize,
) -> Result<Arc<Vec<CombTable>>, Error> {
    which.check(count)?;
    let MessageGenerators::Blind {
        signer_messages: l,
        committed_messages: m,
    } = which
    else {
        return Ok(prover_tables(suite, count + 1));
    };
    static BLIND: OnceLock<ShapeMap<Arc<Vec<CombTable>>>> = OnceLock::new();
    let map = BLIND.get_or_init(|| Mutex::new(HashMap::new()));
    let gens = generators_for(suite, which, count)?;
    Ok(shape_cached(map, (suite, l, m), || {
        Arc::new(CombTable::batch_new(gens.as_slice()))
    }))
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
