//! "Why won't my score budge": each item's reason class and the evidence for it, from the playbook in seed 000
//! (refresh delay, scope, partial remediation, exemption, missing data, not scored). One function decides it for
//! the item view, the score-change explanation and the digest.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::recommendation::{Product, Status, fully_achieved};

/// How long Microsoft may take to re-evaluate an item (it refreshes within about 24–48 h). A completion marked
/// less than this before Microsoft's last sync may simply not be measured yet; data older than this is stale.
pub const REFRESH_WINDOW_HOURS: i64 = 48;

/// Why an item's points are not moving. Checked in this order; the first that applies is the diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisClass {
    /// The item does not count: deprecated, worth 0 points, not applicable, unlicensed or no longer listed.
    NotScored,
    /// A Defender for Cloud subscription the connector no longer reads: its figures are frozen.
    Scope,
    /// The team (or Microsoft's portal) took it out of remediation: risk accepted, third party, alternate
    /// mitigation.
    Excluded,
    /// Microsoft's data on the item is older than the refresh window: what was done since does not show yet.
    StaleData,
    /// Marked completed shortly before (or after) Microsoft's last sync: the fix is real, the measurement pending.
    PendingRefresh,
    /// Points are still available: some of the work (or some resources) remain.
    PartialRemediation,
}

impl DiagnosisClass {
    /// Every class, in the order they are checked.
    pub const ALL: [DiagnosisClass; 6] = [
        DiagnosisClass::NotScored,
        DiagnosisClass::Scope,
        DiagnosisClass::Excluded,
        DiagnosisClass::StaleData,
        DiagnosisClass::PendingRefresh,
        DiagnosisClass::PartialRemediation,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosisClass::NotScored => "not_scored",
            DiagnosisClass::Scope => "scope",
            DiagnosisClass::Excluded => "excluded",
            DiagnosisClass::StaleData => "stale_data",
            DiagnosisClass::PendingRefresh => "pending_refresh",
            DiagnosisClass::PartialRemediation => "partial_remediation",
        }
    }

    /// What to do about it, in the playbook's words: wait, widen the view, check the exemption, fix the data, or
    /// finish the job.
    pub fn advice(self) -> &'static str {
        match self {
            DiagnosisClass::NotScored => "nothing to gain here: it does not count toward the score",
            DiagnosisClass::Scope => "add the subscription back to the connector, or stop reporting on it",
            DiagnosisClass::Excluded => "confirm the decision is intended and documented in the register",
            DiagnosisClass::StaleData => "import again (or check the scheduled sync) before acting on it",
            DiagnosisClass::PendingRefresh => "wait for Microsoft's next refresh before re-remediating",
            DiagnosisClass::PartialRemediation => "finish the remaining work: the points follow the last resource",
        }
    }
}

/// An item's diagnosis: its class and the facts that show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Diagnosis {
    pub class: DiagnosisClass,
    /// The facts behind the class, each a sentence with its figures and dates.
    pub evidence: Vec<String>,
}

/// What a diagnosis reads of an item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFacts<'a> {
    pub product: Product,
    /// The control id, or `{subscription}/{control}` for Defender for Cloud.
    pub control_key: Option<&'a str>,
    pub status: Status,
    pub status_confirmed: bool,
    /// Microsoft says "risk accepted" but no approved register entry covers it.
    pub unmanaged_acceptance: bool,
    /// Microsoft's state as imported.
    pub ms_state: Option<&'a str>,
    /// `None` = not applicable.
    pub achieved: Option<f64>,
    pub max: f64,
    pub deprecated: bool,
    /// The portal export's `Have license?`; `None` when no source said.
    pub licensed: Option<bool>,
    /// When Microsoft stopped listing the item.
    pub removed_at: Option<DateTime<Utc>>,
    pub healthy_count: Option<i64>,
    pub unhealthy_count: Option<i64>,
    pub not_applicable_count: Option<i64>,
    /// Microsoft's own time of its last evaluation, when the source carries it.
    pub last_synced: Option<DateTime<Utc>>,
    /// When an import last read the item.
    pub last_seen: DateTime<Utc>,
    /// When a person last marked it completed.
    pub marked_done_at: Option<DateTime<Utc>>,
    /// The approved register entry that holds the item, by reference.
    pub register_reference: Option<&'a str>,
}

impl ItemFacts<'_> {
    /// Microsoft's last evaluation of the item: its own `lastSynced`, else the import that last read it.
    fn last_sync(&self) -> DateTime<Utc> {
        self.last_synced.unwrap_or(self.last_seen)
    }
}

/// What a diagnosis reads beyond the item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    /// The subscriptions the Defender for Cloud connector reads; `None` when there is no connector to compare
    /// with (then no item is judged out of scope).
    pub defender_subscriptions: Option<&'a [String]>,
}

/// The item's diagnosis; `None` when it is scored and fine (every point achieved, nothing in the way).
pub fn diagnose(item: &ItemFacts<'_>, ctx: &Context<'_>) -> Option<Diagnosis> {
    let found = not_scored(item)
        .map(|e| (DiagnosisClass::NotScored, e))
        .or_else(|| out_of_scope(item, ctx).map(|e| (DiagnosisClass::Scope, e)));
    if let Some((class, evidence)) = found {
        return Some(Diagnosis { class, evidence });
    }
    // Every point counted: whatever the team decided, nothing is holding the score back here.
    if fully_achieved(item.achieved, item.max) {
        return None;
    }
    let (class, evidence) = excluded(item)
        .map(|e| (DiagnosisClass::Excluded, e))
        .or_else(|| stale(item, ctx).map(|e| (DiagnosisClass::StaleData, e)))
        .or_else(|| pending_refresh(item, ctx).map(|e| (DiagnosisClass::PendingRefresh, e)))
        .unwrap_or_else(|| (DiagnosisClass::PartialRemediation, partial(item)));
    Some(Diagnosis { class, evidence })
}

fn not_scored(item: &ItemFacts<'_>) -> Option<Vec<String>> {
    let mut evidence = Vec::new();
    if let Some(removed) = item.removed_at {
        evidence.push(format!("Microsoft no longer lists it (since {})", day(removed)));
    }
    if item.deprecated {
        evidence.push("Microsoft marks it deprecated".to_owned());
    }
    if item.max <= 0.0 {
        evidence.push("it is worth 0 points".to_owned());
    }
    if item.achieved.is_none() {
        evidence.push("not applicable to this tenant: Microsoft reports no score for it".to_owned());
    }
    if item.licensed == Some(false) {
        evidence.push("the tenant has no licence for it (the portal export says `Have license?` No)".to_owned());
    }
    (!evidence.is_empty()).then_some(evidence)
}

fn out_of_scope(item: &ItemFacts<'_>, ctx: &Context<'_>) -> Option<Vec<String>> {
    if item.product != Product::DefenderCloud {
        return None;
    }
    let subscriptions = ctx.defender_subscriptions?;
    let (subscription, _) = item.control_key?.split_once('/')?;
    if subscriptions.iter().any(|s| s.eq_ignore_ascii_case(subscription)) {
        return None;
    }
    let read = if subscriptions.is_empty() { "none".to_owned() } else { subscriptions.join(", ") };
    Some(vec![
        format!("subscription {subscription} is not in the Defender for Cloud connector (it reads {read})"),
        format!("its figures stopped at the import of {}: {}", day(item.last_seen), points_line(item)),
    ])
}

fn excluded(item: &ItemFacts<'_>) -> Option<Vec<String>> {
    let register = |what: &str| match item.register_reference {
        Some(reference) => format!("{what} under the approved register entry {reference}"),
        None => format!("{what}; no approved register entry documents it yet"),
    };
    let evidence = match item.status {
        Status::RiskAccepted => vec![
            register("risk accepted"),
            format!("Microsoft awards no points for an accepted risk: {}", points_line(item)),
        ],
        Status::ThirdParty | Status::AlternateMitigation => {
            let what = if item.status == Status::ThirdParty {
                "resolved through a third party"
            } else {
                "resolved through an alternate mitigation"
            };
            vec![
                register(what),
                format!(
                    "Microsoft counts the points once its own state says so; it shows `{}` with {}",
                    item.ms_state.unwrap_or("Default"),
                    points_line(item)
                ),
            ]
        }
        _ if item.unmanaged_acceptance => vec![
            format!(
                "Microsoft's state is `{}` (risk accepted in Microsoft's portal), outside the register",
                item.ms_state.unwrap_or("Ignored")
            ),
            format!("Microsoft awards no points for it: {}", points_line(item)),
        ],
        _ => return None,
    };
    Some(evidence)
}

fn stale(item: &ItemFacts<'_>, ctx: &Context<'_>) -> Option<Vec<String>> {
    let last = item.last_sync();
    let age = ctx.now - last;
    if age <= TimeDelta::hours(REFRESH_WINDOW_HOURS) {
        return None;
    }
    let what = if item.last_synced.is_some() { "Microsoft last synced it" } else { "it was last imported" };
    Some(vec![
        format!(
            "{what} {} ({} ago), longer ago than Microsoft's {REFRESH_WINDOW_HOURS} h refresh",
            time(last),
            span(age)
        ),
        format!("the figures may be behind what was done since: {}", points_line(item)),
    ])
}

fn pending_refresh(item: &ItemFacts<'_>, ctx: &Context<'_>) -> Option<Vec<String>> {
    if item.status != Status::Completed || item.status_confirmed {
        return None;
    }
    let marked = item.marked_done_at?;
    let sync = item.last_sync();
    if sync - marked >= TimeDelta::hours(REFRESH_WINDOW_HOURS) {
        return None;
    }
    let when = if marked >= sync {
        format!("marked completed {}, after Microsoft's last sync at {}", time(marked), time(sync))
    } else {
        format!(
            "marked completed {}, {} before Microsoft's last sync at {}",
            time(marked),
            span(sync - marked),
            time(sync)
        )
    };
    Some(vec![
        when,
        format!(
            "Microsoft still shows {}; it re-evaluates within about 24–48 h ({} since the mark)",
            points_line(item),
            span(ctx.now - marked)
        ),
    ])
}

fn partial(item: &ItemFacts<'_>) -> Vec<String> {
    let mut evidence = vec![points_line(item)];
    if let Some(unhealthy) = item.unhealthy_count {
        let healthy = item.healthy_count.unwrap_or(0);
        let not_applicable = item.not_applicable_count.unwrap_or(0);
        evidence.push(format!(
            "{unhealthy} of {} resources unhealthy ({healthy} healthy, {not_applicable} not applicable): the control \
             pays its full points only when every resource is healthy",
            unhealthy + healthy
        ));
    }
    if item.status == Status::Completed && !item.status_confirmed {
        evidence.push(match item.marked_done_at {
            Some(marked) => format!(
                "marked completed {}, more than {REFRESH_WINDOW_HOURS} h before Microsoft's last sync at {}, and \
                 still not achieved: check what remains",
                time(marked),
                time(item.last_sync())
            ),
            None => "marked completed, not confirmed by Microsoft: check what remains".to_owned(),
        });
    }
    evidence
}

/// `4.5 of 9 points achieved; 4.5 still available`.
fn points_line(item: &ItemFacts<'_>) -> String {
    match item.achieved {
        Some(achieved) => format!(
            "{} of {} points achieved; {} still available",
            points(achieved),
            points(item.max),
            points((item.max - achieved).max(0.0))
        ),
        None => format!("not applicable, worth {} points", points(item.max)),
    }
}

/// Points as Microsoft shows them: at most two decimals, no trailing zeros.
pub fn points(value: f64) -> String {
    let text = format!("{:.2}", super::score::round2(value));
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// A duration a person reads: hours up to two days, then days.
fn span(delta: TimeDelta) -> String {
    let hours = delta.num_hours().max(0);
    if hours < 48 { format!("{hours} h") } else { format!("{} days", hours / 24) }
}

#[cfg(test)]
mod tests;
