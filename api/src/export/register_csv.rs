//! The risk-acceptance register as CSV, in the seed article's column order, one row per entry and item, every
//! cell formula-safe.

use super::cells::formula_safe;
use crate::store::register::RegisterRow;

/// The header, in the order auditors know from the register the seed describes, then scoregrc's own columns.
pub const HEADER: [&str; 16] = [
    "Recommendation",
    "Category",
    "Score impact",
    "Risk description",
    "Business justification",
    "Compensating controls",
    "Approval date",
    "Approver",
    "Review date",
    "Reference",
    "Decision",
    "State",
    "Residual risk",
    "Covered by",
    "Recommendation ID",
    "Secure Score control",
];

/// The rows as CSV bytes (UTF-8, CRLF line ends as RFC 4180 asks).
pub fn to_csv(rows: &[RegisterRow]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let cells = [
            row.recommendation.clone(),
            row.category.clone().unwrap_or_default(),
            format!("{:.2}", row.score_impact),
            row.risk_description.clone(),
            row.business_justification.clone(),
            row.compensating_controls.clone(),
            date(row.approval_date),
            row.approver.clone().unwrap_or_default(),
            date(row.review_date),
            row.reference.clone(),
            row.decision.as_str().to_owned(),
            row.state.as_str().to_owned(),
            row.residual_risk.as_str().to_owned(),
            row.covered_by.clone().unwrap_or_default(),
            row.recommendation_id.to_string(),
            row.external_id.clone().unwrap_or_default(),
        ];
        writer.write_record(cells.iter().map(|c| formula_safe(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}
