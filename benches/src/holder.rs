//! Holder binding and pseudonyms: blind issuance (the holder commits to a
//! secret the issuer never sees) and the presentations that hide or use
//! that secret, in zkcred-crypto and in zkryptium 0.8, for `holder.rs`.
//!
//! # zkcred ([`zkcred`])
//! The product's path (the credential crate): every credential is issued
//! blindly over `L` signer messages, the `secret_prover_blind` and one
//! committed message, the holder secret (a random scalar, committed as the
//! scalar itself) at index `L + 1` of the blind generator list
//! `MessageGenerators::blind(L, 1)`. A presentation without statements is a
//! plain BBS proof over that list ([`Kind::Blind`]); one with a pseudonym is
//! a composite proof with one `PseudonymClaim` on the holder secret
//! ([`Kind::Pseudonym`]). [`Kind::Plain`] is the reference: the same
//! messages signed with the BBS draft's plain interface (`L` messages, plain
//! generators), no holder secret.
//!
//! # zkryptium ([`zkryptium`])
//! Its blind-signatures draft (`Commitment::commit`, `blind_sign`,
//! `verify_blind_sign`, `blind_proof_gen`, `blind_proof_verify`), with the
//! holder secret's 32 octets as its one committed message (zkryptium hashes
//! committed messages to scalars). And its per-verifier linkability draft
//! (`commit_with_nym`, `blind_sign_with_nym`, `verify_finalize_with_nym`,
//! `proof_gen_with_nym`, `proof_verify_with_nym`): the editor's copy with a
//! vector of nym secrets, here a vector of one, `nym_secret = prover_nym +
//! signer_nym_entropy`, and no committed message: its proof hides the same
//! number of messages as zkcred's pseudonym proof (`L - 2` signer messages,
//! the blind and one holder-side secret). zkcred's pseudonym is the same
//! point `OP * s` for a vector of one; zkcred takes `s` to be the committed
//! holder secret itself, with no signer entropy, and proves the pseudonym in
//! its composite proof rather than in the draft's dedicated proof.
//!
//! As everywhere in these benches, commitments, signatures, proofs and
//! pseudonyms cross between parties as octets: decoding is inside every
//! measured sign / verify / proof_verify, encoding inside every commit /
//! sign / proof_gen. Signer messages are octet strings hashed inside the
//! measured call (the verifier hashes the disclosed ones). The issuer's and
//! the verifier's keys are decoded objects; zkcred's holder keeps a prepared
//! `ProverCredential`, its verifier a prepared `VerifierKey`, as the
//! product does (zkryptium has neither: every call starts from octets).

use crate::Workload;

/// The verifier context the pseudonym benches present to.
pub const CONTEXT_ID: &[u8] = b"hotel:chain-0042";
/// Another context, whose pseudonym must differ.
pub const OTHER_CONTEXT_ID: &[u8] = b"hotel:chain-0043";

/// Which presentation zkcred makes or checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The plain BBS proof of a plainly signed credential (plain
    /// generators, `L` messages): the reference.
    Plain,
    /// The BBS proof of the blind credential (`L` signer messages, the
    /// blind and the holder secret hidden): a presentation without
    /// statements.
    Blind,
    /// The composite proof of the blind credential with one pseudonym on
    /// the holder secret for [`CONTEXT_ID`].
    Pseudonym,
}

impl Kind {
    /// All three, in the order the benches list them.
    pub const ALL: [Kind; 3] = [Kind::Plain, Kind::Blind, Kind::Pseudonym];

    /// The criterion function id: `zkcred_plain`, `zkcred_blind`,
    /// `zkcred_nym`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Plain => "zkcred_plain",
            Kind::Blind => "zkcred_blind",
            Kind::Pseudonym => "zkcred_nym",
        }
    }
}

/// zkcred-crypto, through its public API only.
pub mod zkcred {
    use super::*;
    use crate::{key_material, rng, HEADER, KEY_INFO, PH};
    use rand::rngs::StdRng;
    use zkcred_crypto::bbs::{
        self, BatchItem, MessageGenerators, Proof, ProverCredential, PublicKey, SecretKey,
        Signature, Suite, VerifierKey,
    };
    use zkcred_crypto::blind::{self, CommitmentWithProof, SecretProverBlind};
    use zkcred_crypto::composite::{
        self, CompositeItem, CompositeProof, MessageRef, ProverPart, PseudonymClaim, Relations,
        VerifierPart,
    };
    use zkcred_crypto::Scalar;

    /// The ciphersuite of every call: BLS12-381-SHA-256.
    pub const SUITE: Suite = Suite::Bls12381Sha256;

    /// One issuer, one holder, the workload's messages issued both ways.
    pub struct Fixture {
        /// `L`, the signer messages.
        pub l: usize,
        /// Issuer secret key, from [`key_material`].
        pub sk: SecretKey,
        /// The matching public key.
        pub pk: PublicKey,
        /// The verifier's prepared key.
        pub vk: VerifierKey,
        /// The holder secret, the one committed message.
        pub holder_secret: Scalar,
        /// The holder's `secret_prover_blind` of [`Fixture::commitment`].
        pub blind: SecretProverBlind,
        /// `commitment_with_proof` to the holder secret, encoded.
        pub commitment: Vec<u8>,
        /// The blind signature over the messages and the commitment,
        /// encoded.
        pub blind_sig: [u8; 80],
        /// The plain signature over the same messages, encoded.
        pub plain_sig: [u8; 80],
        /// The holder's prepared plain credential.
        pub plain: ProverCredential,
        /// The holder's prepared blind credential.
        pub blind_credential: ProverCredential,
        /// One pseudonym claim on the holder secret for [`CONTEXT_ID`].
        pub relations: Relations,
    }

    impl Fixture {
        /// The key pair, a commitment to a fresh holder secret, both
        /// signatures (checked) and both credentials prepared for `w`.
        ///
        /// # Panics
        ///
        /// If any operation fails or a signature does not verify.
        pub fn new(w: &Workload) -> Fixture {
            let mut rng = rng();
            let l = w.n;
            let sk = bbs::keygen(SUITE, &key_material(), KEY_INFO, None).expect("keygen");
            let pk = sk.public_key();
            let holder_secret = Scalar::random(&mut rng);
            let (cwp, blind) =
                blind::core::commit(SUITE, std::slice::from_ref(&holder_secret), &mut rng)
                    .expect("commit");
            let commitment = cwp.to_bytes();
            let blind_sig = blind_sign(&sk, &pk, &commitment, &w.messages);
            assert!(blind_verify(
                &pk,
                &blind_sig,
                &w.messages,
                &holder_secret,
                &blind
            ));
            let plain_sig = crate::zkcred::sign(&sk, &pk, &w.messages);
            assert!(crate::zkcred::verify(&pk, &plain_sig, &w.messages));
            let plain = ProverCredential::new(
                SUITE,
                &pk,
                &Signature::from_bytes(&plain_sig).expect("signature"),
                HEADER,
                &bbs::messages_to_scalars(SUITE, &w.messages),
            )
            .expect("prepare plain");
            let blind_credential = accept(&pk, &blind_sig, &w.messages, &holder_secret, &blind)
                .expect("prepare blind");
            let relations = Relations {
                pseudonyms: vec![PseudonymClaim {
                    message: MessageRef {
                        credential: 0,
                        index: l + 1,
                    },
                    context_id: CONTEXT_ID.to_vec(),
                }],
                ..Relations::default()
            };
            Fixture {
                l,
                vk: VerifierKey::new(pk.clone()),
                sk,
                pk,
                holder_secret,
                blind,
                commitment,
                blind_sig,
                plain_sig,
                plain,
                blind_credential,
                relations,
            }
        }

        /// The blind generator list `(L, 1)`.
        pub fn generators(&self) -> MessageGenerators {
            MessageGenerators::blind(self.l, 1)
        }

        /// `relations` with the pseudonym for `context_id` instead.
        pub fn relations_for(&self, context_id: &[u8]) -> Relations {
            let mut r = self.relations.clone();
            r.pseudonyms[0].context_id = context_id.to_vec();
            r
        }
    }

    /// The holder's `Commit` to its secret (one committed message, the
    /// scalar itself): the `commitment_with_proof` encoded. The
    /// `secret_prover_blind` is dropped (a holder would keep it).
    ///
    /// # Panics
    ///
    /// If committing fails.
    pub fn commit(holder_secret: &Scalar, rng: &mut StdRng) -> Vec<u8> {
        let (cwp, _blind) =
            blind::core::commit(SUITE, std::slice::from_ref(holder_secret), rng).expect("commit");
        cwp.to_bytes()
    }

    /// The issuer's `BlindSign`: decodes the commitment (and verifies its
    /// proof), hashes `msgs` under the blind `api_id`, signs under
    /// [`HEADER`]; the signature encoded.
    ///
    /// # Panics
    ///
    /// If the commitment does not decode or verify, or signing fails.
    pub fn blind_sign(
        sk: &SecretKey,
        pk: &PublicKey,
        commitment: &[u8],
        msgs: &[Vec<u8>],
    ) -> [u8; 80] {
        let cwp = CommitmentWithProof::from_bytes(commitment).expect("commitment");
        blind::blind_sign(SUITE, sk, pk, Some(&cwp), HEADER, msgs)
            .expect("blind_sign")
            .to_bytes()
    }

    /// The holder's `Verify` of the blind signature: decodes it, hashes
    /// `msgs`, checks it over `msgs || secret_prover_blind ||
    /// holder_secret` (constant-time `B`). True if it decodes and is valid.
    pub fn blind_verify(
        pk: &PublicKey,
        sig: &[u8],
        msgs: &[Vec<u8>],
        holder_secret: &Scalar,
        blind: &SecretProverBlind,
    ) -> bool {
        let Ok(sig) = Signature::from_bytes(sig) else {
            return false;
        };
        blind::core::blind_verify(
            SUITE,
            pk,
            &sig,
            HEADER,
            &blind::messages_to_scalars(SUITE, msgs),
            std::slice::from_ref(holder_secret),
            blind,
        )
        .is_ok()
    }

    /// What the product's holder does on receiving the credential:
    /// decode, hash the messages, `ProverCredential::new_blind` (the same
    /// check as [`blind_verify`], then the prepared credential).
    ///
    /// # Errors
    ///
    /// zkcred's error if the signature does not decode or verify.
    pub fn accept(
        pk: &PublicKey,
        sig: &[u8],
        msgs: &[Vec<u8>],
        holder_secret: &Scalar,
        blind: &SecretProverBlind,
    ) -> Result<ProverCredential, zkcred_crypto::Error> {
        let sig = Signature::from_bytes(sig)?;
        ProverCredential::new_blind(
            SUITE,
            pk,
            &sig,
            HEADER,
            blind::messages_to_scalars(SUITE, msgs),
            vec![*holder_secret],
            blind,
        )
    }

    /// A presentation of `kind` disclosing the signer messages at
    /// `disclosed`, with [`PH`] and blinding from `rng`; encoded.
    ///
    /// # Panics
    ///
    /// If proving fails.
    pub fn prove(f: &Fixture, kind: Kind, disclosed: &[usize], rng: &mut StdRng) -> Vec<u8> {
        match kind {
            Kind::Plain => f.plain.prove(PH, disclosed, rng).expect("prove").to_bytes(),
            Kind::Blind => f
                .blind_credential
                .prove(PH, disclosed, rng)
                .expect("prove")
                .to_bytes(),
            Kind::Pseudonym => prove_nym(f, &f.relations, disclosed, rng),
        }
    }

    /// The blind credential's proof from octets, with nothing prepared (as
    /// zkryptium's `blind_proof_gen` and zkcred's own
    /// `blind::blind_proof_gen` run): decode the signature, hash the signer
    /// messages, the generator list, domain and prover tables
    /// (`ProverCredential::with_generators`, which does not verify the
    /// signature), prove, encode.
    ///
    /// # Panics
    ///
    /// If the signature does not decode or proving fails.
    pub fn prove_blind_cold(
        f: &Fixture,
        msgs: &[Vec<u8>],
        disclosed: &[usize],
        rng: &mut StdRng,
    ) -> Vec<u8> {
        let sig = Signature::from_bytes(&f.blind_sig).expect("signature");
        let mut all = blind::messages_to_scalars(SUITE, msgs);
        all.push(*f.blind.as_scalar());
        all.push(f.holder_secret);
        ProverCredential::with_generators(SUITE, f.generators(), &f.pk, &sig, HEADER, &all)
            .expect("prepare")
            .prove(PH, disclosed, rng)
            .expect("prove")
            .to_bytes()
    }

    /// The composite proof with `relations` (a pseudonym claim); encoded.
    ///
    /// # Panics
    ///
    /// If proving fails.
    pub fn prove_nym(
        f: &Fixture,
        relations: &Relations,
        disclosed: &[usize],
        rng: &mut StdRng,
    ) -> Vec<u8> {
        let parts = [ProverPart {
            credential: &f.blind_credential,
            disclosed,
        }];
        composite::prove(&parts, relations, PH, rng)
            .expect("composite prove")
            .to_bytes()
    }

    /// The disclosed `(index, message)` pairs hashed to scalars the way
    /// `kind`'s credential was signed (plain or blind `api_id`).
    fn disclosed_scalars(
        f: &Fixture,
        kind: Kind,
        disclosed: &[(usize, &[u8])],
    ) -> Vec<(usize, Scalar)> {
        let which = match kind {
            Kind::Plain => MessageGenerators::Plain,
            Kind::Blind | Kind::Pseudonym => f.generators(),
        };
        disclosed
            .iter()
            .map(|&(i, m)| (i, which.map_message_to_scalar(SUITE, m)))
            .collect()
    }

    /// Decodes `proof`, hashes the disclosed `(index, message)` pairs and
    /// verifies a presentation of `kind` (a pseudonym one against
    /// `f.relations`). True if it decodes and is valid.
    pub fn verify(f: &Fixture, kind: Kind, proof: &[u8], disclosed: &[(usize, &[u8])]) -> bool {
        match kind {
            Kind::Plain | Kind::Blind => {
                let Ok(p) = Proof::from_bytes(proof) else {
                    return false;
                };
                let scalars = disclosed_scalars(f, kind, disclosed);
                let which = match kind {
                    Kind::Plain => MessageGenerators::Plain,
                    _ => f.generators(),
                };
                f.vk.proof_verify_with(SUITE, which, &p, HEADER, PH, &scalars)
                    .is_ok()
            }
            Kind::Pseudonym => verify_nym(f, &f.relations, proof, disclosed).is_some(),
        }
    }

    /// Decodes and verifies a pseudonym presentation against `relations`:
    /// its pseudonym (compressed) if it is valid.
    pub fn verify_nym(
        f: &Fixture,
        relations: &Relations,
        proof: &[u8],
        disclosed: &[(usize, &[u8])],
    ) -> Option<[u8; 48]> {
        let proof = CompositeProof::from_bytes(proof).ok()?;
        let scalars = disclosed_scalars(f, Kind::Pseudonym, disclosed);
        let parts = [VerifierPart {
            suite: SUITE,
            generators: f.generators(),
            key: &f.vk,
            header: HEADER,
            disclosed: &scalars,
        }];
        composite::verify(&CompositeItem {
            parts: &parts,
            relations,
            ph: PH,
            proof: &proof,
        })
        .ok()?;
        proof.pseudonyms().first().map(|p| p.to_compressed())
    }

    /// Decodes every proof and verifies them as one batch (weights from
    /// `rng`): `bbs::verify_batch` for [`Kind::Plain`] and [`Kind::Blind`]
    /// (with the blind generator list), `composite::verify_batch` for
    /// [`Kind::Pseudonym`]. The disclosed messages (the same in every
    /// proof) are hashed once per call. True if every proof decodes and is
    /// valid.
    pub fn verify_batch(
        f: &Fixture,
        kind: Kind,
        proofs: &[Vec<u8>],
        disclosed: &[(usize, &[u8])],
        rng: &mut StdRng,
    ) -> bool {
        let scalars = disclosed_scalars(f, kind, disclosed);
        match kind {
            Kind::Plain | Kind::Blind => {
                let which = match kind {
                    Kind::Plain => MessageGenerators::Plain,
                    _ => f.generators(),
                };
                let Ok(decoded) = proofs
                    .iter()
                    .map(|p| Proof::from_bytes(p))
                    .collect::<Result<Vec<_>, _>>()
                else {
                    return false;
                };
                let items: Vec<BatchItem<'_>> = decoded
                    .iter()
                    .map(|proof| BatchItem {
                        suite: SUITE,
                        generators: which,
                        key: &f.vk,
                        proof,
                        header: HEADER,
                        ph: PH,
                        disclosed: &scalars,
                    })
                    .collect();
                bbs::verify_batch(&items, rng).iter().all(Result::is_ok)
            }
            Kind::Pseudonym => {
                let Ok(decoded) = proofs
                    .iter()
                    .map(|p| CompositeProof::from_bytes(p))
                    .collect::<Result<Vec<_>, _>>()
                else {
                    return false;
                };
                let parts = [VerifierPart {
                    suite: SUITE,
                    generators: f.generators(),
                    key: &f.vk,
                    header: HEADER,
                    disclosed: &scalars,
                }];
                let items: Vec<CompositeItem<'_>> = decoded
                    .iter()
                    .map(|proof| CompositeItem {
                        parts: &parts,
                        relations: &f.relations,
                        ph: PH,
                        proof,
                    })
                    .collect();
                composite::verify_batch(&items, rng)
                    .iter()
                    .all(Result::is_ok)
            }
        }
    }
}

/// zkryptium 0.8: blind signatures and pseudonyms, BLS12-381-SHA-256.
pub mod zkryptium {
    use super::*;
    use crate::{key_material, HEADER, PH};
    use ::zkryptium::bbsplus::ciphersuites::Bls12381Sha256;
    use ::zkryptium::bbsplus::commitment::BlindFactor;
    use ::zkryptium::bbsplus::keys::{BBSplusPublicKey, BBSplusSecretKey};
    use ::zkryptium::bbsplus::pseudonym::{BBSplusPseudonym, PseudonymSecret};
    use ::zkryptium::schemes::algorithms::BBSplus;
    use ::zkryptium::schemes::generics::{BlindSignature, Commitment, PoKSignature};

    type Scheme = BBSplus<Bls12381Sha256>;

    /// Length of an encoded pseudonym (a compressed G1 point), which
    /// zkryptium returns beside its proof.
    pub const PSEUDONYM_LEN: usize = 48;

    /// One issuer and one holder, issued both ways (blind, and blind with
    /// a nym secret).
    pub struct Fixture {
        /// `L`, the signer messages.
        pub l: usize,
        /// Issuer secret key, from [`key_material`].
        pub sk: BBSplusSecretKey,
        /// The matching public key.
        pub pk: BBSplusPublicKey,
        /// The holder secret's 32 octets: the blind credential's one
        /// committed message.
        pub committed: Vec<Vec<u8>>,
        /// The blind credential's commitment, encoded.
        pub commitment: Vec<u8>,
        /// Its `secret_prover_blind`.
        pub blind: BlindFactor,
        /// The blind signature, encoded.
        pub blind_sig: [u8; 80],
        /// The holder's `prover_nym` (a vector of one).
        pub prover_nyms: Vec<PseudonymSecret>,
        /// The nym credential's commitment (no committed message, the
        /// prover nym), encoded.
        pub nym_commitment: Vec<u8>,
        /// Its `secret_prover_blind`.
        pub nym_blind: BlindFactor,
        /// The issuer's `signer_nym_entropy`.
        pub signer_nym_entropy: PseudonymSecret,
        /// The nym credential's blind signature, encoded.
        pub nym_sig: [u8; 80],
        /// `nym_secrets` (one: `prover_nym + signer_nym_entropy`), from
        /// `verify_finalize_with_nym`.
        pub nym_secrets: Vec<PseudonymSecret>,
    }

    impl Fixture {
        /// Keys from [`key_material`], both credentials issued over `w`'s
        /// messages and checked by the holder. `holder_secret` (32 octets)
        /// is the blind credential's committed message.
        ///
        /// # Panics
        ///
        /// If any operation fails.
        pub fn new(w: &Workload, holder_secret: [u8; 32]) -> Fixture {
            let (sk, pk) = crate::zkryptium::keygen(&key_material());
            let committed = vec![holder_secret.to_vec()];
            let (commitment, blind) = commit(&committed);
            let blind_sig = blind_sign(&sk, &pk, &commitment, &w.messages);
            assert!(blind_verify(
                &pk,
                &blind_sig,
                &w.messages,
                &committed,
                &blind
            ));
            let prover_nyms = PseudonymSecret::random_vec(1);
            let (nym_commitment, nym_blind) = commit_with_nym(&prover_nyms);
            let signer_nym_entropy = PseudonymSecret::random();
            let nym_sig =
                blind_sign_with_nym(&sk, &pk, &nym_commitment, &signer_nym_entropy, &w.messages);
            let nym_secrets = verify_finalize_with_nym(
                &pk,
                &nym_sig,
                &w.messages,
                &prover_nyms,
                &signer_nym_entropy,
                &nym_blind,
            )
            .expect("verify_finalize_with_nym");
            Fixture {
                l: w.n,
                sk,
                pk,
                committed,
                commitment,
                blind,
                blind_sig,
                prover_nyms,
                nym_commitment,
                nym_blind,
                signer_nym_entropy,
                nym_sig,
                nym_secrets,
            }
        }
    }

    /// `Commit(committed)`: the `commitment_with_proof` encoded and the
    /// `secret_prover_blind` (zkryptium draws the randomness itself).
    ///
    /// # Panics
    ///
    /// If committing fails.
    pub fn commit(committed: &[Vec<u8>]) -> (Vec<u8>, BlindFactor) {
        let (c, blind) = Commitment::<Scheme>::commit(Some(committed)).expect("commit");
        (c.to_bytes(), blind)
    }

    /// `BlindSign` under [`HEADER`] (the commitment decoded and its proof
    /// verified inside); the signature encoded.
    ///
    /// # Panics
    ///
    /// If signing fails.
    pub fn blind_sign(
        sk: &BBSplusSecretKey,
        pk: &BBSplusPublicKey,
        commitment: &[u8],
        msgs: &[Vec<u8>],
    ) -> [u8; 80] {
        BlindSignature::<Scheme>::blind_sign(sk, pk, Some(commitment), Some(HEADER), Some(msgs))
            .expect("blind_sign")
            .to_bytes()
    }

    /// The holder's `Verify` of the blind signature: decode, verify. True
    /// if it decodes and is valid.
    pub fn blind_verify(
        pk: &BBSplusPublicKey,
        sig: &[u8; 80],
        msgs: &[Vec<u8>],
        committed: &[Vec<u8>],
        blind: &BlindFactor,
    ) -> bool {
        match BlindSignature::<Scheme>::from_bytes(sig) {
            Ok(sig) => sig
                .verify_blind_sign(pk, Some(HEADER), Some(msgs), Some(committed), Some(blind))
                .is_ok(),
            Err(_) => false,
        }
    }

    /// `ProofGen` of the blind interface: the signer messages at
    /// `disclosed` disclosed, the committed message (and the blind)
    /// hidden; the proof encoded.
    ///
    /// # Panics
    ///
    /// If proof generation fails.
    pub fn blind_proof_gen(f: &Fixture, msgs: &[Vec<u8>], disclosed: &[usize]) -> Vec<u8> {
        PoKSignature::<Scheme>::blind_proof_gen(
            &f.pk,
            &f.blind_sig,
            Some(HEADER),
            Some(PH),
            Some(msgs),
            Some(&f.committed),
            Some(disclosed),
            None,
            Some(&f.blind),
        )
        .expect("blind_proof_gen")
        .to_bytes()
    }

    /// Decode and `ProofVerify` of the blind interface: `disclosed_msgs[j]`
    /// is the signer message at `disclosed[j]`, no committed message
    /// disclosed. True if it decodes and is valid.
    pub fn blind_proof_verify(
        f: &Fixture,
        proof: &[u8],
        disclosed_msgs: &[Vec<u8>],
        disclosed: &[usize],
    ) -> bool {
        match PoKSignature::<Scheme>::from_bytes(proof) {
            Ok(p) => p
                .blind_proof_verify(
                    &f.pk,
                    Some(HEADER),
                    Some(PH),
                    Some(f.l),
                    Some(disclosed_msgs),
                    None,
                    Some(disclosed),
                    None,
                )
                .is_ok(),
            Err(_) => false,
        }
    }

    /// `commit_with_nym` with no committed message and the prover nyms:
    /// the commitment encoded and its `secret_prover_blind`.
    ///
    /// # Panics
    ///
    /// If committing fails.
    pub fn commit_with_nym(prover_nyms: &[PseudonymSecret]) -> (Vec<u8>, BlindFactor) {
        let (c, blind) = Commitment::<Scheme>::commit_with_nym(None, prover_nyms.to_vec())
            .expect("commit_with_nym");
        (c.to_bytes(), blind)
    }

    /// `blind_sign_with_nym` under [`HEADER`] for a nym vector of one; the
    /// signature encoded.
    ///
    /// # Panics
    ///
    /// If signing fails.
    pub fn blind_sign_with_nym(
        sk: &BBSplusSecretKey,
        pk: &BBSplusPublicKey,
        commitment: &[u8],
        signer_nym_entropy: &PseudonymSecret,
        msgs: &[Vec<u8>],
    ) -> [u8; 80] {
        BlindSignature::<Scheme>::blind_sign_with_nym(
            sk,
            pk,
            Some(commitment),
            1,
            Some(HEADER),
            signer_nym_entropy,
            Some(msgs),
        )
        .expect("blind_sign_with_nym")
        .to_bytes()
    }

    /// Decode and `verify_finalize_with_nym`: the `nym_secrets` if the
    /// signature is valid.
    pub fn verify_finalize_with_nym(
        pk: &BBSplusPublicKey,
        sig: &[u8; 80],
        msgs: &[Vec<u8>],
        prover_nyms: &[PseudonymSecret],
        signer_nym_entropy: &PseudonymSecret,
        blind: &BlindFactor,
    ) -> Option<Vec<PseudonymSecret>> {
        BlindSignature::<Scheme>::from_bytes(sig)
            .ok()?
            .verify_finalize_with_nym(
                pk,
                Some(HEADER),
                Some(msgs),
                None,
                prover_nyms.to_vec(),
                Some(signer_nym_entropy),
                Some(blind),
            )
            .ok()
    }

    /// `proof_gen_with_nym` for `context_id`, disclosing the signer
    /// messages at `disclosed`: the proof encoded followed by the pseudonym
    /// ([`PSEUDONYM_LEN`] octets), what the verifier receives.
    ///
    /// # Panics
    ///
    /// If proof generation fails.
    pub fn proof_gen_with_nym(
        f: &Fixture,
        msgs: &[Vec<u8>],
        disclosed: &[usize],
        context_id: &[u8],
    ) -> Vec<u8> {
        let (proof, pseudonym) = PoKSignature::<Scheme>::proof_gen_with_nym(
            &f.pk,
            &f.nym_sig,
            Some(HEADER),
            Some(PH),
            &f.nym_secrets,
            context_id,
            Some(msgs),
            None,
            Some(disclosed),
            None,
            Some(&f.nym_blind),
        )
        .expect("proof_gen_with_nym");
        let mut out = proof.to_bytes();
        out.extend_from_slice(&pseudonym.to_bytes());
        out
    }

    /// Splits `bytes` (as from [`proof_gen_with_nym`]) into the proof and
    /// the pseudonym, decodes both and runs `proof_verify_with_nym` for
    /// `context_id`: the pseudonym octets if valid.
    pub fn proof_verify_with_nym<'a>(
        f: &Fixture,
        bytes: &'a [u8],
        disclosed_msgs: &[Vec<u8>],
        disclosed: &[usize],
        context_id: &[u8],
    ) -> Option<&'a [u8]> {
        let split = bytes.len().checked_sub(PSEUDONYM_LEN)?;
        let (proof, nym) = bytes.split_at(split);
        let proof = PoKSignature::<Scheme>::from_bytes(proof).ok()?;
        let pseudonym = BBSplusPseudonym::from_bytes(nym).ok()?;
        proof
            .proof_verify_with_nym(
                &f.pk,
                Some(HEADER),
                Some(PH),
                &pseudonym,
                context_id,
                1,
                Some(f.l),
                Some(disclosed_msgs),
                None,
                Some(disclosed),
                None,
            )
            .ok()?;
        Some(nym)
    }
}
