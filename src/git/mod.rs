//! Git, read through `gix` from the object database and the index: never a `git` process,
//! never a checkout, nothing written into the repository.

pub mod base;
pub mod history;
pub mod history_render;
pub mod progress;
pub mod repo;
pub mod secrets;
pub mod staged;
pub mod tracked;
