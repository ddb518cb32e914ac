//! Shared test helpers: where the IETF fixtures are.

use std::path::PathBuf;

/// The IETF test vectors: `$ZKCRED_FIXTURES` when set (to run newer
/// vectors), else the copy in the repository, `crypto/tests/vectors` (see its
/// README for provenance). Panics when the folder named is missing: the
/// vector tests never skip silently.
pub fn fixtures_dir() -> PathBuf {
    let dir = match std::env::var_os("ZKCRED_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crypto/tests/vectors"),
    };
    assert!(
        dir.is_dir(),
        "IETF fixtures folder {} is missing (ZKCRED_FIXTURES, else crypto/tests/vectors)",
        dir.display()
    );
    dir
}
