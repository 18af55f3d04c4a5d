//! Data sets in and out of the desk (docs/EXCHANGE.md): `export` streams the desk or one
//! customer's part of it; `import` checks a data set whole, then writes it in batches, each
//! ticket with its events and its SLA derived by the engine.

mod export;
mod import;

pub use export::{ExportScope, ExportSummary};
pub use import::{ImportOptions, ImportSummary, Phase, SetAside};
