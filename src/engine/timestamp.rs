//! The engine's timestamps as bollard decodes them (`BollardDate`, a `time::OffsetDateTime`
//! since the BuildKit feature needs bollard's `time` feature), turned back into what the rest
//! of the program reads: the RFC 3339 text the engine sent, and seconds since the epoch.

use bollard::models::BollardDate;
use time::format_description::well_known::Rfc3339;

/// The RFC 3339 text of a timestamp (nanoseconds without trailing zeros, `Z` for UTC: Go's
/// `RFC3339Nano`, as the engine sends it).
pub fn text(date: &BollardDate) -> String {
    date.format(&Rfc3339).unwrap_or_default()
}

/// Seconds since the Unix epoch (negative before 1970, e.g. Go's zero time).
#[allow(clippy::cast_precision_loss)]
pub fn seconds(date: &BollardDate) -> f64 {
    date.unix_timestamp_nanos() as f64 / 1e9
}

/// Whether this is Go's zero time (`0001-01-01T00:00:00Z`): "never" for the engine.
pub fn is_zero(date: &BollardDate) -> bool {
    date.year() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_engine_text() {
        for sample in [
            "2026-11-28T15:54:53.123456789Z",
            "2026-11-28T15:54:53.1Z",
            "2026-11-28T15:54:53Z",
        ] {
            let date = BollardDate::parse(sample, &Rfc3339).unwrap();
            assert_eq!(text(&date), sample);
        }
        let zero = BollardDate::parse("0001-01-01T00:00:00Z", &Rfc3339).unwrap();
        assert!(is_zero(&zero));
        assert!(seconds(&zero) < 0.0);
        let epoch = BollardDate::parse("1970-01-01T00:00:10.5Z", &Rfc3339).unwrap();
        assert!((seconds(&epoch) - 10.5).abs() < 1e-9);
    }
}
