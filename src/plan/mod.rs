//! Deciding what to do with each rendered file given what is on disk and what msgen generated
//! last (`plan`), and doing it all at once (`write`).

mod decide;
mod fresh;
mod merge;
pub mod state;
mod stubs;
mod write;

pub use decide::{plan, Action, Entry, Plan, PlanError, ReadAhead};
pub use fresh::unchanged;
pub use state::{Bases, State};
pub use write::apply;
