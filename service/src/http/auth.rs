//! Bearer tokens with roles.
//!
//! The configuration holds each token's SHA-256 digest. A presented token is
//! hashed and compared with *every* configured digest in constant time
//! (`subtle`), without stopping at a match, so the time taken tells nothing
//! about which token, or how much of one, was right.

use std::sync::Arc;
use zkcred_problem::ProblemCode;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::config::{ConfigError, TokenConfig};
use super::problem::Problem;
use super::state::AppState;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Registry and policy administration.
    Admin,
    /// Challenges and presentations.
    Verifier,
    /// The read side: policies with their audit, the disclosure log.
    Regulator,
}

impl Role {
    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Verifier => "verifier",
            Role::Regulator => "regulator",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's name (a verifier's identity).
    pub name: Arc<str>,
    /// The token's role.
    pub role: Role,
}

impl Principal {
    /// `Ok` if the caller has one of `roles`, else 403 `forbidden`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Problem> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(Problem::new(
                ProblemCode::Forbidden,
                format!(
                    "role {} may not do this (needs {})",
                    self.role.as_str(),
                    allowed.join(" or ")
                ),
            ))
        }
    }
}

/// The configured tokens, by digest.
pub struct Tokens {
    entries: Vec<([u8; 32], Principal)>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("count", &self.entries.len())
            .finish()
    }
}

impl Tokens {
    /// The tokens of a configuration.
    pub fn new(config: &[TokenConfig]) -> Result<Self, ConfigError> {
        let entries = config
            .iter()
            .map(|t| {
                Ok((
                    t.digest()?,
                    Principal {
                        name: Arc::from(t.name.as_str()),
                        role: t.role,
                    },
                ))
            })
            .collect::<Result<_, ConfigError>>()?;
        Ok(Tokens { entries })
    }

    /// The principal holding `token`, if any (see the module documentation).
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = subtle::Choice::from(0);
        let mut index = 0u32;
        for (i, (d, _)) in self.entries.iter().enumerate() {
            let eq = d.ct_eq(&digest);
            index.conditional_assign(&(i as u32), eq);
            found |= eq;
        }
        bool::from(found).then(|| self.entries[index as usize].1.clone())
    }
}

/// Extracts the caller from `Authorization: Bearer <token>`; 401
/// `unauthorized` when missing or unknown.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |d: &str| Problem::new(ProblemCode::Unauthorized, d.to_string());
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| unauthorized("an Authorization: Bearer token is required"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
        state
            .tokens
            .authenticate(token)
            .map(Auth)
            .ok_or_else(|| unauthorized("unknown token"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_authenticate_by_digest() {
        let t = Tokens::new(&[
            TokenConfig::new("root", Role::Admin, "admin-token-0123456789"),
            TokenConfig::new("hotel.example", Role::Verifier, "verifier-token-0123456789"),
        ])
        .unwrap();
        let p = t.authenticate("verifier-token-0123456789").unwrap();
        assert_eq!((&*p.name, p.role), ("hotel.example", Role::Verifier));
        assert_eq!(
            t.authenticate("admin-token-0123456789").unwrap().role,
            Role::Admin
        );
        assert!(t.authenticate("verifier-token-012345678").is_none());
        assert!(t.authenticate("").is_none());
        assert!(p.require(&[Role::Admin]).is_err());
        assert!(p.require(&[Role::Admin, Role::Verifier]).is_ok());
        assert!(Tokens::new(&[]).unwrap().authenticate("x").is_none());
    }
}
