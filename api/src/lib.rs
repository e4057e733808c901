//! scoregrc: a self-hosted GRC service for Microsoft Secure Score.
//!
//! Data flows one way: sources → `import` → `store` → `domain` → `http` / `export`.
//! `domain` holds the pure rules, `store` the queries and transactions, `http` thin handlers.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod entities;
pub mod export;
pub mod http;
pub mod import;
pub mod jobs;
pub mod secrets;
pub mod signing;
pub mod state;
pub mod store;
pub mod telemetry;
