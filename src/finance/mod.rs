//! The finance and de-risking engine of `domain/FINANCE.md` (reference model v1): yearly
//! series, debt sculpting, reserves, the cash waterfall, guarantees, metrics, goal seek,
//! sensitivity and Monte Carlo. No UI and no storage here: [`crate::app`] stores scenarios.

pub mod engine;
pub mod inputs;
pub mod montecarlo;
pub mod sensitivity;
pub mod series;
pub mod solve;
pub mod tvm;

pub use engine::{Metrics, Outcome, Year, run};
pub use inputs::{Guarantee, GuaranteeType, Inputs};

/// Stored with every scenario result: which model produced it.
pub const ENGINE_VERSION: &str = concat!("finance-v1 (gigafund ", env!("CARGO_PKG_VERSION"), ")");
