//! Remote objects as the federation crate sees them: each pairs a stored row
//! with its wire type, so `ObjectId::dereference` can read it from the
//! database or fetch, check and store it.

pub mod actor;
pub mod note;

pub use actor::ApubActor;
pub use note::ApubNote;
