//! The fixed message layout of a credential type and the signature header.
//!
//! # Layout (credential version 2: blind issuance)
//!
//! A credential is a blind BBS signature (IETF
//! draft-irtf-cfrg-bbs-blind-signatures, the editor's copy the vectors in
//! `crypto/tests/vectors` follow): the issuer signs `L` messages it knows
//! and a commitment, made by the holder's wallet, to one message it does
//! not know. Every credential of a type signs the same messages in the same
//! order; as the blind draft numbers them in a proof:
//!
//! | index | message | known to the issuer |
//! |-------|---------|---------------------|
//! | 0 | revocation-handle slot ([`REVOCATION_HANDLE_INDEX`]) | yes |
//! | 1 … L−1 | the type's attributes in catalogue order: the GB/T 36903 metadata, then the type's own | yes |
//! | L | `secret_prover_blind` ([`prover_blind_index`]) | no |
//! | L+1 | **holder-binding slot**: the holder secret ([`holder_binding_index`]) | no |
//!
//! with `L = `[`signer_message_count`]. The generators are the blind
//! draft's ([`zkcred_crypto::bbs::MessageGenerators::Blind`] with `M = 1`).
//! The holder secret is the same in every credential of a holder's wallet;
//! it never leaves the wallet, is never disclosed (presentation requests can
//! only name attributes), and a presentation of several credentials proves
//! that they carry the same one. A credential file copied out of a wallet
//! without the holder secret and its `secret_prover_blind` cannot be
//! presented: every proof is a proof of knowledge of both.
//!
//! An absent optional attribute is signed as the encoding's absent value, so
//! the message count depends on the type only, and disclosed indexes reveal
//! nothing beyond the type and which attributes were requested.
//!
//! The revocation-handle slot is a placeholder for an accumulator handle:
//! today a random non-zero scalar chosen by the issuer.
//!
//! # Signature header
//!
//! ```text
//! header = canonical("ZKCRED-CREDENTIAL-HEADER-V2",
//!                    credential_type, issuer, key_id,
//!                    u32 encoding_version, layout_digest)
//! layout_digest = SHA-256(canonical("ZKCRED-LAYOUT-V2", credential_type,
//!                    u32 count, (name, type, u32 optional) for each attribute))
//! ```
//!
//! (see [`crate::canonical`]). The header binds the credential type, the
//! issuer, the key identifier and the encoding version, so none can be swapped
//! without invalidating the signature and every proof derived from it; the
//! layout digest additionally makes a verifier whose catalogue defines the
//! type differently fail rather than misread the messages.

use zkcred_crypto::bbs::{self, MessageGenerators, Suite};
use zkcred_crypto::Scalar;

use crate::canonical::Canonical;
use crate::catalogue::CredentialType;
use crate::encoding::{self, AttributeValue, MessageInput, ENCODING_VERSION};

/// Index of the revocation-handle slot.
pub const REVOCATION_HANDLE_INDEX: usize = 0;
/// Number of reserved signer messages before the attributes.
pub const RESERVED_SLOTS: usize = 1;
/// Number of messages the holder commits to (the holder secret).
pub const COMMITTED_MESSAGES: usize = 1;

/// `L`: the messages the issuer signs in the clear for type `t`.
pub fn signer_message_count(t: &CredentialType) -> usize {
    RESERVED_SLOTS + t.attributes.len()
}

/// Number of messages every credential of type `t` signs: `L` signer
/// messages, `secret_prover_blind` and the holder secret.
pub fn message_count(t: &CredentialType) -> usize {
    signer_message_count(t) + 1 + COMMITTED_MESSAGES
}

/// Message index of `secret_prover_blind` in type `t` (`L`).
pub fn prover_blind_index(t: &CredentialType) -> usize {
    signer_message_count(t)
}

/// Message index of the holder-binding slot in type `t` (`L + 1`).
pub fn holder_binding_index(t: &CredentialType) -> usize {
    signer_message_count(t) + 1
}

/// The generator list of type `t`'s credentials.
pub fn message_generators(t: &CredentialType) -> MessageGenerators {
    MessageGenerators::blind(signer_message_count(t), COMMITTED_MESSAGES)
}

/// Message index of attribute `name` in type `t`.
pub fn message_index(t: &CredentialType, name: &str) -> Option<usize> {
    t.attributes
        .iter()
        .position(|a| a.name == name)
        .map(|i| i + RESERVED_SLOTS)
}

/// Digest of the type's layout (names, types and optionality, in order).
pub fn layout_digest(t: &CredentialType) -> [u8; 32] {
    let mut c = Canonical::new("ZKCRED-LAYOUT-V2");
    c.str(&t.id).count(t.attributes.len());
    for a in &t.attributes {
        c.str(&a.name).str(a.ty.name()).u32(u32::from(a.optional));
    }
    c.digest()
}

/// The BBS signature header of a credential (see the module docs).
pub fn signature_header(t: &CredentialType, issuer: &str, key_id: &str) -> Vec<u8> {
    let mut c = Canonical::new("ZKCRED-CREDENTIAL-HEADER-V2");
    c.str(&t.id)
        .str(issuer)
        .str(key_id)
        .u32(ENCODING_VERSION)
        .bytes(&layout_digest(t));
    c.finish()
}

/// The scalar of an attribute value (or of the absent value), encoding version 1.
pub fn attribute_scalar(suite: Suite, value: Option<&AttributeValue>) -> Scalar {
    match encoding::message_input(value) {
        MessageInput::Numeric(v) => Scalar::from_i64(v),
        MessageInput::Octets(o) => bbs::map_message_to_scalar(suite, &o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn layout_indexes() {
        let c = Catalogue::builtin();
        let t = c.get("drivers_license").unwrap();
        assert_eq!(signer_message_count(t), t.attributes.len() + 1);
        assert_eq!(message_count(t), t.attributes.len() + 3);
        assert_eq!(message_index(t, "license_id"), Some(1));
        assert_eq!(
            message_index(t, "photo_digest"),
            Some(signer_message_count(t) - 1)
        );
        assert_eq!(prover_blind_index(t), signer_message_count(t));
        assert_eq!(holder_binding_index(t), message_count(t) - 1);
        assert_eq!(
            message_generators(t).message_count(),
            Some(message_count(t))
        );
        assert_eq!(message_index(t, "nope"), None);
    }

    #[test]
    fn headers_differ_per_field() {
        let c = Catalogue::builtin();
        let a = c.get("marriage_certificate").unwrap();
        let b = c.get("divorce_certificate").unwrap();
        let base = signature_header(a, "I", "K");
        assert_ne!(base, signature_header(b, "I", "K"));
        assert_ne!(base, signature_header(a, "J", "K"));
        assert_ne!(base, signature_header(a, "I", "L"));
        assert_ne!(layout_digest(a), layout_digest(b));
        let mut changed = a.clone();
        changed.attributes[0].optional = !changed.attributes[0].optional;
        assert_ne!(layout_digest(a), layout_digest(&changed));
    }

    #[test]
    fn scalars_of_edge_values() {
        let s = Suite::Bls12381Sha256;
        let int = |v| attribute_scalar(s, Some(&AttributeValue::Integer(v)));
        assert_eq!(int(i64::MAX), Scalar::from_i64(i64::MAX));
        assert_eq!(int(i64::MIN), -Scalar::from_u64(1u64 << 63));
        assert_eq!(int(-1) + Scalar::ONE, Scalar::ZERO);
        let absent = attribute_scalar(s, None);
        let s1 = attribute_scalar(s, Some(&AttributeValue::String("1".into())));
        let b1 = attribute_scalar(s, Some(&AttributeValue::Bytes(b"1".to_vec())));
        let e = attribute_scalar(s, Some(&AttributeValue::String(String::new())));
        let all = [absent, s1, b1, int(1), e, int(0)];
        for i in 0..all.len() {
            for j in 0..all.len() {
                assert_eq!(i == j, all[i] == all[j], "{i} {j}");
            }
        }
        // The suites map octets differently.
        assert_ne!(absent, attribute_scalar(Suite::Bls12381Shake256, None));
    }
}
