//! Bearer tokens with roles.
//!
//! The configuration holds each token's SHA-256 digest. A presented token is
//! hashed and compared with *every* configured digest in constant time
//! (`subtle`), without stopping at a match, so the time taken tells nothing
//! about which token, or how much of one, was right.
//!
//! **Rate limit.** Each principal *name* has one token bucket
//! ([`governor`], configured by `[rate_limit]`), shared by every token of
//! that name, built at start for the configured names only (a closed set:
//! nothing a client sends creates one). [`Auth`] takes one request from the
//! bucket once the token is known; an empty bucket is 429 `rate_limited`
//! with `Retry-After`, before the handler runs or the body is read. Unknown
//! tokens are refused (401) without touching any bucket.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use zkcred_problem::ProblemCode;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use governor::clock::Clock as _;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::config::{ConfigError, RateLimitConfig, TokenConfig};
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

/// The configured tokens, by digest, and their principals' rate limits.
pub struct Tokens {
    entries: Vec<([u8; 32], Principal)>,
    /// One bucket per principal name (none when the limit is off).
    limits: HashMap<Arc<str>, DefaultDirectRateLimiter>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("count", &self.entries.len())
            .finish()
    }
}

impl Tokens {
    /// The tokens of a configuration, with a bucket of `rate` for each
    /// principal name.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a token that is too short or a digest
    /// that is not 64 hex digits.
    pub fn new(config: &[TokenConfig], rate: &RateLimitConfig) -> Result<Self, ConfigError> {
        let entries: Vec<([u8; 32], Principal)> = config
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
        let quota = NonZeroU32::new(rate.per_token_per_sec).map(|per_sec| {
            Quota::per_second(per_sec).allow_burst(NonZeroU32::new(rate.burst).unwrap_or(per_sec))
        });
        let limits = match quota {
            Some(q) => entries
                .iter()
                .map(|(_, p)| (Arc::clone(&p.name), RateLimiter::direct(q)))
                .collect(),
            None => HashMap::new(),
        };
        Ok(Tokens { entries, limits })
    }

    /// Takes one request from `who`'s bucket; `Err` with how long until
    /// the next one is allowed when it is empty. Always `Ok` when the limit
    /// is off.
    pub fn admit(&self, who: &Principal) -> Result<(), Duration> {
        match self.limits.get(&who.name) {
            Some(limiter) => limiter
                .check()
                .map_err(|not_until| not_until.wait_time_from(limiter.clock().now())),
            None => Ok(()),
        }
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
/// `unauthorized` when missing or unknown, 429 `rate_limited` (with
/// `Retry-After`) when the caller's rate limit is spent.
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
        let who = state
            .tokens
            .authenticate(token)
            .ok_or_else(|| unauthorized("unknown token"))?;
        state.tokens.admit(&who).map_err(|wait| {
            Problem::new(
                ProblemCode::RateLimited,
                format!(
                    "this token's rate limit ({} requests per second) is spent",
                    state.config.rate_limit.per_token_per_sec
                ),
            )
            .retry_after(wait)
        })?;
        Ok(Auth(who))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_authenticate_by_digest() {
        let t = Tokens::new(
            &[
                TokenConfig::new("root", Role::Admin, "admin-token-0123456789"),
                TokenConfig::new("hotel.example", Role::Verifier, "verifier-token-0123456789"),
            ],
            &RateLimitConfig::default(),
        )
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
        assert!(Tokens::new(&[], &RateLimitConfig::default())
            .unwrap()
            .authenticate("x")
            .is_none());
    }

    #[test]
    fn each_name_has_one_bucket() {
        let rate = RateLimitConfig {
            per_token_per_sec: 1,
            burst: 2,
        };
        let t = Tokens::new(
            &[
                TokenConfig::new("hotel.example", Role::Verifier, "hotel-token-0123456789"),
                // A second token of the same name shares its bucket.
                TokenConfig::new("hotel.example", Role::Verifier, "hotel-token-9876543210"),
                TokenConfig::new("bar.example", Role::Verifier, "bar-token-0123456789"),
            ],
            &rate,
        )
        .unwrap();
        assert_eq!(t.limits.len(), 2);
        let hotel = t.authenticate("hotel-token-0123456789").unwrap();
        let hotel2 = t.authenticate("hotel-token-9876543210").unwrap();
        let bar = t.authenticate("bar-token-0123456789").unwrap();
        assert!(t.admit(&hotel).is_ok() && t.admit(&hotel2).is_ok());
        let wait = t.admit(&hotel).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(t.admit(&hotel2).is_err());
        assert!(t.admit(&bar).is_ok());

        let off = RateLimitConfig {
            per_token_per_sec: 0,
            burst: 0,
        };
        let t = Tokens::new(
            &[TokenConfig::new(
                "hotel.example",
                Role::Verifier,
                "hotel-token-0123456789",
            )],
            &off,
        )
        .unwrap();
        let hotel = t.authenticate("hotel-token-0123456789").unwrap();
        assert!((0..1000).all(|_| t.admit(&hotel).is_ok()));
    }
}
