//! Canonical, length-prefixed byte encodings (for signature headers,
//! presentation headers, digests and key identifiers).
//!
//! An encoding starts with a domain tag and appends fields:
//!
//! * byte strings and text: `I2OSP(len, 4) ‖ octets` (text as UTF-8);
//! * integers: fixed width big-endian (`u32`: 4 octets, `i64`/`u64`: 8 octets,
//!   two's complement for `i64`);
//! * lists: `I2OSP(count, 4)` followed by the items.
//!
//! The domain tag itself is encoded as a byte string, so encodings with
//! different tags never collide and every encoding is uniquely decodable.

use sha2::{Digest, Sha256};

/// Builder of a canonical encoding.
#[derive(Debug, Clone)]
pub struct Canonical(Vec<u8>);

impl Canonical {
    /// Starts an encoding with a domain tag.
    pub fn new(tag: &str) -> Self {
        let mut c = Canonical(Vec::new());
        c.bytes(tag.as_bytes());
        c
    }

    /// Appends a length-prefixed byte string.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        // Every field encoded here is far below 4 GiB (values are capped at 64 KiB).
        let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(b);
        self
    }

    /// Appends length-prefixed UTF-8 text.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Appends a 4-octet big-endian integer (also used for list counts).
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a list count.
    pub fn count(&mut self, n: usize) -> &mut Self {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Appends an 8-octet big-endian signed integer.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends an 8-octet big-endian unsigned integer.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// The encoded octets.
    pub fn finish(&self) -> Vec<u8> {
        self.0.clone()
    }

    /// SHA-256 of the encoded octets.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(&self.0).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_length_prefixed() {
        let mut c = Canonical::new("T");
        c.str("ab").u32(7).i64(-1);
        assert_eq!(
            c.finish(),
            [
                &[0, 0, 0, 1, b'T'][..],
                &[0, 0, 0, 2, b'a', b'b'],
                &[0, 0, 0, 7],
                &[0xff; 8]
            ]
            .concat()
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let mut a = Canonical::new("T");
        a.str("ab").str("c");
        let mut b = Canonical::new("T");
        b.str("a").str("bc");
        assert_ne!(a.digest(), b.digest());
    }
}
