//! Load errors name the file, line and column of the problem.

#![allow(clippy::unwrap_used)] // test and bench code: a failing unwrap is a failing run

mod common;

use common::catalogue;
use zkcred_policy::{LoadError, PolicyLoader, Registry};

/// A valid policy laid out so that positions are easy to read: every
/// `@NAME@` placeholder is replaced by a test.
const TEMPLATE: &str = r#"{
  "format": "zkcred-policy",
  "format_version": 1,
  "id": "pos-test",
  "version": 1,
  "verifier": { "id": "v.example", "name": "测试验证方", "region": "@REGION@" },
  "purpose": { "category": "employment_screening", "description": "d", "legal_basis": "l" },
  "retention": { "days": 30 },@EXTRA@
  "requirements": [
    {
      "id": "r",
      "types": ["resident_id_card", "@TYPE@"],
      "trust": { "agreements": [@AGREEMENTS@], "routes": [@ROUTES@] },
      "disclose": ["holder_name", "@DISCLOSE@"],
      "may_disclose": [@MAY@],
      "predicates": [
        { "attribute": "birth_date", "op": "at_least_before", "years": 16 },
        { "attribute": "birth_date", "op": "@OP@", "years": @YEARS@ }
      ]
    }
  ]
}
"#;

struct Doc {
    region: &'static str,
    extra: &'static str,
    ty: &'static str,
    agreements: &'static str,
    routes: &'static str,
    disclose: &'static str,
    may: &'static str,
    op: &'static str,
    years: &'static str,
}

const OK: Doc = Doc {
    region: "330106",
    extra: "",
    ty: "residence_permit",
    agreements: "",
    routes: "\"same_region\", \"agreement\"",
    disclose: "sex",
    may: "",
    op: "at_most_before",
    years: "70",
};

impl Doc {
    fn text(&self) -> String {
        TEMPLATE
            .replace("@REGION@", self.region)
            .replace("@EXTRA@", self.extra)
            .replace("@TYPE@", self.ty)
            .replace("@AGREEMENTS@", self.agreements)
            .replace("@ROUTES@", self.routes)
            .replace("@DISCLOSE@", self.disclose)
            .replace("@MAY@", self.may)
            .replace("@OP@", self.op)
            .replace("@YEARS@", self.years)
    }
}

fn load(doc: &Doc, registry: Option<&Registry>) -> Result<(), LoadError> {
    let mut l = PolicyLoader::new(catalogue());
    if let Some(r) = registry {
        l = l.with_registry(r);
    }
    l.parse("policy.json", &doc.text()).map(|_| ())
}

/// Asserts the error's code, `file:line:col` and JSON path.
fn expect(doc: Doc, code: &str, at: &str, path: &str) {
    let reg = Registry::builtin(catalogue()).unwrap();
    let e = load(&doc, Some(&reg)).unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert_eq!(e.location.to_string(), format!("policy.json:{at}"), "{e}");
    assert_eq!(e.location.path.to_string(), path, "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("policy.json:{at}: ")), "{shown}");
    assert!(shown.ends_with(&format!("[{code}]")), "{shown}");
}

#[test]
fn the_template_is_valid() {
    let reg = Registry::builtin(catalogue()).unwrap();
    load(&OK, Some(&reg)).unwrap();
}

#[test]
fn unknown_fields() {
    expect(
        Doc {
            extra: "\n  \"retention_days\": 30,",
            ..OK
        },
        "unknown_field",
        "9:3",
        "/retention_days",
    );
    // Inside a requirement, after Chinese text on an earlier line.
    let text = OK.text().replace("\"may_disclose\"", "\"may_discloze\"");
    let e = PolicyLoader::new(catalogue())
        .parse("policy.json", &text)
        .unwrap_err();
    assert_eq!(e.code(), "unknown_field");
    assert_eq!(e.location.to_string(), "policy.json:15:7");
    assert_eq!(e.location.path.to_string(), "/requirements/0/may_discloze");
    assert!(e.message.contains("may_discloze"));
    // After Chinese text on the same line: columns count characters.
    let text = OK.text().replace("\"region\"", "\"区域\": 1, \"regio\"");
    let e = PolicyLoader::new(catalogue())
        .parse("policy.json", &text)
        .unwrap_err();
    assert_eq!(e.location.to_string(), "policy.json:6:53", "{e}");
    assert_eq!(e.location.path.to_string(), "/verifier/区域");
}

#[test]
fn unknown_attributes_and_types() {
    // "sex" exists in both types; "address" only in the resident ID card.
    expect(
        Doc {
            disclose: "address",
            ..OK
        },
        "unknown_attribute",
        "14:35",
        "/requirements/0/disclose/1",
    );
    expect(
        Doc {
            may: "\"nickname\"",
            ..OK
        },
        "unknown_attribute",
        "15:24",
        "/requirements/0/may_disclose/0",
    );
    expect(
        Doc {
            ty: "pet_license",
            ..OK
        },
        "unknown_credential_type",
        "12:37",
        "/requirements/0/types/1",
    );
}

#[test]
fn contradictory_rules() {
    // Required and optional at once.
    expect(
        Doc {
            may: "\"sex\"",
            ..OK
        },
        "contradictory",
        "15:24",
        "/requirements/0/may_disclose/0",
    );
    // At least 16 and at most 10 years old.
    expect(
        Doc { years: "10", ..OK },
        "contradictory",
        "18:9",
        "/requirements/0/predicates/1",
    );
    // An agreement named while the agreement route is excluded.
    expect(
        Doc {
            agreements: "\"yrd\"",
            routes: "\"same_region\"",
            ..OK
        },
        "contradictory",
        "13:33",
        "/requirements/0/trust/agreements/0",
    );
    // An agreement that does not include the verifier's province.
    expect(
        Doc {
            agreements: "\"chuanyu\"",
            ..OK
        },
        "contradictory",
        "13:33",
        "/requirements/0/trust/agreements/0",
    );
}

#[test]
fn invalid_values_and_references() {
    expect(
        Doc {
            region: "990101",
            ..OK
        },
        "unknown_region",
        "6:63",
        "/verifier/region",
    );
    expect(
        Doc {
            agreements: "\"pearl-river\"",
            ..OK
        },
        "unknown_reference",
        "13:33",
        "/requirements/0/trust/agreements/0",
    );
    // A date operator on a string attribute: the position of the operator.
    let text = OK.text().replace(
        "{ \"attribute\": \"birth_date\", \"op\": \"@OP@\"",
        "{ \"attribute\": \"sex\", \"op\": \"after\"",
    );
    let text = text.replace(
        "\"op\": \"at_most_before\", \"years\": 70",
        "\"op\": \"after\"",
    );
    let text = text.replace(
        "{ \"attribute\": \"birth_date\", \"op\": \"after\" }",
        "{ \"attribute\": \"sex\", \"op\": \"after\" }",
    );
    let e = PolicyLoader::new(catalogue())
        .parse("policy.json", &text)
        .unwrap_err();
    assert_eq!(e.code(), "invalid_value", "{e}");
    assert_eq!(e.location.to_string(), "policy.json:18:37", "{e}");
    assert_eq!(
        e.location.path.to_string(),
        "/requirements/0/predicates/1/op"
    );
    // Without a registry the agreement reference is not checked.
    load(
        &Doc {
            agreements: "\"pearl-river\"",
            ..OK
        },
        None,
    )
    .unwrap();
}

#[test]
fn syntax_and_shape_errors() {
    let text = OK.text().replace("\"version\": 1,", "\"version\": 1");
    let e = PolicyLoader::new(catalogue())
        .parse("policy.json", &text)
        .unwrap_err();
    assert_eq!(e.code(), "syntax");
    assert_eq!(e.location.to_string(), "policy.json:6:3", "{e}");
    let text = OK.text().replace("\"days\": 30", "\"days\": -1");
    let e = PolicyLoader::new(catalogue())
        .parse("policy.json", &text)
        .unwrap_err();
    assert_eq!(e.code(), "shape");
    assert_eq!(e.location.path.to_string(), "/retention/days");
    assert_eq!(e.location.at.line, 8);
    let text = OK.text().replace("employment_screening", "marketing");
    let e = PolicyLoader::new(catalogue())
        .parse("policy.json", &text)
        .unwrap_err();
    assert_eq!(e.code(), "shape");
    assert_eq!(e.location.path.to_string(), "/purpose/category");
    // Columns count characters: the verifier name before the region is Chinese.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.json");
    std::fs::write(&p, OK.text().replace("330106", "33010")).unwrap();
    let e = PolicyLoader::new(catalogue()).load(&p).unwrap_err();
    assert_eq!(
        e.location.to_string(),
        format!("{}:6:63", p.display()),
        "{e}"
    );
    let e = PolicyLoader::new(catalogue())
        .load(dir.path().join("missing.json"))
        .unwrap_err();
    assert_eq!(e.code(), "io");
}

/// A two-requirement policy with `links` (and `@PRED@` extra predicates on
/// the license).
fn linked(links: &str, licence_disclose: &str, pred: &str) -> String {
    format!(
        r#"{{
  "format": "zkcred-policy", "format_version": 1, "id": "links", "version": 1,
  "verifier": {{ "id": "v.example", "name": "租车", "region": "440305" }},
  "purpose": {{ "category": "identity_registration", "description": "d", "legal_basis": "l" }},
  "retention": {{ "days": 30 }},
  "requirements": [
    {{ "id": "renter", "types": ["resident_id_card", "residence_permit"], "disclose": ["holder_name"] }},
    {{ "id": "licence", "types": ["drivers_license"], "disclose": [{licence_disclose}],
      "predicates": [{pred}] }}
  ],
  "links": {links}
}}"#
    )
}

#[test]
fn link_errors() {
    let parse = |text: &str| PolicyLoader::new(catalogue()).parse("policy.json", text);
    let ok = linked(
        r#"[ { "attribute": "holder_id", "requirements": ["renter", "licence"] } ]"#,
        "",
        "",
    );
    let p = parse(&ok).unwrap();
    assert_eq!(p.links.len(), 1);
    assert_eq!(p.links[0].requirements, vec![0, 1]);
    assert_eq!(p.requirements[1].proven_attributes(), vec!["holder_id"]);
    // Order in the file does not matter: the first requirement is the anchor.
    let swapped = linked(
        r#"[ { "attribute": "holder_id", "requirements": ["licence", "renter"] } ]"#,
        "",
        "",
    );
    assert_eq!(parse(&swapped).unwrap().links[0].requirements, vec![0, 1]);
    let cases = [
        (
            linked(
                r#"[ { "attribute": "holder_id", "requirements": ["renter", "guest"] } ]"#,
                "",
                "",
            ),
            "unknown_reference",
            r#""guest""#,
            "/links/0/requirements/1",
        ),
        (
            linked(
                r#"[ { "attribute": "holder_id", "requirements": ["renter"] } ]"#,
                "",
                "",
            ),
            "invalid_value",
            r#"["renter"]"#,
            "/links/0/requirements",
        ),
        (
            linked(
                r#"[ { "attribute": "holder_id", "requirements": ["renter", "renter"] } ]"#,
                "",
                "",
            ),
            "duplicate",
            r#""renter"]"#,
            "/links/0/requirements/1",
        ),
        // Missing from the driver's license.
        (
            linked(
                r#"[ { "attribute": "ethnicity", "requirements": ["renter", "licence"] } ]"#,
                "",
                "",
            ),
            "unknown_attribute",
            r#""ethnicity""#,
            "/links/0/attribute",
        ),
        // Optional: two credentials without it would prove equal.
        (
            linked(
                r#"[ { "attribute": "valid_until", "requirements": ["renter", "licence"] } ]"#,
                "",
                "",
            ),
            "invalid_value",
            r#""valid_until""#,
            "/links/0/attribute",
        ),
        // Disclosed by one of them.
        (
            linked(
                r#"[ { "attribute": "holder_id", "requirements": ["renter", "licence"] } ]"#,
                r#""holder_id""#,
                "",
            ),
            "contradictory",
            r#""licence"]"#,
            "/links/0/requirements/1",
        ),
        // The same link twice.
        (
            linked(
                r#"[ { "attribute": "holder_id", "requirements": ["renter", "licence"] },
           { "attribute": "holder_id", "requirements": ["licence", "renter"] } ]"#,
                "",
                "",
            ),
            "duplicate",
            r#"{ "attribute": "holder_id", "requirements": ["licence""#,
            "/links/1",
        ),
        (
            linked(
                r#"[ { "attribute": "holder_id", "requirements": ["renter", "licence"], "via": 1 } ]"#,
                "",
                "",
            ),
            "unknown_field",
            r#""via""#,
            "/links/0/via",
        ),
    ];
    // line:column (characters) of `needle`, searched from the links on.
    let pos = |text: &str, needle: &str| {
        let from = text.find("\"links\"").unwrap();
        let at = from + text[from..].find(needle).unwrap();
        let line = text[..at].matches('\n').count() + 1;
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        format!("{line}:{}", text[start..at].chars().count() + 1)
    };
    for (text, code, needle, path) in cases {
        let e = parse(&text).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        let at = pos(&text, needle);
        assert_eq!(e.location.to_string(), format!("policy.json:{at}"), "{e}");
        assert_eq!(e.location.path.to_string(), path, "{e}");
    }
    // Eight statements per entry: seven predicates and the link fit, eight do not.
    let preds = |n: usize| {
        (0..n)
            .map(|i| {
                format!(
                    r#"{{ "attribute": "penalty_points", "op": "at_most", "value": {} }}"#,
                    20 + i
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let link = r#"[ { "attribute": "holder_id", "requirements": ["renter", "licence"] } ]"#;
    parse(&linked(link, "", &preds(7))).unwrap();
    let e = parse(&linked(link, "", &preds(8))).unwrap_err();
    assert_eq!(e.code(), "invalid_value", "{e}");
    assert_eq!(
        e.location.path.to_string(),
        "/requirements/1/predicates",
        "{e}"
    );
    assert!(e.message.contains("at most 8"), "{e}");
}
