//! Deciding what to do with each rendered file given what is on disk, and doing it all at once.

mod state;
mod write;

pub use state::State;
pub use write::{apply, Change, Plan};
