//! Shared test helpers: where the IETF fixtures are.

use std::path::PathBuf;

/// The shared fixtures folder: `$ZKCRED_FIXTURES`, else `../shared/fixtures`
/// beside the repository. Panics with both names when neither exists: the
/// vector tests never skip silently.
pub fn fixtures_dir() -> PathBuf {
    let env = std::env::var_os("ZKCRED_FIXTURES").map(PathBuf::from);
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if let Some(p) = &env {
        assert!(
            p.is_dir(),
            "ZKCRED_FIXTURES={} is not a folder",
            p.display()
        );
        return p.clone();
    }
    assert!(
        beside.is_dir(),
        "IETF fixtures not found: set ZKCRED_FIXTURES or provide {}",
        beside.display()
    );
    beside
}
