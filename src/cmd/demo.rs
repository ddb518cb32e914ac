//! `zkcred demo`: the whole system in one command, on embedded defaults.
//!
//! Sets up issuing departments in three provinces under the shipped
//! mutual-recognition agreements, issues licenses to three people, starts the
//! verifier service on a loopback port with a fresh database, and walks
//! through four scenes over real HTTP:
//!
//! 1. a Shanghai hotel checks in a guest with a Chongqing resident ID card
//!    and learns the name and the photo digest, not the ID number;
//! 2. a Shanghai employer confirms a Jiangsu professional qualification
//!    (Yangtze River Delta agreement);
//! 3. a Shanghai landlord's request for a Sichuan real-estate certificate is
//!    refused: no agreement covers Shanghai and Sichuan for that type;
//! 4. the hotel's challenge again: the desk that lost its answer learns the
//!    decision already taken by the challenge (no second record); the
//!    identical submission sent again without its `Idempotency-Key`, and
//!    another presentation on the spent challenge, are refused as replays;
//!
//! and on to scene 11 (`rental_desk`): licence status, where a rental
//! desk accepts a driver's licence valid in its issuer's current status
//! epoch, refuses it once the licence is suspended (and the driver's
//! wallet, once synced, refuses to present it), and accepts it again after
//! the suspension is lifted; the log keeps the epoch number only.
//!
//! A regulator registers each verifier's request key and policy first; the
//! service signs every request it issues, and each wallet checks the
//! request (signature, registration, the registered policy's bounds:
//! `zkcred_policy::consent`) before it answers.
//!
//! Then it shows the regulator's view: the policies' minimisation audit, the
//! disclosure log (attribute names and outcomes, never values), a signed
//! tree head, and an offline integrity check of the log export.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use rand::rngs::OsRng;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use zkcred_api::client::{Client, ClientError};
use zkcred_api::{Accepted, DocKind, ProblemDocument, RecordsQuery, Submission};
use zkcred_credential::presentation::{
    KeyRole, RegisteredVerifier, SecretSigningKey, TrustedRegulators, VerifierRegistration,
};
use zkcred_credential::{
    issue_to, present, AttributeSet, AttributeValue, Catalogue, Credential, Date, HolderCredential,
    HolderSecret, IssueOptions, IssuerKey, KdfParams, LicenseId, Presentation, PresentationRequest,
    Uscc, Wallet,
};
use zkcred_crypto::bbs::Suite;
use zkcred_policy::consent::{self, Consent, Unsigned};
use zkcred_policy::PolicyLoader;
use zkcred_service::http::{Config, RequestKeyConfig, Role, RunningServer, Server, TokenConfig};
use zkcred_translog::verify_export;

use super::client;

mod rental_desk;

/// `zkcred demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the service's database, log key and keys in DIR (default: a
    /// temporary folder removed at the end).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

const ADMIN: &str = "demo-admin-token-7f3a9c";
const HOTEL: &str = "demo-hotel-token-51be20";
const EMPLOYER: &str = "demo-employer-token-c04d17";
const LANDLORD: &str = "demo-landlord-token-9e66a2";
const REGULATOR: &str = "demo-regulator-token-2d8b5e";
const KTV: &str = "demo-ktv-token-6a41f8";
const RENTAL: &str = "demo-rental-token-b37c05";
const HOTEL2: &str = "demo-hotel2-token-0c9e44";
const DESK: &str = "demo-desk-token-5d17e9";

/// An issuing department of the demo.
struct Department {
    id: String,
    name_zh: &'static str,
    name_en: &'static str,
    region: &'static str,
    authority: &'static str,
    types: &'static [&'static str],
    key: IssuerKey,
}

impl Department {
    fn new(
        first17: &str,
        name_zh: &'static str,
        name_en: &'static str,
        region: &'static str,
        authority: &'static str,
        types: &'static [&'static str],
        now: OffsetDateTime,
    ) -> Result<Self> {
        let id = Uscc::with_check_char(first17)?.to_string();
        let key = IssuerKey::generate(
            &id,
            Suite::Bls12381Sha256,
            now - Duration::days(30),
            now + Duration::days(3 * 365),
            &mut OsRng,
        )?
        .with_authority(authority)?;
        Ok(Department {
            id,
            name_zh,
            name_en,
            region,
            authority,
            types,
            key,
        })
    }

    fn registry_document(&self) -> Value {
        json!({
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "region": self.region,
            "authority": self.authority,
            "types": self.types,
        })
    }

    /// `attrs` with what the department fills in: a fresh licence id, its
    /// name, code and region, the 2024 issue dates.
    fn complete(&self, credential_type: &str, attrs: AttributeSet) -> Result<AttributeSet> {
        let catalogue = Catalogue::builtin();
        let t = catalogue
            .get(credential_type)
            .ok_or_else(|| anyhow!("unknown type {credential_type}"))?;
        let license_id =
            LicenseId::generate(t.type_code.clone(), Uscc::parse(&self.id)?, 1, &mut OsRng)?;
        let d = date;
        let s = |v: &str| AttributeValue::String(v.into());
        Ok(attrs
            .with("license_id", s(&license_id.to_string()))
            .with("issuer_name", s(self.name_zh))
            .with("issuer_code", s(&self.id))
            .with("issue_date", d("2024-03-01")?)
            .with("valid_from", d("2024-03-01")?)
            .with("area_code", s(self.region)))
    }

    /// Issues to `holder`'s wallet secret: the wallet's commitment, the
    /// department's blind signature and the wallet's binding, in process.
    fn issue(
        &self,
        credential_type: &str,
        attrs: AttributeSet,
        holder: &HolderSecret,
        now: OffsetDateTime,
    ) -> Result<Credential> {
        let attrs = self.complete(credential_type, attrs)?;
        Ok(issue_to(
            Catalogue::builtin(),
            &self.key,
            credential_type,
            &attrs,
            &CONVERSION,
            holder,
            now,
            &mut OsRng,
        )?)
    }
}

/// The people's licenses were issued on paper in 2024 and are converted
/// now, with keys made this month: back-dated issuance.
const CONVERSION: IssueOptions = IssueOptions {
    allow_backdated: true,
};

/// The demo's people and what they hold.
struct Person {
    name: &'static str,
    /// The wallet's holder secret: every license of the person is bound
    /// to it.
    holder: HolderSecret,
    credential: Credential,
    key: zkcred_credential::IssuerPublicKey,
    /// Further licenses from the same department.
    more: Vec<Credential>,
    /// The regulator keys the wallet trusts to vouch for verifiers.
    trusts: TrustedRegulators,
}

impl Person {
    /// The wallet's check of a request before anything is made: signed by
    /// a verifier a trusted regulator registered, unaltered, within the
    /// registered policy.
    fn check(&self, req: &PresentationRequest) -> Result<Consent> {
        consent::check(
            Catalogue::builtin(),
            req,
            &self.trusts,
            OffsetDateTime::now_utc(),
            Unsigned::Refuse,
        )
        .map_err(|e| anyhow!("{}'s wallet refuses the request: {e}", self.name))
    }

    /// The wallet's answer, once [`Person::check`] passed: for each
    /// requested entry the first license of an accepted type; statements
    /// proven, values the credential does not meet refused before anything
    /// leaves the phone.
    fn answer(&self, req: &PresentationRequest) -> Result<Presentation> {
        self.check(req)?;
        let mut chosen = Vec::with_capacity(req.credentials.len());
        for rc in &req.credentials {
            let c = std::iter::once(&self.credential)
                .chain(&self.more)
                .find(|c| rc.accepts(&c.credential_type))
                .ok_or_else(|| anyhow!("{} holds no {}", self.name, rc.credential_type))?;
            chosen.push((c, &self.key));
        }
        Ok(present(
            Catalogue::builtin(),
            req,
            &chosen,
            OffsetDateTime::now_utc(),
            &mut OsRng,
        )?)
    }
}

fn policy(
    id: &str,
    title: &str,
    verifier: (&str, &str, &str),
    purpose: (&str, &str, &str),
    retention_days: u32,
    requirement: Value,
) -> Value {
    json!({
        "format": "zkcred-policy",
        "format_version": 1,
        "id": id,
        "version": 1,
        "title": title,
        "verifier": { "id": verifier.0, "name": verifier.1, "region": verifier.2 },
        "purpose": { "category": purpose.0, "description": purpose.1, "legal_basis": purpose.2 },
        "retention": { "days": retention_days },
        "freshness": { "request_ttl_seconds": 300 },
        "requirements": [requirement],
    })
}

/// A date attribute from `YYYY-MM-DD`.
fn date(s: &str) -> Result<AttributeValue> {
    Date::parse(s)
        .map(AttributeValue::Date)
        .ok_or_else(|| anyhow!("not a date: {s}"))
}

fn heading(out: &mut dyn Write, text: &str) -> Result<()> {
    writeln!(out)?;
    writeln!(out, "━━ {text} ━━")?;
    Ok(())
}

/// Runs the demo, printing to `out`. Returns an error if any scene did not
/// end as it should.
pub fn run(args: DemoArgs, out: &mut dyn Write) -> Result<()> {
    let tmp;
    let dir: PathBuf = match args.data_dir {
        Some(d) => {
            std::fs::create_dir_all(&d)?;
            d
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(demo(&dir, out))
}

/// Writes a secret key file readable by its owner only.
fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(data)?;
    Ok(())
}

/// The regulator's key, and for each verifier a request key and the
/// registration of its policies, written under `dir` for the service's
/// `[[request_keys]]`; prints what the regulator signed.
fn register_verifiers(
    dir: &Path,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<(TrustedRegulators, Vec<RequestKeyConfig>)> {
    let regulator = SecretSigningKey::generate(KeyRole::Regulator, &mut OsRng);
    let keys = dir.join("request-keys");
    std::fs::create_dir_all(&keys)?;
    write_private(&keys.join("regulator.key"), &regulator.to_secret_json())?;
    writeln!(
        out,
        "  regulator key {} (every wallet trusts it)",
        regulator.public().key_id()
    )?;
    let loader = PolicyLoader::new(Catalogue::builtin());
    let mut configs = Vec::new();
    for doc in policies()? {
        let policy = loader
            .parse("demo policy", &doc.to_string())
            .map_err(|e| anyhow!("{e}"))?;
        let v = &policy.spec.verifier;
        let key = SecretSigningKey::generate(KeyRole::Request, &mut OsRng);
        let registration = VerifierRegistration::issue(
            &regulator,
            RegisteredVerifier {
                id: v.id.clone(),
                name: v.name.clone(),
                region: v.region.clone(),
            },
            key.public(),
            vec![serde_json::to_value(&policy.spec)?],
            now - Duration::minutes(5),
            now + Duration::days(365),
        )?;
        let (key_file, reg_file) = (
            keys.join(format!("{}.key", v.id)),
            keys.join(format!("{}.registration.json", v.id)),
        );
        write_private(&key_file, &key.to_secret_json())?;
        std::fs::write(&reg_file, registration.to_json())?;
        writeln!(
            out,
            "  {} ({}): request key {}, policy {} v{}",
            v.id,
            v.name,
            key.public().key_id(),
            policy.id(),
            policy.version()
        )?;
        configs.push(RequestKeyConfig {
            verifier: v.id.clone(),
            key: key_file,
            registration: reg_file,
        });
    }
    let mut trusted = TrustedRegulators::new();
    trusted.insert(regulator.public().clone())?;
    Ok((trusted, configs))
}

fn config(dir: &Path, request_keys: Vec<RequestKeyConfig>) -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".parse().expect("loopback address"),
        database: dir.join("zkcred.db"),
        log_key: dir.join("log.key"),
        tokens: vec![
            TokenConfig::new("demo-admin", Role::Admin, ADMIN),
            TokenConfig::new("hotel.bund.example.cn", Role::Verifier, HOTEL),
            TokenConfig::new("hr.pudong.example.cn", Role::Verifier, EMPLOYER),
            TokenConfig::new("lettings.xuhui.example.cn", Role::Verifier, LANDLORD),
            TokenConfig::new("regulator.sh.gov.cn", Role::Regulator, REGULATOR),
            TokenConfig::new("ktv.jingan.example.cn", Role::Verifier, KTV),
            TokenConfig::new("rent.hongqiao.example.cn", Role::Verifier, RENTAL),
            TokenConfig::new("hotel.lujiazui.example.cn", Role::Verifier, HOTEL2),
            TokenConfig::new(rental_desk::VERIFIER, Role::Verifier, DESK),
        ],
        request_keys,
        ..Config::default()
    };
    c.disclosure_log.sign_interval_secs = 0;
    c
}

/// The service's clients, one per role, sharing one connection pool.
struct Roles {
    admin: Client,
    hotel: Client,
    employer: Client,
    landlord: Client,
    regulator: Client,
    ktv: Client,
    rental: Client,
    hotel2: Client,
    desk: Client,
}

impl Roles {
    fn new(base: &str) -> Result<Self> {
        let c = Client::new(base, None)?;
        Ok(Roles {
            admin: c.with_token(ADMIN)?,
            hotel: c.with_token(HOTEL)?,
            employer: c.with_token(EMPLOYER)?,
            landlord: c.with_token(LANDLORD)?,
            regulator: c.with_token(REGULATOR)?,
            ktv: c.with_token(KTV)?,
            rental: c.with_token(RENTAL)?,
            hotel2: c.with_token(HOTEL2)?,
            desk: c.with_token(DESK)?,
        })
    }
}

/// The issuing departments: Chongqing public security, Jiangsu human
/// resources, Sichuan natural resources.
fn departments(now: OffsetDateTime) -> Result<[Department; 3]> {
    Ok([
        Department::new(
            "11500000MB1540231",
            "重庆市公安局",
            "Chongqing Public Security Bureau",
            "500000",
            "public_security",
            &["resident_id_card", "drivers_license"],
            now,
        )?,
        Department::new(
            "11320000014000163",
            "江苏省人力资源和社会保障厅",
            "Jiangsu Department of Human Resources and Social Security",
            "320000",
            "human_resources_social_security",
            &["professional_qualification_certificate"],
            now,
        )?,
        Department::new(
            "11510000MB1536628",
            "四川省自然资源厅",
            "Sichuan Department of Natural Resources",
            "510000",
            "natural_resources",
            &["real_estate_certificate"],
            now,
        )?,
    ])
}

/// Zhang Wei's Chongqing resident ID card, Li Na's Jiangsu qualification,
/// Wang Fang's Sichuan real-estate certificate.
fn people(deps: &[Department; 3], now: OffsetDateTime) -> Result<[Person; 3]> {
    let [chongqing, jiangsu, sichuan] = deps;
    let s = |v: &str| AttributeValue::String(v.into());
    let d = date;
    let zhang_secret = HolderSecret::random(&mut OsRng);
    let zhang = Person {
        name: "张伟 Zhang Wei",
        credential: chongqing.issue(
            "resident_id_card",
            AttributeSet::new()
                .with("license_number", s("500103199203154418"))
                .with("holder_name", s("张伟"))
                .with("holder_id", s("500103199203154418"))
                .with("holder_id_type", s("居民身份证"))
                .with("valid_until", d("2034-03-01")?)
                .with("sex", s("男"))
                .with("ethnicity", s("汉"))
                .with("birth_date", d("1992-03-15")?)
                .with("address", s("重庆市渝中区解放碑民族路 88 号"))
                .with("photo_digest", AttributeValue::Bytes(vec![0x5a; 32])),
            &zhang_secret,
            now,
        )?,
        holder: zhang_secret,
        key: chongqing.key.public().clone(),
        more: Vec::new(),
        trusts: TrustedRegulators::new(),
    };
    let li_secret = HolderSecret::random(&mut OsRng);
    let li = Person {
        name: "李娜 Li Na",
        credential: jiangsu.issue(
            "professional_qualification_certificate",
            AttributeSet::new()
                .with("license_number", s("JS2023-0815-0042"))
                .with("holder_name", s("李娜"))
                .with("holder_id", s("320102198807214827"))
                .with("holder_id_type", s("居民身份证"))
                .with("sex", s("女"))
                .with("birth_date", d("1988-07-21")?)
                .with("qualification_name", s("注册会计师"))
                .with("qualification_level", s("高级"))
                .with("approval_date", d("2023-08-15")?)
                .with("management_number", s("320000230815004"))
                .with("valid_until", d("2033-08-15")?),
            &li_secret,
            now,
        )?,
        holder: li_secret,
        key: jiangsu.key.public().clone(),
        more: Vec::new(),
        trusts: TrustedRegulators::new(),
    };
    let wang_secret = HolderSecret::random(&mut OsRng);
    let wang = Person {
        name: "王芳 Wang Fang",
        credential: sichuan.issue(
            "real_estate_certificate",
            AttributeSet::new()
                .with("license_number", s("川(2024)成都市不动产权第0031415号"))
                .with("holder_name", s("王芳"))
                .with("holder_id", s("510104199011023366"))
                .with("holder_id_type", s("居民身份证"))
                .with("co_ownership", s("单独所有"))
                .with("property_location", s("成都市锦江区春熙路 12 号 3 栋 1502"))
                .with("unit_number", s("510104003001GB00012F00031502"))
                .with("right_type", s("国有建设用地使用权/房屋所有权"))
                .with("right_nature", s("出让/商品房"))
                .with("usage", s("住宅")),
            &wang_secret,
            now,
        )?,
        holder: wang_secret,
        key: sichuan.key.public().clone(),
        more: Vec::new(),
        trusts: TrustedRegulators::new(),
    };
    Ok([zhang, li, wang])
}

/// Zhang Wei's Chongqing driver's license (his own: same ID number and
/// birth date as his ID card) and a Chongqing ID card of a 16-year-old.
fn more_licenses(
    deps: &[Department; 3],
    zhang: &mut Person,
    status: &mut rental_desk::LicenceStatus,
    now: OffsetDateTime,
) -> Result<Person> {
    let chongqing = &deps[0];
    let s = |v: &str| AttributeValue::String(v.into());
    let d = date;
    let mut licence = chongqing.issue(
        "drivers_license",
        AttributeSet::new()
            .with("license_number", s("500103199203154418"))
            .with("holder_name", s("张伟"))
            .with("holder_id", s("500103199203154418"))
            .with("holder_id_type", s("居民身份证"))
            .with("valid_until", d("2030-03-01")?)
            .with("sex", s("男"))
            .with("nationality", s("中国"))
            .with("birth_date", d("1992-03-15")?)
            .with("address", s("重庆市渝中区解放碑民族路 88 号"))
            .with("first_issue_date", d("2012-05-20")?)
            .with("vehicle_class", s("C1"))
            .with("file_number", s("500100123456"))
            .with("photo_digest", AttributeValue::Bytes(vec![0x5a; 32])),
        &zhang.holder,
        now,
    )?;
    // The bureau keeps status for driver's licences: the licence is
    // recorded and carries its witness.
    status.record(&mut licence, now)?;
    zhang.more.push(licence);
    // Sixteen this year: the age check must refuse, whatever the year.
    let birth = format!("{}-06-01", now.year() - 16);
    let first17 = format!("500103{}0601441", now.year() - 16);
    let id_number = zkcred_credential::formats::IdNumber::with_check_char(&first17)
        .map_err(|e| anyhow!("{e}"))?
        .to_string();
    let liu_secret = HolderSecret::random(&mut OsRng);
    Ok(Person {
        name: "刘小明 Liu Xiaoming",
        credential: chongqing.issue(
            "resident_id_card",
            AttributeSet::new()
                .with("license_number", s(&id_number))
                .with("holder_name", s("刘小明"))
                .with("holder_id", s(&id_number))
                .with("holder_id_type", s("居民身份证"))
                .with("valid_until", d("2031-06-01")?)
                .with("sex", s("男"))
                .with("ethnicity", s("汉"))
                .with("birth_date", d(&birth)?)
                .with("address", s("重庆市渝中区解放碑民族路 90 号"))
                .with("photo_digest", AttributeValue::Bytes(vec![0x3c; 32])),
            &liu_secret,
            now,
        )?,
        holder: liu_secret,
        key: chongqing.key.public().clone(),
        more: Vec::new(),
        trusts: TrustedRegulators::new(),
    })
}

/// The verifiers' policies: the hotel, the employer, the landlord, the
/// KTV, the car-rental desk, a hotel of another chain, and the rental desk
/// that checks licence status (the policy crate's example). Both hotels
/// ask for a pseudonym in their own chain's context.
fn policies() -> Result<Vec<Value>> {
    let mut all = Vec::from(built_in_policies());
    all.push(
        serde_json::from_str(rental_desk::POLICY_JSON)
            .context("the rental desk's policy example")?,
    );
    Ok(all)
}

/// The policies written here (see [`policies`]).
fn built_in_policies() -> [Value; 6] {
    let with_pseudonym = |mut p: Value, context: &str| {
        p["pseudonym"] = json!({ "context": context });
        p
    };
    [
        with_pseudonym(
            policy(
                "bund-hotel-check-in",
                "酒店入住 Hotel check-in (name and face match only)",
                (
                    "hotel.bund.example.cn",
                    "上海外滩示例酒店 Bund Example Hotel",
                    "310101",
                ),
                (
                    "identity_registration",
                    "Register the guest and match the face against the card photo.",
                    "《旅馆业治安管理办法》第六条",
                ),
                365,
                json!({ "id": "guest", "types": ["resident_id_card"], "disclose": ["holder_name", "photo_digest"],
                    "predicates": [{ "attribute": "valid_until", "op": "after", "if_absent": "pass" }] }),
            ),
            HOTEL_CHAIN,
        ),
        policy(
            "pudong-employer-qualification",
            "录用资格核验 Employer qualification check",
            (
                "hr.pudong.example.cn",
                "浦东示例会计师事务所 人力资源部",
                "310115",
            ),
            (
                "employment_screening",
                "Confirm a candidate's professional qualification before hiring.",
                "《中华人民共和国劳动合同法》第八条",
            ),
            180,
            json!({ "id": "qualification", "types": ["professional_qualification_certificate"],
                    "disclose": ["holder_name", "qualification_name", "qualification_level"] }),
        ),
        policy(
            "xuhui-landlord-ownership",
            "出租房屋产权核验 Landlord ownership check",
            (
                "lettings.xuhui.example.cn",
                "徐汇示例房屋租赁服务有限公司",
                "310104",
            ),
            (
                "property_verification",
                "Confirm that the person letting a flat owns it.",
                "《商品房屋租赁管理办法》第八条",
            ),
            365,
            json!({ "id": "ownership", "types": ["real_estate_certificate"], "disclose": ["holder_name", "property_location"] }),
        ),
        policy(
            "jingan-ktv-adults-only",
            "KTV 成年人入场 Adults only (no birth date, no name)",
            (
                "ktv.jingan.example.cn",
                "静安示例KTV Jing'an Example KTV",
                "310106",
            ),
            (
                "age_verification",
                "Admit only guests aged 18 or more.",
                "《中华人民共和国未成年人保护法》第五十八条",
            ),
            1,
            json!({ "id": "guest", "types": ["resident_id_card"], "disclose": [],
                    "predicates": [{ "attribute": "birth_date", "op": "at_least_before", "years": 18 }] }),
        ),
        {
            let mut p = policy(
                "hongqiao-car-rental",
                "小微型客车租赁 Car rental (renter's name, a valid licence of their own)",
                ("rent.hongqiao.example.cn", "虹桥示例汽车租赁 Hongqiao Example Car Rental", "310105"),
                (
                    "identity_registration",
                    "Register the renter and check a valid driver's license that is the renter's own, without learning the ID number or the birth date.",
                    "《小微型客车租赁经营服务管理办法》第十四条",
                ),
                365,
                json!({ "id": "renter", "types": ["resident_id_card"], "disclose": ["holder_name"],
                        "predicates": [{ "attribute": "birth_date", "op": "at_least_before", "years": 18 }] }),
            );
            if let Some(r) = p["requirements"].as_array_mut() {
                r.push(json!({ "id": "licence", "types": ["drivers_license"], "disclose": ["vehicle_class"],
                    "predicates": [{ "attribute": "valid_until", "op": "after", "if_absent": "pass" }] }));
            }
            p["links"] =
                json!([{ "attribute": "holder_id", "requirements": ["renter", "licence"] }]);
            p
        },
        with_pseudonym(
            policy(
                "lujiazui-hotel-check-in",
                "酒店入住 Hotel check-in (another chain)",
                (
                    "hotel.lujiazui.example.cn",
                    "陆家嘴示例大酒店 Lujiazui Example Grand Hotel",
                    "310115",
                ),
                (
                    "identity_registration",
                    "Register the guest and match the face against the card photo.",
                    "《旅馆业治安管理办法》第六条",
                ),
                365,
                json!({ "id": "guest", "types": ["resident_id_card"], "disclose": ["holder_name", "photo_digest"],
                    "predicates": [{ "attribute": "valid_until", "op": "after", "if_absent": "pass" }] }),
            ),
            OTHER_CHAIN,
        ),
    ]
}

/// The pseudonym contexts of the two hotel chains.
const HOTEL_CHAIN: &str = "hotel:bund-example-hotels";
const OTHER_CHAIN: &str = "hotel:lujiazui-example-hotels";

async fn demo(dir: &Path, out: &mut dyn Write) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    writeln!(
        out,
        "zkcred demo — electronic licenses verified with zero-knowledge proofs"
    )?;
    writeln!(out, "data folder: {}", dir.display())?;
    heading(
        out,
        "Issuing departments sign licenses (BBS signatures, one message per attribute)",
    )?;
    let deps = departments(now)?;
    for d in &deps {
        writeln!(
            out,
            "  {} {} ({}) region {} key {}",
            d.id,
            d.name_zh,
            d.name_en,
            d.region,
            d.key.public().key_id
        )?;
    }
    let mut licence_status =
        rental_desk::LicenceStatus::init(&dir.join("issuer-keys"), &deps[0], now, out)?;
    let mut people = people(&deps, now)?;
    let mut minor = more_licenses(&deps, &mut people[0], &mut licence_status, now)?;
    for p in people.iter().chain([&minor]) {
        let messages = zkcred_credential::layout::message_count(
            Catalogue::builtin()
                .get(&p.credential.credential_type)
                .ok_or_else(|| anyhow!("unknown type"))?,
        );
        writeln!(
            out,
            "  {} holds a {} ({messages} BBS messages signed){}",
            p.name,
            p.credential.credential_type,
            p.more
                .iter()
                .map(|c| format!(" and a {}", c.credential_type))
                .collect::<String>()
        )?;
    }

    heading(
        out,
        "A regulator registers each verifier's request key and policy (Ed25519 signatures)",
    )?;
    let (trusted, request_keys) = register_verifiers(dir, now, out)?;
    for p in people.iter_mut().chain([&mut minor]) {
        p.trusts = trusted.clone();
    }
    let driver = rental_desk::driver(&deps[0], &mut licence_status, &trusted, now)?;
    writeln!(
        out,
        "  陈静 Chen Jing's wallet holds her drivers_license, issued with its status witness"
    )?;

    heading(
        out,
        "The verifier service starts on loopback (SQLite, micro-batched verification)",
    )?;
    let server: RunningServer = Server::start(config(dir, request_keys)).await?;
    let roles = Roles::new(&format!("http://{}", server.local_addr()))?;
    writeln!(out, "  listening on {}", roles.admin.base_url())?;
    register(&roles, &deps, out).await?;

    let [zhang, li, wang] = &people;
    let hotel_submission = scene_hotel(&roles, zhang, out).await?;
    scene_employer(&roles, li, out).await?;
    scene_landlord(&roles, wang, out).await?;
    scene_replay(&roles, zhang, &hotel_submission, out).await?;
    scene_ktv(&roles, zhang, &minor, out).await?;
    scene_rental(&roles, zhang, out).await?;
    scene_returning_guest(&roles, zhang, &hotel_submission, out).await?;
    scene_copied_file(&deps, zhang, out)?;
    scene_altered_request(&roles, zhang, out).await?;
    rental_desk::scene(&roles, &deps[0], &mut licence_status, &driver, out).await?;
    regulator_view(&roles, out).await?;

    server.shutdown().await?;
    writeln!(out)?;
    writeln!(out, "All scenes ended as expected.")?;
    Ok(())
}

/// Registers the departments, their keys and the verifiers' policies.
async fn register(roles: &Roles, deps: &[Department; 3], out: &mut dyn Write) -> Result<()> {
    for dep in deps {
        roles
            .admin
            .create(DocKind::Issuer, &dep.registry_document())
            .await
            .with_context(|| format!("registering issuer {}", dep.id))?;
        roles
            .admin
            .add_key(dep.key.public(), false)
            .await
            .with_context(|| format!("registering the key of {}", dep.id))?;
    }
    for p in &policies()? {
        roles
            .admin
            .create(DocKind::Policy, p)
            .await
            .context("registering a policy")?;
        writeln!(
            out,
            "  policy {} — {}",
            p["id"].as_str().unwrap_or(""),
            p["title"].as_str().unwrap_or("")
        )?;
    }
    Ok(())
}

/// Scene 1: the hotel learns the name and the photo digest, not the ID
/// number. Returns the submission, replayed in scene 4.
async fn scene_hotel(roles: &Roles, zhang: &Person, out: &mut dyn Write) -> Result<Submission> {
    heading(
        out,
        "Scene 1 · A Shanghai hotel checks in a guest with a Chongqing ID card",
    )?;
    let (submission, decision) =
        verify_scene(&roles.hotel, out, "bund-hotel-check-in", zhang).await?;
    let accepted = expect_accepted(decision)?;
    if serde_json::to_string(&accepted)?.contains("500103199203154418") {
        bail!("the hotel learned the ID number");
    }
    writeln!(out, "  the hotel never receives the ID number, birth date or address: they stay inside the proof")?;
    Ok(submission)
}

/// Scene 2: a Jiangsu qualification recognised in Shanghai.
async fn scene_employer(roles: &Roles, li: &Person, out: &mut dyn Write) -> Result<()> {
    heading(
        out,
        "Scene 2 · A Shanghai employer confirms a Jiangsu professional qualification",
    )?;
    let (_, decision) =
        verify_scene(&roles.employer, out, "pudong-employer-qualification", li).await?;
    expect_accepted(decision)?;
    Ok(())
}

/// Scene 3: no agreement covers a Sichuan real-estate certificate in
/// Shanghai.
async fn scene_landlord(roles: &Roles, wang: &Person, out: &mut dyn Write) -> Result<()> {
    heading(
        out,
        "Scene 3 · A Shanghai landlord check on a Sichuan real-estate certificate",
    )?;
    let (_, decision) =
        verify_scene(&roles.landlord, out, "xuhui-landlord-ownership", wang).await?;
    match decision {
        Err(p) if p.is_refusal() => {}
        other => bail!("expected a refusal, got {other:?}"),
    }
    writeln!(out, "  refused: Shanghai and Sichuan have no agreement covering real-estate certificates, and the type is not national")?;
    Ok(())
}

/// Scene 4: the hotel's spent challenge again. The desk that lost its
/// answer learns the decision already taken by the challenge (no second
/// record); the identical submission sent again without its
/// `Idempotency-Key` (a copied presentation) and a new presentation on the
/// spent challenge are replays, refused.
async fn scene_replay(
    roles: &Roles,
    zhang: &Person,
    submission: &Submission,
    out: &mut dyn Write,
) -> Result<()> {
    heading(out, "Scene 4 · The hotel's challenge is answered again")?;
    let challenge = &submission.request.challenge;
    let held = roles
        .hotel
        .decision(challenge)
        .await
        .context("the decision by challenge")?;
    let retry: Decision = match held.result {
        Some(r) => match (r.decision, r.problem) {
            (Some(a), _) => Ok(a),
            (None, Some(p)) => Err(p),
            (None, None) => bail!("a held decision with neither answer nor problem"),
        },
        None => bail!("the decision is still {}", held.state),
    };
    writeln!(
        out,
        "  GET /v1/presentations/decisions/{}… (the desk lost its answer) → {}",
        challenge.chars().take(16).collect::<String>(),
        held.state
    )?;
    writeln!(
        out,
        "  {} — the decision already taken, not a new one",
        summary(&retry)
    )?;
    if retry.is_err() {
        bail!("the hotel's decision was not found by its challenge");
    }
    let replay = Submission {
        presentation: zhang.answer(&submission.request)?,
        ..submission.clone()
    };
    for (what, sub) in [
        ("the identical submission, no Idempotency-Key", submission),
        ("another presentation for the spent challenge", &replay),
    ] {
        let decision = decision_of(roles.hotel.submit(sub).await)?;
        writeln!(
            out,
            "  POST /v1/presentations ({what}) → HTTP {}",
            decision.as_ref().map_or_else(|p| p.status, |_| 200)
        )?;
        writeln!(out, "  {}", summary(&decision))?;
        if decision.is_ok() {
            bail!("a replayed presentation was not refused");
        }
    }
    Ok(())
}

/// Scenes 5 and 6: a KTV admits an adult from the ID card without seeing
/// the birth date (or anything else); a 16-year-old's wallet refuses to
/// answer.
async fn scene_ktv(
    roles: &Roles,
    zhang: &Person,
    minor: &Person,
    out: &mut dyn Write,
) -> Result<()> {
    heading(
        out,
        "Scene 5 · A Shanghai KTV admits adults only: \"18 or older\", not the birth date",
    )?;
    let (submission, decision) =
        verify_scene(&roles.ktv, out, "jingan-ktv-adults-only", zhang).await?;
    show_received(&submission, out)?;
    let accepted = expect_accepted(decision)?;
    let text =
        serde_json::to_string(&submission.presentation)? + &serde_json::to_string(&accepted)?;
    for leak in ["1992-03-15", "19920315", "500103199203154418", "张伟"] {
        if text.contains(leak) {
            bail!("the KTV received {leak}");
        }
    }
    for c in &accepted.credentials {
        for p in &c.predicates {
            writeln!(
                out,
                "  predicate: {} — {} ({})",
                p.predicate, p.status, p.established
            )?;
        }
    }

    heading(out, "Scene 6 · A 16-year-old tries the same door")?;
    let issued = roles.ktv.challenge("jingan-ktv-adults-only").await?;
    match minor.answer(&issued.request) {
        Ok(_) => bail!("the minor's wallet produced a presentation"),
        Err(e) => writeln!(
            out,
            "  {}'s wallet refuses before anything leaves the phone: {e}",
            minor.name
        )?,
    }
    writeln!(
        out,
        "  (a wallet that tried anyway could not make a proof that verifies: the range proof is sound)"
    )?;
    Ok(())
}

/// Scene 7: a car-rental desk checks that the driver's license is valid
/// and belongs to the same person as the ID card, by a proof that the two
/// hidden ID numbers are equal.
async fn scene_rental(roles: &Roles, zhang: &Person, out: &mut dyn Write) -> Result<()> {
    heading(
        out,
        "Scene 7 · A car-rental desk: an adult, a valid driver's license, and the same person on both",
    )?;
    let (submission, decision) =
        verify_scene(&roles.rental, out, "hongqiao-car-rental", zhang).await?;
    show_received(&submission, out)?;
    let accepted = expect_accepted(decision)?;
    for c in &accepted.credentials {
        for p in &c.predicates {
            writeln!(
                out,
                "  {}: {} — {} ({})",
                c.requirement, p.predicate, p.status, p.established
            )?;
        }
    }
    for l in &accepted.links {
        writeln!(
            out,
            "  link: {} equal across {} — {} (neither value disclosed)",
            l.attribute,
            l.requirements.join(" and "),
            l.status
        )?;
    }
    if accepted.links.is_empty() {
        bail!("the rental decision reports no link");
    }
    if serde_json::to_string(&submission.presentation)?.contains("500103199203154418") {
        bail!("the rental desk received the ID number");
    }
    Ok(())
}

/// Scene 8: the hotel recognises a returning guest by the pseudonym of
/// its chain's context, without an ID number; a hotel of another chain
/// sees an unrelated pseudonym for the same guest.
async fn scene_returning_guest(
    roles: &Roles,
    zhang: &Person,
    first_stay: &Submission,
    out: &mut dyn Write,
) -> Result<()> {
    heading(
        out,
        "Scene 8 · A returning guest: recognised by a pseudonym, unlinkable across hotel chains",
    )?;
    let first = first_stay_pseudonym(roles, first_stay).await?;
    let (_, decision) = verify_scene(&roles.hotel, out, "bund-hotel-check-in", zhang).await?;
    let again = expect_accepted(decision)?
        .pseudonym
        .ok_or_else(|| anyhow!("the hotel's decision carries no pseudonym"))?;
    if again != first {
        bail!("the same guest got another pseudonym at the same chain");
    }
    writeln!(
        out,
        "  the hotel's guest record is keyed by pseudonym {}… ({HOTEL_CHAIN}): the same on both stays, so the guest is recognised without an ID number",
        again.get(..16).unwrap_or(&again)
    )?;
    let (_, decision) = verify_scene(&roles.hotel2, out, "lujiazui-hotel-check-in", zhang).await?;
    let other = expect_accepted(decision)?
        .pseudonym
        .ok_or_else(|| anyhow!("the second chain's decision carries no pseudonym"))?;
    if other == first {
        bail!("two hotel chains got the same pseudonym");
    }
    writeln!(
        out,
        "  the other chain sees pseudonym {}… ({OTHER_CHAIN}): unrelated to the first, so the two chains cannot link their guests",
        other.get(..16).unwrap_or(&other)
    )?;
    Ok(())
}

/// The pseudonym the hotel received on the guest's first stay (scene 1),
/// as the hotel kept it: from the decision of its challenge.
async fn first_stay_pseudonym(roles: &Roles, first_stay: &Submission) -> Result<String> {
    let held = roles
        .hotel
        .decision(&first_stay.request.challenge)
        .await
        .context("the first stay's decision")?;
    held.result
        .and_then(|r| r.decision)
        .and_then(|a| a.pseudonym)
        .ok_or_else(|| anyhow!("the first stay's decision carries no pseudonym"))
}

/// Scene 10: a request rewritten on its way to the phone (a compromised
/// front desk asking for the ID number and the address too) is refused by
/// the wallet before anything is made: the verifier's signature no longer
/// holds. The untouched request is answered.
async fn scene_altered_request(roles: &Roles, zhang: &Person, out: &mut dyn Write) -> Result<()> {
    heading(
        out,
        "Scene 10 · A request altered on its way to the phone is refused by the wallet",
    )?;
    let issued = roles
        .hotel
        .challenge("bund-hotel-check-in")
        .await
        .context("a challenge for the hotel")?;
    let mut altered = issued.request.clone();
    for extra in ["holder_id", "address"] {
        altered.credentials[0].disclose.push(extra.to_owned());
    }
    writeln!(
        out,
        "  the front desk's tablet rewrites the hotel's signed request to also ask for holder_id and address"
    )?;
    match zhang.answer(&altered) {
        Err(e) => writeln!(out, "  {e}")?,
        Ok(_) => bail!("the wallet answered an altered request"),
    }
    let consent = zhang.check(&issued.request)?;
    let asked: Vec<&str> = consent
        .entries
        .iter()
        .flat_map(|e| e.disclose.iter().map(String::as_str))
        .collect();
    writeln!(
        out,
        "  the hotel's own request checks out: it asks for {} and a pseudonym ({})",
        asked.join(", "),
        consent.pseudonym.as_deref().unwrap_or("none")
    )?;
    Ok(())
}

/// Scene 9: a credential file copied out of the wallet cannot be presented
/// by anyone else: the file does not carry the holder secret, and another
/// wallet refuses to take it.
fn scene_copied_file(deps: &[Department; 3], zhang: &Person, out: &mut dyn Write) -> Result<()> {
    heading(
        out,
        "Scene 9 · A copied licence file is useless without its wallet",
    )?;
    let catalogue = Catalogue::builtin();
    let copied = Credential::from_json(&zhang.credential.to_json())?;
    writeln!(
        out,
        "  someone copies Zhang Wei's ID card file ({} octets of JSON: attributes, signature, no holder secret)",
        zhang.credential.to_json().len()
    )?;
    let keys = deps[0].key.public();
    match HolderCredential::new(catalogue, &copied, keys) {
        Err(zkcred_credential::Error::HolderBindingMissing) => writeln!(
            out,
            "  presenting it fails: {}",
            zkcred_credential::Error::HolderBindingMissing
        )?,
        other => bail!("a copied credential file was accepted for presentation: {other:?}"),
    }
    let dir = tempfile::tempdir()?;
    let thief = Wallet::init(
        dir.path().join("wallet"),
        b"another person's passphrase",
        KdfParams::with_memory_mib(8)?,
        &mut OsRng,
    )?;
    let mut set = zkcred_credential::KeySet::new();
    set.insert(keys.clone());
    match thief.add(catalogue, &set, copied, &mut OsRng) {
        Err(e @ zkcred_credential::Error::NotRequestedByThisWallet) => {
            writeln!(out, "  another wallet refuses to store it: {e}")?
        }
        other => bail!("another wallet took a copied credential: {other:?}"),
    }
    Ok(())
}

/// What the verifier receives in a presentation: per credential the
/// disclosed values and the statements proven, and the proof's size.
fn show_received(submission: &Submission, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "  what the verifier receives:")?;
    for c in &submission.presentation.credentials {
        let disclosed: Vec<String> = c
            .disclosed
            .iter()
            .map(|(k, v)| format!("{k}={}", short(v)))
            .collect();
        let statements: Vec<String> = c.statements.iter().map(|s| s.describe()).collect();
        writeln!(
            out,
            "    {} from {}: disclosed {{{}}}; proven {{{}}}",
            c.credential_type,
            c.issuer,
            disclosed.join(", "),
            statements.join("; ")
        )?;
    }
    if let Some(p) = &submission.presentation.proof {
        writeln!(
            out,
            "    one {} proof of {} octets over all of it (BBS proofs, commitments, one aggregated range proof)",
            p.kind,
            p.value.len() / 2
        )?;
    }
    Ok(())
}

/// The regulator: the policies' audit, a signed head, the log, and the
/// export verified offline.
async fn regulator_view(roles: &Roles, out: &mut dyn Write) -> Result<()> {
    heading(out, "The regulator's view")?;
    let r = &roles.regulator;
    let audits = r.policy_audits().await.context("policy audits")?;
    writeln!(out, "  minimisation audit of every policy:")?;
    for a in &audits.policies {
        writeln!(out, "    {}", client::registry::audit_line(&a.audit))?;
    }
    let head = r.sign_head().await.context("signing a head")?;
    writeln!(
        out,
        "  signed tree head: size {}, root {}, signed at {}",
        head.tree_size,
        head.root_hash.to_hex(),
        head.timestamp
    )?;
    let records = r
        .log_records(&RecordsQuery::default())
        .await
        .context("log records")?;
    writeln!(
        out,
        "  disclosure log (names of attributes and outcomes, never values):"
    )?;
    for e in &records.records {
        writeln!(out, "    {}", client::log::record_line(&e.record))?;
    }
    let (export, _) = r.export().await.context("log export")?;
    let report = verify_export(&export, &export.log_public_key.clone())
        .map_err(|e| anyhow!("the log export does not verify: {e}"))?;
    writeln!(
        out,
        "  integrity: VALID — {} records, {} signed head(s), root {}",
        report.records,
        report.signed_heads,
        report.signed_root.to_hex()
    )?;
    writeln!(
        out,
        "  (offline: zkcred audit verify EXPORT.json --log-key {})",
        export.log_public_key.to_hex()
    )?;
    Ok(())
}

/// A decision: accepted, or the service's problem (a refusal or an error
/// before any decision); transport and decoding failures are errors.
type Decision = std::result::Result<Accepted, ProblemDocument>;

fn decision_of(r: std::result::Result<Accepted, ClientError>) -> Result<Decision> {
    match r {
        Ok(a) => Ok(Ok(a)),
        Err(ClientError::Problem(p)) => Ok(Err(*p)),
        Err(e) => Err(e.into()),
    }
}

fn expect_accepted(d: Decision) -> Result<Accepted> {
    d.map_err(|p| anyhow!("expected accepted, got {p}"))
}

/// A challenge for `policy`, answered by `person`, submitted: prints each
/// step.
async fn verify_scene(
    verifier: &Client,
    out: &mut dyn Write,
    policy: &str,
    person: &Person,
) -> Result<(Submission, Decision)> {
    let issued = verifier
        .challenge(policy)
        .await
        .with_context(|| format!("a challenge for {policy}"))?;
    let req = &issued.request;
    writeln!(
        out,
        "  verifier → POST /v1/challenges {{\"policy\": \"{policy}\"}}"
    )?;
    writeln!(
        out,
        "  request: verifier {}, challenge {}…, asks {}",
        req.verifier,
        req.challenge.chars().take(16).collect::<String>(),
        compact(&serde_json::to_value(&req.credentials)?)
    )?;
    let shown = person.check(req)?;
    if let Some(r) = &shown.registered {
        writeln!(
            out,
            "  wallet: signed by {}'s registered request key (regulator key {}…), within policy {} v{}; purpose: {}",
            r.verifier_name,
            r.regulator_key_id.chars().take(8).collect::<String>(),
            r.policy_id,
            r.policy_version,
            r.purpose
        )?;
    }
    let submission = Submission {
        policy: policy.to_owned(),
        presentation: person.answer(req)?,
        request: issued.request,
    };
    let disclosed: Vec<&str> = submission
        .presentation
        .credentials
        .iter()
        .flat_map(|c| c.disclosed.keys().map(String::as_str))
        .collect();
    writeln!(
        out,
        "  holder → POST /v1/presentations (discloses: {})",
        if disclosed.is_empty() {
            "nothing".to_owned()
        } else {
            disclosed.join(", ")
        }
    )?;
    let decision = decision_of(verifier.submit(&submission).await)?;
    writeln!(
        out,
        "  ← HTTP {}: {}",
        decision.as_ref().map_or_else(|p| p.status, |_| 200),
        summary(&decision)
    )?;
    Ok((submission, decision))
}

fn summary(d: &Decision) -> String {
    match d {
        Ok(a) => {
            let values: Vec<String> = a
                .credentials
                .iter()
                .flat_map(|c| {
                    c.attributes
                        .iter()
                        .map(|(k, x)| format!("{k}={}", short(x)))
                })
                .collect();
            let mut out = a.decision.clone();
            if !values.is_empty() {
                out.push_str(&format!("; the verifier receives {}", values.join(", ")));
            }
            out
        }
        Err(p) if p.is_refusal() => {
            let reasons: Vec<String> = p.reasons().into_iter().map(|r| r.code).collect();
            let reasons = if reasons.is_empty() {
                vec![p.code.clone()]
            } else {
                reasons
            };
            format!("refused [{}]", reasons.join(", "))
        }
        Err(p) => format!("problem {}: {}", p.code, p.detail),
    }
}

fn short(v: &Value) -> String {
    match v.as_str() {
        Some(s) if s.chars().count() > 24 => format!("{}…", s.chars().take(24).collect::<String>()),
        Some(s) => s.to_string(),
        None => v.to_string(),
    }
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}
