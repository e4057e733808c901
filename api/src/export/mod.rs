//! Exporters: what leaves scoregrc for another system or a person's spreadsheet. Like importers, they live apart
//! from the routes.

pub mod cells;
pub mod graph_write_back;
pub mod register_csv;
