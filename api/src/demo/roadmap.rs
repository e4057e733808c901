//! The demo tenant's current-quarter plan: the biggest open gaps on it, one in every rollout phase, and one
//! slipped past its target date, so the plan, its warnings and the board report have something to show.

use chrono::{DateTime, Days, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::ids::TenantId;
use crate::domain::quarter::Quarter;
use crate::domain::roadmap::Phase;
use crate::domain::role::Role;
use crate::entities::recommendation;
use crate::store::StoreError;
use crate::store::roadmap::{self, AddItem, PhaseChange};

/// Adds the plan (only to a freshly loaded demo tenant).
pub async fn load(db: &DatabaseConnection, tenant: TenantId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let engineer = super::register::demo_actor(db, Role::Engineer).await?;
    let quarter = Quarter::of(now.date_naive());
    let open = recommendation::Entity::find()
        .filter(recommendation::Column::TenantId.eq(tenant.0))
        .filter(recommendation::Column::Product.eq("m365"))
        .filter(recommendation::Column::Status.eq("to_address"))
        .filter(recommendation::Column::Achieved.is_not_null())
        .filter(recommendation::Column::ControlKey.not_like("scid_%"))
        .order_by_desc(recommendation::Column::MaxScore)
        .all(db)
        .await?;
    let today = now.date_naive();
    let target = |days: u64| Some((today + Days::new(days)).min(quarter.end()));
    let teams = ["Identity", "Messaging", "Endpoint", "Data protection", "Identity", "Cloud apps"];
    for (n, item) in open.iter().filter(|i| i.achieved.unwrap_or(0.0) < i.max_score).take(6).enumerate() {
        // The last one was due a week ago and has not started: the slipped item.
        let target_date = if n == 5 { today.checked_sub_days(Days::new(7)) } else { target(20 + 10 * n as u64) };
        let add = AddItem {
            recommendation_id: item.id,
            owner_user_id: None,
            owner_team: Some(teams[n].to_owned()),
            target_date,
        };
        roadmap::add_item(db, &engineer, now, tenant, quarter, add).await?;
    }
    let plan = roadmap::get(db, tenant, quarter, now).await?;
    let phases = [Phase::Done, Phase::General, Phase::EarlyAdopters, Phase::Pilot];
    for (item, phase) in plan.items.iter().zip(phases) {
        // Walk each item through the phases before it, a window apart, as a real rollout would.
        let steps: Vec<Phase> = Phase::ALL.into_iter().filter(|p| *p > Phase::NotStarted && *p <= phase).collect();
        let mut day = today.checked_sub_days(Days::new(60)).unwrap_or(today);
        for step in steps {
            let change = PhaseChange {
                phase: step,
                started_on: Some(day.max(quarter.start()).min(today)),
                observation_days: None,
                notes: None,
                version: None,
            };
            roadmap::set_phase(db, &engineer, now, tenant, quarter, item.id, change).await?;
            day = day + Days::new(u64::from(step.default_observation_days()).max(1));
        }
    }
    Ok(())
}
