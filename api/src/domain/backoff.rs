//! The one retry schedule for talking to other systems (Graph write-backs, alert deliveries): waits that grow to
//! hours, because Graph throttles per tenant and app for minutes at a time and a receiver may be down for an
//! afternoon, and a last attempt after which a person has to look.

use std::time::Duration;

/// Attempts before giving up.
pub const MAX_ATTEMPTS: u32 = 6;

/// How long to wait after failed attempt number `attempt` (1-based) before the next; `None` once every attempt is
/// used.
pub fn retry_delay(attempt: u32) -> Option<Duration> {
    const MINUTE: u64 = 60;
    let waits = [MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 4 * 60 * MINUTE];
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    waits.get(attempt.saturating_sub(1) as usize).map(|s| Duration::from_secs(*s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_end() {
        let waits: Vec<Option<u64>> = (1..=MAX_ATTEMPTS).map(|a| retry_delay(a).map(|d| d.as_secs())).collect();
        assert_eq!(waits, vec![Some(60), Some(300), Some(900), Some(3600), Some(14_400), None]);
        assert_eq!(retry_delay(MAX_ATTEMPTS + 3), None);
    }
}
