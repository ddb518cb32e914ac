//! Shared test fixtures: keys, plausible attribute values for every type.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};
use zkcred_credential::catalogue::HolderKind;
use zkcred_credential::{
    issue_blind, issue_to, AttributeSet, AttributeType, AttributeValue, Catalogue, Credential,
    CredentialType, Date, HolderSecret, IssueOptions, IssuerKey, KdfParams, KeySet, LicenseId,
    Uscc, Wallet,
};
use zkcred_crypto::bbs::Suite;

/// The issuing authority used in tests (a published unified social credit code).
pub const ISSUER: &str = "11330105002500287C";
/// A second issuer.
pub const OTHER_ISSUER: &str = "11430000006122244L";

/// The passphrase of the tests' wallets.
pub const PASS: &[u8] = "correct horse 电池 staple".as_bytes();

/// Argon2id at its smallest accepted cost (8 MiB, one pass): the tests
/// stay fast; users get [`KdfParams::DEFAULT`].
pub fn small_kdf() -> KdfParams {
    KdfParams {
        memory_kib: KdfParams::MIN_MEMORY_KIB,
        iterations: 1,
        parallelism: 1,
    }
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// 2026-03-01T08:00:00Z.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_772_352_000).unwrap()
}

/// One issuer key (SHA-256 suite) and what it issued to one holder: a
/// resident ID card and a driver's license.
pub struct TwoLicenses {
    pub key: IssuerKey,
    pub keys: KeySet,
    pub id: Credential,
    /// The ID card's attribute values.
    pub id_attributes: AttributeSet,
    pub dl: Credential,
    /// The driver's license's attribute values.
    pub dl_attributes: AttributeSet,
    /// The holder secret both are bound to.
    pub holder: HolderSecret,
}

pub fn two_licenses(c: &Catalogue, rng: &mut StdRng) -> TwoLicenses {
    let key = issuer_key(ISSUER, Suite::Bls12381Sha256, rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    let holder = HolderSecret::random(rng);
    let mut license = |ty: &str| {
        let t = c.get(ty).unwrap();
        let attrs = sample_attributes(t, rng, Some(true));
        let cred = issue_to(
            c,
            &key,
            &t.id,
            &attrs,
            &IssueOptions::default(),
            &holder,
            now(),
            rng,
        )
        .unwrap();
        (cred, attrs)
    };
    let (id, id_attributes) = license("resident_id_card");
    let (dl, dl_attributes) = license("drivers_license");
    TwoLicenses {
        key,
        keys,
        id,
        id_attributes,
        dl,
        dl_attributes,
        holder,
    }
}

/// Blind issuance to `wallet`: the wallet's credential request, then the
/// issuer's blind signature over `attrs`. The credential comes back
/// unbound, ready for `wallet.add`.
pub fn issue_for_wallet(
    wallet: &Wallet,
    c: &Catalogue,
    key: &IssuerKey,
    attrs: &AttributeSet,
    credential_type: &str,
    options: &IssueOptions,
    rng: &mut StdRng,
) -> Credential {
    let request = wallet.request_credential(key.public().suite, rng).unwrap();
    issue_blind(
        c,
        key,
        credential_type,
        attrs,
        options,
        &request,
        now(),
        rng,
    )
    .unwrap()
}

/// A key of a public security department (it issues ID cards and driver's licenses).
pub fn issuer_key(issuer: &str, suite: Suite, rng: &mut StdRng) -> IssuerKey {
    issuer_key_of(issuer, "public_security", suite, rng)
}

/// A key of an issuer of authority kind `authority`.
pub fn issuer_key_of(issuer: &str, authority: &str, suite: Suite, rng: &mut StdRng) -> IssuerKey {
    IssuerKey::generate(
        issuer,
        suite,
        now() - Duration::days(30),
        now() + Duration::days(700),
        rng,
    )
    .unwrap()
    .with_authority(authority)
    .unwrap()
}

/// A key of the kind of department that issues type `t`.
pub fn issuer_key_for(issuer: &str, t: &CredentialType, rng: &mut StdRng) -> IssuerKey {
    issuer_key_of(
        issuer,
        &t.issuing_authorities[0],
        Suite::Bls12381Sha256,
        rng,
    )
}

pub fn resident_id(rng: &mut StdRng, birth: Date) -> String {
    let body = format!(
        "330106{}{:03}",
        birth.to_string().replace('-', ""),
        rng.gen_range(0..1000)
    );
    // GB 11643 check digit (ISO 7064 MOD 11-2).
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, c)| u32::from(c - b'0') * ((1u32 << (17 - i)) % 11))
        .sum();
    let check = (12 - sum % 11) % 11;
    let c = if check == 10 {
        'X'
    } else {
        char::from(b'0' + check as u8)
    };
    format!("{body}{c}")
}

fn random_uscc(rng: &mut StdRng) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let tail: String = (0..9)
        .map(|_| A[rng.gen_range(0..A.len())] as char)
        .collect();
    Uscc::with_check_char(&format!("91330106{tail}"))
        .unwrap()
        .to_string()
}

fn random_date(rng: &mut StdRng, from: &str, to: &str) -> Date {
    let a = Date::parse(from).unwrap().days();
    let b = Date::parse(to).unwrap().days();
    Date::from_days(rng.gen_range(a..=b)).unwrap()
}

/// Plausible values for every attribute of `t`; optional ones are present or
/// absent at random (or all present / all absent when forced).
pub fn sample_attributes(
    t: &CredentialType,
    rng: &mut StdRng,
    optional: Option<bool>,
) -> AttributeSet {
    let person = t.holder == HolderKind::Person;
    let birth = random_date(rng, "1940-01-01", "2005-12-31");
    // Within the test keys' windows (opened 30 days before now()).
    let issue = random_date(rng, "2026-01-31", "2026-03-01");
    let holder_id = resident_id(rng, birth);
    let mut set = AttributeSet::new();
    for a in &t.attributes {
        let present = !a.optional || optional.unwrap_or_else(|| rng.gen_bool(0.5));
        if !present {
            continue;
        }
        use AttributeValue as V;
        let v = match (a.name.as_str(), a.ty) {
            ("license_id", _) => V::String(
                LicenseId::generate(t.type_code.clone(), Uscc::parse(ISSUER).unwrap(), 1, rng)
                    .unwrap()
                    .to_string(),
            ),
            ("license_number", _) if t.license_number_format.is_some() => {
                V::String(holder_id.clone())
            }
            ("license_number", _) => {
                V::String(format!("No.{:010}", rng.gen_range(0..10_000_000_000u64)))
            }
            ("holder_name", _) if person => {
                V::String(["张伟", "王芳", "李娜", "刘洋", "陈静"][rng.gen_range(0..5)].into())
            }
            ("holder_name", _) => V::String("杭州西湖示例科技有限公司".into()),
            ("holder_id", _) if person => V::String(holder_id.clone()),
            ("holder_id", _) => V::String(random_uscc(rng)),
            ("holder_id_type", _) if person => V::String("居民身份证".into()),
            ("holder_id_type", _) => V::String("统一社会信用代码".into()),
            ("issuer_name", _) => V::String("杭州市西湖区示例发证机关".into()),
            ("issuer_code", _) => V::String(ISSUER.into()),
            ("issue_date" | "valid_from", _) => V::Date(issue),
            ("valid_until", _) => V::Date(Date::from_days(issue.days() + 3652).unwrap()),
            ("area_code", _) => V::String("330106".into()),
            ("birth_date", _) => V::Date(birth),
            ("sex", _) => V::String(["男", "女"][rng.gen_range(0..2)].into()),
            ("ethnicity", _) => V::String("汉".into()),
            (n, AttributeType::String) if n.ends_with("id_number") => {
                V::String(resident_id(rng, birth))
            }
            (n, AttributeType::String) if n.contains("address") || n == "domicile" => {
                V::String("浙江省杭州市西湖区文三路 90 号".into())
            }
            (n, AttributeType::String) => V::String(format!("{}-{}", n, rng.gen_range(1..100))),
            (_, AttributeType::Date) => V::Date(random_date(rng, "1960-01-01", "2030-12-31")),
            (_, AttributeType::Integer) => V::Integer(rng.gen_range(0..1_000_000)),
            (_, AttributeType::Boolean) => V::Boolean(rng.gen_bool(0.5)),
            (_, AttributeType::Bytes) => V::Bytes((0..32).map(|_| rng.gen()).collect()),
        };
        set.insert(a.name.clone(), v);
    }
    set
}

/// A different, well-typed value (for tampering); for an absent value, a present one.
pub fn altered(ty: AttributeType, v: Option<&AttributeValue>) -> serde_json::Value {
    use serde_json::json;
    match (ty, v) {
        (_, Some(AttributeValue::String(s))) => json!(format!("{s}X")),
        (_, Some(AttributeValue::Date(d))) => {
            let next = Date::from_days(d.days() + 1).or(Date::from_days(d.days() - 1));
            json!(next.unwrap().to_string())
        }
        (_, Some(AttributeValue::Integer(i))) => json!(i.wrapping_add(1)),
        (_, Some(AttributeValue::Boolean(b))) => json!(!b),
        (_, Some(AttributeValue::Bytes(b))) => {
            let mut b = b.clone();
            b.push(0);
            json!(hex::encode(b))
        }
        (AttributeType::String, None) => json!(""),
        (AttributeType::Date, None) => json!("1970-01-01"),
        (AttributeType::Integer, None) => json!(0),
        (AttributeType::Boolean, None) => json!(false),
        (AttributeType::Bytes, None) => json!(""),
    }
}
