//! The two ciphersuites of the draft and their constants.

use std::sync::OnceLock;

use crate::curve::hash::{self, Expander};
use crate::curve::{G1Affine, G1Projective, G2Affine, G2Prepared, Scalar, VartimeFixedBaseTable};

/// A BBS ciphersuite over BLS12-381 (draft §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Suite {
    /// `BLS12-381-SHA-256`: `expand_message_xmd` with SHA-256.
    Bls12381Sha256,
    /// `BLS12-381-SHAKE-256`: `expand_message_xof` with SHAKE-256.
    Bls12381Shake256,
}

/// Output length of `expand_message` in `hash_to_scalar` (the draft's
/// `expand_len`: ceil((ceil(log2(r)) + k) / 8) = 48).
pub const EXPAND_LEN: usize = 48;

impl Suite {
    /// Both suites, for iteration.
    pub const ALL: [Suite; 2] = [Suite::Bls12381Sha256, Suite::Bls12381Shake256];

    /// The suite's name as the draft writes it.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Bls12381Sha256 => "BLS12-381-SHA-256",
            Suite::Bls12381Shake256 => "BLS12-381-SHAKE-256",
        }
    }

    /// Parses a suite name: the draft's (`BLS12-381-SHA-256`), lower case
    /// (the fixture folders' `bls12-381-sha-256`) or short (`sha256`).
    pub fn from_name(s: &str) -> Option<Suite> {
        match s.to_ascii_lowercase().as_str() {
            "bls12-381-sha-256" | "sha256" | "sha-256" => Some(Suite::Bls12381Sha256),
            "bls12-381-shake-256" | "shake256" | "shake-256" => Some(Suite::Bls12381Shake256),
            _ => None,
        }
    }

    /// `ciphersuite_id`.
    pub fn ciphersuite_id(self) -> &'static [u8] {
        match self {
            Suite::Bls12381Sha256 => b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_",
            Suite::Bls12381Shake256 => b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_",
        }
    }

    /// `api_id` of the draft's signature interface: `ciphersuite_id ||
    /// "H2G_HM2S_"` (hash-to-generators, hash-messages-to-scalars).
    pub fn api_id(self) -> &'static [u8] {
        match self {
            Suite::Bls12381Sha256 => b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_",
            Suite::Bls12381Shake256 => b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_H2G_HM2S_",
        }
    }

    /// `api_id` of the blind-signatures draft's interface:
    /// `ciphersuite_id || "BLIND_H2G_HM2S_"` (draft-irtf-cfrg-bbs-blind-signatures,
    /// ciphersuites section). Its generators, domain, challenges and message
    /// mapping are all scoped to it; see [`super::MessageGenerators`].
    pub fn blind_api_id(self) -> &'static [u8] {
        match self {
            Suite::Bls12381Sha256 => b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_BLIND_H2G_HM2S_",
            Suite::Bls12381Shake256 => b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_BLIND_H2G_HM2S_",
        }
    }

    /// `api_id` of the pseudonym draft's interface: `ciphersuite_id ||
    /// "H2G_HM2S_PSEUDONYM_"` (draft-irtf-cfrg-bbs-per-verifier-linkability,
    /// editor's copy the vectors follow). Its generators (and `"BLIND_" ||
    /// api_id` for the committed part), domain, challenges, message mapping
    /// and context points are scoped to it; see [`crate::nym`].
    pub fn nym_api_id(self) -> &'static [u8] {
        match self {
            Suite::Bls12381Sha256 => b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_PSEUDONYM_",
            Suite::Bls12381Shake256 => b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_H2G_HM2S_PSEUDONYM_",
        }
    }

    /// The `expand_message` variant.
    pub fn expander(self) -> Expander {
        match self {
            Suite::Bls12381Sha256 => Expander::XmdSha256,
            Suite::Bls12381Shake256 => Expander::XofShake256,
        }
    }

    /// `api_id || suffix`, for the draft's domain separation tags.
    pub fn dst(self, suffix: &[u8]) -> Vec<u8> {
        [self.api_id(), suffix].concat()
    }

    /// `hash_to_scalar(msg, dst)`.
    pub fn hash_to_scalar(self, msg: &[u8], dst: &[u8]) -> Scalar {
        hash::hash_to_scalar(self.expander(), &[msg], dst)
    }

    /// `hash_to_scalar` over the concatenation of `parts`, without copying.
    pub(crate) fn hash_parts_to_scalar(self, parts: &[&[u8]], dst: &[u8]) -> Scalar {
        hash::hash_to_scalar(self.expander(), parts, dst)
    }

    /// Per-suite constants, computed once.
    pub(crate) fn consts(self) -> &'static SuiteConsts {
        static SHA: OnceLock<SuiteConsts> = OnceLock::new();
        static SHAKE: OnceLock<SuiteConsts> = OnceLock::new();
        let cell = match self {
            Suite::Bls12381Sha256 => &SHA,
            Suite::Bls12381Shake256 => &SHAKE,
        };
        cell.get_or_init(|| SuiteConsts::new(self))
    }

    /// The base point `P1`, derived as the draft defines it (the first
    /// generator of `create_generators` with seed `"BP_MESSAGE_GENERATOR_SEED"`
    /// under `ciphersuite_id || "H2G_HM2S_"`).
    pub fn p1(self) -> G1Affine {
        self.consts().p1
    }
}

/// Everything about a suite that never changes.
pub(crate) struct SuiteConsts {
    pub p1: G1Affine,
    /// Fixed-base table of `P1`.
    pub p1_table: VartimeFixedBaseTable,
    /// The DST of `hash_to_scalar` for domain, challenge and signature `e`.
    pub h2s_dst: Vec<u8>,
    /// The DST of map-message-to-scalar-as-hash.
    pub map_dst: Vec<u8>,
    /// `h2s_dst` under the blind-signatures `api_id`.
    pub blind_h2s_dst: Vec<u8>,
    /// `map_dst` under the blind-signatures `api_id`.
    pub blind_map_dst: Vec<u8>,
    /// `h2s_dst` under the pseudonym `api_id`.
    pub nym_h2s_dst: Vec<u8>,
    /// `map_dst` under the pseudonym `api_id`.
    pub nym_map_dst: Vec<u8>,
    /// Miller-loop lines of `-BP2` (verification's second pairing).
    pub neg_bp2: G2Prepared,
    /// Miller-loop lines of `BP2` (signature verification).
    pub bp2: G2Prepared,
}

impl SuiteConsts {
    fn new(suite: Suite) -> Self {
        let p1 = derive_p1(suite);
        let bp2 = G2Affine::generator();
        SuiteConsts {
            p1_table: VartimeFixedBaseTable::new(&p1),
            p1,
            h2s_dst: suite.dst(b"H2S_"),
            map_dst: suite.dst(b"MAP_MSG_TO_SCALAR_AS_HASH_"),
            blind_h2s_dst: [suite.blind_api_id(), b"H2S_"].concat(),
            blind_map_dst: [suite.blind_api_id(), b"MAP_MSG_TO_SCALAR_AS_HASH_"].concat(),
            nym_h2s_dst: [suite.nym_api_id(), b"H2S_"].concat(),
            nym_map_dst: [suite.nym_api_id(), b"MAP_MSG_TO_SCALAR_AS_HASH_"].concat(),
            neg_bp2: G2Prepared::new(&bp2.neg()),
            bp2: G2Prepared::new(&bp2),
        }
    }
}

fn derive_p1(suite: Suite) -> G1Affine {
    let seed = suite.dst(b"BP_MESSAGE_GENERATOR_SEED");
    super::generators::derive_points(suite, &seed, 1)
        .into_iter()
        .next()
        .map(|p: G1Projective| p.to_affine())
        .unwrap_or_default()
}
