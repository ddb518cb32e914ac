//! The Merkle hash tree of RFC 6962 §2.1 (unchanged in RFC 9162 §2.1.1).
//!
//! Leaves are hashed as `SHA-256(0x00 || leaf)` and interior nodes as
//! `SHA-256(0x01 || left || right)`; the root of the empty tree is
//! `SHA-256("")`. A tree of `n > 1` leaves splits at `k`, the largest power of
//! two smaller than `n`. Proofs are generated from the leaf hashes of the
//! tree (RFC 6962 §2.1.1 `PATH`, §2.1.2 `PROOF`) and checked with the
//! iterative algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, which never build
//! the tree.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, a subtree hash or a tree root.
///
/// Serialised as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The hex form (lowercase).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits (either case).
    ///
    /// # Errors
    /// [`hex::FromHexError`] if `s` is not exactly 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, hex::FromHexError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out)?;
        Ok(Hash(out))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Hash::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a proof could not be made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is outside a tree of size {tree_size}")]
    IndexOutOfRange {
        /// The requested leaf.
        index: u64,
        /// The tree size.
        tree_size: u64,
    },
    /// The sizes of a consistency proof are not `old <= new`, or exceed the
    /// leaves at hand.
    #[error("tree sizes {old_size} -> {new_size} are not a valid pair")]
    SizeOutOfRange {
        /// The earlier tree size.
        old_size: u64,
        /// The later tree size.
        new_size: u64,
    },
    /// The proof has the wrong length for its tree sizes.
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    /// The proof does not lead to the expected root hash(es).
    #[error("proof does not match the root hash")]
    RootMismatch,
}

impl ProofError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::IndexOutOfRange { .. } => "proof_index_out_of_range",
            ProofError::SizeOutOfRange { .. } => "proof_size_out_of_range",
            ProofError::WrongLength => "proof_wrong_length",
            ProofError::RootMismatch => "proof_root_mismatch",
        }
    }
}

/// `SHA-256(0x00 || data)`: the hash of one log entry.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    Hash(h.finalize().into())
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// `SHA-256("")`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// The Merkle tree hash `MTH(D[n])` over the given leaf hashes.
///
/// Computed level by level (a lone last node is carried up unchanged), which
/// yields the same tree as the RFC's split at the largest power of two, in
/// `n - 1` node hashes and `O(n)` scratch space.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        _ => {
            let mut level: Vec<Hash> = leaves
                .chunks(2)
                .map(|p| {
                    if p.len() == 2 {
                        node_hash(&p[0], &p[1])
                    } else {
                        p[0]
                    }
                })
                .collect();
            while level.len() > 1 {
                let next = level.len().div_ceil(2);
                for i in 0..next {
                    level[i] = match level.get(2 * i + 1) {
                        Some(r) => node_hash(&level[2 * i], r),
                        None => level[2 * i],
                    };
                }
                level.truncate(next);
            }
            level[0]
        }
    }
}

/// The largest power of two smaller than `n` (`n >= 2`).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The audit path `PATH(index, D[n])` of RFC 6962 §2.1.1 for the leaf at
/// `index` of the tree whose leaf hashes are `leaves`, lowest level first.
///
/// The proof holds about `log2(n)` hashes (none for a one-leaf tree).
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] if `index >= leaves.len()`.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, ProofError> {
    let n = leaves.len();
    let m = usize::try_from(index)
        .ok()
        .filter(|&m| m < n)
        .ok_or(ProofError::IndexOutOfRange {
            index,
            tree_size: n as u64,
        })?;
    let mut proof = Vec::new();
    path(m, leaves, &mut proof);
    Ok(proof)
}

fn path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    if d.len() <= 1 {
        return;
    }
    let k = split(d.len());
    if m < k {
        path(m, &d[..k], out);
        out.push(root(&d[k..]));
    } else {
        path(m - k, &d[k..], out);
        out.push(root(&d[..k]));
    }
}

/// The consistency proof `PROOF(old_size, D[n])` of RFC 6962 §2.1.2 between
/// the first `old_size` leaves and all of `leaves`.
///
/// Empty when `old_size` is 0 or equals the tree size: nothing needs proving.
///
/// # Errors
/// [`ProofError::SizeOutOfRange`] if `old_size > leaves.len()`.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, ProofError> {
    let n = leaves.len();
    let m =
        usize::try_from(old_size)
            .ok()
            .filter(|&m| m <= n)
            .ok_or(ProofError::SizeOutOfRange {
                old_size,
                new_size: n as u64,
            })?;
    let mut proof = Vec::new();
    if m > 0 {
        subproof(m, leaves, true, &mut proof);
    }
    Ok(proof)
}

fn subproof(m: usize, d: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !complete {
            out.push(root(d));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &d[..k], complete, out);
        out.push(root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(root(&d[..k]));
    }
}

/// Checks that `leaf` is the leaf at `index` of the tree of `tree_size`
/// leaves with root `root_hash` (RFC 9162 §2.1.3.2).
///
/// `proof` is the audit path, lowest level first, as made by
/// [`inclusion_proof`].
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] if `index >= tree_size`,
/// [`ProofError::WrongLength`] if the path is too short or too long for the
/// position, [`ProofError::RootMismatch`] if it leads to another root.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    tree_size: u64,
    proof: &[Hash],
    root_hash: &Hash,
) -> Result<(), ProofError> {
    if index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index, tree_size });
    }
    let (mut fn_, mut sn) = (index, tree_size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                // A left child with no right sibling: climb to where it is one.
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root_hash {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `new_size` leaves with root `new_root` extends the
/// tree of `old_size` leaves with root `old_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots; every tree extends the
/// empty one (`old_size == 0`, empty proof).
///
/// # Errors
/// [`ProofError::SizeOutOfRange`] if `old_size > new_size`,
/// [`ProofError::WrongLength`] if the proof has the wrong number of hashes
/// for the two sizes, [`ProofError::RootMismatch`] if it does not lead to
/// both roots.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizeOutOfRange { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        if old_size == new_size && old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    // When the old tree is a complete subtree, its root starts the path.
    let mut path = proof.iter();
    let first = if old_size.is_power_of_two() {
        *old_root
    } else {
        *path.next().expect("non-empty proof")
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(data: &[u8]) -> Hash {
        Hash(Sha256::digest(data).into())
    }

    /// `MTH` written straight from RFC 6962 §2.1, over raw entries.
    fn reference_mth(d: &[Vec<u8>]) -> Hash {
        match d.len() {
            0 => h(b""),
            1 => h(&[&[0u8][..], &d[0]].concat()),
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                let (l, r) = (reference_mth(&d[..k]), reference_mth(&d[k..]));
                h(&[&[1u8][..], &l.0, &r.0].concat())
            }
        }
    }

    fn entries(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("entry {i}").into_bytes()).collect()
    }

    fn hashes(d: &[Vec<u8>]) -> Vec<Hash> {
        d.iter().map(|e| leaf_hash(e)).collect()
    }

    #[test]
    fn hashes_by_hand() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let (a, b, c) = (b"a".as_slice(), b"b".as_slice(), b"c".as_slice());
        assert_eq!(leaf_hash(a), h(&[0, b'a']));
        let (la, lb, lc) = (h(&[0, b'a']), h(&[0, b'b']), h(&[0, b'c']));
        let ab = h(&[&[1u8][..], &la.0, &lb.0].concat());
        assert_eq!(node_hash(&la, &lb), ab);
        // Three leaves split at k = 2: ((a b) c).
        let abc = h(&[&[1u8][..], &ab.0, &lc.0].concat());
        assert_eq!(root(&[leaf_hash(a), leaf_hash(b), leaf_hash(c)]), abc);
        assert_eq!(root(&[la]), la);
    }

    /// The eight-entry tree used by Certificate Transparency implementations
    /// (values recomputed independently from the RFC definition).
    #[test]
    fn known_roots() {
        let d: Vec<Vec<u8>> = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|x| hex::decode(x).unwrap())
        .collect();
        let want = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        for n in 1..=8 {
            assert_eq!(root(&hashes(&d[..n])).to_hex(), want[n - 1], "n = {n}");
        }
    }

    #[test]
    fn root_matches_reference_up_to_70() {
        let d = entries(70);
        for n in 0..=70 {
            assert_eq!(root(&hashes(&d[..n])), reference_mth(&d[..n]), "n = {n}");
        }
    }

    #[test]
    fn every_inclusion_proof_up_to_40() {
        let d = entries(40);
        let all = hashes(&d);
        for n in 1..=40 {
            let leaves = &all[..n];
            let r = reference_mth(&d[..n]);
            for i in 0..n {
                let p = inclusion_proof(leaves, i as u64).unwrap();
                verify_inclusion(&leaves[i], i as u64, n as u64, &p, &r).unwrap();
                // Another leaf, index, size, or a corrupted path must fail.
                let other = leaves[(i + 1) % n];
                if n > 1 {
                    assert!(verify_inclusion(&other, i as u64, n as u64, &p, &r).is_err());
                    let j = ((i + 1) % n) as u64;
                    assert!(verify_inclusion(&leaves[i], j, n as u64, &p, &r).is_err());
                }
                // (A wrong tree size is not always caught by the path alone:
                // the root of size n can also be a valid root shape for
                // n + 1. Signed heads bind the size to the root.)
                for k in 0..p.len() {
                    let mut bad = p.clone();
                    bad[k].0[0] ^= 1;
                    assert_eq!(
                        verify_inclusion(&leaves[i], i as u64, n as u64, &bad, &r),
                        Err(ProofError::RootMismatch)
                    );
                }
                let mut long = p.clone();
                long.push(r);
                assert!(verify_inclusion(&leaves[i], i as u64, n as u64, &long, &r).is_err());
                if !p.is_empty() {
                    assert!(verify_inclusion(&leaves[i], i as u64, n as u64, &p[1..], &r).is_err());
                }
            }
            assert_eq!(
                inclusion_proof(leaves, n as u64),
                Err(ProofError::IndexOutOfRange {
                    index: n as u64,
                    tree_size: n as u64
                })
            );
        }
    }

    #[test]
    fn every_consistency_proof_up_to_40() {
        let d = entries(40);
        let all = hashes(&d);
        for n in 1..=40 {
            let new_root = reference_mth(&d[..n]);
            for m in 0..=n {
                let old_root = reference_mth(&d[..m]);
                let p = consistency_proof(&all[..n], m as u64).unwrap();
                verify_consistency(m as u64, n as u64, &old_root, &new_root, &p)
                    .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
                if m == 0 || m == n {
                    assert!(p.is_empty());
                    continue;
                }
                // Wrong roots, sizes or corrupted paths must fail.
                let other = reference_mth(&d[..m - 1]);
                assert!(verify_consistency(m as u64, n as u64, &other, &new_root, &p).is_err());
                assert!(verify_consistency(m as u64, n as u64, &old_root, &old_root, &p).is_err());
                for k in 0..p.len() {
                    let mut bad = p.clone();
                    bad[k].0[31] ^= 0x80;
                    assert!(
                        verify_consistency(m as u64, n as u64, &old_root, &new_root, &bad).is_err(),
                        "{m} -> {n}: corrupted hash {k} accepted"
                    );
                }
                let mut long = p.clone();
                long.push(new_root);
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &long).is_err()
                );
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &p[1..]).is_err()
                );
            }
            assert!(consistency_proof(&all[..n], n as u64 + 1).is_err());
        }
    }

    /// `PATH(m, D[n])` written straight from RFC 6962 §2.1.1, over raw
    /// entries.
    fn reference_path(m: usize, d: &[Vec<u8>]) -> Vec<Hash> {
        if d.len() <= 1 {
            return Vec::new();
        }
        let mut k = 1;
        while k * 2 < d.len() {
            k *= 2;
        }
        let (mut p, sibling) = if m < k {
            (reference_path(m, &d[..k]), reference_mth(&d[k..]))
        } else {
            (reference_path(m - k, &d[k..]), reference_mth(&d[..k]))
        };
        p.push(sibling);
        p
    }

    /// `SUBPROOF(m, D[n], b)` written straight from RFC 6962 §2.1.2, over
    /// raw entries; `PROOF(m, D[n])` is `SUBPROOF(m, D[n], true)`.
    fn reference_subproof(m: usize, d: &[Vec<u8>], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b {
                Vec::new()
            } else {
                vec![reference_mth(d)]
            };
        }
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        let (mut p, other) = if m <= k {
            (reference_subproof(m, &d[..k], b), reference_mth(&d[k..]))
        } else {
            (
                reference_subproof(m - k, &d[k..], false),
                reference_mth(&d[..k]),
            )
        };
        p.push(other);
        p
    }

    /// Every proof of every tree up to 64 leaves is the RFC's, node for node,
    /// and verifies against roots recomputed naively; a forked history (one
    /// old entry changed) is refused.
    #[test]
    fn proofs_match_naive_recomputation_up_to_64() {
        let d = entries(64);
        let all = hashes(&d);
        for n in 1..=64 {
            let new_root = reference_mth(&d[..n]);
            assert_eq!(root(&all[..n]), new_root, "n = {n}");
            for i in 0..n {
                let p = inclusion_proof(&all[..n], i as u64).unwrap();
                assert_eq!(p, reference_path(i, &d[..n]), "PATH({i}, D[{n}])");
                verify_inclusion(&all[i], i as u64, n as u64, &p, &new_root)
                    .unwrap_or_else(|e| panic!("leaf {i} of {n}: {e}"));
            }
            for m in 1..n {
                let p = consistency_proof(&all[..n], m as u64).unwrap();
                assert_eq!(
                    p,
                    reference_subproof(m, &d[..n], true),
                    "PROOF({m}, D[{n}])"
                );
                let old_root = reference_mth(&d[..m]);
                verify_consistency(m as u64, n as u64, &old_root, &new_root, &p)
                    .unwrap_or_else(|e| panic!("{m} -> {n}: {e}"));
                // The same sizes over a history whose entry j was rewritten:
                // the honest proof ties neither root to the forked one.
                for j in [0, m / 2, m - 1] {
                    let mut forked = d[..n].to_vec();
                    forked[j] = b"rewritten".to_vec();
                    let forked_old = reference_mth(&forked[..m]);
                    assert_eq!(
                        verify_consistency(m as u64, n as u64, &forked_old, &new_root, &p),
                        Err(ProofError::RootMismatch),
                        "{m} -> {n}: fork at {j} accepted"
                    );
                    // Nor does the forked log's own proof tie either of its
                    // roots to an honest one.
                    let fp = reference_subproof(m, &forked, true);
                    let forked_new = reference_mth(&forked);
                    verify_consistency(m as u64, n as u64, &forked_old, &forked_new, &fp).unwrap();
                    assert!(
                        verify_consistency(m as u64, n as u64, &old_root, &forked_new, &fp)
                            .is_err(),
                        "{m} -> {n}: honest old head extended by a fork at {j}"
                    );
                    assert!(
                        verify_consistency(m as u64, n as u64, &forked_old, &new_root, &fp)
                            .is_err(),
                        "{m} -> {n}: fork at {j} extended to the honest new head"
                    );
                }
            }
        }
    }

    #[test]
    fn degenerate_consistency() {
        let r = leaf_hash(b"x");
        assert!(verify_consistency(0, 5, &empty_root(), &r, &[]).is_ok());
        assert_eq!(
            verify_consistency(0, 5, &empty_root(), &r, &[r]),
            Err(ProofError::WrongLength)
        );
        assert_eq!(
            verify_consistency(3, 3, &r, &empty_root(), &[]),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(4, 3, &r, &r, &[r]),
            Err(ProofError::SizeOutOfRange {
                old_size: 4,
                new_size: 3
            })
        );
        assert_eq!(
            verify_consistency(2, 3, &r, &r, &[]),
            Err(ProofError::WrongLength)
        );
    }

    #[test]
    fn hash_hex_round_trip() {
        let x = leaf_hash(b"x");
        let json = serde_json::to_string(&x).unwrap();
        assert_eq!(json, format!("\"{}\"", x.to_hex()));
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), x);
        assert!(serde_json::from_str::<Hash>("\"00\"").is_err());
    }
}
