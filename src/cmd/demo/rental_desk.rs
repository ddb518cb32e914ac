//! Scene 11: a rental desk asks whether a driver's licence is valid right
//! now, and the answer follows the licence's status without the desk ever
//! learning which licence it checked.
//!
//! The Chongqing public security bureau keeps licence status for driver's
//! licences (the library side of `zkcred issuer status init`): a positive
//! accumulator of the licences in force, one signed epoch per batch of
//! changes. The service's operator registers each epoch
//! (`POST /v1/registry/status-epochs`); the driver's wallet syncs from the
//! published documents and proves membership for its epoch; the desk's
//! policy (`policy/examples/rental-desk-licence-status.json`) asks for the
//! current epoch only (`max_epoch_age_seconds: 0`).

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Context as _, Result};
use rand::rngs::OsRng;
use time::OffsetDateTime;
use zkcred_api::client::Client;
use zkcred_api::{RecordsQuery, Submission};
use zkcred_credential::presentation::TrustedRegulators;
use zkcred_credential::status::credential_id;
use zkcred_credential::{
    issue_blind, AttributeSet, AttributeValue, Catalogue, KdfParams, KeySet, LicenseStatus,
    StatusEpoch, StatusRegistry, StatusUpdate, Wallet,
};
use zkcred_crypto::bbs::Suite;
use zkcred_policy::consent::{self, Unsigned};

use super::{
    date, decision_of, expect_accepted, heading, summary, Decision, Department, Roles, CONVERSION,
};
use crate::cmd::client;

/// The desk's policy (an example of the policy crate).
pub(super) const POLICY: &str = "rental-desk-licence-status";
/// The desk: the policy's verifier, a token name of the service.
pub(super) const VERIFIER: &str = "desk.hongqiao-rental.example.cn";
/// The policy document.
pub(super) const POLICY_JSON: &str =
    include_str!("../../../policy/examples/rental-desk-licence-status.json");
/// The credential type whose status the bureau keeps.
const TYPE: &str = "drivers_license";

/// The bureau's status list for driver's licences and what it published.
pub(super) struct LicenceStatus {
    registry: StatusRegistry,
    epochs: Vec<StatusEpoch>,
    updates: Vec<StatusUpdate>,
}

impl LicenceStatus {
    /// The bureau starts keeping status for driver's licences (as
    /// `zkcred issuer status init --type drivers_license`), in `key_dir`.
    pub(super) fn init(
        key_dir: &Path,
        dep: &Department,
        now: OffsetDateTime,
        out: &mut dyn Write,
    ) -> Result<LicenceStatus> {
        std::fs::create_dir_all(key_dir)?;
        let (registry, epoch0) = StatusRegistry::init(key_dir, &dep.key, TYPE, now, &mut OsRng)
            .context("starting the status list of driver's licences")?;
        writeln!(
            out,
            "  {} keeps licence status for {TYPE} (as `zkcred issuer status init`): epoch 0 signed \
             with key {}; every {TYPE} issued from now on carries its status witness",
            dep.name_en,
            dep.key.public().key_id
        )?;
        Ok(LicenceStatus {
            registry,
            epochs: vec![epoch0],
            updates: Vec::new(),
        })
    }

    /// Records a driver's licence just issued and gives it its status
    /// witness (what `zkcred issuer issue` does for a type with a status
    /// list).
    pub(super) fn record(
        &mut self,
        credential: &mut zkcred_credential::Credential,
        now: OffsetDateTime,
    ) -> Result<()> {
        let witness = self.registry.register_issued(credential, now)?;
        credential.status = Some(witness);
        Ok(())
    }

    /// One status change as a new signed epoch (as `zkcred issuer status
    /// suspend|reinstate … --publish`).
    fn change(
        &mut self,
        dep: &Department,
        licence: &str,
        to: LicenseStatus,
    ) -> Result<StatusEpoch> {
        let (epoch, update) = self.registry.change(
            &dep.key,
            &[(licence.to_owned(), to)],
            OffsetDateTime::now_utc(),
        )?;
        self.epochs.push(epoch.clone());
        self.updates.push(update);
        Ok(epoch)
    }
}

/// The driver: a wallet holding the licence, and what it trusts.
pub(super) struct Driver {
    name: &'static str,
    wallet: Wallet,
    _dir: tempfile::TempDir,
    keys: KeySet,
    trusts: TrustedRegulators,
    /// The licence's identifier in the bureau's status list (its licence
    /// id): never to reach the desk.
    licence: String,
    /// Hex of the licence's revocation handle and first witness: never to
    /// reach the desk either.
    secrets: Vec<String>,
}

/// Chen Jing's Chongqing driver's licence, issued to her wallet after the
/// bureau started keeping status, so it carries a status witness.
pub(super) fn driver(
    dep: &Department,
    status: &mut LicenceStatus,
    trusts: &TrustedRegulators,
    now: OffsetDateTime,
) -> Result<Driver> {
    let catalogue = Catalogue::builtin();
    let dir = tempfile::tempdir()?;
    let wallet = Wallet::init(
        dir.path().join("wallet"),
        b"Chen Jing's passphrase",
        KdfParams::with_memory_mib(8)?,
        &mut OsRng,
    )?;
    let request = wallet.request_credential(Suite::Bls12381Sha256, &mut OsRng)?;
    let id_number = zkcred_credential::formats::IdNumber::with_check_char("50010519940821332")
        .map_err(|e| anyhow!("{e}"))?
        .to_string();
    let s = |v: &str| AttributeValue::String(v.into());
    let attrs = dep.complete(
        TYPE,
        AttributeSet::new()
            .with("license_number", s(&id_number))
            .with("holder_name", s("陈静"))
            .with("holder_id", s(&id_number))
            .with("holder_id_type", s("居民身份证"))
            .with("valid_until", date("2032-09-10")?)
            .with("sex", s("女"))
            .with("nationality", s("中国"))
            .with("birth_date", date("1994-08-21")?)
            .with("address", s("重庆市江北区观音桥步行街 6 号"))
            .with("first_issue_date", date("2016-09-10")?)
            .with("vehicle_class", s("C1"))
            .with("file_number", s("500100654321"))
            .with("photo_digest", AttributeValue::Bytes(vec![0x6c; 32])),
    )?;
    let mut credential = issue_blind(
        catalogue,
        &dep.key,
        TYPE,
        &attrs,
        &CONVERSION,
        &request,
        now,
        &mut OsRng,
    )?;
    status.record(&mut credential, now)?;
    let licence = credential_id(&credential)?;
    let mut secrets = vec![hex::encode(
        credential.reserved.revocation_handle.to_be_bytes(),
    )];
    if let Some(w) = &credential.status {
        secrets.push(hex::encode(w.witness.to_bytes()));
    }
    let mut keys = KeySet::new();
    keys.insert(dep.key.public().clone());
    wallet.add(catalogue, &keys, credential, &mut OsRng)?;
    Ok(Driver {
        name: "陈静 Chen Jing",
        wallet,
        _dir: dir,
        keys,
        trusts: trusts.clone(),
        licence,
        secrets,
    })
}

impl Driver {
    /// `zkcred wallet sync`: the bureau's published epochs and updates.
    fn sync(&self, status: &LicenceStatus, out: &mut dyn Write) -> Result<()> {
        let outcomes = self
            .wallet
            .sync(&status.updates, &status.epochs, &self.keys, &mut OsRng)
            .context("the wallet's sync")?;
        for o in outcomes {
            writeln!(
                out,
                "  {}'s wallet syncs: {} of {} epoch {} → {}: {}",
                self.name, o.credential_type, o.issuer, o.from_epoch, o.to_epoch, o.status
            )?;
        }
        Ok(())
    }
}

/// The operator registers an epoch at the service through the client.
async fn publish(roles: &Roles, epoch: &StatusEpoch, out: &mut dyn Write) -> Result<()> {
    let (s, _) = roles
        .admin
        .publish_status_epoch(epoch)
        .await
        .with_context(|| format!("registering status epoch {}", epoch.epoch()))?;
    writeln!(
        out,
        "  operator → POST {}: epoch {} of {} / {} registered (signature checked, chained onto \
         the epochs before){}",
        zkcred_api::STATUS_EPOCHS_PATH,
        s.epoch,
        s.issuer,
        s.credential_type,
        if s.current { ", current" } else { "" }
    )?;
    Ok(())
}

/// A challenge of the desk, checked and answered by the driver's wallet
/// and submitted: the decision, or the wallet's refusal.
async fn present(
    desk: &Client,
    driver: &Driver,
    out: &mut dyn Write,
) -> Result<std::result::Result<Decision, zkcred_credential::Error>> {
    let issued = desk
        .challenge(POLICY)
        .await
        .context("a challenge for the rental desk")?;
    consent::check(
        Catalogue::builtin(),
        &issued.request,
        &driver.trusts,
        OffsetDateTime::now_utc(),
        Unsigned::Refuse,
    )
    .map_err(|e| anyhow!("{}'s wallet refuses the request: {e}", driver.name))?;
    let presentation = match driver.wallet.present(
        Catalogue::builtin(),
        &issued.request,
        &[None],
        OffsetDateTime::now_utc(),
        &mut OsRng,
    ) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let epoch = presentation
        .credentials
        .first()
        .and_then(|c| c.status_epoch)
        .map_or_else(|| "none".to_owned(), |e| e.to_string());
    writeln!(
        out,
        "  {} → POST /v1/presentations (discloses vehicle_class; proves the licence valid in status epoch {epoch})",
        driver.name
    )?;
    let submission = Submission {
        policy: POLICY.to_owned(),
        request: issued.request,
        presentation,
    };
    let decision = decision_of(desk.submit(&submission).await)?;
    writeln!(
        out,
        "  ← HTTP {}: {}",
        decision.as_ref().map_or_else(|p| p.status, |_| 200),
        summary(&decision)
    )?;
    Ok(Ok(decision))
}

/// The epoch an accepted decision names for the licence.
fn accepted_epoch(d: std::result::Result<Decision, zkcred_credential::Error>) -> Result<u64> {
    let d = d.map_err(|e| anyhow!("the wallet did not present: {e}"))?;
    expect_accepted(d)?
        .credentials
        .first()
        .and_then(|c| c.status_epoch)
        .ok_or_else(|| anyhow!("the desk's decision names no status epoch"))
}

/// Waits until a presentation against the epoch before `epoch` is stale
/// for a policy that accepts the current epoch only: a whole second after
/// `epoch` was published (ages are counted in whole seconds).
async fn after_publication(epoch: &StatusEpoch) {
    let ready = epoch.content.published_at + time::Duration::milliseconds(1050);
    let wait = ready - OffsetDateTime::now_utc();
    if wait.is_positive() {
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
}

/// Scene 11 (see the module documentation).
pub(super) async fn scene(
    roles: &Roles,
    dep: &Department,
    status: &mut LicenceStatus,
    driver: &Driver,
    out: &mut dyn Write,
) -> Result<()> {
    heading(
        out,
        "Scene 11 · A rental desk checks the licence is valid right now: status without tracking the driver",
    )?;
    let desk = &roles.desk;
    let first = status
        .epochs
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("no epoch 0"))?;
    publish(roles, &first, out).await?;
    driver.sync(status, out)?;
    let epoch = accepted_epoch(present(desk, driver, out).await?)?;
    if epoch != 0 {
        bail!("the desk's decision names epoch {epoch}, not 0");
    }
    writeln!(
        out,
        "  the desk learns the vehicle class and \"valid in status epoch {epoch} of {}\": not which licence, not whose",
        dep.id
    )?;

    let suspended = status.change(dep, &driver.licence, LicenseStatus::Suspended)?;
    writeln!(
        out,
        "  {} suspends the licence: epoch {} signed and published (its update removes one handle from the accumulator)",
        dep.name_en,
        suspended.epoch()
    )?;
    publish(roles, &suspended, out).await?;
    after_publication(&suspended).await;
    writeln!(out, "  {} presents again without syncing:", driver.name)?;
    match present(desk, driver, out).await? {
        Ok(Err(p)) if p.code == "status_epoch_stale" && p.is_refusal() => {
            writeln!(out, "  refused: {}", p.detail)?
        }
        other => {
            bail!("a presentation against a superseded epoch was not refused as stale: {other:?}")
        }
    }
    driver.sync(status, out)?;
    match present(desk, driver, out).await? {
        Err(e @ zkcred_credential::Error::LicenseStatusNotValid { .. }) => {
            writeln!(out, "  the wallet refuses to present: {e}")?
        }
        other => bail!("the wallet presented a suspended licence: {other:?}"),
    }

    let reinstated = status.change(dep, &driver.licence, LicenseStatus::Valid)?;
    writeln!(
        out,
        "  {} lifts the suspension: epoch {} (the handle added back)",
        dep.name_en,
        reinstated.epoch()
    )?;
    publish(roles, &reinstated, out).await?;
    driver.sync(status, out)?;
    let epoch = accepted_epoch(present(desk, driver, out).await?)?;
    if epoch != reinstated.epoch() {
        bail!(
            "the desk's decision names epoch {epoch}, not {}",
            reinstated.epoch()
        );
    }

    // What the log kept of the desk's decisions: the epoch number, nothing
    // of the licence.
    let records = roles
        .regulator
        .log_records(&RecordsQuery::default())
        .await
        .context("log records")?;
    writeln!(out, "  the disclosure log's records of the desk:")?;
    let mut seen = 0;
    for e in records
        .records
        .iter()
        .filter(|e| e.record.verifier == VERIFIER)
    {
        writeln!(out, "    {}", client::log::record_line(&e.record))?;
        let text = serde_json::to_string(&e.record)?;
        let values = status
            .epochs
            .iter()
            .map(|e| hex::encode(e.value().to_bytes()));
        for secret in driver
            .secrets
            .iter()
            .cloned()
            .chain([driver.licence.clone()])
            .chain(values)
        {
            if text.contains(&secret) {
                bail!("the log holds something of the licence: {secret}");
            }
        }
        seen += 1;
    }
    if seen == 0 {
        bail!("the log holds no record of the desk");
    }
    writeln!(
        out,
        "  (each record names the status epoch only: no licence id, handle, witness or accumulator value)"
    )?;
    Ok(())
}
