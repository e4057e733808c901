//! `scoregrc alerts test`: sends a test message straight to every enabled alert channel of a tenant, without the
//! runner, and says per channel whether it arrived, so an operator can check alerting end to end.

use clap::Subcommand;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::config::Config;
use crate::export::delivery::{Dispatcher, Sender};
use crate::store::channels::SendResult;
use crate::store::tenants;

/// Alert commands.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Send a test message to each enabled channel of the tenant; exits non-zero when any fails.
    Test {
        /// The tenant, by id or exact name.
        #[arg(long)]
        tenant: String,
    },
}

/// Runs an alert command.
pub async fn run(config: Config, command: AlertsCommand) -> anyhow::Result<()> {
    let AlertsCommand::Test { tenant } = command;
    let db = crate::db::open_and_migrate(&config.database).await?;
    let tenant = tenants::find_by_reference(&db, &tenant)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no tenant `{tenant}` (give its id or exact name)"))?;
    let dispatcher = Dispatcher {
        db,
        clock: Arc::new(SystemClock),
        data_key: Arc::new(crate::app::data_key(&config)?),
        sender: Sender::new(config.delivery_timeout)?,
    };
    let tests = dispatcher.test_channels(tenant.id, &tenant.name, "cli").await?;
    if tests.is_empty() {
        anyhow::bail!("{} has no enabled alert channel: an admin adds one first", tenant.name);
    }
    let mut failed = 0;
    for test in &tests {
        let kind = test.kind.as_str();
        match &test.result {
            SendResult::Delivered { http_status, smtp_reply } => {
                let answer = match (http_status, smtp_reply) {
                    (Some(status), _) => format!("HTTP {status}"),
                    (None, Some(reply)) => reply.clone(),
                    (None, None) => String::new(),
                };
                println!("ok      {kind:<7} {}  ({answer})", test.name);
            }
            SendResult::Failed { error, .. } => {
                failed += 1;
                println!("failed  {kind:<7} {}  {error}", test.name);
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} channel(s) of {} failed the test", tests.len(), tenant.name);
    }
    println!("all {} channel(s) of {} took the test message", tests.len(), tenant.name);
    Ok(())
}
