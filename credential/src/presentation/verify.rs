//! The verifier side: checking a presentation against the verifier's own
//! request, whole ([`verify_presentation`]) or split around the BBS proof
//! checks for batching ([`check_binding`], [`prepare_presentation`],
//! [`PreparedPresentation::finish`]).

use std::collections::BTreeMap;

use time::OffsetDateTime;
use zkcred_crypto::bbs::{self, MessageGenerators, Proof, Suite, VerifierKey};
use zkcred_crypto::composite::{self, CompositeProof, Relations};
use zkcred_crypto::Scalar;

use super::composite::{
    is_composite, presented_statements, push_memberships, relations, EntryShape,
};
use super::document::{Presentation, PresentedCredential, ProofObject};
use super::header::{composite_presentation_header, presentation_header};
use super::request::{PresentationRequest, RequestedCredential};
use super::statement::{reject_statements, Statement};
use super::status::{check_fresh, StatusEpochView};
use super::{
    COMPOSITE_PROOF_VERSION, PRESENTATION_FORMAT, PRESENTATION_VERSION, PROOF_TYPE_BBS,
    PROOF_TYPE_COMPOSITE, PROOF_VERSION,
};
use crate::catalogue::Catalogue;
use crate::credential::{check_document, resolve_key};
use crate::encoding::{AttributeValue, ENCODING_VERSION};
use crate::error::{AttributeError, Error};
use crate::keys::KeyResolver;
use crate::layout;

/// What a verified presentation discloses about one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosedCredential {
    /// The credential type.
    pub credential_type: String,
    /// The issuer.
    pub issuer: String,
    /// The issuer key identifier.
    pub key_id: String,
    /// The ciphersuite.
    pub suite: Suite,
    /// Disclosed values by name (`None`: the optional attribute is absent).
    pub attributes: BTreeMap<String, Option<AttributeValue>>,
    /// The entry's statements whose proofs verified (as presented).
    pub statements: Vec<Statement>,
    /// The holder's pseudonym for the request's context, hex of the
    /// compressed G1 point, when the request asked for one (the same on
    /// every entry: they share the holder secret).
    pub pseudonym: Option<String>,
    /// The epoch of the issuer's status list the licence was proven valid
    /// in, when the request asked for status ([`super::status`]).
    pub status_epoch: Option<u64>,
}

/// Verifies `presentation` against the verifier's own `request` at `now`,
/// with the trusted issuer keys `keys`. Returns the disclosed attributes or
/// the specific reason for rejection.
///
/// This is [`check_binding`], then per entry [`prepare_entry`] and the BBS
/// proof check, stopping at the first failure. A verifier that batches the
/// proofs of many presentations calls [`prepare_presentation`] and
/// [`PreparedPresentation::finish`] instead.
///
/// # Errors
/// As [`check_binding`] and [`prepare_entry`]; [`Error::ProofInvalid`] when
/// an entry's BBS proof does not verify (`ProofVerify`, draft §3.4.4);
/// [`Error::Crypto`] for other failures of the BBS layer.
pub fn verify_presentation(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    keys: &impl KeyResolver,
    now: OffsetDateTime,
) -> Result<Vec<DisclosedCredential>, Error> {
    if is_composite(request) {
        let prepared = prepare_presentation(catalogue, request, presentation, keys, now)?;
        let vks = prepared
            .entries
            .iter()
            .map(|e| {
                resolve_key(
                    keys,
                    &e.credential.issuer,
                    &e.credential.key_id,
                    e.credential.suite.name(),
                )
                .map(|k| VerifierKey::new(k.public_key.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&VerifierKey> = vks.iter().collect();
        let result = match (prepared.composite_parts(&refs), &prepared.composite) {
            (Some(parts), Some(c)) => composite::verify(&composite::CompositeItem {
                parts: &parts,
                relations: &c.relations,
                ph: &c.presentation_header,
                proof: &c.proof,
            }),
            _ => Err(zkcred_crypto::Error::VerificationFailed),
        };
        let n = prepared.entries.len();
        return prepared.finish(std::iter::repeat_n(result, n));
    }
    check_binding(catalogue, request, presentation, now)?;
    let mut out = Vec::with_capacity(request.credentials.len());
    for index in 0..request.credentials.len() {
        let entry = prepare_entry(catalogue, request, presentation, index, keys)?;
        let key = resolve_key(
            keys,
            &entry.credential.issuer,
            &entry.credential.key_id,
            entry.credential.suite.name(),
        )?;
        let result = bbs::core::proof_verify_with(
            entry.credential.suite,
            entry.generators,
            &key.public_key,
            &entry.proof,
            &entry.header,
            &entry.presentation_header,
            &entry.disclosed,
        );
        out.push(entry.finish(result)?);
    }
    Ok(out)
}

/// Checks what binds a presentation to the verifier's `request` at `now`:
/// the presentation format, the request itself (against the catalogue) and
/// its expiry, the verifier, the challenge, the request digest and the
/// number of entries. Nothing here touches a key or a proof.
///
/// # Errors
/// [`Error::UnsupportedFormat`]; as [`PresentationRequest::validate`];
/// [`Error::RequestExpired`]; [`Error::VerifierMismatch`],
/// [`Error::ChallengeMismatch`], [`Error::RequestDigestMismatch`],
/// [`Error::CredentialCountMismatch`].
pub fn check_binding(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    now: OffsetDateTime,
) -> Result<(), Error> {
    check_document(
        PRESENTATION_FORMAT,
        PRESENTATION_VERSION,
        &presentation.format,
        presentation.version,
    )?;
    request.validate(catalogue)?;
    request.check_live(now)?;
    if presentation.verifier != request.verifier {
        return Err(Error::VerifierMismatch {
            expected: request.verifier.clone(),
            found: presentation.verifier.chars().take(128).collect(),
        });
    }
    if presentation.challenge != request.challenge {
        return Err(Error::ChallengeMismatch);
    }
    if presentation.request_digest != hex::encode(request.digest()) {
        return Err(Error::RequestDigestMismatch);
    }
    if presentation.credentials.len() != request.credentials.len() {
        return Err(Error::CredentialCountMismatch {
            expected: request.credentials.len(),
            found: presentation.credentials.len(),
        });
    }
    Ok(())
}

/// One presented credential checked up to its BBS proof: the decoded proof
/// and everything its verification needs, and what it discloses if the
/// proof holds.
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    /// What the entry discloses once its proof verifies.
    pub credential: DisclosedCredential,
    /// The decoded proof (checked at decoding: lengths, canonical scalars,
    /// subgroup membership).
    pub proof: Proof,
    /// The credential's signature header.
    pub header: Vec<u8>,
    /// The entry's presentation header (challenge, verifier, request
    /// digest, position, statements).
    pub presentation_header: Vec<u8>,
    /// Disclosed `(message index, scalar)` pairs.
    pub disclosed: Vec<(usize, Scalar)>,
    /// The generator list of the credential type's layout
    /// ([`layout::message_generators`]).
    pub generators: MessageGenerators,
}

impl PreparedEntry {
    /// The entry's result given its BBS proof check.
    ///
    /// # Errors
    /// [`Error::ProofInvalid`] when `proof_check` is
    /// [`zkcred_crypto::Error::VerificationFailed`], [`Error::Crypto`] for any
    /// other error of it.
    pub fn finish(
        self,
        proof_check: Result<(), zkcred_crypto::Error>,
    ) -> Result<DisclosedCredential, Error> {
        match proof_check {
            Ok(()) => Ok(self.credential),
            Err(zkcred_crypto::Error::VerificationFailed) => Err(Error::ProofInvalid),
            Err(zkcred_crypto::Error::NotAccumulated) => Err(Error::LicenseNotValid),
            Err(e) => Err(Error::Crypto(e)),
        }
    }
}

/// A composite presentation's one proof and what it claims; see
/// [`prepare_presentation`].
#[derive(Debug, Clone)]
pub struct PreparedComposite {
    /// The decoded composite proof (every entry's BBS proof, commitments,
    /// range proof).
    pub proof: CompositeProof,
    /// The relations the presented statements claim.
    pub relations: Relations,
    /// The composite presentation header
    /// ([`super::composite_presentation_header`]).
    pub presentation_header: Vec<u8>,
}

/// A presentation checked up to its proofs; see [`prepare_presentation`].
#[derive(Debug, Clone)]
pub struct PreparedPresentation {
    /// One entry per requested credential, in request order. In a
    /// composite presentation each entry's `proof` is its part of the
    /// composite proof and its `presentation_header` the composite one:
    /// they verify only together, through [`Self::composite`].
    pub entries: Vec<PreparedEntry>,
    /// The composite proof, when the request has statements: the caller
    /// verifies it as a whole (`zkcred_crypto::composite::verify` or
    /// `verify_batch`) and gives its one result to every entry.
    pub composite: Option<PreparedComposite>,
}

impl PreparedPresentation {
    /// The presentation's result given the BBS check of each entry's proof,
    /// in entry order (for a composite presentation, the composite check
    /// repeated for every entry): the disclosed credentials, or the first
    /// entry's failure.
    ///
    /// # Errors
    /// The first failing entry's error, as [`PreparedEntry::finish`]; a missing
    /// check counts as a failed proof.
    pub fn finish(
        self,
        proof_checks: impl IntoIterator<Item = Result<(), zkcred_crypto::Error>>,
    ) -> Result<Vec<DisclosedCredential>, Error> {
        let mut checks = proof_checks.into_iter();
        self.entries
            .into_iter()
            .map(|e| {
                e.finish(
                    checks
                        .next()
                        .unwrap_or(Err(zkcred_crypto::Error::VerificationFailed)),
                )
            })
            .collect()
    }

    /// The composite check's input, borrowing this presentation's entries:
    /// the parts with the keys `keys[i]` of entry `i`, or `None` for a
    /// presentation without statements.
    pub fn composite_parts<'a>(
        &'a self,
        keys: &[&'a VerifierKey],
    ) -> Option<Vec<composite::VerifierPart<'a>>> {
        self.composite.as_ref()?;
        Some(
            self.entries
                .iter()
                .zip(keys)
                .map(|(e, k)| composite::VerifierPart {
                    suite: e.credential.suite,
                    generators: e.generators,
                    key: k,
                    header: &e.header,
                    disclosed: &e.disclosed,
                })
                .collect(),
        )
    }
}

/// Everything of [`verify_presentation`] but the proof checks: the
/// binding ([`check_binding`]) and every entry (as [`prepare_entry`]), and
/// for a request with statements the composite proof decoded with the
/// relations it must prove. The caller checks each entry's proof under the
/// key of `credential.issuer` and `credential.key_id` (for instance many
/// presentations in one `bbs::verify_batch`), or the composite proof as a
/// whole, and calls [`PreparedPresentation::finish`]. An error here is the
/// same one `verify_presentation` gives, except that a failure of an
/// earlier entry's proof would have been reported first.
///
/// # Errors
/// As [`check_binding`] and [`prepare_entry`]; for a composite
/// presentation also [`Error::UnsupportedProof`] for a missing or unknown
/// presentation proof (or an entry that carries its own),
/// [`Error::InvalidStatement`] for presented statements other than the
/// requested ones, [`Error::Malformed`] for a composite proof that does not
/// decode, [`Error::ProofInvalid`] for one over other entries or layouts.
pub fn prepare_presentation(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    keys: &impl KeyResolver,
    now: OffsetDateTime,
) -> Result<PreparedPresentation, Error> {
    check_binding(catalogue, request, presentation, now)?;
    if !is_composite(request) {
        if let Some(p) = &presentation.proof {
            return Err(unsupported(p));
        }
        let entries = (0..request.credentials.len())
            .map(|index| prepare_entry(catalogue, request, presentation, index, keys))
            .collect::<Result<_, _>>()?;
        return Ok(PreparedPresentation {
            entries,
            composite: None,
        });
    }
    let checked: Vec<CheckedEntry> = request
        .credentials
        .iter()
        .zip(&presentation.credentials)
        .enumerate()
        .map(|(index, (rc, pc))| check_entry(catalogue, rc, pc, index, keys, true))
        .collect::<Result<_, _>>()?;
    let po = presentation.proof.as_ref().ok_or(Error::UnsupportedProof {
        kind: String::new(),
        version: 0,
    })?;
    if po.kind != PROOF_TYPE_COMPOSITE || po.version != COMPOSITE_PROOF_VERSION {
        return Err(unsupported(po));
    }
    let bytes = crate::error::decode_hex("proof", &po.value)?;
    let proof = CompositeProof::from_bytes(&bytes).map_err(|e| Error::Malformed {
        what: "proof",
        reason: e.to_string(),
    })?;
    if proof.bbs_proofs().len() != checked.len() {
        return Err(Error::ProofInvalid);
    }
    let shapes: Vec<EntryShape<'_>> = checked
        .iter()
        .zip(&presentation.credentials)
        .map(|(c, pc)| EntryShape {
            credential_type: &pc.credential_type,
            disclosed: c.names.clone(),
            statements: &pc.statements,
        })
        .collect();
    let mut relations = relations(catalogue, request, &shapes)?;
    // Licence status: the named epoch of each entry asking for it, known
    // and fresh enough.
    let mut views: Vec<Option<StatusEpochView>> = Vec::with_capacity(checked.len());
    for (entry, (rc, pc)) in request
        .credentials
        .iter()
        .zip(&presentation.credentials)
        .enumerate()
    {
        match (&rc.status, pc.status_epoch) {
            (None, None) => views.push(None),
            (None, Some(_)) => {
                return Err(Error::StatusMissing {
                    entry,
                    reason: "a status epoch the request does not ask for",
                })
            }
            (Some(_), None) => return Err(Error::StatusMissing {
                entry,
                reason:
                    "the request asks for the licence status and the entry names no status epoch",
            }),
            (Some(req), Some(epoch)) => {
                let view = keys
                    .status_epoch(&pc.issuer, &pc.credential_type, epoch)
                    .ok_or_else(|| Error::StatusEpochUnknown {
                        issuer: pc.issuer.chars().take(128).collect(),
                        credential_type: pc.credential_type.chars().take(64).collect(),
                        epoch,
                    })?;
                check_fresh(&view, req, now)?;
                views.push(Some(view));
            }
        }
    }
    let statuses: Vec<_> = views
        .iter()
        .map(|v| v.as_ref().map(|v| (&v.public_key, &v.value)))
        .collect();
    push_memberships(&mut relations, &statuses);
    if proof.membership_count() != relations.memberships.len() {
        return Err(Error::ProofInvalid);
    }
    let st: Vec<&[Statement]> = presentation
        .credentials
        .iter()
        .map(|pc| pc.statements.as_slice())
        .collect();
    let ph = composite_presentation_header(request, &st);
    if proof.pseudonyms().len() != relations.pseudonyms.len() {
        return Err(Error::ProofInvalid);
    }
    let pseudonym = proof
        .pseudonyms()
        .first()
        .map(|p| hex::encode(p.to_compressed()));
    let mut entries = Vec::with_capacity(checked.len());
    for ((mut c, bbs_proof), view) in checked.into_iter().zip(proof.bbs_proofs()).zip(&views) {
        if bbs_proof.undisclosed_count() + c.disclosed.len() != c.message_count {
            return Err(Error::ProofInvalid);
        }
        c.credential.pseudonym.clone_from(&pseudonym);
        c.credential.status_epoch = view.as_ref().map(|v| v.epoch);
        entries.push(PreparedEntry {
            credential: c.credential,
            proof: bbs_proof.clone(),
            header: c.header,
            presentation_header: ph.clone(),
            disclosed: c.disclosed,
            generators: c.generators,
        });
    }
    Ok(PreparedPresentation {
        entries,
        composite: Some(PreparedComposite {
            proof,
            relations,
            presentation_header: ph,
        }),
    })
}

fn unsupported(p: &ProofObject) -> Error {
    Error::UnsupportedProof {
        kind: p.kind.chars().take(64).collect(),
        version: p.version,
    }
}

/// Checks entry `index` of a presentation whose binding
/// [`check_binding`] accepted, up to its BBS proof: type, accepted issuer,
/// encoding version, statements, proof type, exactly the requested
/// disclosures with well-formed values, a known key of the stated suite, a
/// decodable proof over the type's layout; builds its headers and
/// disclosed scalars.
///
/// # Errors
/// [`Error::CredentialCountMismatch`] for an `index` past either document;
/// [`Error::WrongCredentialType`]; [`Error::UnknownCredentialType`];
/// [`Error::IssuerNotAccepted`]; [`Error::UnsupportedEncodingVersion`];
/// [`Error::UnsupportedStatement`]; [`Error::UnsupportedProof`];
/// [`AttributeError::NotInLayout`] or [`Error::UnrequestedDisclosure`] for
/// a disclosed name not asked for; [`Error::MissingDisclosure`] for one
/// asked for but absent; the value errors of [`AttributeValue::from_json`]
/// and [`AttributeValue::check`], [`AttributeError::Missing`] for `null` in
/// a required attribute; [`Error::UnknownSuite`], [`Error::UnknownKey`] or
/// [`Error::SuiteMismatch`] for the key; [`Error::Malformed`] for a proof
/// that does not decode (`octets_to_proof`, draft §4.2.4.4);
/// [`Error::ProofInvalid`] for a proof over another number of messages.
pub fn prepare_entry(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    presentation: &Presentation,
    index: usize,
    keys: &impl KeyResolver,
) -> Result<PreparedEntry, Error> {
    let (rc, pc) = match (
        request.credentials.get(index),
        presentation.credentials.get(index),
    ) {
        (Some(rc), Some(pc)) => (rc, pc),
        _ => {
            return Err(Error::CredentialCountMismatch {
                expected: request.credentials.len(),
                found: presentation.credentials.len(),
            })
        }
    };
    if is_composite(request) {
        // Its proof is the presentation's: see prepare_presentation.
        return Err(Error::UnsupportedProof {
            kind: PROOF_TYPE_COMPOSITE.into(),
            version: COMPOSITE_PROOF_VERSION,
        });
    }
    let c = check_entry(catalogue, rc, pc, index, keys, false)?;
    let po = pc.proof.as_ref().ok_or(Error::UnsupportedProof {
        kind: String::new(),
        version: 0,
    })?;
    if po.kind != PROOF_TYPE_BBS || po.version != PROOF_VERSION {
        return Err(unsupported(po));
    }
    let proof_bytes = crate::error::decode_hex("proof", &po.value)?;
    let proof = Proof::from_bytes(&proof_bytes).map_err(|e| Error::Malformed {
        what: "proof",
        reason: e.to_string(),
    })?;
    if proof.undisclosed_count() + c.disclosed.len() != c.message_count {
        // A proof over another layout (another type or catalogue).
        return Err(Error::ProofInvalid);
    }
    let presentation_header = presentation_header(request, index, &pc.statements);
    Ok(PreparedEntry {
        credential: c.credential,
        proof,
        header: c.header,
        presentation_header,
        disclosed: c.disclosed,
        generators: c.generators,
    })
}

/// An entry checked up to its proof.
struct CheckedEntry {
    credential: DisclosedCredential,
    header: Vec<u8>,
    disclosed: Vec<(usize, Scalar)>,
    /// Every disclosed name (requested, and `null` answers).
    names: Vec<String>,
    message_count: usize,
    generators: MessageGenerators,
}

/// The checks of an entry that do not touch its proof: type, issuer,
/// encoding version, statements (none, or in a composite presentation the
/// requested ones less those answered by a disclosed `null`), exactly the
/// expected disclosures with well-formed values, a known key.
fn check_entry(
    catalogue: &Catalogue,
    rc: &RequestedCredential,
    pc: &PresentedCredential,
    index: usize,
    keys: &impl KeyResolver,
    composite: bool,
) -> Result<CheckedEntry, Error> {
    if !rc.accepts(&pc.credential_type) {
        return Err(Error::WrongCredentialType {
            expected: rc.credential_type.clone(),
            found: pc.credential_type.chars().take(64).collect(),
        });
    }
    let t = catalogue
        .get(&pc.credential_type)
        .ok_or_else(|| Error::UnknownCredentialType(pc.credential_type.clone()))?;
    if !rc.issuers.is_empty() && !rc.issuers.contains(&pc.issuer) {
        return Err(Error::IssuerNotAccepted(
            pc.issuer.chars().take(128).collect(),
        ));
    }
    if pc.encoding_version != ENCODING_VERSION {
        return Err(Error::UnsupportedEncodingVersion(pc.encoding_version));
    }
    // Names disclosed beyond the request: `null` answers to range
    // statements on optional attributes (composite presentations only).
    let mut names = rc.disclose.clone();
    for (name, value) in &pc.disclosed {
        if t.attribute(name).is_none() {
            return Err(AttributeError::NotInLayout {
                attribute: name.chars().take(64).collect(),
                credential_type: t.id.clone(),
            }
            .into());
        }
        if rc.disclose.contains(name) {
            continue;
        }
        let answers_range = rc
            .statements
            .iter()
            .any(|s| matches!(s, Statement::Range(r) if &r.attribute == name));
        if !(composite && answers_range && value.is_null()) {
            return Err(Error::UnrequestedDisclosure(
                name.chars().take(64).collect(),
            ));
        }
        names.push(name.clone());
    }
    if composite {
        let (expected, _) = presented_statements(rc, |a| names.iter().any(|n| n == a));
        if pc.statements != expected {
            return Err(Error::InvalidStatement(format!(
                "entry {index}: the presented statements are not the requested ones"
            )));
        }
        if let Some(p) = &pc.proof {
            return Err(unsupported(p));
        }
    } else {
        reject_statements(&pc.statements)?;
        if pc.status_epoch.is_some() {
            return Err(Error::StatusMissing {
                entry: index,
                reason: "a status epoch the request does not ask for",
            });
        }
    }
    let mut attributes = BTreeMap::new();
    let mut disclosed: Vec<(usize, Scalar)> = Vec::with_capacity(names.len());
    let key = resolve_key(keys, &pc.issuer, &pc.key_id, &pc.suite)?;
    for name in &names {
        let json = pc
            .disclosed
            .get(name)
            .ok_or_else(|| Error::MissingDisclosure(name.clone()))?;
        let def = t
            .attribute(name)
            .ok_or_else(|| Error::MissingDisclosure(name.clone()))?;
        let value = AttributeValue::from_json(name, def.ty, json)?;
        match &value {
            Some(v) => v.check(name, def.ty, def.max_length)?,
            None if !def.optional => {
                return Err(AttributeError::Missing {
                    attribute: name.clone(),
                }
                .into())
            }
            None => {}
        }
        let index =
            layout::message_index(t, name).ok_or_else(|| Error::MissingDisclosure(name.clone()))?;
        disclosed.push((index, layout::attribute_scalar(key.suite, value.as_ref())));
        attributes.insert(name.clone(), value);
    }
    Ok(CheckedEntry {
        credential: DisclosedCredential {
            credential_type: pc.credential_type.clone(),
            issuer: pc.issuer.clone(),
            key_id: pc.key_id.clone(),
            suite: key.suite,
            attributes,
            statements: pc.statements.clone(),
            pseudonym: None,
            status_epoch: None,
        },
        header: layout::signature_header(t, &pc.issuer, &pc.key_id),
        disclosed,
        names,
        message_count: layout::message_count(t),
        generators: layout::message_generators(t),
    })
}
