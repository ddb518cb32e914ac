//! The injectable clock, and the calendar dates decisions are made in.
//!
//! Licenses carry calendar dates (`issue_date`, `valid_until`, `birth_date`)
//! in China Standard Time, so the *presentation date* a predicate compares
//! with is the date at UTC+08:00 of the evaluation instant
//! ([`presentation_date`]), and a date `D` stands for the instants
//! `[D 00:00+08:00, D+1 00:00+08:00)` ([`day_start`]).

use std::sync::Mutex;

use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time, UTC+08:00 (no daylight saving).
pub const CHINA_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

/// A source of the current time (injected so tests and replays are exact).
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that reads a set instant (which tests may move).
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock stopped at `t`.
    pub fn new(t: OffsetDateTime) -> Self {
        FixedClock(Mutex::new(t))
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The calendar date of `t` in China Standard Time.
pub fn presentation_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA_OFFSET).date()
}

/// The first instant of date `d` in China Standard Time.
pub fn day_start(d: Date) -> OffsetDateTime {
    d.midnight().assume_offset(CHINA_OFFSET)
}

/// Converts a credential-layer date.
pub fn to_time_date(d: zkcred_credential::Date) -> Option<Date> {
    let days = i32::try_from(d.days()).ok()?;
    // 1970-01-01 is Julian day 2_440_588.
    Date::from_julian_day(2_440_588 + days).ok()
}

/// Converts to a credential-layer date (`None` outside 0001–9999).
pub fn from_time_date(d: Date) -> Option<zkcred_credential::Date> {
    zkcred_credential::Date::from_days(days_since_epoch(d))
}

/// Days from 1970-01-01 to `d` (negative before), the integer a `date`
/// attribute is signed as.
pub fn days_since_epoch(d: Date) -> i64 {
    i64::from(d.to_julian_day()) - 2_440_588
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    zkcred_credential::Date::parse(s).and_then(to_time_date)
}

/// Formats `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn presentation_dates_are_in_china_time() {
        // 2026-03-01 17:00 UTC is already 2026-03-02 in Beijing.
        let t = datetime!(2026-03-01 17:00 UTC);
        assert_eq!(format_date(presentation_date(t)), "2026-03-02");
        let t = datetime!(2026-03-01 15:59:59 UTC);
        assert_eq!(format_date(presentation_date(t)), "2026-03-01");
        let d = parse_date("2026-03-02").unwrap();
        assert_eq!(day_start(d), datetime!(2026-03-01 16:00 UTC));
        assert_eq!(
            to_time_date(zkcred_credential::Date::parse("1970-01-01").unwrap()),
            parse_date("1970-01-01")
        );
        assert_eq!(format_date(parse_date("0001-01-01").unwrap()), "0001-01-01");
        assert!(parse_date("2026-02-30").is_none());
    }

    #[test]
    fn fixed_clock_moves() {
        let c = FixedClock::new(datetime!(2026-03-01 0:00 UTC));
        assert_eq!(c.now(), datetime!(2026-03-01 0:00 UTC));
        c.set(datetime!(2027-01-01 0:00 UTC));
        assert_eq!(c.now(), datetime!(2027-01-01 0:00 UTC));
        assert!(SystemClock.now().year() >= 2024);
    }
}
