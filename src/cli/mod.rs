//! The subcommands of the `gigafund` command line, one module per group. Each is a thin
//! wrapper over `gigafund::app`: it parses arguments, calls the library and prints.

pub mod audit;
pub mod bid;
pub mod call;
pub mod eval;
pub mod generate;
pub mod model;
pub mod monitoring;
pub mod office;
pub mod programme;
pub mod report;
