//! The composite proof object and its octet encoding: a cursor over tagged
//! sections that refuses unknown tags, repeated or out-of-order sections and
//! trailing octets.

use super::membership::MembershipProof;
use crate::bbs::Proof;
use crate::curve::{G1Affine, Scalar, G1_LEN, SCALAR_LEN};
use crate::range::RangeProof;
use crate::Error;

/// The encoding's version octet.
const VERSION: u8 = 1;
/// Section tags, in the order they must appear.
const TAG_BBS: u8 = 1;
const TAG_COMMITMENTS: u8 = 2;
const TAG_RANGE: u8 = 3;
const TAG_PSEUDONYMS: u8 = 4;
const TAG_MEMBERSHIPS: u8 = 5;
/// Most credentials in one composite proof.
pub const MAX_CREDENTIALS: usize = 16;

/// A composite proof (see [`super`]).
///
/// Octets: `0x01` (version), then sections in ascending tag order, each
/// `tag (1 octet)` and its body:
/// * `0x01` BBS proofs (required): `count (1 octet, 1..=16)`, then per
///   credential `I2OSP(len, 2) || proof` (the draft's `proof_to_octets`;
///   every proof carries the one composite challenge);
/// * `0x02` commitments (optional): `count (1 octet)`, then per commitment
///   `C (48) || s^ (32)`;
/// * `0x03` range proof (optional): `I2OSP(len, 2) || proof` ([`RangeProof`]);
/// * `0x04` pseudonyms (optional): `count (1 octet, 1..=64)`, then per
///   pseudonym claim, in claim order, `P (48)`;
/// * `0x05` accumulator memberships (optional): `count (1 octet, 1..=64)`,
///   then per membership claim, in claim order, `Cbar (48) || Dbar (48) ||
///   r^ (32)` ([`super::membership`]).
///
/// Later statements add sections with new tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompositeProof {
    pub(crate) bbs: Vec<Proof>,
    pub(crate) commitments: Vec<(G1Affine, Scalar)>,
    pub(crate) range: Option<RangeProof>,
    pub(crate) pseudonyms: Vec<G1Affine>,
    pub(crate) memberships: Vec<MembershipProof>,
}

impl CompositeProof {
    /// The credentials' BBS proofs, in presentation order.
    pub fn bbs_proofs(&self) -> &[Proof] {
        &self.bbs
    }

    /// The commitments `C` to the messages ranges are claimed on.
    pub fn commitments(&self) -> Vec<G1Affine> {
        self.commitments.iter().map(|(c, _)| *c).collect()
    }

    /// The pseudonyms `P`, one per [`super::Relations::pseudonyms`] claim,
    /// in claim order.
    pub fn pseudonyms(&self) -> &[G1Affine] {
        &self.pseudonyms
    }

    /// The number of accumulator memberships the proof answers.
    pub fn membership_count(&self) -> usize {
        self.memberships.len()
    }

    /// The range proof, if any.
    pub fn range_proof(&self) -> Option<&RangeProof> {
        self.range.as_ref()
    }

    /// The proof's octets (see the type's docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![VERSION, TAG_BBS, self.bbs.len() as u8];
        for p in &self.bbs {
            let b = p.to_bytes();
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(&b);
        }
        if !self.commitments.is_empty() {
            out.push(TAG_COMMITMENTS);
            out.push(self.commitments.len() as u8);
            for (c, s) in &self.commitments {
                out.extend_from_slice(&c.to_compressed());
                out.extend_from_slice(&s.to_be_bytes());
            }
        }
        if let Some(r) = &self.range {
            out.push(TAG_RANGE);
            let b = r.to_bytes();
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(&b);
        }
        if !self.pseudonyms.is_empty() {
            out.push(TAG_PSEUDONYMS);
            out.push(self.pseudonyms.len() as u8);
            for p in &self.pseudonyms {
                out.extend_from_slice(&p.to_compressed());
            }
        }
        if !self.memberships.is_empty() {
            out.push(TAG_MEMBERSHIPS);
            out.push(self.memberships.len() as u8);
            for m in &self.memberships {
                out.extend_from_slice(&m.cbar.to_compressed());
                out.extend_from_slice(&m.dbar.to_compressed());
                out.extend_from_slice(&m.r_hat.to_be_bytes());
            }
        }
        out
    }

    /// Decodes a composite proof; every point and scalar is checked as its
    /// own decoder does ([`Proof::from_bytes`], [`RangeProof::from_bytes`];
    /// commitments valid, in the subgroup, not the identity; `s^`
    /// canonical).
    ///
    /// # Errors
    /// [`Error::MalformedCompositeProof`] for a wrong version, an unknown,
    /// repeated or out-of-order section, a count out of bounds, a truncated
    /// body or trailing octets; the inner decoders' errors otherwise.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompositeProof, Error> {
        let mut cur = Cursor { rest: bytes };
        if cur.u8()? != VERSION {
            return Err(Error::MalformedCompositeProof("unknown version"));
        }
        if cur.u8()? != TAG_BBS {
            return Err(Error::MalformedCompositeProof("BBS proofs must come first"));
        }
        let n = cur.u8()? as usize;
        if n == 0 || n > MAX_CREDENTIALS {
            return Err(Error::MalformedCompositeProof("credential count"));
        }
        let mut bbs = Vec::with_capacity(n);
        for _ in 0..n {
            let len = cur.u16()? as usize;
            bbs.push(Proof::from_bytes(cur.take(len)?)?);
        }
        let mut proof = CompositeProof {
            bbs,
            commitments: Vec::new(),
            range: None,
            pseudonyms: Vec::new(),
            memberships: Vec::new(),
        };
        let mut last = TAG_BBS;
        while !cur.rest.is_empty() {
            let tag = cur.u8()?;
            if tag <= last {
                return Err(Error::MalformedCompositeProof(
                    "section repeated or out of order",
                ));
            }
            last = tag;
            match tag {
                TAG_COMMITMENTS => {
                    let k = cur.u8()? as usize;
                    if k == 0 {
                        return Err(Error::MalformedCompositeProof("empty commitments"));
                    }
                    for _ in 0..k {
                        let c = G1Affine::from_compressed(cur.take(G1_LEN)?)?;
                        let s = cur.take(SCALAR_LEN)?;
                        let s: &[u8; SCALAR_LEN] = s
                            .try_into()
                            .map_err(|_| Error::MalformedCompositeProof("truncated"))?;
                        proof.commitments.push((c, Scalar::from_be_bytes(s)?));
                    }
                }
                TAG_RANGE => {
                    let len = cur.u16()? as usize;
                    proof.range = Some(RangeProof::from_bytes(cur.take(len)?)?);
                }
                TAG_PSEUDONYMS => {
                    let k = cur.u8()? as usize;
                    if k == 0 || k > super::MAX_RELATIONS {
                        return Err(Error::MalformedCompositeProof("pseudonym count"));
                    }
                    for _ in 0..k {
                        proof
                            .pseudonyms
                            .push(G1Affine::from_compressed(cur.take(G1_LEN)?)?);
                    }
                }
                TAG_MEMBERSHIPS => {
                    let k = cur.u8()? as usize;
                    if k == 0 || k > super::MAX_RELATIONS {
                        return Err(Error::MalformedCompositeProof("membership count"));
                    }
                    for _ in 0..k {
                        let cbar = G1Affine::from_compressed(cur.take(G1_LEN)?)?;
                        let dbar = G1Affine::from_compressed(cur.take(G1_LEN)?)?;
                        let s: &[u8; SCALAR_LEN] = cur
                            .take(SCALAR_LEN)?
                            .try_into()
                            .map_err(|_| Error::MalformedCompositeProof("truncated"))?;
                        proof.memberships.push(MembershipProof {
                            cbar,
                            dbar,
                            r_hat: Scalar::from_be_bytes(s)?,
                        });
                    }
                }
                _ => return Err(Error::MalformedCompositeProof("unknown section")),
            }
        }
        Ok(proof)
    }
}

struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.rest.len() < n {
            return Err(Error::MalformedCompositeProof("truncated"));
        }
        let (a, b) = self.rest.split_at(n);
        self.rest = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Error> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
}
