//! Shared fixtures: a registry with issuers and keys, credentials issued with
//! the credential layer, a wallet.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::SeedableRng;
use time::{Duration, OffsetDateTime};
use zkcred_credential::catalogue::HolderKind;
use zkcred_credential::formats::IdNumber;
use zkcred_credential::presentation::status::{HolderStatus, StatusEpochView};
use zkcred_credential::{
    issue_to, AttributeSet, AttributeType, AttributeValue, Catalogue, Credential, CredentialType,
    Date, HolderCredential, HolderSecret, IssueOptions, IssuerKey, IssuerPublicKey, KeyResolver,
    LicenseId, Presentation, PresentationRequest, Uscc,
};
use zkcred_crypto::accumulator::{Accumulator, SecretKey as AccumulatorKey};
use zkcred_crypto::bbs::Suite;
use zkcred_policy::{Decision, Evaluator, FixedClock, Issuer, Policy, RegionCode, Registry};

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// 2026-03-01T08:00:00Z (16:00 in Beijing).
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_772_352_000).unwrap()
}

pub fn catalogue() -> &'static Catalogue {
    Catalogue::builtin()
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

pub fn example(name: &str) -> PathBuf {
    examples_dir().join(name)
}

/// Every example policy file.
pub fn example_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// A government issuer's unified social credit code in `region`.
pub fn issuer_id(region: &str, n: u32) -> String {
    Uscc::with_check_char(&format!("11{region}{n:09}"))
        .unwrap()
        .to_string()
}

/// The registry shipped with the crate plus issuers added by [`Fixture::issuer`].
pub struct Fixture {
    pub registry: Registry,
    pub keys: BTreeMap<String, IssuerKey>,
    pub rng: StdRng,
    /// The holder secret every credential of the fixture is bound to (one
    /// holder's wallet).
    pub holder: HolderSecret,
    next: u32,
}

impl Fixture {
    pub fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        let holder = HolderSecret::random(&mut rng);
        Fixture {
            registry: Registry::builtin(catalogue()).unwrap(),
            keys: BTreeMap::new(),
            rng,
            holder,
            next: 1,
        }
    }

    /// Adds an issuer in `region` allowed `types`, with one key valid from a
    /// year ago for two years; returns its identifier.
    pub fn issuer(&mut self, region: &str, types: &[&str]) -> String {
        self.issuer_with_window(
            region,
            types,
            now() - Duration::days(365),
            now() + Duration::days(365),
        )
    }

    pub fn issuer_with_window(
        &mut self,
        region: &str,
        types: &[&str],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> String {
        let id = issuer_id(region, self.next);
        self.next += 1;
        let code = RegionCode::parse(region).unwrap();
        let issuer = Issuer::new(&id, "示例发证机关", code, "public_security", types);
        self.registry.add_issuer(issuer).unwrap();
        // The kind of department that issues the first type.
        let authority = types
            .first()
            .and_then(|t| catalogue().get(t))
            .and_then(|t| t.issuing_authorities.first().cloned())
            .unwrap_or_else(|| "public_security".into());
        let key = IssuerKey::generate(
            &id,
            Suite::Bls12381Sha256,
            not_before,
            not_after,
            &mut self.rng,
        )
        .unwrap()
        .with_authority(&authority)
        .unwrap();
        self.registry.add_key(key.public().clone()).unwrap();
        self.keys.insert(id.clone(), key);
        id
    }

    pub fn key_id(&self, issuer: &str) -> String {
        self.keys[issuer].key_id().to_owned()
    }

    /// Issues a credential of `credential_type` by `issuer` with sample values
    /// and `overrides` (JSON forms; `null` removes an optional value), signed
    /// at a time when the key is valid.
    pub fn credential(
        &mut self,
        issuer: &str,
        credential_type: &str,
        overrides: &[(&str, serde_json::Value)],
    ) -> Credential {
        self.make(issuer, credential_type, overrides, false)
    }

    /// Like [`credential`](Self::credential), but signed now() with the
    /// back-dating option: a paper license converted today.
    pub fn converted(
        &mut self,
        issuer: &str,
        credential_type: &str,
        overrides: &[(&str, serde_json::Value)],
    ) -> Credential {
        self.make(issuer, credential_type, overrides, true)
    }

    fn make(
        &mut self,
        issuer: &str,
        credential_type: &str,
        overrides: &[(&str, serde_json::Value)],
        backdated: bool,
    ) -> Credential {
        let t = catalogue().get(credential_type).unwrap();
        let mut attrs = sample(t, issuer, &mut self.rng);
        for (name, v) in overrides {
            let def = t.attribute(name).unwrap();
            let mut next = AttributeSet::new();
            for (k, val) in attrs.iter() {
                if k != *name {
                    next.insert(k, val.clone());
                }
            }
            if let Some(val) = AttributeValue::from_json(name, def.ty, v).unwrap() {
                next.insert(*name, val);
            }
            attrs = next;
        }
        // A holder whose birth date was overridden gets an ID number saying so.
        let overridden = |n: &str| overrides.iter().any(|(o, _)| *o == n);
        if let (Some(AttributeValue::Date(b)), false) =
            (attrs.get("birth_date").cloned(), overridden("holder_id"))
        {
            if overridden("birth_date") && t.holder == HolderKind::Person {
                let first17 = format!("330106{}001", b.to_string().replace('-', ""));
                let id = IdNumber::with_check_char(&first17).unwrap().to_string();
                attrs.insert("holder_id", AttributeValue::String(id.clone()));
                if t.license_number_format.is_some() {
                    attrs.insert("license_number", AttributeValue::String(id));
                }
            }
        }
        let key = &self.keys[issuer];
        // Signed on its issue day (China Standard Time) when the key is open
        // then, else when the key's window opens.
        let issued = match attrs.get("issue_date") {
            Some(AttributeValue::Date(d)) => {
                OffsetDateTime::from_unix_timestamp(d.days() * 86_400 - 8 * 3600).unwrap()
            }
            _ => key.public().not_before,
        };
        if backdated {
            let options = IssueOptions {
                allow_backdated: true,
            };
            return issue_to(
                catalogue(),
                key,
                credential_type,
                &attrs,
                &options,
                &self.holder,
                now(),
                &mut self.rng,
            )
            .unwrap();
        }
        let at = issued.max(key.public().not_before) + Duration::HOUR;
        issue_to(
            catalogue(),
            key,
            credential_type,
            &attrs,
            &IssueOptions::default(),
            &self.holder,
            at,
            &mut self.rng,
        )
        .unwrap()
    }
}

/// Plausible values for every attribute of `t` issued by `issuer`: an adult
/// holder, issued 2025-06-01, valid until 2035-06-01.
pub fn sample(t: &CredentialType, issuer: &str, rng: &mut StdRng) -> AttributeSet {
    let person = t.holder == HolderKind::Person;
    let mut set = AttributeSet::new();
    let date = |s: &str| AttributeValue::Date(Date::parse(s).unwrap());
    for a in &t.attributes {
        use AttributeValue as V;
        let v = match (a.name.as_str(), a.ty) {
            ("license_id", _) => V::String(
                LicenseId::generate(t.type_code.clone(), Uscc::parse(issuer).unwrap(), 1, rng)
                    .unwrap()
                    .to_string(),
            ),
            ("license_number", _) if t.license_number_format.is_some() => {
                V::String("330106199005170019".into())
            }
            ("holder_name", _) if person => V::String("张伟".into()),
            ("holder_name", _) => V::String("杭州西湖示例科技有限公司".into()),
            ("holder_id", _) if person => V::String("330106199005170019".into()),
            ("holder_id", _) => V::String("91330106MA2B3C4D5D".into()),
            ("holder_id_type", _) if person => V::String("居民身份证".into()),
            ("holder_id_type", _) => V::String("统一社会信用代码".into()),
            ("issuer_code", _) => V::String(issuer.into()),
            ("issue_date" | "valid_from", _) => date("2025-06-01"),
            ("valid_until", _) => date("2035-06-01"),
            ("area_code", _) => V::String(issuer[2..8].into()),
            ("birth_date", _) => date("1990-05-17"),
            ("sex", _) => V::String("男".into()),
            ("operating_period_end", _) => date("2045-01-01"),
            (n, AttributeType::String) => {
                let v = format!("{n}-示例");
                match a.max_length {
                    Some(max) if v.len() > max => V::String(n[..max.min(n.len())].into()),
                    _ => V::String(v),
                }
            }
            (_, AttributeType::Date) => date("2020-01-01"),
            (_, AttributeType::Integer) => V::Integer(42),
            (_, AttributeType::Boolean) => V::Boolean(true),
            (_, AttributeType::Bytes) => V::Bytes(vec![0xab; 32]),
        };
        set.insert(a.name.clone(), v);
    }
    set
}

/// The holder's answer to `request` with `credentials[i]` for entry `i`
/// (each bound to the fixture's holder secret), the issuer keys from the
/// registry.
pub fn answer_with(
    registry: &Registry,
    request: &PresentationRequest,
    credentials: &[Credential],
    rng: &mut StdRng,
) -> Result<Presentation, zkcred_credential::Error> {
    use zkcred_credential::KeyResolver;
    let mut pairs = Vec::with_capacity(credentials.len());
    for c in credentials {
        let key = registry.resolve(&c.issuer, &c.key_id).ok_or_else(|| {
            zkcred_credential::Error::UnknownKey {
                issuer: c.issuer.clone(),
                key_id: c.key_id.clone(),
            }
        })?;
        pairs.push((c, key));
    }
    zkcred_credential::present(catalogue(), request, &pairs, now(), rng)
}

/// Evaluates `pres`, made for `request`, under `policy` at instant `at`.
pub fn evaluate_with(
    registry: &Registry,
    policy: &Policy,
    request: &PresentationRequest,
    pres: &Presentation,
    at: OffsetDateTime,
) -> Decision {
    let clock = FixedClock::new(at);
    Evaluator {
        catalogue: catalogue(),
        registry,
        clock: &clock,
    }
    .evaluate(policy, request, pres)
}

/// The status epochs a verifier knows: `(issuer, credential type, view)`.
pub type Epochs = Vec<(String, String, StatusEpochView)>;

/// The registry's keys and the status epochs of [`answer_with_status`].
pub struct WithEpochs<'a> {
    pub registry: &'a Registry,
    pub epochs: Epochs,
}

impl KeyResolver for WithEpochs<'_> {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        self.registry.resolve(issuer, key_id)
    }

    fn status_epoch(&self, issuer: &str, ty: &str, epoch: u64) -> Option<StatusEpochView> {
        self.epochs
            .iter()
            .find(|(i, t, v)| i == issuer && t == ty && v.epoch == epoch)
            .map(|(_, _, v)| v.clone())
    }
}

/// [`answer_with`] for requests that may ask for licence status: each
/// entry asking for it gets a status list of its own for the credential's
/// issuer and type (epoch 0, an accumulator holding the credential's
/// revocation handle) and proves membership in it. Returns the
/// presentation and the epochs a verifier needs.
pub fn answer_with_status(
    registry: &Registry,
    request: &PresentationRequest,
    credentials: &[Credential],
    rng: &mut StdRng,
) -> Result<(Presentation, Epochs), zkcred_credential::Error> {
    let mut holders = Vec::with_capacity(credentials.len());
    let mut epochs = Epochs::new();
    for (c, rc) in credentials.iter().zip(&request.credentials) {
        let key = registry.resolve(&c.issuer, &c.key_id).ok_or_else(|| {
            zkcred_credential::Error::UnknownKey {
                issuer: c.issuer.clone(),
                key_id: c.key_id.clone(),
            }
        })?;
        let mut h = HolderCredential::new(catalogue(), c, key)?;
        if rc.status.is_some() {
            let sk = AccumulatorKey::random(rng);
            let value = Accumulator::initial(rng);
            let witness = sk
                .witness(&value, &c.revocation_element())
                .map_err(zkcred_credential::Error::Crypto)?;
            h = h.with_status(HolderStatus {
                epoch: 0,
                public_key: sk.public_key(),
                value,
                witness,
            });
            epochs.push((
                c.issuer.clone(),
                c.credential_type.clone(),
                StatusEpochView {
                    epoch: 0,
                    public_key: sk.public_key(),
                    value,
                    superseded_at: None,
                },
            ));
        }
        holders.push(h);
    }
    let refs: Vec<&HolderCredential<'_>> = holders.iter().collect();
    let p = zkcred_credential::present_prepared(catalogue(), request, &refs, now(), rng)?;
    Ok((p, epochs))
}

/// [`evaluate_with`] for a verifier that knows `epochs`: the shape stage,
/// the proofs with the registry's keys and the epochs, then the trust
/// stage.
pub fn evaluate_with_epochs(
    registry: &Registry,
    policy: &Policy,
    request: &PresentationRequest,
    pres: &Presentation,
    at: OffsetDateTime,
    epochs: Epochs,
) -> Decision {
    let clock = FixedClock::new(at);
    let evaluator = Evaluator {
        catalogue: catalogue(),
        registry,
        clock: &clock,
    };
    if let Err(refused) = evaluator.check_shape(policy, request, pres) {
        return *refused;
    }
    let resolver = WithEpochs { registry, epochs };
    let verified =
        zkcred_credential::verify_presentation(catalogue(), request, pres, &resolver, at);
    evaluator.conclude(policy, verified)
}
