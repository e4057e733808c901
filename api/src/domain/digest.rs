//! The weekly digest: when a tenant's schedule makes one due (a weekday and a local time in an IANA time zone),
//! its de-duplication key (one per scheduled ISO week), and what it says (seed 003's weekly e-mail: the score and
//! its change, open controls, the top five to fix, a trend chart).

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::bucket::Bucket;
use super::diagnosis::points;
use super::ids::TenantId;

/// The notification kind of a digest in the outbox.
pub const KIND: &str = "digest.weekly";

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayOfWeek {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl DayOfWeek {
    fn weekday(self) -> Weekday {
        match self {
            DayOfWeek::Monday => Weekday::Mon,
            DayOfWeek::Tuesday => Weekday::Tue,
            DayOfWeek::Wednesday => Weekday::Wed,
            DayOfWeek::Thursday => Weekday::Thu,
            DayOfWeek::Friday => Weekday::Fri,
            DayOfWeek::Saturday => Weekday::Sat,
            DayOfWeek::Sunday => Weekday::Sun,
        }
    }
}

/// When a tenant's digest is written, as people set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DigestSchedule {
    pub day_of_week: DayOfWeek,
    /// Local time, `HH:MM` (24-hour).
    pub local_time: String,
    /// An IANA time zone, e.g. `Europe/Amsterdam`.
    pub time_zone: String,
}

/// A schedule checked and parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParsedSchedule {
    pub day: Weekday,
    pub time: NaiveTime,
    pub zone: Tz,
}

impl DigestSchedule {
    /// Parses the schedule, reporting every field at fault.
    pub fn parse(&self) -> Result<ParsedSchedule, ValidationError> {
        let mut violations = super::Violations::default();
        let time = NaiveTime::parse_from_str(self.local_time.trim(), "%H:%M").ok();
        if time.is_none() {
            violations.add("local_time", format!("`{}` is not a time of day as HH:MM, e.g. 08:30", self.local_time));
        }
        let zone = self.time_zone.trim().parse::<Tz>().ok();
        if zone.is_none() {
            violations
                .add("time_zone", format!("`{}` is not an IANA time zone, e.g. Europe/Amsterdam", self.time_zone));
        }
        violations.finish()?;
        match (time, zone) {
            (Some(time), Some(zone)) => Ok(ParsedSchedule { day: self.day_of_week.weekday(), time, zone }),
            _ => Err(ValidationError::field("schedule", "is invalid")),
        }
    }
}

/// One scheduled digest: when it falls and the ISO week it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub at: DateTime<Utc>,
    /// `2026-W48`, in the schedule's time zone: one digest per week, whatever the schedule later becomes.
    pub week: String,
}

impl ParsedSchedule {
    /// The instant the schedule names on local `date`. A time the clocks skip (spring forward) is read an hour
    /// later; one they pass twice (autumn) is the first.
    fn on(&self, date: NaiveDate) -> DateTime<Utc> {
        let local = date.and_time(self.time);
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => self
                .zone
                .from_local_datetime(&(local + chrono::TimeDelta::hours(1)))
                .earliest()
                .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc)),
        }
    }

    /// The latest scheduled instant at or before `now`.
    pub fn latest(&self, now: DateTime<Utc>) -> Occurrence {
        let today = now.with_timezone(&self.zone).date_naive();
        let back = (7 + today.weekday().num_days_from_monday() - self.day.num_days_from_monday()) % 7;
        let mut date = today - Days::new(u64::from(back));
        if self.on(date) > now {
            date = date - Days::new(7);
        }
        let week = date.iso_week();
        Occurrence { at: self.on(date), week: format!("{}-W{:02}", week.year(), week.week()) }
    }

    /// The first scheduled instant after `now`.
    pub fn next(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let latest = self.latest(now).at.with_timezone(&self.zone).date_naive();
        self.on(latest + Days::new(7))
    }

    /// The digest due at `now`, if any: the latest scheduled instant, when it is not older than the schedule
    /// itself. Only the latest counts, so a service that was down for weeks writes one digest, not a burst.
    pub fn due(&self, active_since: DateTime<Utc>, now: DateTime<Utc>) -> Option<Occurrence> {
        Some(self.latest(now)).filter(|o| o.at >= active_since)
    }
}

/// The outbox de-duplication key of a tenant's digest for `week`.
pub fn dedupe_key(tenant: TenantId, week: &str) -> String {
    format!("{KIND}:{tenant}:{week}")
}

/// How urgent a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
}

/// A labelled figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fact {
    pub name: String,
    pub value: String,
}

/// A line of the message's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageItem {
    pub title: String,
    pub detail: String,
}

/// A file carried with the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    /// The file, base64 (standard alphabet, padded).
    pub base64: String,
}

/// The message the outbox carries to every channel (webhook, Teams, e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DigestPayload {
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    pub facts: Vec<Fact>,
    pub items: Vec<MessageItem>,
    pub link: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// An item among the top five to fix.
#[derive(Debug, Clone, PartialEq)]
pub struct TopItem {
    pub title: String,
    pub bucket: Bucket,
    pub points_available: f64,
    /// Status as its wire name.
    pub status: String,
    pub owner: Option<String>,
}

/// A score on a day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayScore {
    pub day: NaiveDate,
    pub current: f64,
    pub max: f64,
    pub percent: f64,
}

/// Everything a digest says.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestFacts {
    pub tenant_name: String,
    pub now: DateTime<Utc>,
    pub score: Option<DayScore>,
    /// The score a week earlier (the newest snapshot on or before that day, else the oldest of the week).
    pub week_ago: Option<DayScore>,
    pub open_controls: u64,
    pub open_points: f64,
    /// Open items sorted by bucket, then points still available.
    pub top: Vec<TopItem>,
    /// The weekly review's counts: new, regressions, unconfirmed completions, overdue, review due.
    pub review_counts: [u64; 5],
    /// The trend chart as PNG, base64.
    pub chart_base64: String,
}

/// The score a week before `today` in `series` (oldest first): the newest on or before that day, else the
/// oldest later one that is not the latest itself.
pub fn week_ago(series: &[DayScore], today: NaiveDate) -> Option<DayScore> {
    let cut = today - Days::new(7);
    series.iter().rev().find(|s| s.day <= cut).copied().or_else(|| {
        let latest = series.last()?.day;
        series.iter().find(|s| s.day < latest).copied()
    })
}

/// How many items the digest lists.
pub const TOP: usize = 5;

fn signed(value: f64) -> String {
    if value > 0.0 { format!("+{}", points(value)) } else { points(value) }
}

/// Composes the digest's payload.
pub fn compose(facts: &DigestFacts) -> DigestPayload {
    let change = facts.score.zip(facts.week_ago).map(|(now, then)| (now.percent - then.percent, now, then));
    // The newest score may itself be older than a week: then there is nothing newer to compare, and saying "0 since"
    // that day would read as a measured standstill.
    let stale = facts.score.filter(|s| facts.week_ago.is_some_and(|then| then.day == s.day));
    let summary = match (&facts.score, change) {
        (None, _) => "No Secure Score has been imported yet.".to_owned(),
        (Some(s), Some(_)) if stale.is_some() => format!(
            "Secure Score is {} % (no newer import since {}). {} open controls hold {} points; the top {} to fix are \
             below.",
            points(s.percent),
            s.day,
            facts.open_controls,
            points(facts.open_points),
            facts.top.len()
        ),
        (Some(s), Some((delta, _, then))) => format!(
            "Secure Score is {} % ({} percentage points since {}). {} open controls hold {} points; the top {} to fix \
             are below.",
            points(s.percent),
            signed(delta),
            then.day,
            facts.open_controls,
            points(facts.open_points),
            facts.top.len()
        ),
        (Some(s), None) => format!(
            "Secure Score is {} %. {} open controls hold {} points; the top {} to fix are below.",
            points(s.percent),
            facts.open_controls,
            points(facts.open_points),
            facts.top.len()
        ),
    };
    let fact = |name: &str, value: String| Fact { name: name.to_owned(), value };
    let mut list = Vec::new();
    if let Some(s) = facts.score {
        list.push(fact(
            "Current score",
            format!("{} % ({} of {} points, {})", points(s.percent), points(s.current), points(s.max), s.day),
        ));
    }
    if let Some(s) = stale {
        list.push(fact("Change over the week", format!("no newer import since {}", s.day)));
    } else if let Some((delta, now, then)) = change {
        list.push(fact(
            "Change over the week",
            format!(
                "{} percentage points ({} points) since {}",
                signed(delta),
                signed(now.current - then.current),
                then.day
            ),
        ));
    }
    list.push(fact(
        "Open controls",
        format!("{} ({} points available)", facts.open_controls, points(facts.open_points)),
    ));
    let [new, regressions, unconfirmed, overdue, review_due] = facts.review_counts;
    list.push(fact("New recommendations", new.to_string()));
    list.push(fact("Regressions", regressions.to_string()));
    list.push(fact("Completions unconfirmed after 72 h", unconfirmed.to_string()));
    list.push(fact("Past their target date", overdue.to_string()));
    list.push(fact("Risk acceptances due for review", review_due.to_string()));
    let items = facts
        .top
        .iter()
        .take(TOP)
        .map(|t| MessageItem {
            title: format!("{} · {}", bucket_name(t.bucket), t.title),
            detail: format!(
                "{} points available · {}{}",
                points(t.points_available),
                t.status.replace('_', " "),
                t.owner.as_ref().map(|o| format!(" · owner: {o}")).unwrap_or_default()
            ),
        })
        .collect();
    DigestPayload {
        title: format!("Weekly Secure Score digest: {}", facts.tenant_name),
        summary,
        severity: Severity::Info,
        facts: list,
        items,
        link: None,
        attachments: vec![Attachment {
            file_name: "score-trend.png".to_owned(),
            content_type: "image/png".to_owned(),
            base64: facts.chart_base64.clone(),
        }],
    }
}

fn bucket_name(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::P1 => "P1",
        Bucket::P2 => "P2",
        Bucket::P3 => "P3",
        Bucket::P4 => "P4",
        Bucket::Unrated => "Unrated",
    }
}

#[cfg(test)]
mod tests;
