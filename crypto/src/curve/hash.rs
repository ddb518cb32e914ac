//! Hashing to fields and to G1 (RFC 9380), with both expanders BBS uses:
//! `expand_message_xmd` with SHA-256 and `expand_message_xof` with SHAKE-256.

use blst::{blst_fp, blst_fp_from_be_bytes, blst_map_to_g1, blst_p1};
use sha2::{Digest, Sha256};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;

use super::{G1Projective, Scalar};

/// Which `expand_message` variant a ciphersuite uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expander {
    /// `expand_message_xmd` with SHA-256 (b = 256, s = 512 bits).
    XmdSha256,
    /// `expand_message_xof` with SHAKE-256 (k = 256).
    XofShake256,
}

/// Longest output `expand_message` may produce (RFC 9380: 65535 bytes, and
/// at most 255 blocks for xmd).
pub const MAX_EXPAND_LEN: usize = 255 * 32;

impl Expander {
    /// `expand_message(msg, dst, len)` (RFC 9380 §5.3.1
    /// `expand_message_xmd`, §5.3.2 `expand_message_xof`).
    ///
    /// # Panics
    /// If `len` is zero or above [`MAX_EXPAND_LEN`], which callers in this
    /// crate never request.
    pub fn expand(self, msgs: &[&[u8]], dst: &[u8], len: usize) -> Vec<u8> {
        assert!(len > 0 && len <= MAX_EXPAND_LEN, "expand_message length");
        match self {
            Expander::XmdSha256 => expand_xmd(msgs, dst, len),
            Expander::XofShake256 => expand_xof(msgs, dst, len),
        }
    }
}

/// The DST as RFC 9380 §5.3.3 wants it: oversized DSTs are hashed first.
fn dst_prime(exp: Expander, dst: &[u8]) -> Vec<u8> {
    let mut d = if dst.len() > 255 {
        const PREFIX: &[u8] = b"H2C-OVERSIZE-DST-";
        match exp {
            Expander::XmdSha256 => Sha256::new()
                .chain_update(PREFIX)
                .chain_update(dst)
                .finalize()
                .to_vec(),
            Expander::XofShake256 => {
                let mut h = Shake256::default();
                h.update(PREFIX);
                h.update(dst);
                let mut out = vec![0u8; 64];
                h.finalize_xof().read(&mut out);
                out
            }
        }
    } else {
        dst.to_vec()
    };
    d.push(d.len() as u8);
    d
}

fn expand_xmd(msgs: &[&[u8]], dst: &[u8], len: usize) -> Vec<u8> {
    let dst_prime = dst_prime(Expander::XmdSha256, dst);
    let ell = len.div_ceil(32);
    let mut h = Sha256::new();
    Digest::update(&mut h, [0u8; 64]); // Z_pad
    for m in msgs {
        Digest::update(&mut h, m);
    }
    Digest::update(&mut h, (len as u16).to_be_bytes());
    Digest::update(&mut h, [0u8]);
    Digest::update(&mut h, &dst_prime);
    let b0 = h.finalize();
    let mut bi = Sha256::new()
        .chain_update(b0)
        .chain_update([1u8])
        .chain_update(&dst_prime)
        .finalize();
    let mut out = Vec::with_capacity(ell * 32);
    out.extend_from_slice(&bi);
    for i in 2..=ell {
        let mut x = [0u8; 32];
        for (j, b) in x.iter_mut().enumerate() {
            *b = b0[j] ^ bi[j];
        }
        bi = Sha256::new()
            .chain_update(x)
            .chain_update([i as u8])
            .chain_update(&dst_prime)
            .finalize();
        out.extend_from_slice(&bi);
    }
    out.truncate(len);
    out
}

fn expand_xof(msgs: &[&[u8]], dst: &[u8], len: usize) -> Vec<u8> {
    let dst_prime = dst_prime(Expander::XofShake256, dst);
    let mut h = Shake256::default();
    for m in msgs {
        h.update(m);
    }
    h.update(&(len as u16).to_be_bytes());
    h.update(&dst_prime);
    let mut out = vec![0u8; len];
    h.finalize_xof().read(&mut out);
    out
}

/// `hash_to_scalar(msg, dst)` of the BBS draft: 48 expanded bytes mod r.
pub fn hash_to_scalar(exp: Expander, msgs: &[&[u8]], dst: &[u8]) -> Scalar {
    let bytes = exp.expand(msgs, dst, 48);
    Scalar::from_be_bytes_reduced(&bytes)
}

/// `hash_to_curve` for G1 (RFC 9380 random-oracle encoding, SSWU map):
/// two field elements of 64 expanded bytes each, mapped, added, cofactor
/// cleared. The map and cofactor clearing are blst's.
pub fn hash_to_g1(exp: Expander, msg: &[u8], dst: &[u8]) -> G1Projective {
    let bytes = exp.expand(&[msg], dst, 128);
    let mut u = [blst_fp::default(), blst_fp::default()];
    for (i, ui) in u.iter_mut().enumerate() {
        // SAFETY: reads 64 bytes and reduces them mod p.
        unsafe { blst_fp_from_be_bytes(ui, bytes[64 * i..].as_ptr(), 64) };
    }
    let mut out = blst_p1::default();
    // SAFETY: two valid field elements in, a G1 point out.
    unsafe { blst_map_to_g1(&mut out, &u[0], &u[1]) };
    G1Projective(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    // RFC 9380 Appendix K.1 (expand_message_xmd, SHA-256).
    #[test]
    fn xmd_rfc9380_vector() {
        let dst = b"QUUX-V01-CS02-with-expander-SHA256-128";
        let out = Expander::XmdSha256.expand(&[b""], dst, 0x20);
        assert_eq!(
            hex(&out),
            "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235"
        );
        let out = Expander::XmdSha256.expand(&[b"abc"], dst, 0x20);
        assert_eq!(
            hex(&out),
            "d8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615"
        );
    }

    // RFC 9380 Appendix K.6 (expand_message_xof, SHAKE256).
    #[test]
    fn xof_rfc9380_vector() {
        let dst = b"QUUX-V01-CS02-with-expander-SHAKE256";
        let out = Expander::XofShake256.expand(&[b""], dst, 0x20);
        assert_eq!(
            hex(&out),
            "2ffc05c48ed32b95d72e807f6eab9f7530dd1c2f013914c8fed38c5ccc15ad76"
        );
    }

    #[test]
    fn split_messages_equal_concatenation() {
        for exp in [Expander::XmdSha256, Expander::XofShake256] {
            assert_eq!(
                exp.expand(&[b"ab", b"", b"cd"], b"DST", 100),
                exp.expand(&[b"abcd"], b"DST", 100)
            );
        }
    }
}
