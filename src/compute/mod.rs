//! Compute per euro from real benchmark runs (`shared/domain/COMPUTE.md`): relative
//! productivity from MLPerf, the scaling fit, and per-bid estimates of lifetime work, cost
//! and energy in H200e-hours.

pub mod estimate;
pub mod plausibility;
pub mod relative;
pub mod scaling;
pub mod stats;

use crate::error::{Error, Result};

/// Every figure derived from MLPerf results carries this label (MLCommons' trademark rule).
pub const LABEL: &str = "derived, not verified by MLCommons";

/// Maps polars errors (a bug of ours, not of the user's input) to internal errors.
pub trait PolarsResultExt<T> {
    fn polars(self) -> Result<T>;
}

impl<T> PolarsResultExt<T> for std::result::Result<T, polars::prelude::PolarsError> {
    fn polars(self) -> Result<T> {
        self.map_err(|e| Error::Internal(format!("analytics: {e}")))
    }
}
