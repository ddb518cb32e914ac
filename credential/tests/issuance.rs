//! Issuance refuses what no department would sign (issue 10 §3): one test
//! per refused input, each asserting the attribute and the stable code, and
//! paper conversions accepted only with the explicit back-dating option.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::*;
use time::Duration;
use zkcred_credential::formats::id_number;
use zkcred_credential::{
    issue, issue_with, AttributeError, AttributeSet, AttributeValue, Catalogue, Credential, Date,
    Error, IssueOptions, IssuerKey, KeySet, LicenseId, Uscc,
};

const ID: &str = "330106199005172313";

fn s(v: &str) -> AttributeValue {
    AttributeValue::String(v.into())
}

fn d(v: &str) -> AttributeValue {
    AttributeValue::Date(Date::parse(v).unwrap())
}

/// A valid resident ID card issued on 2026-02-20 (now() is 2026-03-01).
fn id_card(rng: &mut rand::rngs::StdRng) -> AttributeSet {
    let t = Catalogue::builtin().get("resident_id_card").unwrap();
    AttributeSet::new()
        .with(
            "license_id",
            s(
                &LicenseId::generate(t.type_code.clone(), Uscc::parse(ISSUER).unwrap(), 1, rng)
                    .unwrap()
                    .to_string(),
            ),
        )
        .with("license_number", s(ID))
        .with("holder_name", s("张三"))
        .with("holder_id", s(ID))
        .with("holder_id_type", s("居民身份证"))
        .with("issuer_name", s("杭州市公安局西湖区分局"))
        .with("issuer_code", s(ISSUER))
        .with("issue_date", d("2026-02-20"))
        .with("valid_from", d("2026-02-20"))
        .with("valid_until", d("2046-02-20"))
        .with("area_code", s("330106"))
        .with("sex", s("男"))
        .with("ethnicity", s("汉"))
        .with("birth_date", d("1990-05-17"))
        .with("address", s("浙江省杭州市西湖区文三路 90 号"))
        .with("photo_digest", AttributeValue::Bytes(vec![0xab; 32]))
}

/// A valid business license of 杭州西湖示例科技有限公司.
fn business_license(rng: &mut rand::rngs::StdRng) -> AttributeSet {
    let t = Catalogue::builtin().get("business_license").unwrap();
    AttributeSet::new()
        .with(
            "license_id",
            s(
                &LicenseId::generate(t.type_code.clone(), Uscc::parse(ISSUER).unwrap(), 1, rng)
                    .unwrap()
                    .to_string(),
            ),
        )
        .with("license_number", s("330106000123456"))
        .with("holder_name", s("杭州西湖示例科技有限公司"))
        .with(
            "holder_id",
            s(Uscc::with_check_char("91330106MA2B3C4D5").unwrap().as_str()),
        )
        .with("holder_id_type", s("统一社会信用代码"))
        .with("issuer_name", s("杭州市西湖区市场监督管理局"))
        .with("issuer_code", s(ISSUER))
        .with("issue_date", d("2026-02-20"))
        .with("valid_from", d("2026-02-20"))
        .with("area_code", s("330106"))
        .with("entity_type", s("有限责任公司"))
        .with("legal_representative", s("李四"))
        .with("establishment_date", d("2026-02-20"))
        .with("domicile", s("浙江省杭州市西湖区文三路 90 号"))
        .with("business_scope", s("软件开发"))
}

fn police(rng: &mut rand::rngs::StdRng) -> IssuerKey {
    issuer_key_of(
        ISSUER,
        "public_security",
        zkcred_crypto::bbs::Suite::Bls12381Sha256,
        rng,
    )
}

fn market(rng: &mut rand::rngs::StdRng) -> IssuerKey {
    issuer_key_of(
        ISSUER,
        "market_regulation",
        zkcred_crypto::bbs::Suite::Bls12381Sha256,
        rng,
    )
}

fn issue_as(key: &IssuerKey, ty: &str, attrs: &AttributeSet) -> Result<Credential, Error> {
    issue(Catalogue::builtin(), key, ty, attrs, now(), &mut rng(99))
}

/// Issues an ID card with `name` set to `value` (or removed) and returns the
/// issuance error's attribute and code.
fn refused_id_card(name: &str, value: Option<AttributeValue>) -> (String, &'static str) {
    let mut rng = rng(1);
    let key = police(&mut rng);
    let mut attrs = id_card(&mut rng);
    match value {
        Some(v) => {
            attrs.insert(name, v);
        }
        None => {
            let mut next = AttributeSet::new();
            for (k, v) in attrs.iter().filter(|(k, _)| *k != name) {
                next.insert(k, v.clone());
            }
            attrs = next;
        }
    }
    match issue_as(&key, "resident_id_card", &attrs) {
        Err(Error::Issuance(e)) => {
            // The message names the attribute and the code.
            assert!(
                e.to_string().starts_with(&format!("{}: ", e.attribute))
                    && e.to_string().ends_with(&format!("[{}]", e.code())),
                "{e}"
            );
            (e.attribute.clone(), e.code())
        }
        other => panic!("{name}: expected an issuance error, got {other:?}"),
    }
}

fn attr_code(name: &str, code: &'static str) -> (String, &'static str) {
    (name.to_owned(), code)
}

#[test]
fn the_valid_examples_are_issued() {
    let mut rng = rng(2);
    let key = police(&mut rng);
    let mut keys = KeySet::new();
    keys.insert(key.public().clone());
    let cred = issue_as(&key, "resident_id_card", &id_card(&mut rng)).unwrap();
    cred.verify(Catalogue::builtin(), &keys).unwrap();
    let key = market(&mut rng);
    issue_as(&key, "business_license", &business_license(&mut rng)).unwrap();
}

#[test]
fn wrong_id_number_check_digit() {
    // 330106199005172313 is valid; the last digit changed.
    assert_eq!(
        refused_id_card("holder_id", Some(s("330106199005172314"))),
        attr_code("holder_id", "id_number_check_digit")
    );
    // The license number of an ID card must also be a valid ID number.
    assert_eq!(
        refused_id_card("license_number", Some(s("330106199005172314"))),
        attr_code("license_number", "id_number_check_digit")
    );
}

#[test]
fn birth_date_contradicting_the_id_number() {
    assert_eq!(
        refused_id_card("birth_date", Some(d("1990-05-18"))),
        attr_code("birth_date", "birth_date_mismatch")
    );
}

#[test]
fn thirtieth_of_february() {
    // As a date attribute: not a date at all (refused when parsed).
    let t = Catalogue::builtin().get("resident_id_card").unwrap();
    let mut json: serde_json::Map<String, serde_json::Value> =
        id_card(&mut rng(3)).to_json(t).into_iter().collect();
    json.insert("birth_date".into(), "1990-02-30".into());
    let err = AttributeSet::from_json(t, &serde_json::Value::Object(json)).unwrap_err();
    assert!(
        matches!(&err, AttributeError::InvalidDate { attribute, .. } if attribute == "birth_date")
    );
    assert_eq!(err.code(), "invalid_date");
    // Inside an ID number (with a correct check digit): not a real birth date.
    let first17 = "33010619900230231";
    let id = format!("{first17}{}", id_number::check_char(first17).unwrap());
    assert_eq!(
        refused_id_card("holder_id", Some(s(&id))),
        attr_code("holder_id", "id_number_birth_date")
    );
}

#[test]
fn non_numeric_area_code() {
    assert_eq!(
        refused_id_card("area_code", Some(s("33O1O6"))),
        attr_code("area_code", "area_code_format")
    );
}

#[test]
fn two_digit_area_code() {
    assert_eq!(
        refused_id_card("area_code", Some(s("33"))),
        attr_code("area_code", "area_code_format")
    );
}

#[test]
fn area_code_of_no_province() {
    assert_eq!(
        refused_id_card("area_code", Some(s("000000"))),
        attr_code("area_code", "area_code_province")
    );
}

#[test]
fn issue_date_in_the_future() {
    // now() is 2026-03-01 16:00 in Beijing; 2 March has not begun.
    let (mut rng, key) = {
        let mut r = rng(4);
        let k = police(&mut r);
        (r, k)
    };
    let attrs = id_card(&mut rng)
        .with("issue_date", d("2026-03-02"))
        .with("valid_from", d("2026-03-02"));
    let err = issue_as(&key, "resident_id_card", &attrs).unwrap_err();
    assert!(
        matches!(&err, Error::Issuance(e) if e.attribute == "issue_date" && e.code() == "date_in_future"),
        "{err}"
    );
    // Today (Beijing) is fine, even a minute after midnight UTC+8 while UTC
    // is still on the day before.
    let attrs = id_card(&mut rng)
        .with("issue_date", d("2026-03-02"))
        .with("valid_from", d("2026-03-02"));
    let just_after_midnight = time::OffsetDateTime::from_unix_timestamp(1_772_380_860).unwrap();
    issue(
        Catalogue::builtin(),
        &key,
        "resident_id_card",
        &attrs,
        just_after_midnight,
        &mut rng,
    )
    .unwrap();
}

#[test]
fn birth_date_in_the_future() {
    // With a holder whose ID number says the same future date, so that only
    // the future rule can refuse it.
    let first17 = "33010620260302231";
    let id = format!("{first17}{}", id_number::check_char(first17).unwrap());
    let mut rng = rng(5);
    let key = police(&mut rng);
    let attrs = id_card(&mut rng)
        .with("holder_id", s(&id))
        .with("license_number", s(&id))
        .with("birth_date", d("2026-03-02"));
    let err = issue_as(&key, "resident_id_card", &attrs).unwrap_err();
    assert!(
        matches!(&err, Error::Issuance(e) if e.attribute == "birth_date" && e.code() == "date_in_future"),
        "{err}"
    );
}

#[test]
fn license_already_expired_at_issuance() {
    assert_eq!(
        refused_id_card("valid_until", Some(d("2026-02-28"))),
        attr_code("valid_until", "already_expired")
    );
}

#[test]
fn business_license_uscc_fails_its_check() {
    let mut rng = rng(6);
    let key = market(&mut rng);
    let good = Uscc::with_check_char("91330106MA2B3C4D5").unwrap();
    let last = good.as_str().as_bytes()[17];
    let wrong = format!(
        "{}{}",
        &good.as_str()[..17],
        if last == b'0' { '1' } else { '0' }
    );
    let attrs = business_license(&mut rng).with("holder_id", s(&wrong));
    let err = issue_as(&key, "business_license", &attrs).unwrap_err();
    assert!(
        matches!(&err, Error::Issuance(e) if e.attribute == "holder_id" && e.code() == "uscc_check_character"),
        "{err}"
    );
    // 17 characters: wrong format.
    let attrs = business_license(&mut rng).with("holder_id", s("91330106MA2B3C4D5"));
    assert!(matches!(
        issue_as(&key, "business_license", &attrs),
        Err(Error::Issuance(e)) if e.code() == "uscc_format"
    ));
    // A business is not identified by an ID card.
    let attrs = business_license(&mut rng).with("holder_id_type", s("居民身份证"));
    assert!(matches!(
        issue_as(&key, "business_license", &attrs),
        Err(Error::Issuance(e)) if e.attribute == "holder_id_type" && e.code() == "holder_id_type"
    ));
}

#[test]
fn empty_name() {
    assert_eq!(
        refused_id_card("holder_name", Some(s(""))),
        attr_code("holder_name", "empty_value")
    );
    assert_eq!(
        refused_id_card("holder_name", Some(s(" \u{3000} "))),
        attr_code("holder_name", "empty_value")
    );
    assert_eq!(
        refused_id_card("holder_name", Some(s(" 张三"))),
        attr_code("holder_name", "surrounding_whitespace")
    );
    assert_eq!(
        refused_id_card("address", Some(s("文三路\u{0}90号"))),
        attr_code("address", "control_character")
    );
}

#[test]
fn market_regulator_issuing_a_resident_id_card() {
    let mut rng = rng(7);
    let key = market(&mut rng);
    let err = issue_as(&key, "resident_id_card", &id_card(&mut rng)).unwrap_err();
    assert!(
        matches!(&err, Error::Issuance(e) if e.attribute == "issuer" && e.code() == "authority_not_permitted"),
        "{err}"
    );
    // And a public security bureau does not issue business licenses.
    let key = police(&mut rng);
    assert!(matches!(
        issue_as(&key, "business_license", &business_license(&mut rng)),
        Err(Error::Issuance(e)) if e.code() == "authority_not_permitted"
    ));
    // A key that declares no kind cannot issue a restricted type.
    let bare = IssuerKey::generate(
        ISSUER,
        zkcred_crypto::bbs::Suite::Bls12381Sha256,
        now() - Duration::days(1),
        now() + Duration::days(1),
        &mut rng,
    )
    .unwrap();
    assert!(matches!(
        issue_as(&bare, "resident_id_card", &id_card(&mut rng)),
        Err(Error::Issuance(e)) if e.code() == "authority_undeclared"
    ));
    assert!(bare.public().authority.is_none());
}

#[test]
fn drivers_license_number_is_the_holders_id_number() {
    let c = Catalogue::builtin();
    let t = c.get("drivers_license").unwrap();
    let mut rng = rng(8);
    let key = police(&mut rng);
    let attrs = sample_attributes(t, &mut rng, Some(true));
    issue_as(&key, "drivers_license", &attrs).unwrap();
    let other = resident_id(&mut rng, Date::parse("1980-01-01").unwrap());
    let bad = attrs.clone().with("license_number", s(&other));
    assert!(matches!(
        issue_as(&key, "drivers_license", &bad),
        Err(Error::Issuance(e)) if e.attribute == "license_number" && e.code() == "license_number_mismatch"
    ));
    let bad = attrs.with("license_number", s("No.1"));
    assert!(matches!(
        issue_as(&key, "drivers_license", &bad),
        Err(Error::Issuance(e)) if e.code() == "id_number_format"
    ));
}

#[test]
fn paper_conversion_needs_the_backdating_option() {
    // A license issued in 2015 on paper, converted today with a key made
    // 30 days ago.
    let mut rng = rng(9);
    let key = police(&mut rng);
    let paper = id_card(&mut rng)
        .with("issue_date", d("2015-06-01"))
        .with("valid_from", d("2015-06-01"))
        .with("valid_until", d("2035-06-01"));
    let err = issue_as(&key, "resident_id_card", &paper).unwrap_err();
    assert!(
        matches!(&err, Error::Issuance(e) if e.attribute == "issue_date" && e.code() == "backdated_issue_date"),
        "{err}"
    );
    assert!(err.to_string().contains("--backdated"), "{err}");
    let conversion = IssueOptions {
        allow_backdated: true,
    };
    let cred = issue_with(
        Catalogue::builtin(),
        &key,
        "resident_id_card",
        &paper,
        &conversion,
        now(),
        &mut rng,
    )
    .unwrap();
    assert_eq!(cred.attributes["issue_date"], "2015-06-01");
    // The option does not lift the other rules: an expired paper license
    // stays refused.
    let expired = paper.with("valid_until", d("2025-06-01"));
    assert!(matches!(
        issue_with(
            Catalogue::builtin(),
            &key,
            "resident_id_card",
            &expired,
            &conversion,
            now(),
            &mut rng,
        ),
        Err(Error::Issuance(e)) if e.code() == "already_expired"
    ));
    // Dated on the day the key opened (Beijing): not back-dated.
    let opened = Date::from_datetime(key.public().not_before).unwrap();
    let on_time = id_card(&mut rng)
        .with("issue_date", AttributeValue::Date(opened))
        .with("valid_from", AttributeValue::Date(opened));
    issue_as(&key, "resident_id_card", &on_time).unwrap();
}

#[test]
fn validity_ending_before_it_starts() {
    let mut rng = rng(10);
    let key = police(&mut rng);
    let attrs = id_card(&mut rng).with("valid_from", d("2047-01-01"));
    assert!(matches!(
        issue_as(&key, "resident_id_card", &attrs),
        Err(Error::Attribute(AttributeError::Invalid { attribute, .. })) if attribute == "valid_until"
    ));
}

#[test]
fn issuer_code_must_be_a_uscc() {
    assert_eq!(
        refused_id_card("issuer_code", Some(s("11330105002500287D"))),
        attr_code("issuer_code", "uscc_check_character")
    );
    assert_eq!(
        refused_id_card("holder_id_type", Some(s("统一社会信用代码"))),
        attr_code("holder_id_type", "holder_id_type")
    );
}
