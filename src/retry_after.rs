//! `Retry-After` (RFC 9110 §10.2.3) and HTTP-date (RFC 9110 §5.6.7), without a clock:
//! `now` is a parameter, in Unix seconds.

use core::fmt;

/// `Retry-After`, the response header read by Codat's legacy service.
pub const RETRY_AFTER: &str = "retry-after";
/// Longest `Retry-After` value looked at, in bytes; the longest valid HTTP-date (RFC 850 with
/// `Wednesday`) has 37.
pub const MAX_RETRY_AFTER_LEN: usize = 64;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const SECS_PER_DAY: i64 = 86_400;

/// Parses a `Retry-After` value into a delay in seconds from `now`.
///
/// Accepts delta-seconds (`120`) and an HTTP-date in any of RFC 9110's three forms
/// (IMF-fixdate `Wed, 21 Oct 2015 07:28:00 GMT`, RFC 850 `Wednesday, 21-Oct-15 07:28:00 GMT`,
/// asctime `Wed Oct 21 07:28:00 2015`). A date at or before `now` gives `Some(0)`.
/// Garbage, negative numbers, values that overflow `u64`, and anything longer than
/// [`MAX_RETRY_AFTER_LEN`] give `None`.
pub fn parse_retry_after(value: &str, now: i64) -> Option<u64> {
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() || value.len() > MAX_RETRY_AFTER_LEN {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok();
    }
    let at = parse_http_date(value, now)?;
    Some(u64::try_from(at.saturating_sub(now)).unwrap_or(0))
}

/// Parses an HTTP-date in any of the three RFC 9110 forms into Unix seconds.
///
/// `now` resolves RFC 850's two-digit years: a year more than 50 years after `now`'s year
/// is taken from the previous century, as RFC 9110 requires. Years outside 1–9999 are
/// refused. Day names must be valid but are not cross-checked against the date (RFC 9110 asks
/// recipients to be robust).
pub fn parse_http_date(value: &str, now: i64) -> Option<i64> {
    if value.len() > MAX_RETRY_AFTER_LEN {
        return None;
    }
    if let Some((day, rest)) = value.split_once(", ") {
        if DAYS.contains(&day) {
            return parse_imf_fixdate(rest);
        }
        if LONG_DAYS.contains(&day) {
            return parse_rfc850(rest, now);
        }
        return None;
    }
    parse_asctime(value)
}

/// `06 Nov 1994 08:49:37 GMT`
fn parse_imf_fixdate(rest: &str) -> Option<i64> {
    let mut parts = rest.split(' ');
    let day = digits(parts.next()?, 2)?;
    let month = month(parts.next()?)?;
    let year = digits(parts.next()?, 4)?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    to_unix(year, month, day, time)
}

/// `06-Nov-94 08:49:37 GMT`
fn parse_rfc850(rest: &str, now: i64) -> Option<i64> {
    let mut parts = rest.split(' ');
    let date = parts.next()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    let mut fields = date.split('-');
    let day = digits(fields.next()?, 2)?;
    let month = month(fields.next()?)?;
    let yy = digits(fields.next()?, 2)?;
    if fields.next().is_some() {
        return None;
    }
    let (now_year, _, _) = civil_from_days(now.div_euclid(SECS_PER_DAY));
    let mut year = now_year - now_year.rem_euclid(100) + yy;
    if year > now_year + 50 {
        year -= 100;
    }
    to_unix(year, month, day, time)
}

/// `Sun Nov  6 08:49:37 1994` (the day is `2DIGIT` or `SP DIGIT`)
fn parse_asctime(value: &str) -> Option<i64> {
    if value.len() != 24 || !value.is_ascii() {
        return None;
    }
    let field = |a: usize, b: usize| value.get(a..b);
    if !DAYS.contains(&field(0, 3)?) {
        return None;
    }
    let separators = [3, 7, 10, 19];
    if separators.iter().any(|&i| field(i, i + 1) != Some(" ")) {
        return None;
    }
    let month = month(field(4, 7)?)?;
    let day_text = field(8, 10)?;
    let day = match day_text.strip_prefix(' ') {
        Some(one) => digits(one, 1)?,
        None => digits(day_text, 2)?,
    };
    let year = digits(field(20, 24)?, 4)?;
    to_unix(year, month, day, field(11, 19)?)
}

fn digits(text: &str, len: usize) -> Option<i64> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn month(text: &str) -> Option<i64> {
    let index = MONTHS.iter().position(|m| *m == text)?;
    i64::try_from(index).ok().map(|i| i + 1)
}

/// `HH:MM:SS` on the given date, UTC. A leap second (`:60`) is accepted, as RFC 9110's grammar
/// allows, and lands on the next second.
fn to_unix(year: i64, month: i64, day: i64, time: &str) -> Option<i64> {
    let mut hms = time.split(':');
    let h = digits(hms.next()?, 2)?;
    let m = digits(hms.next()?, 2)?;
    let s = digits(hms.next()?, 2)?;
    if hms.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Years 1–9999 only: what an IMF-fixdate can carry (an RFC 850 year resolved against an
    // extreme `now`, or `0000`, would not format back).
    if !(1..=9999).contains(&year) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let unix = days * SECS_PER_DAY + h * 3600 + m * 60 + s;
    // A leap second at the end of 9999 would fall outside what formats back.
    (HttpDate::MIN..=HttpDate::MAX)
        .contains(&unix)
        .then_some(unix)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A Unix time that formats as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form
/// RFC 9110 says senders must generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HttpDate(i64);

impl HttpDate {
    /// Earliest formattable instant: 0001-01-01T00:00:00Z.
    pub const MIN: i64 = -62_135_596_800;
    /// Latest formattable instant: 9999-12-31T23:59:59Z.
    pub const MAX: i64 = 253_402_300_799;

    /// `None` outside years 1–9999, which an IMF-fixdate's four-digit year cannot hold.
    pub fn new(unix: i64) -> Option<HttpDate> {
        (HttpDate::MIN..=HttpDate::MAX)
            .contains(&unix)
            .then_some(HttpDate(unix))
    }

    /// The Unix seconds.
    pub fn unix(self) -> i64 {
        self.0
    }
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(SECS_PER_DAY);
        let secs = self.0.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday.
        let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
        let month_name = usize::try_from(month - 1)
            .ok()
            .and_then(|m| MONTHS.get(m))
            .ok_or(fmt::Error)?;
        write!(
            f,
            "{}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
            DAYS.get(weekday).ok_or(fmt::Error)?,
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}
