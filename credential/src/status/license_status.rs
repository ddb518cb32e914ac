//! [`LicenseStatus`]: a licence's status as the national e-licence status
//! codes name it, and the changes an issuer may make.
//!
//! # Codes
//!
//! | code | status | 中文 | holder can present |
//! | --- | --- | --- | --- |
//! | `01` | valid | 有效 | yes |
//! | `02` | suspended | 暂扣 | no (until reinstated) |
//! | `03` | revoked | 吊销 | no, final |
//! | `04` | cancelled | 注销 | no, final |
//! | `05` | expired | 过期 | no, final |
//! | `07` | revoked by penalty | 撤销 | no, final |
//!
//! Source: the e-licence status code list of issue 15 (the codes the
//! national e-licence platform's licence data uses for 证照状态); code `06`
//! is not used by licences and is refused.
//!
//! # Transitions
//!
//! * valid → suspended (暂扣), suspended → valid (reinstated);
//! * valid or suspended → revoked, cancelled, expired, revoked by penalty
//!   (final: no change leaves them);
//! * anything else (a status to itself, from a final status, valid →
//!   valid) is [`Error::StatusTransition`].
//!
//! In JSON a status is its two-digit code string (`"02"`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A licence's status (see the module docs for the codes and transitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LicenseStatus {
    /// `01` 有效: the licence may be presented.
    Valid,
    /// `02` 暂扣: suspended; may be reinstated.
    Suspended,
    /// `03` 吊销: revoked (final).
    Revoked,
    /// `04` 注销: cancelled (final).
    Cancelled,
    /// `05` 过期: expired (final).
    Expired,
    /// `07` 撤销: revoked as an administrative penalty (final).
    RevokedByPenalty,
}

impl LicenseStatus {
    /// Every status, in code order.
    pub const ALL: [LicenseStatus; 6] = [
        LicenseStatus::Valid,
        LicenseStatus::Suspended,
        LicenseStatus::Revoked,
        LicenseStatus::Cancelled,
        LicenseStatus::Expired,
        LicenseStatus::RevokedByPenalty,
    ];

    /// The two-digit national code, e.g. `"02"`.
    pub const fn code(self) -> &'static str {
        match self {
            LicenseStatus::Valid => "01",
            LicenseStatus::Suspended => "02",
            LicenseStatus::Revoked => "03",
            LicenseStatus::Cancelled => "04",
            LicenseStatus::Expired => "05",
            LicenseStatus::RevokedByPenalty => "07",
        }
    }

    /// The status of a two-digit code.
    ///
    /// # Errors
    /// [`Error::UnknownStatusCode`] for anything but `01` … `05` and `07`
    /// (no whitespace, no single digits).
    pub fn from_code(code: &str) -> Result<LicenseStatus, Error> {
        LicenseStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| Error::UnknownStatusCode(code.chars().take(16).collect()))
    }

    /// The English name (`valid`, `suspended`, `revoked`, `cancelled`,
    /// `expired`, `revoked by penalty`).
    pub const fn name_en(self) -> &'static str {
        match self {
            LicenseStatus::Valid => "valid",
            LicenseStatus::Suspended => "suspended",
            LicenseStatus::Revoked => "revoked",
            LicenseStatus::Cancelled => "cancelled",
            LicenseStatus::Expired => "expired",
            LicenseStatus::RevokedByPenalty => "revoked by penalty",
        }
    }

    /// The Chinese name (有效, 暂扣, 吊销, 注销, 过期, 撤销).
    pub const fn name_zh(self) -> &'static str {
        match self {
            LicenseStatus::Valid => "有效",
            LicenseStatus::Suspended => "暂扣",
            LicenseStatus::Revoked => "吊销",
            LicenseStatus::Cancelled => "注销",
            LicenseStatus::Expired => "过期",
            LicenseStatus::RevokedByPenalty => "撤销",
        }
    }

    /// Whether the licence may be presented (`01` only).
    pub const fn is_valid(self) -> bool {
        matches!(self, LicenseStatus::Valid)
    }

    /// Whether no change leaves this status (`03`, `04`, `05`, `07`).
    pub const fn is_final(self) -> bool {
        !matches!(self, LicenseStatus::Valid | LicenseStatus::Suspended)
    }

    /// Checks that the status of licence `credential` (its identifier, for
    /// the message) may change from `self` to `to`.
    ///
    /// # Errors
    /// [`Error::StatusTransition`] for a change the rules of the module
    /// docs do not allow, with the reason.
    pub fn check_transition(self, to: LicenseStatus, credential: &str) -> Result<(), Error> {
        let reason = if self == to {
            Some("it has that status already")
        } else if self.is_final() {
            Some("the status is final")
        } else if to == LicenseStatus::Valid && self != LicenseStatus::Suspended {
            Some("only a suspended licence can be reinstated")
        } else {
            None
        };
        match reason {
            None => Ok(()),
            Some(reason) => Err(Error::StatusTransition {
                credential: credential.chars().take(128).collect(),
                from: self,
                to,
                reason,
            }),
        }
    }
}

impl fmt::Display for LicenseStatus {
    /// `02 suspended (暂扣)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.code(), self.name_en(), self.name_zh())
    }
}

impl FromStr for LicenseStatus {
    type Err = Error;

    /// As [`LicenseStatus::from_code`].
    fn from_str(s: &str) -> Result<Self, Error> {
        LicenseStatus::from_code(s)
    }
}

impl Serialize for LicenseStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for LicenseStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LicenseStatus::from_code(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LicenseStatus as S;

    #[test]
    fn codes_round_trip_and_others_are_refused() {
        for s in S::ALL {
            assert_eq!(S::from_code(s.code()).unwrap(), s);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.code()));
            assert_eq!(serde_json::from_str::<S>(&json).unwrap(), s);
        }
        for bad in ["06", "00", "08", "1", "01 ", "", "valid", "０１"] {
            assert!(
                matches!(S::from_code(bad), Err(Error::UnknownStatusCode(_))),
                "{bad:?}"
            );
            assert!(serde_json::from_str::<S>(&format!("{bad:?}")).is_err());
        }
        assert!(serde_json::from_str::<S>("1").is_err());
        assert_eq!(S::Suspended.to_string(), "02 suspended (暂扣)");
    }

    #[test]
    fn transitions_follow_the_rules() {
        let allowed = |from: S, to: S| from.check_transition(to, "L").is_ok();
        for to in S::ALL {
            // From valid: anything but valid.
            assert_eq!(allowed(S::Valid, to), to != S::Valid, "01 -> {to}");
            // From suspended: anything but suspended (valid = reinstated).
            assert_eq!(allowed(S::Suspended, to), to != S::Suspended, "02 -> {to}");
            // From a final status: nothing.
            for from in S::ALL.into_iter().filter(|s| s.is_final()) {
                assert!(!allowed(from, to), "{from} -> {to}");
            }
        }
        let e = S::Revoked
            .check_transition(S::Valid, "330106-1")
            .unwrap_err();
        assert!(e.to_string().contains("final"), "{e}");
        assert!(e.to_string().contains("330106-1"), "{e}");
        assert!(S::Valid.is_valid() && S::ALL.iter().filter(|s| s.is_valid()).count() == 1);
    }
}
