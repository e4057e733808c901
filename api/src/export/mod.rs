//! Exporters: what leaves scoregrc for another system, a person's spreadsheet or the board's printout. Like importers,
//! they live apart from the routes.

pub mod auditor_workbook;
pub mod board_html;
pub mod cells;
pub mod delivery;
pub mod digest;
pub mod evidence_pack;
pub mod graph_write_back;
pub mod register_csv;
pub mod svg_chart;
pub mod trend_png;
pub mod triage_workbook;
pub mod xlsx;
