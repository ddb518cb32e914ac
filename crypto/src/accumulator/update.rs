//! An epoch's changes: the issuer applies them to the value and publishes
//! them, with the value after each, for holders to update their witnesses.

use zeroize::Zeroize;

use super::keys::SecretKey;
use super::value::{Accumulator, Element};
use super::witness::Witness;
use crate::curve::{
    comb_lincomb_ct, CombTable, G1Affine, G1Projective, Scalar, G1_LEN, SCALAR_LEN,
};
use crate::Error;

/// Most changes in one [`Update`] (one epoch): about 81 MB of octets.
pub const MAX_CHANGES: usize = 1_000_000;

/// Octets of one step of an [`Update`]: tag, element, value.
const STEP_LEN: usize = 1 + SCALAR_LEN + G1_LEN;

const TAG_ADD: u8 = 1;
const TAG_REMOVE: u8 = 2;

/// One change to the accumulated set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Add an element (a suspended licence reinstated): `V' = V * (y + alpha)`.
    Add(Element),
    /// Remove an element (suspended, revoked, cancelled, expired):
    /// `V' = V / (y + alpha)`.
    Remove(Element),
}

impl Change {
    /// The element changed.
    pub fn element(&self) -> &Element {
        match self {
            Change::Add(e) | Change::Remove(e) => e,
        }
    }
}

/// The changes of one epoch, in order, each with the accumulator value
/// after it (`V_1, …, V_k`; `V_0` is the previous epoch's value).
///
/// Octets: `I2OSP(k, 4)`, then per change `tag (1: 0x01 add, 0x02
/// remove) || element (32, big-endian) || V_j (48, compressed G1)`: 81
/// octets a change. The published data grows with the changes of the
/// epoch, never with the number of credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    pub(crate) steps: Vec<(Change, Accumulator)>,
}

impl Update {
    /// The changes, in order.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.steps.iter().map(|(c, _)| c)
    }

    /// The number of changes.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The value after the update, starting from `previous`.
    pub fn value(&self, previous: &Accumulator) -> Accumulator {
        self.steps.last().map(|(_, v)| *v).unwrap_or(*previous)
    }

    /// The update's octets (see the type's docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + STEP_LEN * self.steps.len());
        out.extend_from_slice(&(self.steps.len() as u32).to_be_bytes());
        for (c, v) in &self.steps {
            out.push(match c {
                Change::Add(_) => TAG_ADD,
                Change::Remove(_) => TAG_REMOVE,
            });
            out.extend_from_slice(&c.element().to_bytes());
            out.extend_from_slice(&v.to_bytes());
        }
        out
    }

    /// Decodes an update: every element canonical, every value a valid
    /// non-identity G1 point; no trailing octets.
    ///
    /// # Errors
    /// [`Error::MalformedUpdate`] for a truncated or overlong input, a count
    /// above [`MAX_CHANGES`] or an unknown tag; the scalar and point
    /// decoders' errors otherwise.
    pub fn from_bytes(bytes: &[u8]) -> Result<Update, Error> {
        let (head, rest) = bytes
            .split_first_chunk::<4>()
            .ok_or(Error::MalformedUpdate("truncated"))?;
        let k = u32::from_be_bytes(*head) as usize;
        if k > MAX_CHANGES {
            return Err(Error::MalformedUpdate("too many changes"));
        }
        if rest.len() != k * STEP_LEN {
            return Err(Error::MalformedUpdate("length does not match the count"));
        }
        let mut steps = Vec::with_capacity(k);
        for step in rest.chunks_exact(STEP_LEN) {
            let e = Element::from_bytes(&step[1..1 + SCALAR_LEN])?;
            let v = Accumulator::from_bytes(&step[1 + SCALAR_LEN..])?;
            let c = match step[0] {
                TAG_ADD => Change::Add(e),
                TAG_REMOVE => Change::Remove(e),
                _ => return Err(Error::MalformedUpdate("unknown change tag")),
            };
            steps.push((c, v));
        }
        Ok(Update { steps })
    }
}

/// Inverts every scalar with one inversion (Montgomery's trick). Every
/// input must be non-zero.
pub(crate) fn batch_invert(values: &mut [Scalar]) {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = Scalar::ONE;
    for v in values.iter() {
        prefix.push(acc);
        acc *= *v;
    }
    let mut inv = acc.invert();
    for (v, p) in values.iter_mut().zip(prefix.iter()).rev() {
        let next = inv * *v;
        *v = inv * *p;
        inv = next;
    }
    acc.zeroize();
    inv.zeroize();
    prefix.iter_mut().for_each(Zeroize::zeroize);
}

impl SecretKey {
    /// The membership witness `C = V / (y + alpha)` of `element` for the
    /// value `value`, in constant time. A new credential's handle is not
    /// added to the value: the issuer hands its holder this witness for the
    /// current epoch, and the handle counts as accumulated until removed
    /// (see the module docs).
    ///
    /// # Errors
    /// [`Error::InvalidElement`] when `y = -alpha`.
    pub fn witness(&self, value: &Accumulator, element: &Element) -> Result<Witness, Error> {
        let mut inv = self.inverse_shift(&element.0)?;
        let c = value.0.to_projective().mul_ct(&inv).to_affine();
        inv.zeroize();
        Ok(Witness(c))
    }

    /// Applies `changes` in order to `value`: returns the new value and the
    /// [`Update`] holders need. Each value is `V_0` times a product of
    /// `(y + alpha)^{±1}`, so all of them come from one comb table of `V_0`
    /// in constant time, with one field inversion for all removals.
    ///
    /// The set itself is the caller's to track (the issuer's status
    /// registry): this function does not know which elements are
    /// accumulated, and removing an element that is not makes a value no
    /// witness of it can meet, changing nothing for the others.
    ///
    /// # Errors
    /// [`Error::InvalidElement`] when an element is `-alpha`;
    /// [`Error::MalformedUpdate`] for more than [`MAX_CHANGES`] changes.
    pub fn update(
        &self,
        value: &Accumulator,
        changes: &[Change],
    ) -> Result<(Accumulator, Update), Error> {
        if changes.len() > MAX_CHANGES {
            return Err(Error::MalformedUpdate("too many changes"));
        }
        // y + alpha for every change; removals inverted together.
        let mut factors: Vec<Scalar> = changes.iter().map(|c| c.element().0 + self.0).collect();
        if factors.iter().any(Scalar::is_zero) {
            factors.iter_mut().for_each(Zeroize::zeroize);
            return Err(Error::InvalidElement);
        }
        let removals: Vec<usize> = (0..changes.len())
            .filter(|&i| matches!(changes[i], Change::Remove(_)))
            .collect();
        let mut to_invert: Vec<Scalar> = removals.iter().map(|&i| factors[i]).collect();
        batch_invert(&mut to_invert);
        for (k, &i) in removals.iter().enumerate() {
            factors[i] = to_invert[k];
        }
        to_invert.iter_mut().for_each(Zeroize::zeroize);
        // s_j = prod_{i <= j} factor_i; V_j = V_0 * s_j.
        let mut s = Scalar::ONE;
        let mut scalars = Vec::with_capacity(changes.len());
        for f in &factors {
            s *= *f;
            scalars.push(s);
        }
        s.zeroize();
        factors.iter_mut().for_each(Zeroize::zeroize);
        let points: Vec<G1Projective> = if scalars.len() < 4 {
            let v0 = value.0.to_projective();
            scalars.iter().map(|s| v0.mul_ct(s)).collect()
        } else {
            let table = CombTable::new(&value.0);
            scalars
                .iter()
                .map(|s| comb_lincomb_ct(&[(&table, *s)]))
                .collect()
        };
        scalars.iter_mut().for_each(Zeroize::zeroize);
        let values = G1Projective::batch_to_affine(&points);
        if values.iter().any(G1Affine::is_identity) {
            // Unreachable for a non-identity V_0 and non-zero factors.
            return Err(Error::InvalidElement);
        }
        let steps: Vec<(Change, Accumulator)> = changes
            .iter()
            .cloned()
            .zip(values.into_iter().map(Accumulator))
            .collect();
        let update = Update { steps };
        Ok((update.value(value), update))
    }
}
