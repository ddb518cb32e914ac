//! The license catalogue: credential types and their attributes, as data.
//!
//! The default catalogue is `credential/catalogue/licenses.json`, embedded at
//! build time ([`Catalogue::builtin`]); another file can be loaded with
//! [`Catalogue::load`]. Adding a credential type or an attribute is an edit
//! of that file, not of code.
//!
//! # File format (`"format": "zkcred-catalogue"`, `"version": 1`)
//!
//! ```json
//! {
//!   "format": "zkcred-catalogue", "version": 1,
//!   "metadata_attributes": [ { "name": "license_id", "type": "string", "sensitivity": "high", ... } ],
//!   "types": [ {
//!       "id": "resident_id_card", "type_code": "<21 chars>",
//!       "name_en": "Resident Identity Card", "name_zh": "居民身份证", "holder": "person",
//!       "issuing_authorities": ["public_security"], "license_number_format": "holder_id_number",
//!       "attributes": [ { "name": "birth_date", "type": "date", "sensitivity": "high",
//!                         "optional": false, "label_zh": "出生日期" } ]
//!   } ]
//! }
//! ```
//!
//! `metadata_attributes` are the GB/T 36903 national e-license metadata every
//! type carries (they must include [`REQUIRED_METADATA`]); a type's full list
//! of attributes is the metadata followed by its own attributes, in file
//! order. That order is the signed layout (see [`crate::layout`]), so never
//! reorder or remove attributes of a type in use: add a new type instead.
//!
//! `issuing_authorities` lists the kinds of authority that issue the type
//! (identifiers such as `public_security` 公安, `market_regulation` 市场监管,
//! `civil_affairs` 民政, `natural_resources` 自然资源, `transport` 交通运输);
//! issuance by a key of another kind is refused (see [`crate::issuance`]).
//! Absent or empty: any authority. `license_number_format` (optional) names
//! a format the type's `license_number` follows ([`LicenseNumberFormat`]).
//!
//! Identifiers (type ids and attribute names) are lower-case ASCII
//! `[a-z][a-z0-9_]*`, at most 64 characters. `max_length` (octets) may tighten
//! the global limits of `string` and `bytes` attributes.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::encoding::{AttributeType, MAX_BYTES_LEN, MAX_STRING_BYTES};
use crate::error::CatalogueError;
use crate::license_id::LicenseTypeCode;

/// The embedded default catalogue file.
pub const BUILTIN_CATALOGUE_JSON: &str = include_str!("../catalogue/licenses.json");
/// The catalogue format name.
pub const CATALOGUE_FORMAT: &str = "zkcred-catalogue";
/// The supported catalogue format version.
pub const CATALOGUE_VERSION: u32 = 1;
/// Metadata attributes (GB/T 36903) every catalogue must define, with their types.
pub const REQUIRED_METADATA: &[(&str, AttributeType)] = &[
    ("license_id", AttributeType::String),
    ("license_number", AttributeType::String),
    ("holder_name", AttributeType::String),
    ("holder_id", AttributeType::String),
    ("holder_id_type", AttributeType::String),
    ("issuer_name", AttributeType::String),
    ("issuer_code", AttributeType::String),
    ("issue_date", AttributeType::Date),
    ("valid_from", AttributeType::Date),
    ("valid_until", AttributeType::Date),
    ("area_code", AttributeType::String),
];
/// Most attributes one type may have (metadata included).
pub const MAX_ATTRIBUTES: usize = 120;

/// How sensitive an attribute is (read by data-minimisation audits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Public or low-risk data (dates of issue, categories, enterprise data).
    Low,
    /// Personal data such as names and addresses.
    Medium,
    /// Identifying numbers, biometrics and photos, exact birth dates, health data.
    High,
}

/// Who holds a credential type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HolderKind {
    /// A natural person.
    Person,
    /// An enterprise or other organisation.
    Organisation,
}

/// The format a credential type's `license_number` follows (catalogue
/// field `license_number_format`; see [`crate::formats::license_number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseNumberFormat {
    /// The number is the holder's citizen identification number (`holder_id`).
    HolderIdNumber,
}

/// One attribute of a credential type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDef {
    /// Stable name (`[a-z][a-z0-9_]*`).
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub ty: AttributeType,
    /// Sensitivity class.
    pub sensitivity: Sensitivity,
    /// Whether the value may be absent.
    #[serde(default)]
    pub optional: bool,
    /// Tighter length limit in octets (`string` and `bytes` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Chinese display label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
}

/// A credential type with its full attribute list (metadata first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialType {
    /// Stable identifier, e.g. `drivers_license`.
    pub id: String,
    /// GB/T 36904 license type code.
    pub type_code: LicenseTypeCode,
    /// English display name.
    pub name_en: String,
    /// Chinese display name.
    pub name_zh: String,
    /// Who holds it.
    pub holder: HolderKind,
    /// The kinds of authority that issue it (`public_security`,
    /// `market_regulation`, …; the `authority` of trust-registry issuers and
    /// of issuer keys). Empty: not restricted.
    pub issuing_authorities: Vec<String>,
    /// The format of its `license_number`, where the type defines one.
    pub license_number_format: Option<LicenseNumberFormat>,
    /// All attributes in layout order: the metadata attributes, then the type's own.
    pub attributes: Vec<AttributeDef>,
}

impl CredentialType {
    /// The attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Whether an authority of kind `authority` may issue this type (always
    /// when the catalogue does not restrict it).
    pub fn issued_by(&self, authority: &str) -> bool {
        self.issuing_authorities.is_empty()
            || self.issuing_authorities.iter().any(|a| a == authority)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    format: String,
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    metadata_attributes: Vec<AttributeDef>,
    types: Vec<TypeFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeFile {
    id: String,
    type_code: String,
    name_en: String,
    name_zh: String,
    holder: HolderKind,
    #[serde(default)]
    issuing_authorities: Vec<String>,
    #[serde(default)]
    license_number_format: Option<LicenseNumberFormat>,
    attributes: Vec<AttributeDef>,
}

/// A validated set of credential types.
#[derive(Debug, Clone)]
pub struct Catalogue {
    types: Vec<CredentialType>,
    index: BTreeMap<String, usize>,
}

/// Whether `s` is a valid identifier: `[a-z][a-z0-9_]*`, at most 64 characters.
pub fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

fn check_attribute(type_id: &str, a: &AttributeDef) -> Result<(), CatalogueError> {
    let err = |reason: String| CatalogueError::InvalidType {
        credential_type: type_id.to_owned(),
        reason,
    };
    if !is_identifier(&a.name) {
        return Err(err(format!("invalid attribute name {:?}", a.name)));
    }
    if let Some(max) = a.max_length {
        let global = match a.ty {
            AttributeType::String => MAX_STRING_BYTES,
            AttributeType::Bytes => MAX_BYTES_LEN,
            _ => {
                return Err(err(format!(
                    "max_length on {} attribute {:?}",
                    a.ty, a.name
                )))
            }
        };
        if max == 0 || max > global {
            return Err(err(format!(
                "max_length of {:?} must be 1..={global}",
                a.name
            )));
        }
    }
    if a.label_zh.as_deref().is_some_and(|l| l.trim().is_empty()) {
        return Err(err(format!("empty label of {:?}", a.name)));
    }
    Ok(())
}

impl Catalogue {
    /// The embedded default catalogue.
    ///
    /// # Panics
    /// If the embedded catalogue does not validate, which the crate's tests rule
    /// out.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The embedded file is validated by the crate's tests.
            Catalogue::from_json_str(BUILTIN_CATALOGUE_JSON)
                .unwrap_or_else(|e| panic!("embedded catalogue is invalid: {e}"))
        })
    }

    /// Loads and validates a catalogue file.
    ///
    /// # Errors
    /// [`CatalogueError::Io`] if the file cannot be read, otherwise as
    /// [`Catalogue::from_json_str`].
    pub fn load(path: impl AsRef<Path>) -> Result<Catalogue, CatalogueError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Catalogue::from_json_str(&text)
    }

    /// Parses and validates a catalogue from JSON text.
    ///
    /// # Errors
    /// [`CatalogueError::Json`] for malformed JSON,
    /// [`CatalogueError::UnsupportedVersion`], [`CatalogueError::DuplicateType`],
    /// [`CatalogueError::InvalidType`] for a type or attribute definition that
    /// breaks the rules, [`CatalogueError::TypeCode`] for a bad GB/T 36904 type
    /// code.
    pub fn from_json_str(text: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = serde_json::from_str(text)?;
        if file.format != CATALOGUE_FORMAT {
            return Err(CatalogueError::InvalidType {
                credential_type: "catalogue".into(),
                reason: format!("format must be {CATALOGUE_FORMAT:?}"),
            });
        }
        if file.version != CATALOGUE_VERSION {
            return Err(CatalogueError::UnsupportedVersion(file.version));
        }
        for a in &file.metadata_attributes {
            check_attribute("metadata", a)?;
        }
        for (name, ty) in REQUIRED_METADATA {
            match file.metadata_attributes.iter().find(|a| a.name == *name) {
                Some(a) if a.ty == *ty => {}
                Some(_) => {
                    return Err(CatalogueError::InvalidType {
                        credential_type: "metadata".into(),
                        reason: format!("metadata attribute {name:?} must be of type {ty}"),
                    })
                }
                None => {
                    return Err(CatalogueError::InvalidType {
                        credential_type: "metadata".into(),
                        reason: format!("missing metadata attribute {name:?}"),
                    })
                }
            }
        }
        let mut types = Vec::with_capacity(file.types.len());
        let mut index = BTreeMap::new();
        let mut codes = HashSet::new();
        for t in file.types {
            let invalid = |reason: String| CatalogueError::InvalidType {
                credential_type: t.id.clone(),
                reason,
            };
            if !is_identifier(&t.id) {
                return Err(invalid("invalid credential type identifier".into()));
            }
            if t.name_en.trim().is_empty() || t.name_zh.trim().is_empty() {
                return Err(invalid("display names must not be empty".into()));
            }
            if let Some(a) = t.issuing_authorities.iter().find(|a| !is_identifier(a)) {
                return Err(invalid(format!("invalid authority kind {a:?}")));
            }
            let type_code = LicenseTypeCode::parse(&t.type_code).map_err(|source| {
                CatalogueError::TypeCode {
                    credential_type: t.id.clone(),
                    source,
                }
            })?;
            if !codes.insert(t.type_code.clone()) {
                return Err(CatalogueError::DuplicateType(t.type_code));
            }
            let mut attributes = file.metadata_attributes.clone();
            for a in &t.attributes {
                check_attribute(&t.id, a)?;
            }
            attributes.extend(t.attributes);
            let mut seen = HashSet::new();
            for a in &attributes {
                if !seen.insert(a.name.as_str()) {
                    return Err(invalid(format!("duplicate attribute {:?}", a.name)));
                }
            }
            if attributes.len() > MAX_ATTRIBUTES {
                return Err(invalid(format!("more than {MAX_ATTRIBUTES} attributes")));
            }
            if index.insert(t.id.clone(), types.len()).is_some() {
                return Err(CatalogueError::DuplicateType(t.id));
            }
            types.push(CredentialType {
                id: t.id,
                type_code,
                name_en: t.name_en,
                name_zh: t.name_zh,
                holder: t.holder,
                issuing_authorities: t.issuing_authorities,
                license_number_format: t.license_number_format,
                attributes,
            });
        }
        Ok(Catalogue { types, index })
    }

    /// The credential type with identifier `id`.
    pub fn get(&self, id: &str) -> Option<&CredentialType> {
        self.index.get(id).map(|&i| &self.types[i])
    }

    /// The credential type with GB/T 36904 type code `code`.
    pub fn by_type_code(&self, code: &str) -> Option<&CredentialType> {
        self.types.iter().find(|t| t.type_code.as_str() == code)
    }

    /// All credential types, in file order.
    pub fn types(&self) -> impl Iterator<Item = &CredentialType> {
        self.types.iter()
    }

    /// Number of credential types.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the catalogue has no types.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::license_id::LicenseTypeCode;
    use serde_json::{json, Value};

    /// Types the issue requires by name.
    const REQUIRED_TYPES: &[&str] = &[
        "resident_id_card",
        "household_register",
        "social_security_card",
        "birth_medical_certificate",
        "marriage_certificate",
        "drivers_license",
        "residence_permit",
        "real_estate_certificate",
        "business_license",
        "food_business_license",
        "production_operation_license",
        "testing_certification_certificate",
        "professional_qualification_certificate",
        "academic_degree_certificate",
        "vehicle_license",
        "divorce_certificate",
        "disability_certificate",
        "teacher_qualification_certificate",
        "medical_practitioner_certificate",
        "construction_permit",
        "tax_registration_certificate",
    ];

    #[test]
    fn builtin_catalogue_is_valid_and_complete() {
        let c = Catalogue::from_json_str(BUILTIN_CATALOGUE_JSON).unwrap();
        assert!(c.len() >= 38, "only {} types", c.len());
        for id in REQUIRED_TYPES {
            let t = c.get(id).unwrap_or_else(|| panic!("missing {id}"));
            assert_eq!(
                c.by_type_code(t.type_code.as_str()).map(|t| &t.id),
                Some(&t.id)
            );
        }
        for t in c.types() {
            assert!(LicenseTypeCode::parse(t.type_code.as_str()).is_ok());
            for (name, ty) in REQUIRED_METADATA {
                assert_eq!(
                    t.attribute(name).map(|a| a.ty),
                    Some(*ty),
                    "{} {name}",
                    t.id
                );
            }
            assert!(
                !t.issuing_authorities.is_empty(),
                "{} has no authority",
                t.id
            );
            assert!(
                t.attributes.len() > REQUIRED_METADATA.len(),
                "{} has no own attributes",
                t.id
            );
            // Identifying numbers, photos and birth dates are high.
            for a in &t.attributes {
                let n = a.name.as_str();
                if n.ends_with("_id_number")
                    || n == "birth_date"
                    || n.starts_with("photo")
                    || n == "holder_id"
                    || n == "license_id"
                    || n == "license_number"
                {
                    assert_eq!(a.sensitivity, Sensitivity::High, "{}.{n}", t.id);
                }
            }
        }
        assert!(std::ptr::eq(Catalogue::builtin(), Catalogue::builtin()));
    }

    fn minimal() -> Value {
        let meta: Vec<Value> = REQUIRED_METADATA
            .iter()
            .map(|(n, ty)| json!({"name": n, "type": ty, "sensitivity": "low"}))
            .collect();
        json!({
            "format": "zkcred-catalogue", "version": 1,
            "metadata_attributes": meta,
            "types": [{
                "id": "pet_license", "type_code": "11100000000013338W901",
                "name_en": "Pet license", "name_zh": "犬只登记证", "holder": "person",
                "attributes": [{"name": "breed", "type": "string", "sensitivity": "low", "optional": true}]
            }]
        })
    }

    fn load(v: &Value) -> Result<Catalogue, CatalogueError> {
        Catalogue::from_json_str(&v.to_string())
    }

    #[test]
    fn extension_without_code_changes() {
        let c = load(&minimal()).unwrap();
        let t = c.get("pet_license").unwrap();
        assert_eq!(t.attributes.len(), REQUIRED_METADATA.len() + 1);
        assert_eq!(t.attributes.last().map(|a| a.name.as_str()), Some("breed"));
        assert!(t.attributes.last().unwrap().optional);
    }

    #[test]
    fn load_from_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, minimal().to_string()).unwrap();
        assert_eq!(Catalogue::load(&p).unwrap().len(), 1);
        assert!(matches!(
            Catalogue::load(dir.path().join("missing.json")),
            Err(CatalogueError::Io { .. })
        ));
    }

    #[test]
    fn invalid_catalogues_are_rejected() {
        let mut cases: Vec<(Value, &str)> = Vec::new();
        let mut v = minimal();
        v["version"] = json!(2);
        cases.push((v, "version"));
        let mut v = minimal();
        v["types"][0]["type_code"] = json!("11100000000013338X901");
        cases.push((v, "type code check"));
        let mut v = minimal();
        v["types"][0]["id"] = json!("Pet License");
        cases.push((v, "id"));
        let mut v = minimal();
        v["types"][0]["attributes"][0]["name"] = json!("holder_name");
        cases.push((v, "duplicate attribute"));
        let mut v = minimal();
        v["types"][0]["attributes"][0]["type"] = json!("float");
        cases.push((v, "unknown type"));
        let mut v = minimal();
        v["types"][0]["attributes"][0]["sensitivity"] = json!("secret");
        cases.push((v, "unknown sensitivity"));
        let mut v = minimal();
        v["types"][0]["attributes"][0]["optinal"] = json!(true);
        cases.push((v, "unknown field"));
        let mut v = minimal();
        v["types"][0]["attributes"][0]["type"] = json!("integer");
        v["types"][0]["attributes"][0]["max_length"] = json!(3);
        cases.push((v, "max_length on integer"));
        let mut v = minimal();
        v["metadata_attributes"].as_array_mut().unwrap().remove(0);
        cases.push((v, "missing metadata"));
        let mut v = minimal();
        let t = v["types"][0].clone();
        v["types"].as_array_mut().unwrap().push(t);
        cases.push((v, "duplicate type"));
        let mut v = minimal();
        v["types"][0]["issuing_authorities"] = json!(["Public Security"]);
        cases.push((v, "authority kind"));
        let mut v = minimal();
        v["types"][0]["license_number_format"] = json!("passport");
        cases.push((v, "license number format"));
        let mut v = minimal();
        v["types"][0]["name_zh"] = json!(" ");
        cases.push((v, "empty name"));
        for (v, what) in cases {
            assert!(load(&v).is_err(), "{what} accepted");
        }
        assert!(Catalogue::from_json_str("{").is_err());
    }
}
