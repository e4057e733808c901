//! Calendar quarters, as plans and board reports name them: `2027-Q1`.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use super::ValidationError;

/// A calendar quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u32,
}

impl Quarter {
    /// The quarter `date` falls in.
    pub fn of(date: NaiveDate) -> Self {
        Self { year: date.year(), number: (date.month() - 1) / 3 + 1 }
    }

    /// Its first day.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.number - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn end(self) -> NaiveDate {
        self.next().start().checked_sub_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
    }

    /// The quarter after it.
    pub fn next(self) -> Self {
        if self.number == 4 {
            Self { year: self.year + 1, number: 1 }
        } else {
            Self { number: self.number + 1, ..self }
        }
    }

    /// The quarter before it.
    pub fn previous(self) -> Self {
        if self.number == 1 {
            Self { year: self.year - 1, number: 4 }
        } else {
            Self { number: self.number - 1, ..self }
        }
    }

    /// Whether `date` falls in it.
    pub fn contains(self, date: NaiveDate) -> bool {
        (self.start()..=self.end()).contains(&date)
    }

    /// Whether it is over on `today`.
    pub fn has_ended(self, today: NaiveDate) -> bool {
        today > self.end()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

impl FromStr for Quarter {
    type Err = ValidationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || ValidationError::field("quarter", format!("`{text}` is not a quarter; write it like 2027-Q1"));
        let (year, number) = text.trim().split_once(['-', ' ']).ok_or_else(invalid)?;
        let number = number.strip_prefix(['Q', 'q']).ok_or_else(invalid)?;
        let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(invalid)?;
        let number: u32 = number.parse().ok().filter(|n| (1..=4).contains(n)).ok_or_else(invalid)?;
        Ok(Self { year, number })
    }
}

impl Serialize for Quarter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quarter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(|e: ValidationError| serde::de::Error::custom(e.to_string()))
    }
}

impl utoipa::PartialSchema for Quarter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^\d{4}-Q[1-4]$"))
            .examples([serde_json::json!("2027-Q1")])
            .into()
    }
}

impl utoipa::ToSchema for Quarter {}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn quarters_parse_print_and_bound_their_days() {
        let q: Quarter = "2027-Q1".parse().unwrap();
        assert_eq!(q.to_string(), "2027-Q1");
        assert_eq!((q.start(), q.end()), (day(2027, 1, 1), day(2027, 3, 31)));
        assert_eq!("2028-q1".parse::<Quarter>().unwrap().end(), day(2028, 3, 31));
        assert_eq!("2026-Q4".parse::<Quarter>().unwrap().end(), day(2026, 12, 31));
        for bad in ["2027-Q5", "2027Q1", "27-Q1", "2027-Q0", "", "Q1-2027"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_date_belongs_to_one_quarter_and_quarters_follow_each_other() {
        assert_eq!(Quarter::of(day(2026, 11, 23)).to_string(), "2026-Q4");
        assert_eq!(Quarter::of(day(2027, 4, 1)).to_string(), "2027-Q2");
        let q4 = Quarter::of(day(2026, 12, 31));
        assert_eq!(q4.next().to_string(), "2027-Q1");
        assert_eq!(q4.next().previous(), q4);
        assert!(q4.contains(day(2026, 10, 1)) && !q4.contains(day(2027, 1, 1)));
        assert!(!q4.has_ended(day(2026, 12, 31)) && q4.has_ended(day(2027, 1, 1)));
    }
}
