//! Gigafund: offline evaluation and financing of EU AI-infrastructure funding calls.
//!
//! The library holds all domain logic; the CLI (`src/main.rs`) and the desktop shell
//! (`src-tauri/`) call [`app`], the one service surface.

pub mod app;
pub mod bindings;
pub mod compute;
pub mod countries;
pub mod demo;
pub mod eligibility;
pub mod error;
pub mod evaluation;
pub mod export;
pub mod finance;
pub mod ingest;
pub mod keys;
pub mod model;
pub mod programme;
pub mod report;
pub mod store;

pub use error::{Error, Result};
