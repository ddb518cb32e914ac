//! Heads and proofs from stored subtree hashes: O(log n) reads per call,
//! whatever the size of the log (RFC 6962 §2.1; the interior nodes a
//! production log keeps, as tiles do, instead of every leaf hash).
//!
//! # The stored nodes
//! Node `(level, index)` is the Merkle tree hash of the perfect subtree of
//! the `2^level` leaves `index * 2^level .. (index + 1) * 2^level`; it
//! exists once its last leaf is appended and never changes after.
//! [`append_nodes`] gives the nodes a new leaf completes (the leaf itself at
//! level 0 and one more per level while the index is odd): on average two
//! per leaf, so a store holds under `2n` hashes for `n` leaves.
//!
//! # Reading
//! RFC 6962 splits a range of `m` leaves at the largest power of two below
//! `m`, so every range the recursion meets starts at a multiple of its
//! left part's size. A range's hash is then the fold, right to left, of the
//! perfect subtrees its size's binary digits give (one read per set bit):
//! [`range_root`]. [`root_at`], [`inclusion_proof_at`] and
//! [`consistency_proof_at`] follow the RFC's recursions ([`crate::merkle`]
//! gives the same results from every leaf hash) reading only those nodes:
//! `O(log n)` reads for a root and at most `O(log² n)` for a proof (in
//! practice a few dozen for 10^7 leaves: most siblings are one perfect
//! node).
//!
//! No I/O here: the caller's [`NodeReader`] is the store (a database table,
//! tiles on disk, or [`MemoryNodes`]).

use crate::merkle::{empty_root, node_hash, Hash, ProofError};

/// A store of complete subtree hashes.
pub trait NodeReader {
    /// The store's error.
    type Error: From<ProofError>;

    /// The hash of node `(level, index)` (see the module docs). Only nodes
    /// of complete subtrees of the tree being read are asked for.
    ///
    /// # Errors
    /// The store's own (a node missing is the store's corruption).
    fn node(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// The nodes that appending `leaf` as leaf number `index` (from 0)
/// completes, lowest first: `(0, index, leaf)`, then one parent per level
/// while the node's index is odd, reading its left sibling from `reader`.
///
/// # Errors
/// The reader's.
pub fn append_nodes<R: NodeReader>(
    reader: &R,
    index: u64,
    leaf: Hash,
) -> Result<Vec<(u8, u64, Hash)>, R::Error> {
    let mut out = vec![(0u8, index, leaf)];
    let (mut level, mut i, mut h) = (0u8, index, leaf);
    while i & 1 == 1 {
        let left = match out.iter().find(|(l, j, _)| *l == level && *j == i - 1) {
            Some((_, _, x)) => *x,
            None => reader.node(level, i - 1)?,
        };
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((level, i, h));
    }
    Ok(out)
}

/// The Merkle tree hash of the `size` leaves from `start`, where `start`
/// is a multiple of the largest power of two not above `size` (every range
/// the RFC's recursion meets is).
///
/// # Errors
/// The reader's.
pub fn range_root<R: NodeReader>(reader: &R, start: u64, size: u64) -> Result<Hash, R::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    // Perfect subtrees left to right: one per set bit of `size`, largest
    // first; then fold from the right.
    let mut parts = Vec::with_capacity(64);
    let mut at = start;
    for level in (0..64u8).rev() {
        let width = 1u64 << level;
        if size & width != 0 {
            parts.push(reader.node(level, at >> level)?);
            at += width;
        }
    }
    let mut acc = parts.pop().unwrap_or_else(empty_root);
    while let Some(left) = parts.pop() {
        acc = node_hash(&left, &acc);
    }
    Ok(acc)
}

/// The root of the tree of the first `size` leaves.
///
/// # Errors
/// The reader's.
pub fn root_at<R: NodeReader>(reader: &R, size: u64) -> Result<Hash, R::Error> {
    range_root(reader, 0, size)
}

/// The largest power of two smaller than `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    1 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

/// The audit path of leaf `index` in the tree of `size` leaves, lowest
/// level first: the same hashes as [`crate::merkle::inclusion_proof`].
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] (as the reader's error) when `index >=
/// size`; the reader's.
pub fn inclusion_proof_at<R: NodeReader>(
    reader: &R,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, R::Error> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange {
            index,
            tree_size: size,
        }
        .into());
    }
    // Walk down from the whole tree, collecting siblings top first.
    let mut siblings = Vec::new();
    let (mut start, mut n, mut m) = (0u64, size, index);
    while n > 1 {
        let k = split(n);
        if m < k {
            siblings.push(range_root(reader, start + k, n - k)?);
            n = k;
        } else {
            siblings.push(range_root(reader, start, k)?);
            start += k;
            m -= k;
            n -= k;
        }
    }
    siblings.reverse();
    Ok(siblings)
}

/// The consistency proof between the trees of `old_size` and `size`
/// leaves: the same hashes as [`crate::merkle::consistency_proof`].
///
/// # Errors
/// [`ProofError::SizeOutOfRange`] (as the reader's error) when `old_size >
/// size`; the reader's.
pub fn consistency_proof_at<R: NodeReader>(
    reader: &R,
    old_size: u64,
    size: u64,
) -> Result<Vec<Hash>, R::Error> {
    if old_size > size {
        return Err(ProofError::SizeOutOfRange {
            old_size,
            new_size: size,
        }
        .into());
    }
    let mut out = Vec::new();
    if old_size == 0 || old_size == size {
        return Ok(out);
    }
    // SUBPROOF(m, D[start..start+n], complete), iteratively: the hashes are
    // pushed deepest first, as the recursion's returns push them.
    let mut stack = Vec::new();
    let (mut start, mut n, mut m, mut complete) = (0u64, size, old_size, true);
    loop {
        if m == n {
            if !complete {
                stack.push(range_root(reader, start, n)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            stack.push(range_root(reader, start + k, n - k)?);
            n = k;
        } else {
            stack.push(range_root(reader, start, k)?);
            start += k;
            m -= k;
            n -= k;
            complete = false;
        }
    }
    // The recursion's returns push deepest first (the terminal subtree,
    // pushed last by the walk, then the siblings bottom up): the walk's
    // pushes reversed.
    stack.reverse();
    out.extend(stack);
    Ok(out)
}

/// The right edge of a tree of `size` leaves: the roots of its perfect
/// subtrees, one per set bit of `size`, largest (leftmost) first. It is all
/// an appender needs: the next leaf completes nodes only by merging with
/// them, and the tree's root is their fold. A writer reads it once
/// ([`Frontier::positions`], then [`Frontier::from_nodes`]: at most 64
/// nodes) and appends any number of leaves in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)`, levels strictly decreasing.
    nodes: Vec<(u8, Hash)>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Frontier::default()
    }

    /// The nodes `(level, index)` that make the frontier of a tree of
    /// `size` leaves, largest first (one per set bit of `size`).
    pub fn positions(size: u64) -> Vec<(u8, u64)> {
        let mut out = Vec::with_capacity(size.count_ones() as usize);
        let mut at = 0u64;
        for level in (0..64u8).rev() {
            let width = 1u64 << level;
            if size & width != 0 {
                out.push((level, at >> level));
                at += width;
            }
        }
        out
    }

    /// The frontier of a tree of `size` leaves from the hashes of the
    /// nodes [`Frontier::positions`] names, in that order.
    ///
    /// # Errors
    /// [`ProofError::WrongLength`] when `hashes` is not one per position.
    pub fn from_nodes(size: u64, hashes: &[Hash]) -> Result<Self, ProofError> {
        let positions = Frontier::positions(size);
        if positions.len() != hashes.len() {
            return Err(ProofError::WrongLength);
        }
        Ok(Frontier {
            size,
            nodes: positions
                .iter()
                .zip(hashes)
                .map(|(&(level, _), h)| (level, *h))
                .collect(),
        })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `leaf` as leaf number [`Frontier::size`]; returns the nodes
    /// it completes, lowest first (as [`append_nodes`]): `(0, index,
    /// leaf)`, then each parent the merge makes.
    pub fn append(&mut self, leaf: Hash) -> Vec<(u8, u64, Hash)> {
        let index = self.size;
        let mut out = vec![(0u8, index, leaf)];
        let (mut level, mut h) = (0u8, leaf);
        while let Some(&(l, left)) = self.nodes.last() {
            if l != level {
                break;
            }
            self.nodes.pop();
            h = node_hash(&left, &h);
            level += 1;
            out.push((level, index >> level, h));
        }
        self.nodes.push((level, h));
        self.size += 1;
        out
    }

    /// The root of the tree (RFC 6962 §2.1): the fold of the frontier from
    /// the right; the empty root for no leaves.
    pub fn root(&self) -> Hash {
        let mut iter = self.nodes.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return empty_root();
        };
        for (_, left) in iter {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// The error of a [`NodeBatch`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeReadError {
    /// The tree functions refused the sizes or indexes asked for.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The store did not give a node the computation needs (or gave
    /// another number of hashes than asked for): the store's corruption.
    #[error("tree node (level {level}, index {index}) is missing from the store")]
    Missing {
        /// The node's level.
        level: u8,
        /// The node's index at that level.
        index: u64,
    },
}

/// Reads for a database in one round trip: the tree functions' reads depend
/// on sizes and indexes only, never on the hashes read, so running a
/// computation once against [`NodeBatch::recorder`] (which answers every
/// read with a placeholder) lists exactly the nodes it will read; the
/// caller fetches those in one query and runs it again against
/// [`NodeBatch::with_nodes`].
#[derive(Debug, Default)]
pub struct NodeBatch {
    asked: std::cell::RefCell<Vec<(u8, u64)>>,
    nodes: Option<std::collections::HashMap<(u8, u64), Hash>>,
}

impl NodeBatch {
    /// A reader that records what is read and answers placeholders.
    pub fn recorder() -> Self {
        NodeBatch::default()
    }

    /// The distinct nodes read so far, sorted.
    pub fn asked(&self) -> Vec<(u8, u64)> {
        let mut v = self.asked.borrow().clone();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// A reader that answers from `hashes`, one per position.
    ///
    /// # Errors
    /// [`TreeReadError::Missing`] when the lengths differ (naming the
    /// first position without a hash).
    pub fn with_nodes(positions: &[(u8, u64)], hashes: &[Hash]) -> Result<Self, TreeReadError> {
        if positions.len() != hashes.len() {
            let (level, index) = positions
                .get(hashes.len())
                .copied()
                .unwrap_or((u8::MAX, u64::MAX));
            return Err(TreeReadError::Missing { level, index });
        }
        Ok(NodeBatch {
            asked: Default::default(),
            nodes: Some(
                positions
                    .iter()
                    .copied()
                    .zip(hashes.iter().copied())
                    .collect(),
            ),
        })
    }
}

impl NodeReader for NodeBatch {
    type Error = TreeReadError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, TreeReadError> {
        match &self.nodes {
            None => {
                self.asked.borrow_mut().push((level, index));
                Ok(Hash([0u8; 32]))
            }
            Some(map) => map
                .get(&(level, index))
                .copied()
                .ok_or(TreeReadError::Missing { level, index }),
        }
    }
}

/// Every node in memory, level by level (tests, and logs small enough to
/// hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryNodes {
    levels: Vec<Vec<Hash>>,
}

impl MemoryNodes {
    /// An empty store.
    pub fn new() -> Self {
        MemoryNodes::default()
    }

    /// The number of leaves appended.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends the next leaf, storing the nodes it completes.
    pub fn append(&mut self, leaf: Hash) {
        let index = self.size();
        let nodes = match append_nodes(self, index, leaf) {
            Ok(n) => n,
            // A memory store has every node it is asked for.
            Err(_) => return,
        };
        for (level, _, h) in nodes {
            let l = usize::from(level);
            if self.levels.len() <= l {
                self.levels.resize(l + 1, Vec::new());
            }
            self.levels[l].push(h);
        }
    }
}

impl NodeReader for MemoryNodes {
    type Error = ProofError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
        self.levels
            .get(usize::from(level))
            .and_then(|l| l.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or(ProofError::IndexOutOfRange {
                index,
                tree_size: self.size(),
            })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::merkle::{self, leaf_hash};

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn roots_and_proofs_equal_the_leaf_based_ones() {
        let all = leaves(70);
        let mut store = MemoryNodes::new();
        assert_eq!(root_at(&store, 0).unwrap(), merkle::empty_root());
        for (i, l) in all.iter().enumerate() {
            store.append(*l);
            let n = i as u64 + 1;
            let d = &all[..=i];
            assert_eq!(root_at(&store, n).unwrap(), merkle::root(d), "root {n}");
            for m in 0..n {
                assert_eq!(
                    inclusion_proof_at(&store, n, m).unwrap(),
                    merkle::inclusion_proof(d, m).unwrap(),
                    "inclusion {m} of {n}"
                );
            }
            for old in 0..=n {
                assert_eq!(
                    consistency_proof_at(&store, old, n).unwrap(),
                    merkle::consistency_proof(d, old).unwrap(),
                    "consistency {old} -> {n}"
                );
            }
        }
        // Older trees from the same store.
        for n in [1u64, 5, 16, 33] {
            let d = &all[..n as usize];
            assert_eq!(root_at(&store, n).unwrap(), merkle::root(d));
            assert_eq!(
                consistency_proof_at(&store, 3.min(n), n).unwrap(),
                merkle::consistency_proof(d, 3.min(n)).unwrap()
            );
        }
        assert!(matches!(
            inclusion_proof_at(&store, 70, 70),
            Err(ProofError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            consistency_proof_at(&store, 71, 70),
            Err(ProofError::SizeOutOfRange { .. })
        ));
    }

    #[test]
    fn frontier_appends_as_the_stored_tree_does() {
        let all = leaves(300);
        let mut store = MemoryNodes::new();
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), merkle::empty_root());
        for (i, l) in all.iter().enumerate() {
            let expected = append_nodes(&store, i as u64, *l).unwrap();
            assert_eq!(frontier.append(*l), expected, "leaf {i}");
            store.append(*l);
            let n = i as u64 + 1;
            assert_eq!(frontier.size(), n);
            assert_eq!(frontier.root(), merkle::root(&all[..=i]), "root {n}");
            // Reloading from the stored nodes gives the same frontier.
            let hashes: Vec<Hash> = Frontier::positions(n)
                .iter()
                .map(|&(l, j)| store.node(l, j).unwrap())
                .collect();
            assert_eq!(Frontier::from_nodes(n, &hashes).unwrap(), frontier);
        }
        assert_eq!(
            Frontier::from_nodes(3, &[Hash([0; 32])]),
            Err(ProofError::WrongLength)
        );
    }

    #[test]
    fn a_batch_reads_what_the_recorder_listed() {
        let all = leaves(1000);
        let mut store = MemoryNodes::new();
        for l in &all {
            store.append(*l);
        }
        let fetch = |asked: &[(u8, u64)]| -> Vec<Hash> {
            asked
                .iter()
                .map(|&(l, i)| store.node(l, i).unwrap())
                .collect()
        };
        for (old, new) in [(1u64, 1000u64), (333, 999), (512, 513), (7, 8)] {
            let rec = NodeBatch::recorder();
            consistency_proof_at(&rec, old, new).unwrap();
            inclusion_proof_at(&rec, new, old - 1).unwrap();
            let asked = rec.asked();
            let batch = NodeBatch::with_nodes(&asked, &fetch(&asked)).unwrap();
            assert_eq!(
                consistency_proof_at(&batch, old, new).unwrap(),
                merkle::consistency_proof(&all[..new as usize], old).unwrap()
            );
            assert_eq!(
                inclusion_proof_at(&batch, new, old - 1).unwrap(),
                merkle::inclusion_proof(&all[..new as usize], old - 1).unwrap()
            );
            // A node the recorder did not list is missing, not made up.
            assert!(matches!(
                root_at(&batch, 1000).and(root_at(&batch, 3)),
                Err(TreeReadError::Missing { .. })
            ));
        }
        let short = NodeBatch::with_nodes(&[(0, 1), (1, 0)], &[Hash([0; 32])]);
        assert_eq!(
            short.err(),
            Some(TreeReadError::Missing { level: 1, index: 0 })
        );
    }

    /// A store of made-up node hashes that counts its reads.
    struct Counting {
        reads: Cell<u64>,
    }

    impl NodeReader for Counting {
        type Error = ProofError;
        fn node(&self, level: u8, index: u64) -> Result<Hash, ProofError> {
            self.reads.set(self.reads.get() + 1);
            let mut b = [0u8; 32];
            b[0] = level;
            b[8..16].copy_from_slice(&index.to_be_bytes());
            Ok(Hash(b))
        }
    }

    #[test]
    fn reads_grow_with_log_n_not_n() {
        for n in [10_000u64, 1_000_000, 10_000_000, 170_000_000] {
            let c = Counting {
                reads: Cell::new(0),
            };
            root_at(&c, n).unwrap();
            let root_reads = c.reads.replace(0);
            inclusion_proof_at(&c, n, n / 3).unwrap();
            let inclusion_reads = c.reads.replace(0);
            consistency_proof_at(&c, n / 2 + 7, n).unwrap();
            let consistency_reads = c.reads.replace(0);
            let log = u64::from(64 - n.leading_zeros());
            assert!(root_reads <= log, "{n}: {root_reads}");
            assert!(inclusion_reads <= log * log, "{n}: {inclusion_reads}");
            assert!(consistency_reads <= log * log, "{n}: {consistency_reads}");
        }
    }
}
