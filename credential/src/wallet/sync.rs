//! Keeping the wallet's status witnesses current: [`Wallet::sync`] and the
//! status the wallet holds per credential ([`HeldStatus`]).
//!
//! # What a sync does
//!
//! For every entry whose credential has a status member
//! ([`crate::status::StatusWitness`]), from the epoch the wallet holds it
//! at to the latest epoch given for its issuer and type:
//!
//! 1. each epoch's signature is checked with the trusted issuer keys
//!    ([`StatusEpoch::verify_with`]);
//! 2. each update is checked against the epochs it joins
//!    ([`StatusUpdate::check_epochs`]: chain digests, update digest,
//!    resulting value); a missing update or epoch is a gap;
//! 3. while the licence is valid, its witness is updated
//!    (`Witness::update_vartime`); an update that removes its handle marks
//!    it with the update's status code (suspended, revoked, …) and keeps
//!    the last witness; a later update that adds the handle back
//!    (reinstatement) gives a fresh witness from the update alone; a
//!    change between statuses that are not valid is recorded;
//! 4. at the end a valid licence's witness must verify against the latest
//!    signed epoch's value (`Witness::verify`), and the entry keeps that
//!    epoch's document ([`WalletEntry::membership`]). An entry already at
//!    the latest epoch given is checked the same way and gets the
//!    document if it had none (a credential fresh from its issuer).
//!
//! Everything is computed before anything is written: an error leaves
//! every entry as it was. Epochs of issuers and types the wallet holds no
//! credential of are ignored (not even their signatures are checked).

use std::collections::BTreeMap;

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zkcred_crypto::accumulator::Element;

use crate::error::Error;
use crate::keys::KeyResolver;
use crate::status::{LicenseStatus, StatusEpoch, StatusUpdate, StatusWitness};

use super::{Wallet, WalletEntry};

/// A credential's status as the wallet last synced it: the `status`
/// member of a wallet entry (absent before the first sync that moves the
/// entry past its issuance epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldStatus {
    /// The licence's status.
    pub status: LicenseStatus,
    /// The latest epoch the wallet synced the credential to.
    pub epoch: u64,
    /// The epoch from which the status holds (the issuance epoch for a
    /// licence that never changed).
    pub since_epoch: u64,
}

/// What [`Wallet::sync`] did to one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncOutcome {
    /// The entry identifier.
    pub id: String,
    /// The credential type.
    pub credential_type: String,
    /// The issuer.
    pub issuer: String,
    /// The epoch the entry was at.
    pub from_epoch: u64,
    /// The epoch it is at now (`from_epoch` when nothing newer was given).
    pub to_epoch: u64,
    /// Its status before.
    pub previous_status: LicenseStatus,
    /// Its status now.
    pub status: LicenseStatus,
}

impl WalletEntry {
    /// The credential's status as the wallet holds it: the last sync's, or
    /// valid at the issuance epoch when never synced past it. `None` for a
    /// credential without a status member.
    pub fn status(&self) -> Option<HeldStatus> {
        let issued = self.credential.status.as_ref()?;
        Some(self.status.unwrap_or(HeldStatus {
            status: LicenseStatus::Valid,
            epoch: issued.epoch,
            since_epoch: issued.epoch,
        }))
    }

    /// The membership witness to present with and the signed epoch it is
    /// for (checked by the sync that stored it): `Some` when
    /// [`WalletEntry::status_witness`] is and a sync stored that epoch's
    /// document. A membership proof uses the epoch's value
    /// ([`StatusEpoch::value`]) and accumulator key; a verifier checks it
    /// against the same signed epoch.
    pub fn membership(&self) -> Option<(&StatusWitness, &StatusEpoch)> {
        let w = self.status_witness()?;
        let e = self.status_epoch.as_ref()?;
        (e.epoch() == w.epoch).then_some((w, e))
    }

    /// The membership witness to present with, and its epoch: `Some` only
    /// when the credential has a status member and the wallet holds it as
    /// valid at the witness's epoch (the latest it synced to). A
    /// presentation proves membership in that epoch's value
    /// ([`StatusEpoch::value`]).
    pub fn status_witness(&self) -> Option<&StatusWitness> {
        let held = self.status()?;
        let w = self.credential.status.as_ref()?;
        (held.status.is_valid() && held.epoch == w.epoch).then_some(w)
    }
}

/// The state of one entry during a sync.
struct Progress {
    held: HeldStatus,
    witness: StatusWitness,
}

type Lane = (String, String);

/// Epochs by (issuer, type) and number, each verified once.
struct Epochs<'a> {
    by_lane: BTreeMap<Lane, BTreeMap<u64, &'a StatusEpoch>>,
}

impl<'a> Epochs<'a> {
    fn new(
        epochs: &'a [StatusEpoch],
        lanes: &[Lane],
        keys: &impl KeyResolver,
    ) -> Result<Epochs<'a>, Error> {
        let mut by_lane: BTreeMap<Lane, BTreeMap<u64, &'a StatusEpoch>> = BTreeMap::new();
        for e in epochs {
            let lane = (e.issuer.clone(), e.credential_type().to_owned());
            if !lanes.contains(&lane) {
                continue;
            }
            e.verify_with(keys)?;
            let slot = by_lane.entry(lane).or_default();
            if let Some(other) = slot.insert(e.epoch(), e) {
                if other.digest() != e.digest() {
                    return Err(Error::StatusChainBroken(format!(
                        "two different epochs {} of {} / {} were given",
                        e.epoch(),
                        e.issuer,
                        e.credential_type()
                    )));
                }
            }
        }
        Ok(Epochs { by_lane })
    }

    fn get(&self, lane: &Lane, n: u64) -> Result<&'a StatusEpoch, Error> {
        self.by_lane
            .get(lane)
            .and_then(|m| m.get(&n))
            .copied()
            .ok_or_else(|| {
                Error::StatusChainBroken(format!("epoch {n} of {} / {} is missing", lane.0, lane.1))
            })
    }

    fn latest(&self, lane: &Lane) -> Option<u64> {
        self.by_lane
            .get(lane)
            .and_then(|m| m.keys().next_back().copied())
    }
}

fn index_updates<'a>(
    updates: &'a [StatusUpdate],
    lanes: &[Lane],
) -> Result<BTreeMap<(Lane, u64), &'a StatusUpdate>, Error> {
    let mut out: BTreeMap<(Lane, u64), &'a StatusUpdate> = BTreeMap::new();
    for u in updates {
        let lane = (u.issuer.clone(), u.credential_type.clone());
        if !lanes.contains(&lane) {
            continue;
        }
        if let Some(other) = out.insert((lane, u.from_epoch), u) {
            if other != u {
                return Err(Error::StatusChainBroken(format!(
                    "two different updates from epoch {} of {} / {} were given",
                    u.from_epoch, u.issuer, u.credential_type
                )));
            }
        }
    }
    Ok(out)
}

/// Moves one entry from its epoch to `target` (see the module docs).
fn advance(
    lane: &Lane,
    element: &Element,
    mut p: Progress,
    target: u64,
    epochs: &Epochs<'_>,
    updates: &BTreeMap<(Lane, u64), &StatusUpdate>,
) -> Result<Progress, Error> {
    let start = epochs.get(lane, p.held.epoch)?;
    if p.held.status.is_valid()
        && !p
            .witness
            .witness
            .verify(start.accumulator_key(), start.value(), element)
    {
        return Err(Error::StatusUpdateInvalid(format!(
            "the credential's witness does not verify against epoch {} of {} / {}",
            start.epoch(),
            lane.0,
            lane.1
        )));
    }
    let mut previous = start;
    for k in p.held.epoch..target {
        let update = updates.get(&(lane.clone(), k)).ok_or_else(|| {
            Error::StatusChainBroken(format!(
                "no update from epoch {k} to {} of {} / {}",
                k + 1,
                lane.0,
                lane.1
            ))
        })?;
        let next = epochs.get(lane, k + 1)?;
        update.check_epochs(previous, next)?;
        let now = k + 1;
        match (p.held.status.is_valid(), update.status_of(element)) {
            (true, new) => {
                match p
                    .witness
                    .witness
                    .update_vartime(element, previous.value(), &update.update)
                {
                    Ok(w) => {
                        p.witness = StatusWitness {
                            epoch: now,
                            witness: w,
                        };
                    }
                    Err(zkcred_crypto::Error::ElementRemoved) => {
                        // The update's checks give every removal a status
                        // that is not valid.
                        p.held.status = new.unwrap_or(LicenseStatus::Suspended);
                        p.held.since_epoch = now;
                    }
                    Err(e) => return Err(Error::Crypto(e)),
                }
            }
            (false, Some(new)) if new.is_valid() => {
                // Reinstated: the update adds the handle back, which
                // restarts the witness from the value before the addition.
                let w = p
                    .witness
                    .witness
                    .update_vartime(element, previous.value(), &update.update)
                    .map_err(Error::Crypto)?;
                p.witness = StatusWitness {
                    epoch: now,
                    witness: w,
                };
                p.held.status = new;
                p.held.since_epoch = now;
            }
            (false, Some(new)) => {
                p.held.status = new;
                p.held.since_epoch = now;
            }
            (false, None) => {}
        }
        p.held.epoch = now;
        previous = next;
    }
    if p.held.status.is_valid()
        && !p
            .witness
            .witness
            .verify(previous.accumulator_key(), previous.value(), element)
    {
        return Err(Error::StatusUpdateInvalid(format!(
            "after the updates the credential's witness does not verify against epoch {} of {} / {}",
            previous.epoch(),
            lane.0,
            lane.1
        )));
    }
    Ok(p)
}

impl Wallet {
    /// Brings every credential with a status member up to the latest of
    /// `epochs` for its issuer and type, applying `updates` in order (see
    /// the module docs), and stores the new epochs, witnesses and statuses
    /// (sealed with fresh nonces from `rng`). Returns one outcome per
    /// credential with a status member, in identifier order.
    ///
    /// # Errors
    /// Nothing is written on any of these: as [`Wallet::entries`];
    /// [`Error::UnknownKey`], [`Error::StatusIssuerMismatch`],
    /// [`Error::StatusKeyMismatch`] or [`Error::StatusSignatureInvalid`]
    /// for an epoch of a held issuer and type whose signature `keys` do not
    /// verify; [`Error::StatusChainBroken`] for a missing epoch or update
    /// between an entry's epoch and the latest, two different documents
    /// for one epoch, or an epoch that does not name its predecessor's
    /// digest; [`Error::StatusUpdateInvalid`] for an update that does not
    /// match its signed epoch, or a witness that does not verify against
    /// the signed value; [`Error::Crypto`]. Then [`Error::Io`] when an
    /// entry cannot be written (the entries written before stay synced).
    pub fn sync(
        &self,
        updates: &[StatusUpdate],
        epochs: &[StatusEpoch],
        keys: &impl KeyResolver,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<SyncOutcome>, Error> {
        let entries: Vec<WalletEntry> = self
            .entries()?
            .into_iter()
            .filter(|e| e.credential.status.is_some())
            .collect();
        let mut lanes: Vec<Lane> = entries
            .iter()
            .map(|e| {
                (
                    e.credential.issuer.clone(),
                    e.credential.credential_type.clone(),
                )
            })
            .collect();
        lanes.sort();
        lanes.dedup();
        let epochs = Epochs::new(epochs, &lanes, keys)?;
        let updates = index_updates(updates, &lanes)?;
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut changed = Vec::new();
        for mut entry in entries {
            let (Some(held), Some(witness)) = (entry.status(), entry.credential.status) else {
                continue;
            };
            let lane = (
                entry.credential.issuer.clone(),
                entry.credential.credential_type.clone(),
            );
            let target = epochs.latest(&lane).filter(|&t| t >= held.epoch);
            let mut outcome = SyncOutcome {
                id: entry.id.clone(),
                credential_type: lane.1.clone(),
                issuer: lane.0.clone(),
                from_epoch: held.epoch,
                to_epoch: held.epoch,
                previous_status: held.status,
                status: held.status,
            };
            if let Some(target) = target {
                let element = entry.credential.revocation_element();
                let p = advance(
                    &lane,
                    &element,
                    Progress { held, witness },
                    target,
                    &epochs,
                    &updates,
                )?;
                let latest = epochs.get(&lane, target)?;
                let moved = p.held.epoch != held.epoch;
                let new_epoch =
                    entry.status_epoch.as_ref().map(StatusEpoch::digest) != Some(latest.digest());
                outcome.to_epoch = p.held.epoch;
                outcome.status = p.held.status;
                if moved {
                    entry.credential.status = Some(p.witness);
                    entry.status = Some(p.held);
                }
                if moved || new_epoch {
                    entry.status_epoch = Some(latest.clone());
                    changed.push(entry);
                }
            }
            outcomes.push(outcome);
        }
        for entry in &changed {
            self.write_entry(entry, rng)?;
        }
        Ok(outcomes)
    }
}
