//! Pedersen commitments to single messages (see the module docs of
//! [`super`] for how they follow the blind-signatures draft).

use std::sync::OnceLock;

use crate::bbs::Suite;
use crate::range::PedersenGenerators;

/// `(Y_0, Y_1) = create_generators(2, ciphersuite_id || "COMMIT_H2G_HM2S_")`
/// as `h = Y_0` (blinding) and `g = Y_1` (message): `C = Y_0 * s + Y_1 * m`.
pub fn commitment_generators(suite: Suite) -> PedersenGenerators {
    static SHA: OnceLock<PedersenGenerators> = OnceLock::new();
    static SHAKE: OnceLock<PedersenGenerators> = OnceLock::new();
    let cell = match suite {
        Suite::Bls12381Sha256 => &SHA,
        Suite::Bls12381Shake256 => &SHAKE,
    };
    *cell.get_or_init(|| {
        let api_id = [suite.ciphersuite_id(), b"COMMIT_H2G_HM2S_".as_slice()].concat();
        let y = crate::bbs::create_generators_with_api_id(suite, &api_id, 2);
        PedersenGenerators { g: y[1], h: y[0] }
    })
}
