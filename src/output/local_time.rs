//! The local time zone as Go's `time.Local` sees it (`TZ`: a zone name, a TZif path or a
//! POSIX rule, empty for UTC; else `/etc/localtime`), for the times the reference prints
//! in local time (`events`).

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A time zone: its offset from UTC at any moment.
#[derive(Debug, Clone)]
pub struct LocalZone(TimeZone);

impl LocalZone {
    /// The system's zone (UTC when it cannot be found, as Go falls back).
    pub fn system() -> Self {
        Self(TimeZone::try_system().unwrap_or(TimeZone::UTC))
    }

    pub fn utc() -> Self {
        Self(TimeZone::UTC)
    }

    /// A zone from a POSIX `TZ` rule (`CET-1CEST,M3.5.0,M10.5.0/3`), `None` when invalid.
    pub fn from_posix_rule(rule: &str) -> Option<Self> {
        TimeZone::posix(rule).ok().map(Self)
    }

    /// The offset from UTC, in seconds, at `nanos` nanoseconds since the epoch.
    pub fn offset_seconds(&self, nanos: i64) -> i32 {
        Timestamp::from_nanosecond(i128::from(nanos))
            .map_or(0, |moment| self.0.to_offset(moment).seconds())
    }
}

#[cfg(test)]
mod tests {
    use super::LocalZone;

    #[test]
    fn offsets_follow_the_rule_of_the_moment() {
        let paris = LocalZone::from_posix_rule("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        // 2026-11-28 (winter) and 2026-07-01 (summer).
        assert_eq!(paris.offset_seconds(1_795_874_905_000_000_000), 3600);
        assert_eq!(paris.offset_seconds(1_782_864_000_000_000_000), 7200);
        assert_eq!(LocalZone::utc().offset_seconds(0), 0);
        assert!(LocalZone::from_posix_rule("not a rule").is_none());
    }
}
