//! The trust registry: regions, issuers and their keys, mutual-recognition
//! agreements and the national tier.
//!
//! # File format (`"format": "zkcred-trust-registry"`, `"version": 1`)
//!
//! ```json
//! { "format": "zkcred-trust-registry", "version": 1,
//!   "regions": [ { "code": "310000", "name_zh": "上海市", "name_en": "Shanghai" } ],
//!   "national": { "source": "…", "types": [ { "type": "drivers_license", "assumed": false, "source": "…" } ] },
//!   "agreements": [ {
//!       "id": "yrd", "name_zh": "长三角地区电子证照互认应用合作共识", "name_en": "…",
//!       "members": ["310000", "320000", "330000", "340000"],
//!       "effective_from": "2020-09-11", "effective_until": null,
//!       "source": "…", "assumptions": ["…"],
//!       "types": [ { "type": "business_license", "assumed": false, "source": "…" },
//!                  { "type": "household_register", "assumed": true } ] } ],
//!   "issuers": [ {
//!       "id": "11310000MB2F12345X", "name_zh": "上海市公安局", "region": "310000",
//!       "authority": "public_security", "types": ["resident_id_card"],
//!       "keys": [ { "key_id": "<32 hex>", "suite": "BLS12-381-SHA-256", "public_key": "<96 octets hex>",
//!                   "not_before": "2026-01-01T00:00:00Z", "not_after": "2028-01-01T00:00:00Z",
//!                   "revoked": false } ] } ] }
//! ```
//!
//! Every section is optional, so a deployment can keep the shipped regions
//! and agreements ([`Registry::builtin`], from `policy/registry/*.json`) and
//! load its issuers from a file of its own ([`Registry::merge_file`]); a file
//! is merged whole or not at all. Unknown fields, unknown credential types,
//! region codes outside the listed provinces, duplicate identifiers and keys
//! whose identifier does not match their public key are load errors with the
//! file position.
//!
//! * **Agreements** are between province-level divisions (`members` are
//!   `PP0000` codes; see [`crate::region`] for the roll-up). An agreement is
//!   in force on the dates `effective_from ..= effective_until` (China
//!   Standard Time; no `effective_until`: open-ended).
//! * **Type entries** of agreements and of the national tier say whether the
//!   entry is taken from a public source (`"assumed": false`, with `source`)
//!   or assumed to complete a list whose published form does not name every
//!   type (`"assumed": true`).
//! * **Issuers** may issue only their listed `types`. Each key has an issuance
//!   window `[not_before, not_after)` and a `revoked` flag.
//!
//! The registry is a plain value: the service changes it at run time through
//! [`Registry::add_issuer`], [`Registry::revoke_key`] and the other methods
//! (each validates and leaves the registry unchanged on error), and persists
//! it with [`Registry::to_json`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use zkcred_credential::keys::{check_identifier, key_id};
use zkcred_credential::{Catalogue, IssuerPublicKey, KeyResolver};
use zkcred_crypto::bbs::{PublicKey, Suite};

use crate::clock::{format_date, parse_date, presentation_date};
use crate::error::{read_file, LoadError, LoadErrorKind, RegistryError, SourceText};
use crate::position::JsonPath;
use crate::region::RegionCode;

/// Format name of registry files.
pub const REGISTRY_FORMAT: &str = "zkcred-trust-registry";
/// Supported registry format version.
pub const REGISTRY_VERSION: u32 = 1;
/// The shipped province-level regions (GB/T 2260).
pub const BUILTIN_REGIONS_JSON: &str = include_str!("../registry/regions.json");
/// The shipped agreements and national tier.
pub const BUILTIN_AGREEMENTS_JSON: &str = include_str!("../registry/agreements.json");

/// A province-level division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Its `PP0000` code.
    pub code: RegionCode,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A credential type in an agreement or in the national tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeEntry {
    /// The catalogue type identifier.
    #[serde(rename = "type")]
    pub credential_type: String,
    /// Whether the entry is assumed rather than taken from a public source.
    pub assumed: bool,
    /// Where a non-assumed entry comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl TypeEntry {
    /// An entry taken from `source`.
    pub fn sourced(credential_type: &str, source: &str) -> Self {
        TypeEntry {
            credential_type: credential_type.into(),
            assumed: false,
            source: Some(source.into()),
        }
    }

    /// An assumed entry.
    pub fn assumed(credential_type: &str) -> Self {
        TypeEntry {
            credential_type: credential_type.into(),
            assumed: true,
            source: None,
        }
    }
}

mod date_str {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&crate::clock::format_date(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        crate::clock::parse_date(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a date YYYY-MM-DD")))
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|s| {
                    crate::clock::parse_date(&s).ok_or_else(|| {
                        serde::de::Error::custom(format!("{s:?} is not a date YYYY-MM-DD"))
                    })
                })
                .transpose()
        }
    }
}

/// A mutual-recognition agreement between province-level divisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// Stable identifier (`[a-z][a-z0-9_-]*`).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Member provinces (`PP0000` codes).
    pub members: Vec<RegionCode>,
    /// First date in force.
    #[serde(with = "date_str")]
    pub effective_from: Date,
    /// Last date in force (none: open-ended).
    #[serde(default, with = "date_str::option")]
    pub effective_until: Option<Date>,
    /// Where the agreement and its list come from.
    pub source: String,
    /// What the data assumes beyond its sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// The credential types it covers.
    pub types: Vec<TypeEntry>,
}

/// Why an agreement is not in force at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInForce {
    /// Before `effective_from`.
    NotYet(Date),
    /// After `effective_until`.
    Expired(Date),
}

impl Agreement {
    /// Whether the agreement is in force on `date`.
    ///
    /// # Errors
    /// [`NotInForce::NotYet`] before `effective_from`, [`NotInForce::Expired`]
    /// after `effective_until`.
    pub fn in_force_on(&self, date: Date) -> Result<(), NotInForce> {
        if date < self.effective_from {
            return Err(NotInForce::NotYet(self.effective_from));
        }
        match self.effective_until {
            Some(until) if date > until => Err(NotInForce::Expired(until)),
            _ => Ok(()),
        }
    }

    /// Whether `province` is a member.
    pub fn has_member(&self, province: RegionCode) -> bool {
        self.members.contains(&province.province())
    }

    /// Whether the agreement covers `credential_type`.
    pub fn covers(&self, credential_type: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.credential_type == credential_type)
    }
}

/// The national tier: types recognised in every region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalTier {
    /// Where the list comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The types.
    #[serde(default)]
    pub types: Vec<TypeEntry>,
}

/// An issuer's public key as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryKey {
    /// The key with its issuance window.
    pub key: IssuerPublicKey,
    /// Whether the key has been revoked (credentials it signed are no longer recognised).
    pub revoked: bool,
}

/// An issuing department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// Identifier (usually its unified social credit code), as in credentials.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name (may be empty).
    pub name_en: String,
    /// Where it sits (any GB/T 2260 level; rolls up to a province).
    pub region: RegionCode,
    /// The kind of authority (`public_security`, `civil_affairs`, `market_regulation`, …).
    pub authority: String,
    /// The credential types it may issue.
    pub types: BTreeSet<String>,
    /// Its keys.
    pub keys: Vec<RegistryKey>,
}

impl Issuer {
    /// A new issuer without keys.
    pub fn new(
        id: &str,
        name_zh: &str,
        region: RegionCode,
        authority: &str,
        types: &[&str],
    ) -> Self {
        Issuer {
            id: id.into(),
            name_zh: name_zh.into(),
            name_en: String::new(),
            region,
            authority: authority.into(),
            types: types.iter().map(|s| s.to_string()).collect(),
            keys: Vec::new(),
        }
    }

    /// The key `key_id`.
    pub fn key(&self, key_id: &str) -> Option<&RegistryKey> {
        self.keys.iter().find(|k| k.key.key_id == key_id)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    key_id: String,
    suite: String,
    public_key: String,
    #[serde(with = "time::serde::rfc3339")]
    not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    not_after: OffsetDateTime,
    #[serde(default)]
    revoked: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerFile {
    id: String,
    name_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name_en: String,
    region: RegionCode,
    authority: String,
    types: Vec<String>,
    #[serde(default)]
    keys: Vec<KeyFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    format: String,
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    regions: Vec<Region>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    national: Option<NationalTier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    agreements: Vec<Agreement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    issuers: Vec<IssuerFile>,
}

/// The trust registry (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    known_types: BTreeSet<String>,
    regions: BTreeMap<RegionCode, Region>,
    national: NationalTier,
    agreements: Vec<Agreement>,
    issuers: BTreeMap<String, Issuer>,
}

/// Whether `s` is a document identifier (agreements and policies): 1 to 64
/// of `a-z`, `0-9`, `_`, `-`, starting with a letter.
pub(crate) fn is_document_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-'))
}

fn is_authority(s: &str) -> bool {
    zkcred_credential::catalogue::is_identifier(s)
}

fn build_key(issuer: &str, k: &KeyFile) -> Result<IssuerPublicKey, String> {
    let suite =
        Suite::from_name(&k.suite).ok_or_else(|| format!("unknown ciphersuite {:?}", k.suite))?;
    let bytes = hex::decode(&k.public_key).map_err(|_| "public_key is not hex")?;
    let public_key =
        PublicKey::from_bytes(&bytes).map_err(|e| format!("public_key is not a valid key: {e}"))?;
    let derived = key_id(&public_key);
    if derived != k.key_id {
        return Err(format!(
            "key_id {:?} does not match the public key (expected {derived:?})",
            k.key_id
        ));
    }
    if k.not_before >= k.not_after {
        return Err("not_before must be before not_after".into());
    }
    Ok(IssuerPublicKey {
        issuer: issuer.to_owned(),
        key_id: derived,
        suite,
        public_key,
        not_before: k.not_before,
        not_after: k.not_after,
        // The registry records the authority kind on the issuer.
        authority: None,
    })
}

impl Registry {
    /// An empty registry that accepts the credential types of `catalogue`.
    pub fn new(catalogue: &Catalogue) -> Self {
        Registry {
            known_types: catalogue.types().map(|t| t.id.clone()).collect(),
            ..Registry::default()
        }
    }

    /// The shipped regions, agreements and national tier (no issuers), over
    /// `catalogue`.
    ///
    /// # Errors
    /// As [`Registry::merge_text`]; the shipped files load (the crate's tests
    /// check them).
    pub fn builtin(catalogue: &Catalogue) -> Result<Registry, LoadError> {
        let mut r = Registry::new(catalogue);
        r.merge_text("registry/regions.json", BUILTIN_REGIONS_JSON)?;
        r.merge_text("registry/agreements.json", BUILTIN_AGREEMENTS_JSON)?;
        Ok(r)
    }

    /// Loads `paths` in order into an empty registry.
    ///
    /// # Errors
    /// As [`Registry::merge_file`], for the first file that fails.
    pub fn load_files(
        catalogue: &Catalogue,
        paths: &[impl AsRef<Path>],
    ) -> Result<Registry, LoadError> {
        let mut r = Registry::new(catalogue);
        for p in paths {
            r.merge_file(p)?;
        }
        Ok(r)
    }

    /// Merges a registry file (all of it, or nothing on error).
    ///
    /// # Errors
    /// A [`LoadError`] of kind [`LoadErrorKind::Io`] when the file cannot be read;
    /// otherwise as [`Registry::merge_text`].
    pub fn merge_file(&mut self, path: impl AsRef<Path>) -> Result<(), LoadError> {
        let path = path.as_ref();
        let text = read_file(path)?;
        self.merge_text(&path.display().to_string(), &text)
    }

    /// Merges registry JSON `text` named `file` in error positions (all of it,
    /// or nothing on error).
    ///
    /// # Errors
    /// A positioned [`LoadError`]: [`LoadErrorKind::Syntax`],
    /// [`LoadErrorKind::UnknownField`] or [`LoadErrorKind::Shape`] for JSON that
    /// is not a registry document; [`LoadErrorKind::UnsupportedFormat`];
    /// [`LoadErrorKind::InvalidValue`], [`LoadErrorKind::Duplicate`],
    /// [`LoadErrorKind::UnknownCredentialType`], [`LoadErrorKind::UnknownRegion`]
    /// and the other kinds for entries the registry's own checks refuse (as
    /// [`Registry::add_region`], [`Registry::add_issuer`],
    /// [`Registry::add_agreement`], [`Registry::set_national`]).
    pub fn merge_text(&mut self, file: &str, text: &str) -> Result<(), LoadError> {
        let src = SourceText { file, text };
        let f: RegistryFile = src.parse()?;
        let root = JsonPath::root();
        if f.format != REGISTRY_FORMAT {
            return Err(src.error(
                LoadErrorKind::UnsupportedFormat,
                &root.key("format"),
                format!("format must be {REGISTRY_FORMAT:?}"),
            ));
        }
        if f.version != REGISTRY_VERSION {
            return Err(src.error(
                LoadErrorKind::UnsupportedFormat,
                &root.key("version"),
                format!("unsupported registry version {}", f.version),
            ));
        }
        let mut next = self.clone();
        let at = |kind, path: &JsonPath, e: RegistryError| src.error(kind, path, e.to_string());
        for (i, region) in f.regions.into_iter().enumerate() {
            let p = root.key("regions").index(i);
            if !region.code.is_province() {
                return Err(src.error(
                    LoadErrorKind::InvalidValue,
                    &p.key("code"),
                    format!("{} is not a province-level code (PP0000)", region.code),
                ));
            }
            if region.name_zh.trim().is_empty() || region.name_en.trim().is_empty() {
                return Err(src.error(LoadErrorKind::InvalidValue, &p, "empty region name"));
            }
            if next.regions.insert(region.code, region.clone()).is_some() {
                return Err(src.error(
                    LoadErrorKind::Duplicate,
                    &p.key("code"),
                    format!("region {} listed twice", region.code),
                ));
            }
        }
        if let Some(national) = f.national {
            let p = root.key("national");
            for (i, t) in national.types.iter().enumerate() {
                let tp = p.key("types").index(i);
                next.check_type_entry(t)
                    .map_err(|e| at(LoadErrorKind::UnknownCredentialType, &tp.key("type"), e))?;
                if next
                    .national
                    .types
                    .iter()
                    .any(|n| n.credential_type == t.credential_type)
                {
                    return Err(src.error(
                        LoadErrorKind::Duplicate,
                        &tp.key("type"),
                        format!("{:?} is already national", t.credential_type),
                    ));
                }
                next.national.types.push(t.clone());
            }
            if !national.source.is_empty() {
                next.national.source = national.source;
            }
        }
        for (i, a) in f.agreements.into_iter().enumerate() {
            let p = root.key("agreements").index(i);
            next.check_agreement(&a).map_err(|(field, kind, e)| {
                let path = match field {
                    Some((name, Some(j))) => p.key(name).index(j),
                    Some((name, None)) => p.key(name),
                    None => p.clone(),
                };
                at(kind, &path, e)
            })?;
            next.agreements.push(a);
        }
        for (i, fi) in f.issuers.into_iter().enumerate() {
            let p = root.key("issuers").index(i);
            let mut keys = Vec::with_capacity(fi.keys.len());
            for (j, k) in fi.keys.iter().enumerate() {
                let key = build_key(&fi.id, k).map_err(|e| {
                    src.error(LoadErrorKind::InvalidValue, &p.key("keys").index(j), e)
                })?;
                keys.push(RegistryKey {
                    key,
                    revoked: k.revoked,
                });
            }
            let issuer = Issuer {
                id: fi.id,
                name_zh: fi.name_zh,
                name_en: fi.name_en,
                region: fi.region,
                authority: fi.authority,
                types: BTreeSet::new(),
                keys,
            };
            // Types are checked one by one for their positions.
            let mut types = BTreeSet::new();
            for (j, t) in fi.types.iter().enumerate() {
                if !next.known_types.contains(t) {
                    return Err(src.error(
                        LoadErrorKind::UnknownCredentialType,
                        &p.key("types").index(j),
                        format!("unknown credential type {t:?}"),
                    ));
                }
                if !types.insert(t.clone()) {
                    return Err(src.error(
                        LoadErrorKind::Duplicate,
                        &p.key("types").index(j),
                        format!("credential type {t:?} listed twice"),
                    ));
                }
            }
            let issuer = Issuer { types, ..issuer };
            next.add_issuer(issuer).map_err(|e| {
                let (kind, field) = match &e {
                    RegistryError::UnknownRegion(_) => (LoadErrorKind::UnknownRegion, "region"),
                    RegistryError::DuplicateIssuer(_) => (LoadErrorKind::Duplicate, "id"),
                    RegistryError::DuplicateKey { .. } => (LoadErrorKind::Duplicate, "keys"),
                    RegistryError::Invalid {
                        what: "authority", ..
                    } => (LoadErrorKind::InvalidValue, "authority"),
                    RegistryError::Invalid {
                        what: "issuer name",
                        ..
                    } => (LoadErrorKind::InvalidValue, "name_zh"),
                    RegistryError::Invalid {
                        what: "issuer types",
                        ..
                    } => (LoadErrorKind::InvalidValue, "types"),
                    _ => (LoadErrorKind::InvalidValue, "id"),
                };
                at(kind, &p.key(field), e)
            })?;
        }
        *self = next;
        Ok(())
    }

    fn check_type_entry(&self, t: &TypeEntry) -> Result<(), RegistryError> {
        if !self.known_types.contains(&t.credential_type) {
            return Err(RegistryError::UnknownCredentialType(
                t.credential_type.clone(),
            ));
        }
        if !t.assumed && t.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(RegistryError::Invalid {
                what: "type entry",
                reason: format!(
                    "{:?} is not assumed, so it needs a source",
                    t.credential_type
                ),
            });
        }
        Ok(())
    }

    /// Checks an agreement against the registry; on error, which field (and
    /// element) is wrong.
    #[allow(clippy::type_complexity)]
    fn check_agreement(
        &self,
        a: &Agreement,
    ) -> Result<
        (),
        (
            Option<(&'static str, Option<usize>)>,
            LoadErrorKind,
            RegistryError,
        ),
    > {
        let invalid = |reason: String| RegistryError::Invalid {
            what: "agreement",
            reason,
        };
        if !is_document_id(&a.id) {
            return Err((
                Some(("id", None)),
                LoadErrorKind::InvalidValue,
                invalid(format!("identifier {:?} must match [a-z][a-z0-9_-]*", a.id)),
            ));
        }
        if self.agreement(&a.id).is_some() {
            return Err((
                Some(("id", None)),
                LoadErrorKind::Duplicate,
                RegistryError::DuplicateAgreement(a.id.clone()),
            ));
        }
        if a.name_zh.trim().is_empty() || a.name_en.trim().is_empty() || a.source.trim().is_empty()
        {
            return Err((
                None,
                LoadErrorKind::InvalidValue,
                invalid("names and source must not be empty".into()),
            ));
        }
        if a.members.len() < 2 {
            return Err((
                Some(("members", None)),
                LoadErrorKind::InvalidValue,
                invalid("an agreement needs at least two members".into()),
            ));
        }
        for (j, m) in a.members.iter().enumerate() {
            if !m.is_province() || !self.regions.contains_key(m) {
                return Err((
                    Some(("members", Some(j))),
                    LoadErrorKind::UnknownRegion,
                    RegistryError::UnknownRegion(format!("{m} (members are listed provinces)")),
                ));
            }
            if a.members[..j].contains(m) {
                return Err((
                    Some(("members", Some(j))),
                    LoadErrorKind::Duplicate,
                    invalid(format!("member {m} listed twice")),
                ));
            }
        }
        if let Some(until) = a.effective_until {
            if until < a.effective_from {
                return Err((
                    Some(("effective_until", None)),
                    LoadErrorKind::Contradictory,
                    invalid(format!(
                        "effective_until {} is before effective_from {}",
                        format_date(until),
                        format_date(a.effective_from)
                    )),
                ));
            }
        }
        if a.types.is_empty() {
            return Err((
                Some(("types", None)),
                LoadErrorKind::InvalidValue,
                invalid("an agreement covers at least one type".into()),
            ));
        }
        for (j, t) in a.types.iter().enumerate() {
            self.check_type_entry(t).map_err(|e| {
                let kind = match e {
                    RegistryError::UnknownCredentialType(_) => LoadErrorKind::UnknownCredentialType,
                    _ => LoadErrorKind::InvalidValue,
                };
                (Some(("types", Some(j))), kind, e)
            })?;
            if a.types[..j]
                .iter()
                .any(|o| o.credential_type == t.credential_type)
            {
                return Err((
                    Some(("types", Some(j))),
                    LoadErrorKind::Duplicate,
                    invalid(format!("type {:?} listed twice", t.credential_type)),
                ));
            }
        }
        Ok(())
    }

    // ----- reading -----

    /// The province-level region `code` (after roll-up), if listed.
    pub fn region(&self, code: RegionCode) -> Option<&Region> {
        self.regions.get(&code.province())
    }

    /// All listed regions.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// The agreement `id`.
    pub fn agreement(&self, id: &str) -> Option<&Agreement> {
        self.agreements.iter().find(|a| a.id == id)
    }

    /// All agreements, in load order.
    pub fn agreements(&self) -> &[Agreement] {
        &self.agreements
    }

    /// The national tier.
    pub fn national(&self) -> &NationalTier {
        &self.national
    }

    /// Whether `credential_type` is recognised everywhere.
    pub fn is_national(&self, credential_type: &str) -> bool {
        self.national
            .types
            .iter()
            .any(|t| t.credential_type == credential_type)
    }

    /// The issuer `id`.
    pub fn issuer(&self, id: &str) -> Option<&Issuer> {
        self.issuers.get(id)
    }

    /// All issuers, by identifier.
    pub fn issuers(&self) -> impl Iterator<Item = &Issuer> {
        self.issuers.values()
    }

    /// Whether `credential_type` is in the catalogue the registry was made for.
    pub fn knows_type(&self, credential_type: &str) -> bool {
        self.known_types.contains(credential_type)
    }

    /// Agreements in force on the date of instant `at` (China Standard Time).
    pub fn agreements_in_force(&self, at: OffsetDateTime) -> impl Iterator<Item = &Agreement> {
        let d = presentation_date(at);
        self.agreements
            .iter()
            .filter(move |a| a.in_force_on(d).is_ok())
    }

    // ----- changing -----

    fn check_region(&self, code: RegionCode) -> Result<(), RegistryError> {
        if self.regions.contains_key(&code.province()) {
            Ok(())
        } else {
            Err(RegistryError::UnknownRegion(code.to_string()))
        }
    }

    /// Adds a province-level region.
    ///
    /// # Errors
    /// [`RegistryError::UnknownRegion`] for a code that is not province level,
    /// [`RegistryError::Invalid`] for a region already present.
    pub fn add_region(&mut self, region: Region) -> Result<(), RegistryError> {
        if !region.code.is_province() {
            return Err(RegistryError::UnknownRegion(format!(
                "{} is not a province-level code",
                region.code
            )));
        }
        if self.regions.contains_key(&region.code) {
            return Err(RegistryError::Invalid {
                what: "region",
                reason: format!("{} already listed", region.code),
            });
        }
        self.regions.insert(region.code, region);
        Ok(())
    }

    /// Adds an issuer (with any keys it carries).
    ///
    /// # Errors
    /// [`RegistryError::Invalid`] for a bad identifier, authority kind or key
    /// list; [`RegistryError::DuplicateIssuer`]; [`RegistryError::UnknownRegion`];
    /// [`RegistryError::UnknownCredentialType`] for a type the catalogue lacks;
    /// [`RegistryError::InvalidKey`] or [`RegistryError::DuplicateKey`] for its
    /// keys.
    pub fn add_issuer(&mut self, issuer: Issuer) -> Result<(), RegistryError> {
        check_identifier("issuer", &issuer.id).map_err(|e| RegistryError::Invalid {
            what: "issuer identifier",
            reason: e.to_string(),
        })?;
        if self.issuers.contains_key(&issuer.id) {
            return Err(RegistryError::DuplicateIssuer(issuer.id));
        }
        if issuer.name_zh.trim().is_empty() {
            return Err(RegistryError::Invalid {
                what: "issuer name",
                reason: "name_zh must not be empty".into(),
            });
        }
        if !is_authority(&issuer.authority) {
            return Err(RegistryError::Invalid {
                what: "authority",
                reason: format!("{:?} must match [a-z][a-z0-9_]*", issuer.authority),
            });
        }
        self.check_region(issuer.region)?;
        self.check_issuer_types(&issuer.types)?;
        let mut seen = BTreeSet::new();
        for k in &issuer.keys {
            check_key(&issuer.id, &k.key)?;
            if !seen.insert(k.key.key_id.as_str()) {
                return Err(RegistryError::DuplicateKey {
                    issuer: issuer.id.clone(),
                    key_id: k.key.key_id.clone(),
                });
            }
        }
        self.issuers.insert(issuer.id.clone(), issuer);
        Ok(())
    }

    fn check_issuer_types(&self, types: &BTreeSet<String>) -> Result<(), RegistryError> {
        if types.is_empty() {
            return Err(RegistryError::Invalid {
                what: "issuer types",
                reason: "an issuer issues at least one type".into(),
            });
        }
        match types.iter().find(|t| !self.known_types.contains(*t)) {
            Some(t) => Err(RegistryError::UnknownCredentialType(t.clone())),
            None => Ok(()),
        }
    }

    /// Removes an issuer and its keys.
    ///
    /// # Errors
    /// [`RegistryError::UnknownIssuer`].
    pub fn remove_issuer(&mut self, id: &str) -> Result<Issuer, RegistryError> {
        self.issuers
            .remove(id)
            .ok_or_else(|| RegistryError::UnknownIssuer(id.to_owned()))
    }

    /// Replaces the types an issuer may issue.
    ///
    /// # Errors
    /// [`RegistryError::UnknownCredentialType`] or [`RegistryError::Invalid`] for
    /// the types; [`RegistryError::UnknownIssuer`].
    pub fn set_issuer_types(&mut self, id: &str, types: &[&str]) -> Result<(), RegistryError> {
        let types: BTreeSet<String> = types.iter().map(|s| s.to_string()).collect();
        self.check_issuer_types(&types)?;
        let issuer = self
            .issuers
            .get_mut(id)
            .ok_or_else(|| RegistryError::UnknownIssuer(id.to_owned()))?;
        issuer.types = types;
        Ok(())
    }

    /// Adds a key to its issuer (`key.issuer`). The registry records the
    /// authority kind on the issuer, so a kind the key file declares
    /// ([`IssuerPublicKey::authority`]) is not kept with the key.
    ///
    /// # Errors
    /// [`RegistryError::UnknownIssuer`], [`RegistryError::InvalidKey`],
    /// [`RegistryError::DuplicateKey`].
    pub fn add_key(&mut self, mut key: IssuerPublicKey) -> Result<(), RegistryError> {
        key.authority = None;
        let issuer = self
            .issuers
            .get_mut(&key.issuer)
            .ok_or_else(|| RegistryError::UnknownIssuer(key.issuer.clone()))?;
        check_key(&issuer.id, &key)?;
        if issuer.key(&key.key_id).is_some() {
            return Err(RegistryError::DuplicateKey {
                issuer: issuer.id.clone(),
                key_id: key.key_id,
            });
        }
        issuer.keys.push(RegistryKey {
            key,
            revoked: false,
        });
        Ok(())
    }

    /// Marks a key revoked: credentials it signed are no longer recognised.
    ///
    /// # Errors
    /// [`RegistryError::UnknownIssuer`], [`RegistryError::UnknownKey`].
    pub fn revoke_key(&mut self, issuer: &str, key_id: &str) -> Result<(), RegistryError> {
        let i = self
            .issuers
            .get_mut(issuer)
            .ok_or_else(|| RegistryError::UnknownIssuer(issuer.to_owned()))?;
        let k = i
            .keys
            .iter_mut()
            .find(|k| k.key.key_id == key_id)
            .ok_or_else(|| RegistryError::UnknownKey {
                issuer: issuer.to_owned(),
                key_id: key_id.to_owned(),
            })?;
        k.revoked = true;
        Ok(())
    }

    /// Adds an agreement.
    ///
    /// # Errors
    /// [`RegistryError::DuplicateAgreement`], [`RegistryError::UnknownRegion`]
    /// for a member not in the registry, [`RegistryError::UnknownCredentialType`]
    /// for a type the catalogue lacks, [`RegistryError::Invalid`] for a bad
    /// identifier, names, member list, type list or dates.
    pub fn add_agreement(&mut self, agreement: Agreement) -> Result<(), RegistryError> {
        self.check_agreement(&agreement).map_err(|(_, _, e)| e)?;
        self.agreements.push(agreement);
        Ok(())
    }

    /// Removes an agreement.
    ///
    /// # Errors
    /// [`RegistryError::UnknownAgreement`].
    pub fn remove_agreement(&mut self, id: &str) -> Result<Agreement, RegistryError> {
        let i = self
            .agreements
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| RegistryError::UnknownAgreement(id.to_owned()))?;
        Ok(self.agreements.remove(i))
    }

    /// Replaces an agreement (same identifier), e.g. to extend its list or dates.
    ///
    /// # Errors
    /// As [`Registry::remove_agreement`] and [`Registry::add_agreement`]; the
    /// registry is unchanged on error.
    pub fn replace_agreement(&mut self, agreement: Agreement) -> Result<Agreement, RegistryError> {
        let mut next = self.clone();
        let old = next.remove_agreement(&agreement.id)?;
        next.add_agreement(agreement)?;
        *self = next;
        Ok(old)
    }

    /// Replaces the national tier.
    ///
    /// # Errors
    /// [`RegistryError::UnknownCredentialType`] or [`RegistryError::Invalid`] for
    /// a type entry, [`RegistryError::Invalid`] for a type listed twice.
    pub fn set_national(&mut self, national: NationalTier) -> Result<(), RegistryError> {
        for (j, t) in national.types.iter().enumerate() {
            self.check_type_entry(t)?;
            if national.types[..j]
                .iter()
                .any(|o| o.credential_type == t.credential_type)
            {
                return Err(RegistryError::Invalid {
                    what: "national tier",
                    reason: format!("type {:?} listed twice", t.credential_type),
                });
            }
        }
        self.national = national;
        Ok(())
    }

    /// The whole registry as one registry file.
    pub fn to_json(&self) -> String {
        let f = RegistryFile {
            format: REGISTRY_FORMAT.into(),
            version: REGISTRY_VERSION,
            note: None,
            regions: self.regions.values().cloned().collect(),
            national: Some(self.national.clone()),
            agreements: self.agreements.clone(),
            issuers: self
                .issuers
                .values()
                .map(|i| IssuerFile {
                    id: i.id.clone(),
                    name_zh: i.name_zh.clone(),
                    name_en: i.name_en.clone(),
                    region: i.region,
                    authority: i.authority.clone(),
                    types: i.types.iter().cloned().collect(),
                    keys: i
                        .keys
                        .iter()
                        .map(|k| KeyFile {
                            key_id: k.key.key_id.clone(),
                            suite: k.key.suite.name().into(),
                            public_key: hex::encode(k.key.public_key.as_bytes()),
                            not_before: k.key.not_before,
                            not_after: k.key.not_after,
                            revoked: k.revoked,
                        })
                        .collect(),
                })
                .collect(),
        };
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }
}

fn check_key(issuer: &str, key: &IssuerPublicKey) -> Result<(), RegistryError> {
    if key.issuer != issuer {
        return Err(RegistryError::InvalidKey(format!(
            "key {:?} belongs to issuer {:?}, not {issuer:?}",
            key.key_id, key.issuer
        )));
    }
    if key.key_id != key_id(&key.public_key) {
        return Err(RegistryError::InvalidKey(format!(
            "key_id {:?} does not match the public key",
            key.key_id
        )));
    }
    if key.not_before >= key.not_after {
        return Err(RegistryError::InvalidKey(
            "not_before must be before not_after".into(),
        ));
    }
    Ok(())
}

/// The registry resolves every key it lists, revoked ones included, so that
/// a presentation signed with a revoked key verifies cryptographically and is
/// then refused by the recognition rule with the precise reason.
impl KeyResolver for Registry {
    fn resolve(&self, issuer: &str, key_id: &str) -> Option<&IssuerPublicKey> {
        self.issuers.get(issuer)?.key(key_id).map(|k| &k.key)
    }
}

/// Parses a date (`YYYY-MM-DD`) for registry entries built in code.
pub fn date(s: &str) -> Option<Date> {
    parse_date(s)
}
