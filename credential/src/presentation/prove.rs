//! The holder side: answering a presentation request with BBS proofs.

use rand_core::{CryptoRng, RngCore};
use serde_json::Value;
use time::OffsetDateTime;
use zkcred_crypto::{bbs, composite, Scalar};

use super::composite::{
    is_composite, presented_statements, push_memberships, relations, EntryShape,
};
use super::document::{Presentation, PresentedCredential, ProofObject};
use super::header::{composite_presentation_header, presentation_header};
use super::request::{PresentationRequest, RequestedCredential};
use super::statement::Statement;
use super::status::HolderStatus;
use super::{
    COMPOSITE_PROOF_VERSION, PRESENTATION_FORMAT, PRESENTATION_VERSION, PROOF_TYPE_BBS,
    PROOF_TYPE_COMPOSITE, PROOF_VERSION,
};
use crate::catalogue::{Catalogue, CredentialType};
use crate::credential::{signer_messages, Credential};
use crate::encoding::{AttributeValue, ENCODING_VERSION};
use crate::error::{AttributeError, Error};
use crate::keys::IssuerPublicKey;
use crate::layout;

fn disclosed_indexes(t: &CredentialType, names: &[String]) -> Result<Vec<usize>, Error> {
    names
        .iter()
        .map(|n| {
            layout::message_index(t, n).ok_or_else(|| {
                AttributeError::NotInLayout {
                    attribute: n.clone(),
                    credential_type: t.id.clone(),
                }
                .into()
            })
        })
        .collect()
}

/// Answers `request` with `credentials[i]` (and its issuer key) for the
/// `i`-th requested entry. Each credential is verified first.
///
/// A holder answering many requests with the same credentials prepares
/// them once with [`HolderCredential::new`] and calls [`present_prepared`]:
/// the signature is then checked and the prover's tables built only once.
///
/// # Errors
/// As [`PresentationRequest::validate`]; [`Error::RequestExpired`];
/// [`Error::CredentialCountMismatch`] unless one credential per requested
/// entry; [`Error::WrongCredentialType`] or [`Error::IssuerNotAccepted`] for
/// a credential that does not answer its entry; as [`HolderCredential::new`]
/// for each credential; [`Error::Crypto`] from BBS `ProofGen`
/// (draft §3.4.3).
pub fn present(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    credentials: &[(&Credential, &IssuerPublicKey)],
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, Error> {
    check_answerable(catalogue, request, credentials.len(), now)?;
    let mut holders = Vec::with_capacity(credentials.len());
    for (rc, (cred, key)) in request.credentials.iter().zip(credentials) {
        check_entry(rc, cred)?;
        holders.push(HolderCredential::new(catalogue, cred, key)?);
    }
    let refs: Vec<&HolderCredential<'_>> = holders.iter().collect();
    answer(catalogue, request, &refs, rng)
}

/// Both entry points after their checks: one BBS proof per entry, or one
/// composite proof when the request has statements.
fn answer(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    holders: &[&HolderCredential<'_>],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, Error> {
    if is_composite(request) {
        return present_composite(catalogue, request, holders, rng);
    }
    let mut out = Vec::with_capacity(holders.len());
    for (index, (rc, holder)) in request.credentials.iter().zip(holders).enumerate() {
        out.push(holder.present_entry(request, index, rc, rng)?);
    }
    Ok(presentation(request, out, None))
}

/// The composite answer (see [`super::composite`]): every entry's
/// disclosures, its statements (a range on an absent optional attribute
/// answered by a disclosed `null`), and one proof over all of them. Each
/// statement is checked against the holder's values first, so a holder
/// whose credential misses a bound gets [`Error::StatementNotSatisfied`]
/// and no proof is made.
fn present_composite(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    holders: &[&HolderCredential<'_>],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, Error> {
    let mut presented = Vec::with_capacity(holders.len());
    for (rc, h) in request.credentials.iter().zip(holders) {
        let (statements, nulls) = presented_statements(rc, |a| {
            h.t.attribute(a).is_some() && h.attributes.get(a).is_none()
        });
        let mut disclose = rc.disclose.clone();
        disclose.extend(nulls);
        presented.push((statements, disclose));
    }
    let shapes: Vec<EntryShape<'_>> = holders
        .iter()
        .zip(&presented)
        .map(|(h, (st, d))| EntryShape {
            credential_type: &h.credential.credential_type,
            disclosed: d.clone(),
            statements: st,
        })
        .collect();
    let mut relations = relations(catalogue, request, &shapes)?;
    let mut statuses = Vec::with_capacity(holders.len());
    let mut witnesses = Vec::new();
    for (entry, (rc, h)) in request.credentials.iter().zip(holders).enumerate() {
        if rc.status.is_none() {
            statuses.push(None);
            continue;
        }
        let st = h
            .status
            .as_ref()
            .ok_or_else(|| Error::StatusWitnessMissing {
                entry,
                credential_type: h.credential.credential_type.clone(),
            })?;
        statuses.push(Some((&st.public_key, &st.value)));
        witnesses.push(st.witness);
    }
    push_memberships(&mut relations, &statuses);
    check_one_holder(holders)?;
    check_statements_hold(holders, &presented)?;
    let indexes: Vec<Vec<usize>> = holders
        .iter()
        .zip(&presented)
        .map(|(h, (_, d))| disclosed_indexes(h.t, d))
        .collect::<Result<_, _>>()?;
    let parts: Vec<composite::ProverPart<'_>> = holders
        .iter()
        .zip(&indexes)
        .map(|(h, d)| composite::ProverPart {
            credential: &h.prover,
            disclosed: d,
        })
        .collect();
    let st_refs: Vec<&[Statement]> = presented.iter().map(|(s, _)| s.as_slice()).collect();
    let ph = composite_presentation_header(request, &st_refs);
    let proof = composite::prove_with_witnesses(&parts, &relations, &witnesses, &ph, rng)
        .map_err(Error::Crypto)?;
    let entries = holders
        .iter()
        .zip(presented)
        .zip(&request.credentials)
        .map(|((h, (statements, disclose)), rc)| {
            let mut e = h.entry(&disclose, statements, None);
            if rc.status.is_some() {
                e.status_epoch = h.status.as_ref().map(|s| s.epoch);
            }
            e
        })
        .collect();
    Ok(presentation(
        request,
        entries,
        Some(ProofObject {
            kind: PROOF_TYPE_COMPOSITE.into(),
            version: COMPOSITE_PROOF_VERSION,
            value: hex::encode(proof.to_bytes()),
        }),
    ))
}

/// The holder binding: every credential carries entry 0's holder secret
/// (compared in constant time, by reference: no copy of a secret is left
/// behind).
fn check_one_holder(holders: &[&HolderCredential<'_>]) -> Result<(), Error> {
    use subtle::ConstantTimeEq;
    fn secret<'h>(h: &'h HolderCredential<'_>) -> Result<&'h Scalar, Error> {
        h.credential
            .holder
            .as_ref()
            .map(|b| b.holder_secret())
            .ok_or(Error::HolderBindingMissing)
    }
    let Some(first) = holders.first() else {
        return Ok(());
    };
    let s0 = secret(first)?;
    for (entry, h) in holders.iter().enumerate().skip(1) {
        if !bool::from(secret(h)?.ct_eq(s0)) {
            return Err(Error::HolderMismatch { entry });
        }
    }
    Ok(())
}

/// The holder's own check of every statement against its values, before
/// anything is proven.
fn check_statements_hold(
    holders: &[&HolderCredential<'_>],
    presented: &[(Vec<Statement>, Vec<String>)],
) -> Result<(), Error> {
    let numeric = |v: Option<&AttributeValue>| match v {
        Some(AttributeValue::Date(d)) => Some(d.days()),
        Some(AttributeValue::Integer(i)) => Some(*i),
        _ => None,
    };
    for (entry, (h, (statements, _))) in holders.iter().zip(presented).enumerate() {
        for s in statements {
            let holds = match s {
                Statement::Range(r) => {
                    let def = h.t.attribute(&r.attribute);
                    let bounds = def.map(|d| r.bounds(d.ty)).transpose()?;
                    match (numeric(h.attributes.get(&r.attribute)), bounds) {
                        (Some(v), Some((min, max))) => {
                            min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m)
                        }
                        _ => false,
                    }
                }
                Statement::Equal(e) => {
                    let other = holders.get(e.to.entry as usize);
                    other.is_some_and(|o| {
                        o.attributes.get(&e.to.attribute) == h.attributes.get(&e.attribute)
                    })
                }
            };
            if !holds {
                return Err(Error::StatementNotSatisfied {
                    entry,
                    statement: s.describe(),
                });
            }
        }
    }
    Ok(())
}

/// [`present`] with credentials prepared by [`HolderCredential::new`].
///
/// # Errors
/// As [`present`], but for the credentials' own checks, done by
/// [`HolderCredential::new`].
pub fn present_prepared(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    credentials: &[&HolderCredential<'_>],
    now: OffsetDateTime,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Presentation, Error> {
    check_answerable(catalogue, request, credentials.len(), now)?;
    for (rc, holder) in request.credentials.iter().zip(credentials) {
        check_entry(rc, holder.credential)?;
    }
    answer(catalogue, request, credentials, rng)
}

fn check_answerable(
    catalogue: &Catalogue,
    request: &PresentationRequest,
    count: usize,
    now: OffsetDateTime,
) -> Result<(), Error> {
    request.validate(catalogue)?;
    request.check_live(now)?;
    if count != request.credentials.len() {
        return Err(Error::CredentialCountMismatch {
            expected: request.credentials.len(),
            found: count,
        });
    }
    Ok(())
}

fn check_entry(rc: &RequestedCredential, cred: &Credential) -> Result<(), Error> {
    if !rc.accepts(&cred.credential_type) {
        return Err(Error::WrongCredentialType {
            expected: rc.credential_type.clone(),
            found: cred.credential_type.clone(),
        });
    }
    if !rc.issuers.is_empty() && !rc.issuers.contains(&cred.issuer) {
        return Err(Error::IssuerNotAccepted(cred.issuer.clone()));
    }
    Ok(())
}

fn presentation(
    request: &PresentationRequest,
    credentials: Vec<PresentedCredential>,
    proof: Option<ProofObject>,
) -> Presentation {
    Presentation {
        format: PRESENTATION_FORMAT.into(),
        version: PRESENTATION_VERSION,
        verifier: request.verifier.clone(),
        challenge: request.challenge.clone(),
        request_digest: hex::encode(request.digest()),
        credentials,
        proof,
    }
}

/// A holder's credential checked once and prepared for many presentations:
/// its signature verified against the issuer key and the constant-time
/// prover tables ([`bbs::ProverCredential`]) built. Holds the credential's
/// secrets (messages, tables), zeroized on drop by the prover.
pub struct HolderCredential<'a> {
    credential: &'a Credential,
    key: &'a IssuerPublicKey,
    t: &'a CredentialType,
    attributes: crate::credential::AttributeSet,
    prover: bbs::ProverCredential,
    status: Option<HolderStatus>,
}

impl std::fmt::Debug for HolderCredential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderCredential")
            .field("credential_type", &self.credential.credential_type)
            .field("issuer", &self.credential.issuer)
            .field("key_id", &self.credential.key_id)
            .finish_non_exhaustive()
    }
}

impl<'a> HolderCredential<'a> {
    /// Verifies the bound `credential` with `key` and prepares it for
    /// proving (the blind draft's prover over the attributes,
    /// `secret_prover_blind` and the holder secret).
    ///
    /// # Errors
    /// As [`Credential::verify`] ([`Error::HolderBindingMissing`] for a
    /// credential without its holder's part); [`Error::Malformed`] for an undecodable
    /// signature; [`Error::Crypto`] when the prover's tables cannot be built.
    pub fn new(
        catalogue: &'a Catalogue,
        credential: &'a Credential,
        key: &'a IssuerPublicKey,
    ) -> Result<Self, Error> {
        let attributes = credential.verify(catalogue, key)?;
        let holder = credential
            .holder
            .as_ref()
            .ok_or(Error::HolderBindingMissing)?;
        let t = catalogue
            .get(&credential.credential_type)
            .ok_or_else(|| Error::UnknownCredentialType(credential.credential_type.clone()))?;
        let msgs = signer_messages(key.suite, t, &attributes, &credential.reserved);
        let header = layout::signature_header(t, &credential.issuer, &credential.key_id);
        let signature = bbs::Signature::from_bytes(&crate::error::decode_hex(
            "signature",
            &credential.signature,
        )?)
        .map_err(Error::Crypto)?;
        let prover = bbs::ProverCredential::new_blind(
            key.suite,
            &key.public_key,
            &signature,
            &header,
            msgs,
            vec![*holder.holder_secret()],
            holder.secret_prover_blind(),
        )
        .map_err(Error::Crypto)?;
        Ok(HolderCredential {
            credential,
            key,
            t,
            attributes,
            prover,
            status: None,
        })
    }

    /// Attaches the credential's status material (the epoch the wallet
    /// synced to and the witness), which entries asking for licence status
    /// need ([`super::status`]).
    pub fn with_status(mut self, status: HolderStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// The attached status material, if any.
    pub fn status(&self) -> Option<&HolderStatus> {
        self.status.as_ref()
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        self.credential
    }

    /// Entry `index` of `request`, answered with this credential.
    fn present_entry(
        &self,
        request: &PresentationRequest,
        index: usize,
        rc: &RequestedCredential,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<PresentedCredential, Error> {
        let indexes = disclosed_indexes(self.t, &rc.disclose)?;
        let statements: Vec<Statement> = Vec::new();
        let ph = presentation_header(request, index, &statements);
        let proof = self
            .prover
            .prove(&ph, &indexes, rng)
            .map_err(Error::Crypto)?;
        Ok(self.entry(
            &rc.disclose,
            statements,
            Some(ProofObject {
                kind: PROOF_TYPE_BBS.into(),
                version: PROOF_VERSION,
                value: hex::encode(proof.to_bytes()),
            }),
        ))
    }

    /// The presented entry: the credential's identity, the values of
    /// `disclose` (absent ones as `null`), `statements` and `proof`.
    fn entry(
        &self,
        disclose: &[String],
        statements: Vec<Statement>,
        proof: Option<ProofObject>,
    ) -> PresentedCredential {
        let cred = self.credential;
        let disclosed = disclose
            .iter()
            .map(|n| {
                let v = self
                    .attributes
                    .get(n)
                    .map_or(Value::Null, AttributeValue::to_json);
                (n.clone(), v)
            })
            .collect();
        PresentedCredential {
            credential_type: cred.credential_type.clone(),
            issuer: cred.issuer.clone(),
            key_id: cred.key_id.clone(),
            suite: self.key.suite.name().into(),
            encoding_version: ENCODING_VERSION,
            disclosed,
            statements,
            status_epoch: None,
            proof,
        }
    }
}
