//! Exporters: what leaves scoregrc for another system. Like importers, they live apart from the routes.

pub mod graph_write_back;
