use super::*;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn schedule(day: DayOfWeek, time: &str, zone: &str) -> ParsedSchedule {
    DigestSchedule { day_of_week: day, local_time: time.into(), time_zone: zone.into() }.parse().unwrap()
}

#[test]
fn a_schedule_is_checked_field_by_field() {
    let bad =
        DigestSchedule { day_of_week: DayOfWeek::Monday, local_time: "25:00".into(), time_zone: "Mars/Olympus".into() };
    let fields: Vec<String> = bad.parse().unwrap_err().errors.into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["local_time", "time_zone"]);
    assert!(schedule(DayOfWeek::Friday, "07:05", "UTC").time == NaiveTime::from_hms_opt(7, 5, 0).unwrap());
}

#[test]
fn the_latest_occurrence_is_this_weeks_once_its_time_has_come() {
    // Monday 23 November 2026; Amsterdam is UTC+1 in winter, so 09:00 local is 08:00 UTC.
    let s = schedule(DayOfWeek::Monday, "09:00", "Europe/Amsterdam");
    assert_eq!(s.latest(utc(2026, 11, 23, 8, 0)), Occurrence { at: utc(2026, 11, 23, 8, 0), week: "2026-W48".into() });
    assert_eq!(s.latest(utc(2026, 11, 23, 7, 59)).at, utc(2026, 11, 16, 8, 0));
    assert_eq!(s.latest(utc(2026, 11, 29, 23, 0)).week, "2026-W48");
    assert_eq!(s.next(utc(2026, 11, 23, 8, 0)), utc(2026, 11, 30, 8, 0));
}

#[test]
fn the_local_day_decides_not_the_utc_day() {
    // Sunday 22:30 UTC is already Monday in Tokyo.
    let s = schedule(DayOfWeek::Monday, "07:00", "Asia/Tokyo");
    assert_eq!(s.latest(utc(2026, 11, 22, 22, 30)).at, utc(2026, 11, 22, 22, 0));
}

#[test]
fn daylight_saving_gaps_and_overlaps_resolve_to_one_instant() {
    // 29 March 2026: Amsterdam skips 02:00–03:00; 25 October 2026 passes 02:00–03:00 twice.
    let spring = schedule(DayOfWeek::Sunday, "02:30", "Europe/Amsterdam");
    assert_eq!(spring.latest(utc(2026, 3, 29, 12, 0)).at, utc(2026, 3, 29, 1, 30));
    let autumn = schedule(DayOfWeek::Sunday, "02:30", "Europe/Amsterdam");
    assert_eq!(autumn.latest(utc(2026, 10, 25, 12, 0)).at, utc(2026, 10, 25, 0, 30));
    // Summer time: 09:00 local is 07:00 UTC.
    let summer = schedule(DayOfWeek::Monday, "09:00", "Europe/Amsterdam");
    assert_eq!(summer.latest(utc(2026, 6, 1, 12, 0)).at, utc(2026, 6, 1, 7, 0));
}

#[test]
fn nothing_is_due_before_the_first_occurrence_after_the_schedule_was_set() {
    let s = schedule(DayOfWeek::Monday, "09:00", "UTC");
    let set = utc(2026, 11, 25, 10, 0);
    assert_eq!(s.due(set, utc(2026, 11, 29, 23, 0)), None, "last Monday predates the schedule");
    assert_eq!(s.due(set, utc(2026, 11, 30, 8, 59)), None);
    assert_eq!(s.due(set, utc(2026, 11, 30, 9, 0)).map(|o| o.week), Some("2026-W49".into()));
}

#[test]
fn after_a_long_gap_only_the_latest_week_is_due() {
    let s = schedule(DayOfWeek::Monday, "09:00", "UTC");
    let due = s.due(utc(2026, 11, 1, 0, 0), utc(2026, 12, 24, 12, 0)).unwrap();
    assert_eq!((due.at, due.week.as_str()), (utc(2026, 12, 21, 9, 0), "2026-W52"));
    assert_eq!(
        dedupe_key(TenantId(uuid::Uuid::nil()), &due.week),
        "digest.weekly:00000000-0000-0000-0000-000000000000:2026-W52"
    );
}

#[test]
fn the_iso_week_crosses_the_year_like_the_calendar() {
    let s = schedule(DayOfWeek::Friday, "09:00", "UTC");
    assert_eq!(s.latest(utc(2027, 1, 1, 10, 0)).week, "2026-W53");
}

#[test]
fn the_week_ago_score_is_the_newest_on_or_before_seven_days_back() {
    let at = |d: u32, p: f64| DayScore {
        day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
        current: p,
        max: 100.0,
        percent: p,
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    assert_eq!(week_ago(&[at(10, 50.0), at(16, 55.0), at(20, 57.0), at(23, 60.0)], today), Some(at(16, 55.0)));
    assert_eq!(week_ago(&[at(19, 57.0), at(23, 60.0)], today), Some(at(19, 57.0)), "a younger history");
    assert_eq!(week_ago(&[at(23, 60.0)], today), None);
    assert_eq!(week_ago(&[], today), None);
}

fn facts() -> DigestFacts {
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    DigestFacts {
        tenant_name: "Contoso".into(),
        now: utc(2026, 11, 23, 9, 0),
        score: Some(DayScore { day: day(23), current: 61.5, max: 100.0, percent: 61.5 }),
        week_ago: Some(DayScore { day: day(16), current: 60.0, max: 100.0, percent: 60.0 }),
        open_controls: 12,
        open_points: 38.5,
        top: (0..7)
            .map(|i| TopItem {
                title: format!("Item {i}"),
                bucket: Bucket::P1,
                points_available: 10.0 - f64::from(i),
                status: "to_address".into(),
                owner: (i == 0).then(|| "Alice".to_owned()),
            })
            .collect(),
        review_counts: [2, 1, 0, 3, 1],
        chart_base64: "iVBORw0KGgo=".into(),
    }
}

#[test]
fn the_digest_says_the_score_its_change_and_the_top_five() {
    let payload = compose(&facts());
    assert_eq!(payload.title, "Weekly Secure Score digest: Contoso");
    assert!(
        payload.summary.starts_with("Secure Score is 61.5 % (+1.5 percentage points since 2026-11-16)."),
        "{}",
        payload.summary
    );
    assert_eq!(
        payload.facts[0],
        Fact { name: "Current score".into(), value: "61.5 % (61.5 of 100 points, 2026-11-23)".into() }
    );
    assert_eq!(payload.facts[1].value, "+1.5 percentage points (+1.5 points) since 2026-11-16");
    assert_eq!(payload.facts[2].value, "12 (38.5 points available)");
    assert_eq!(payload.items.len(), 5);
    assert_eq!(
        payload.items[0],
        MessageItem {
            title: "P1 · Item 0".into(), detail: "10 points available · to address · owner: Alice".into()
        }
    );
    assert_eq!(payload.attachments[0].file_name, "score-trend.png");
    let json = serde_json::to_value(&payload).unwrap();
    assert_eq!(json["severity"], "info");
    assert!(json["link"].is_null());
}

#[test]
fn a_digest_without_history_still_reads() {
    let payload = compose(&DigestFacts { score: None, week_ago: None, top: Vec::new(), ..facts() });
    assert_eq!(payload.summary, "No Secure Score has been imported yet.");
    assert!(payload.facts.iter().all(|f| f.name != "Current score" && f.name != "Change over the week"));
    let one_day = compose(&DigestFacts { week_ago: None, ..facts() });
    assert!(one_day.summary.starts_with("Secure Score is 61.5 %. 12 open controls"));
}

#[test]
fn a_score_older_than_a_week_says_no_newer_import_instead_of_no_change() {
    let old = facts().week_ago.unwrap();
    let payload = compose(&DigestFacts { score: Some(old), week_ago: Some(old), ..facts() });
    assert!(
        payload.summary.starts_with("Secure Score is 60 % (no newer import since 2026-11-16)."),
        "{}",
        payload.summary
    );
    assert_eq!(
        payload.facts[1],
        Fact { name: "Change over the week".into(), value: "no newer import since 2026-11-16".into() }
    );
}
