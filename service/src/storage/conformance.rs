//! Checks every [`Storage`] backend must pass, run by each backend's tests
//! on a fresh, empty store.

use super::Storage;
use zkcred_translog::tree::{self, Frontier, MemoryNodes, NodeReader};
use zkcred_translog::{merkle, DisclosureEvent};

/// Appends in groups of varied sizes; every node the tree functions ask
/// for equals the one an in-memory tree of the same leaves holds, and the
/// frontier read back gives the root of the leaf-based computation.
pub(crate) fn log_tree_nodes(s: &dyn Storage, event: fn(u64) -> DisclosureEvent) {
    let mut memory = MemoryNodes::new();
    let mut next = 0u64;
    for group in [1u64, 1, 2, 5, 8, 13, 1, 64, 100, 3] {
        let events: Vec<_> = (next..next + group).map(event).collect();
        let range = s.append_disclosures(&events).expect("append");
        assert_eq!(range, next..next + group);
        next += group;
        for l in s.read_leaf_hashes(range).expect("leaves") {
            memory.append(l);
        }
        let positions = Frontier::positions(next);
        let frontier = Frontier::from_nodes(next, &s.read_log_nodes(&positions).expect("frontier"))
            .expect("frontier length");
        let leaves = s.read_leaf_hashes(0..next).expect("leaves");
        assert_eq!(frontier.root(), merkle::root(&leaves), "root at {next}");
    }
    // Every complete node, level by level.
    for level in 0..8u8 {
        let count = next >> level;
        let positions: Vec<(u8, u64)> = (0..count).map(|i| (level, i)).collect();
        let stored = s.read_log_nodes(&positions).expect("nodes");
        let expected: Vec<_> = positions
            .iter()
            .map(|&(l, i)| memory.node(l, i).expect("memory node"))
            .collect();
        assert_eq!(stored, expected, "level {level}");
    }
    // Nodes of incomplete subtrees do not exist.
    assert_eq!(
        s.read_log_nodes(&[(0, next)]).unwrap_err().code(),
        "storage_corrupt"
    );
    assert_eq!(
        s.read_log_nodes(&[(8, 0)]).unwrap_err().code(),
        "storage_corrupt"
    );
    assert!(s.read_log_nodes(&[]).expect("nothing").is_empty());
    // Proofs from the store equal the leaf-based ones.
    let leaves = s.read_leaf_hashes(0..next).expect("leaves");
    for (old, new) in [(1u64, next), (17, 100), (64, 128), (next - 1, next)] {
        let rec = tree::NodeBatch::recorder();
        tree::consistency_proof_at(&rec, old, new).expect("sizes");
        let asked = rec.asked();
        let batch = tree::NodeBatch::with_nodes(&asked, &s.read_log_nodes(&asked).expect("nodes"))
            .expect("batch");
        assert_eq!(
            tree::consistency_proof_at(&batch, old, new).expect("proof"),
            merkle::consistency_proof(&leaves[..new as usize], old).expect("leaf proof")
        );
    }
}
