//! `Last synced` values: ISO, US, German and French notations, and Excel serial numbers.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::HeaderLanguage;

/// Which number comes first in `a/b/yyyy`: US exports write month first, French (and British) day first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlashOrder {
    MonthFirst,
    DayFirst,
}

/// Decides the slash order once per file: a first number above 12 proves day-first, a second number above
/// 12 proves month-first; with no proof, AM/PM means US, otherwise the header language decides.
pub(crate) fn slash_order<'a>(samples: impl Iterator<Item = &'a str>, language: HeaderLanguage) -> SlashOrder {
    let (mut day_first, mut month_first, mut twelve_hour) = (false, false, false);
    for sample in samples {
        let lowered = sample.to_lowercase();
        twelve_hour |= lowered.contains("am") || lowered.contains("pm");
        let mut numbers = sample.trim().split('/').map(|part| part.trim().parse::<u32>().ok());
        if let (Some(Some(first)), Some(Some(second))) = (numbers.next(), numbers.next()) {
            day_first |= first > 12;
            month_first |= second > 12;
        }
    }
    match (day_first, month_first) {
        (true, false) => SlashOrder::DayFirst,
        (false, true) => SlashOrder::MonthFirst,
        _ if twelve_hour => SlashOrder::MonthFirst,
        _ => match language {
            HeaderLanguage::De | HeaderLanguage::Fr => SlashOrder::DayFirst,
            HeaderLanguage::En | HeaderLanguage::Mixed => SlashOrder::MonthFirst,
        },
    }
}

const TIMES: [&str; 5] = [" %I:%M:%S %p", " %I:%M %p", " %H:%M:%S", " %H:%M", ""];

/// Parses one date or date-time; a date alone is midnight. Explicit offsets are converted to UTC.
pub(crate) fn parse_date_time(text: &str, order: SlashOrder) -> Option<NaiveDateTime> {
    // "11/23/2026, 9:05 AM" (JavaScript's en-US format) and "Nov 23, 2026": the comma carries nothing.
    let text = text.replace(',', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(&text) {
        return Some(with_offset.naive_utc());
    }
    let slash = match order {
        SlashOrder::MonthFirst => ["%m/%d/%Y", "%m/%d/%y"],
        SlashOrder::DayFirst => ["%d/%m/%Y", "%d/%m/%y"],
    };
    let dates = [
        "%Y-%m-%d",
        "%Y-%m-%dT",
        slash[0],
        slash[1],
        "%d.%m.%Y",
        "%d.%m.%y",
        "%b %d %Y",
        "%B %d %Y",
        "%d %b %Y",
        "%d %B %Y",
    ];
    for date in dates {
        for time in TIMES {
            let format =
                if date.ends_with('T') { format!("{date}{}", time.trim_start()) } else { format!("{date}{time}") };
            if let Some(parsed) = parse_with(&text, &format) {
                return Some(parsed);
            }
        }
    }
    None
}

fn parse_with(text: &str, format: &str) -> Option<NaiveDateTime> {
    let parsed = if format.contains('%') && (format.contains("%H") || format.contains("%I")) {
        NaiveDateTime::parse_from_str(text, format).ok()
    } else {
        NaiveDate::parse_from_str(text, format).ok().map(|date| date.and_time(NaiveTime::MIN))
    };
    // `%Y` also accepts "26", and `%y` would read 2026 in a four-digit field; keep plausible years only.
    parsed.filter(|value| (1990..=2200).contains(&chrono::Datelike::year(value)))
}

/// An Excel serial date (days since 1899-12-30, fraction = time of day) from a cell without a date format.
pub(crate) fn from_excel_serial(serial: f64) -> Option<NaiveDateTime> {
    // 61 = 1900-03-01: below it Excel's fictitious 1900-02-29 shifts every day; no export date is that old.
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    // Within the checked range the product fits an i64 exactly.
    let seconds = (serial * 86_400.0).round() as i64;
    epoch.checked_add_signed(Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, s).unwrap()
    }

    #[test]
    fn iso_forms() {
        let order = SlashOrder::MonthFirst;
        assert_eq!(parse_date_time("2026-11-23", order), Some(at(2026, 11, 23, 0, 0, 0)));
        assert_eq!(parse_date_time("2026-11-23T09:05:07Z", order), Some(at(2026, 11, 23, 9, 5, 7)));
        assert_eq!(parse_date_time("2026-11-23T10:05:07+01:00", order), Some(at(2026, 11, 23, 9, 5, 7)));
        assert_eq!(parse_date_time("2026-11-23 09:05", order), Some(at(2026, 11, 23, 9, 5, 0)));
        assert_eq!(parse_date_time("2026-11-23T09:05:07", order), Some(at(2026, 11, 23, 9, 5, 7)));
    }

    #[test]
    fn us_forms() {
        let order = SlashOrder::MonthFirst;
        assert_eq!(parse_date_time("11/23/2026 9:05 AM", order), Some(at(2026, 11, 23, 9, 5, 0)));
        assert_eq!(parse_date_time("11/23/2026 9:05 PM", order), Some(at(2026, 11, 23, 21, 5, 0)));
        assert_eq!(parse_date_time("11/23/2026, 9:05:30 am", order), Some(at(2026, 11, 23, 9, 5, 30)));
        assert_eq!(parse_date_time("3/4/2026", order), Some(at(2026, 3, 4, 0, 0, 0)));
        assert_eq!(parse_date_time("Nov 23, 2026", order), Some(at(2026, 11, 23, 0, 0, 0)));
        assert_eq!(parse_date_time("11/23/26", order), Some(at(2026, 11, 23, 0, 0, 0)));
    }

    #[test]
    fn german_and_french_forms() {
        assert_eq!(parse_date_time("23.11.2026 09:05", SlashOrder::DayFirst), Some(at(2026, 11, 23, 9, 5, 0)));
        assert_eq!(parse_date_time("23.11.2026", SlashOrder::MonthFirst), Some(at(2026, 11, 23, 0, 0, 0)));
        assert_eq!(parse_date_time("23/11/2026 09:05", SlashOrder::DayFirst), Some(at(2026, 11, 23, 9, 5, 0)));
        assert_eq!(parse_date_time("03/04/2026", SlashOrder::DayFirst), Some(at(2026, 4, 3, 0, 0, 0)));
    }

    #[test]
    fn nonsense_is_not_a_date() {
        for text in ["yesterday", "23/11/2026", "2026-13-01", "11/23/0026", "", "9:05"] {
            assert_eq!(parse_date_time(text, SlashOrder::MonthFirst), None, "{text}");
        }
    }

    #[test]
    fn slash_order_follows_evidence_then_clock_then_language() {
        assert_eq!(slash_order(["01/02/2026", "23/11/2026"].into_iter(), HeaderLanguage::En), SlashOrder::DayFirst);
        assert_eq!(slash_order(["01/02/2026", "11/23/2026"].into_iter(), HeaderLanguage::Fr), SlashOrder::MonthFirst);
        assert_eq!(slash_order(["01/02/2026 9:05 AM"].into_iter(), HeaderLanguage::Fr), SlashOrder::MonthFirst);
        assert_eq!(slash_order(["01/02/2026 09:05"].into_iter(), HeaderLanguage::Fr), SlashOrder::DayFirst);
        assert_eq!(slash_order(["01/02/2026"].into_iter(), HeaderLanguage::En), SlashOrder::MonthFirst);
        assert_eq!(slash_order(std::iter::empty(), HeaderLanguage::De), SlashOrder::DayFirst);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(46349.0), Some(at(2026, 11, 23, 0, 0, 0)));
        assert_eq!(from_excel_serial(46349.378472222), Some(at(2026, 11, 23, 9, 5, 0)));
        assert_eq!(from_excel_serial(5.0), None);
        assert_eq!(from_excel_serial(f64::NAN), None);
    }
}
