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
///
/// A credential under [`MessageGenerators::Nym`] (the pseudonym draft,
/// draft-irtf-cfrg-bbs-per-verifier-linkability, see [`crate::nym`]) is a
/// blind list under [`Suite::nym_api_id`] whose committed part ends with
/// `N` nym secrets: `L + 1 + M + N` message scalars,
///
/// | index | message | generator |
/// | --- | --- | --- |
/// | `0 .. L-1` | the signer's messages | `H_1 .. H_L` |
/// | `L` | `secret_prover_blind` (never disclosed) | `J_0` |
/// | `L+1 .. L+M` | the committed messages | `J_1 .. J_M` |
/// | `L+M+1 .. L+M+N` | the nym secrets (never disclosed) | `J_{M+1} .. J_{M+N}` |
///
/// with `(Q_1, H_1 .. H_L) = create_generators(L + 1, api_id)` and `(J_0 ..
/// J_{M+N}) = create_generators(M + N + 1, "BLIND_" || api_id)`.
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
    /// The pseudonym draft's interface (see the type's docs).
    Nym {
        /// `L`: the messages the signer knows and signs.
        signer_messages: usize,
        /// `M`: the messages the holder committed to, besides its nyms.
        committed_messages: usize,
        /// `N`: the length of the nym secret vector.
        nym_secrets: usize,
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

    /// The pseudonym list for `L` signer messages, `M` committed messages
    /// and `N` nym secrets.
    pub fn nym(
        signer_messages: usize,
        committed_messages: usize,
        nym_secrets: usize,
    ) -> MessageGenerators {
        MessageGenerators::Nym {
            signer_messages,
            committed_messages,
            nym_secrets,
        }
    }

    /// The `api_id` the list is scoped to.
    pub fn api_id(self, suite: Suite) -> &'static [u8] {
        match self {
            MessageGenerators::Plain => suite.api_id(),
            MessageGenerators::Blind { .. } => suite.blind_api_id(),
            MessageGenerators::Nym { .. } => suite.nym_api_id(),
        }
    }

    /// The number of message scalars a credential under this list has:
    /// `L + 1 + M` for [`MessageGenerators::Blind`], `L + 1 + M + N` for
    /// [`MessageGenerators::Nym`], `None` for [`MessageGenerators::Plain`]
    /// (any number). `None` too when the sum overflows.
    pub fn message_count(self) -> Option<usize> {
        match self {
            MessageGenerators::Plain => None,
            MessageGenerators::Blind {
                signer_messages,
                committed_messages,
            } => signer_messages
                .checked_add(1)?
                .checked_add(committed_messages),
            MessageGenerators::Nym {
                signer_messages,
                committed_messages,
                nym_secrets,
            } => signer_messages
                .checked_add(1)?
                .checked_add(committed_messages)?
                .checked_add(nym_secrets),
        }
    }

    /// The index of `secret_prover_blind` among the message scalars (`L`),
    /// for [`MessageGenerators::Blind`] and [`MessageGenerators::Nym`]; it
    /// is never disclosed.
    pub fn secret_prover_blind_index(self) -> Option<usize> {
        match self {
            MessageGenerators::Plain => None,
            MessageGenerators::Blind {
                signer_messages, ..
            }
            | MessageGenerators::Nym {
                signer_messages, ..
            } => Some(signer_messages),
        }
    }

    /// The message indexes of the nym secrets, `L + 1 + M .. L + 1 + M +
    /// N` (empty unless [`MessageGenerators::Nym`]); never disclosed.
    pub fn nym_secret_indexes(self) -> std::ops::Range<usize> {
        match self {
            MessageGenerators::Nym {
                signer_messages,
                committed_messages,
                nym_secrets,
            } => {
                let start = signer_messages
                    .saturating_add(1)
                    .saturating_add(committed_messages);
                start..start.saturating_add(nym_secrets)
            }
            _ => 0..0,
        }
    }

    /// The message index of committed message `j` (0-based): `L + 1 + j`,
    /// or `None` when the list is plain or `j >= M`.
    pub fn committed_message_index(self, j: usize) -> Option<usize> {
        match self {
            MessageGenerators::Blind {
                signer_messages,
                committed_messages,
            }
            | MessageGenerators::Nym {
                signer_messages,
                committed_messages,
                ..
            } if j < committed_messages => signer_messages.checked_add(1)?.checked_add(j),
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
            MessageGenerators::Nym { .. } => &c.nym_h2s_dst,
        }
    }

    fn map_dst(self, suite: Suite) -> &'static [u8] {
        let c = suite.consts();
        match self {
            MessageGenerators::Plain => &c.map_dst,
            MessageGenerators::Blind { .. } => &c.blind_map_dst,
            MessageGenerators::Nym { .. } => &c.nym_map_dst,
        }
    }

    /// Checks `count` message scalars against the list: at most
    /// [`super::MAX_MESSAGES`], and exactly [`Self::message_count`] for a
    /// blind or pseudonym list.
    ///
    /// # Errors
    /// [`Error::TooManyMessages`]; [`Error::MessageCountMismatch`].
    pub(crate) fn check(self, count: usize) -> Result<(), Error> {
        super::check_count(count)?;
        match self {
            MessageGenerators::Plain => Ok(()),
            MessageGenerators::Blind { .. } | MessageGenerators::Nym { .. } => {
                match self.message_count() {
                    Some(expected) if expected == count => Ok(()),
                    expected => Err(Error::MessageCountMismatch {
                        expected: expected.unwrap_or(usize::MAX),
                        got: count,
                    }),
                }
            }
        }
    }

    /// The same interface with `K` commitment generators after `J_0` (`M =
    /// K` for a blind list, `M + N = K` with `N = 0` for a pseudonym list):
    /// the shape of a bare commitment, whose split between committed
    /// messages and nyms the commitment does not show.
    pub(crate) fn with_committed(self, k: usize) -> MessageGenerators {
        match self {
            MessageGenerators::Plain => MessageGenerators::Plain,
            MessageGenerators::Blind { .. } => MessageGenerators::blind(0, k),
            MessageGenerators::Nym { .. } => MessageGenerators::nym(0, k, 0),
        }
    }

    /// The two sequences a blind or pseudonym list joins, with their
    /// lengths: `(Q_1, H_1 .. H_L)` and `(J_0 .. J_K)`.
    fn parts(self) -> Option<(Seq, usize, Seq, usize)> {
        match self {
            MessageGenerators::Plain => None,
            MessageGenerators::Blind {
                signer_messages,
                committed_messages,
            } => Some((
                Seq::BlindSigner,
                signer_messages.saturating_add(1),
                Seq::BlindCommitted,
                committed_messages.saturating_add(1),
            )),
            MessageGenerators::Nym {
                signer_messages,
                committed_messages,
                nym_secrets,
            } => Some((
                Seq::NymSigner,
                signer_messages.saturating_add(1),
                Seq::NymCommitted,
                committed_messages
                    .saturating_add(nym_secrets)
                    .saturating_add(1),
            )),
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

/// The five generator sequences of a suite: one per `api_id`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Seq {
    /// `api_id`.
    Plain,
    /// The blind `api_id`: `Q_1, H_1, ..` of blind credentials.
    BlindSigner,
    /// `"BLIND_" || blind api_id`: `J_0, J_1, ..`.
    BlindCommitted,
    /// The pseudonym `api_id`: `Q_1, H_1, ..` of credentials with nym
    /// secrets.
    NymSigner,
    /// `"BLIND_" || pseudonym api_id`: their `J_0, J_1, ..`.
    NymCommitted,
}

/// The number of [`Seq`] variants.
const SEQS_PER_SUITE: usize = 5;

impl Seq {
    fn api_id(self, suite: Suite) -> Vec<u8> {
        match self {
            Seq::Plain => suite.api_id().to_vec(),
            Seq::BlindSigner => suite.blind_api_id().to_vec(),
            Seq::BlindCommitted => [b"BLIND_".as_slice(), suite.blind_api_id()].concat(),
            Seq::NymSigner => suite.nym_api_id().to_vec(),
            Seq::NymCommitted => [b"BLIND_".as_slice(), suite.nym_api_id()].concat(),
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
            Seq::NymSigner => 3,
            Seq::NymCommitted => 4,
        };
        SEQS_PER_SUITE * s + q
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
    static SEQS: [OnceLock<RwLock<Sequence>>; 2 * SEQS_PER_SUITE] =
        [const { OnceLock::new() }; 2 * SEQS_PER_SUITE];
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

/// How many blind and pseudonym shapes (suite, list) the caches below keep
/// before starting over. Credential types have fixed shapes, so few are
/// live.
const SHAPE_CACHE: usize = 64;

/// A small map from a credential shape to its shared tables.
type ShapeMap<T> = Mutex<HashMap<(Suite, MessageGenerators), T>>;

fn shape_cached<T: Clone>(
    map: &ShapeMap<T>,
    key: (Suite, MessageGenerators),
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
/// list `Q_1, H_1 .. H_L, J_0 .. J_M`, for a pseudonym list `Q_1, H_1 ..
/// H_L, J_0 .. J_{M+N}` under its own `api_id` (cached per shape).
///
/// # Errors
/// [`Error::TooManyMessages`] past [`super::MAX_MESSAGES`];
/// [`Error::MessageCountMismatch`] when `count` is not the list's
/// [`MessageGenerators::message_count`].
pub fn generators_for(
    suite: Suite,
    which: MessageGenerators,
    count: usize,
) -> Result<Generators, Error> {
    which.check(count)?;
    let Some((signer, a_len, committed, b_len)) = which.parts() else {
        return Ok(generators(suite, count + 1));
    };
    static BLIND: OnceLock<ShapeMap<Generators>> = OnceLock::new();
    let map = BLIND.get_or_init(|| Mutex::new(HashMap::new()));
    Ok(shape_cached(map, (suite, which), || {
        let a = sequence(suite, signer, a_len);
        let b = sequence(suite, committed, b_len);
        let mut all = Vec::with_capacity(a_len + b_len);
        all.extend_from_slice(a.as_slice());
        all.extend_from_slice(b.as_slice());
        let mut tables = Vec::with_capacity(a_len + b_len);
        tables.extend_from_slice(&a.tables[..a.len]);
        tables.extend_from_slice(&b.tables[..b.len]);
        Generators {
            len: all.len(),
            all: Arc::new(all),
            tables: Arc::new(tables),
        }
    }))
}

/// The commitment generators of a blind or pseudonym list, from the cache:
/// `(J_0 .. J_M) = create_generators(M + 1, "BLIND_" || api_id)` under the
/// blind `api_id` (`J_0` is the draft's `Q_2`), or `(J_0 .. J_{M+N})` under
/// the pseudonym one; `None` for [`MessageGenerators::Plain`].
pub(crate) fn committed_generators(suite: Suite, which: MessageGenerators) -> Option<Generators> {
    let (_, _, committed, len) = which.parts()?;
    Some(sequence(suite, committed, len))
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
/// which, count)`, at least `count + 1` of them (cached per blind or
/// pseudonym shape).
///
/// # Errors
/// As [`generators_for`].
pub(crate) fn prover_tables_for(
    suite: Suite,
    which: MessageGenerators,
    count: usize,
) -> Result<Arc<Vec<CombTable>>, Error> {
    which.check(count)?;
    if which == MessageGenerators::Plain {
        return Ok(prover_tables(suite, count + 1));
    }
    static BLIND: OnceLock<ShapeMap<Arc<Vec<CombTable>>>> = OnceLock::new();
    let map = BLIND.get_or_init(|| Mutex::new(HashMap::new()));
    let gens = generators_for(suite, which, count)?;
    Ok(shape_cached(map, (suite, which), || {
        Arc::new(CombTable::batch_new(gens.as_slice()))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nym_list_is_a_blind_list_under_its_own_api_id() {
        let which = MessageGenerators::nym(3, 2, 4);
        assert_eq!(which.message_count(), Some(3 + 1 + 2 + 4));
        assert_eq!(which.secret_prover_blind_index(), Some(3));
        assert_eq!(which.committed_message_index(1), Some(5));
        assert_eq!(which.committed_message_index(2), None);
        assert_eq!(which.nym_secret_indexes(), 6..10);
        assert_eq!(MessageGenerators::blind(3, 2).nym_secret_indexes(), 0..0);
        assert!(matches!(
            which.check(9),
            Err(Error::MessageCountMismatch {
                expected: 10,
                got: 9
            })
        ));
        for suite in Suite::ALL {
            assert_eq!(
                which.api_id(suite),
                [suite.ciphersuite_id(), b"H2G_HM2S_PSEUDONYM_".as_slice()].concat()
            );
            let g = generators_for(suite, which, 10).unwrap();
            assert_eq!(g.as_slice().len(), 11);
            // The same list as from the draft's create_generators.
            let signer = create_generators_with_api_id(suite, which.api_id(suite), 4);
            let blind_api = [b"BLIND_".as_slice(), which.api_id(suite)].concat();
            let committed = create_generators_with_api_id(suite, &blind_api, 7);
            assert_eq!(&g.as_slice()[..4], signer.as_slice());
            assert_eq!(&g.as_slice()[4..], committed.as_slice());
            // Any split of M + N gives the same list; the blind one differs.
            let other = generators_for(suite, MessageGenerators::nym(3, 5, 1), 10).unwrap();
            assert_eq!(g.as_slice(), other.as_slice());
            let blind = generators_for(suite, MessageGenerators::blind(3, 6), 10).unwrap();
            assert!(blind.as_slice().iter().all(|p| !g.as_slice().contains(p)));
            let c = committed_generators(suite, which).unwrap();
            assert_eq!(c.as_slice(), committed.as_slice());
        }
    }

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
