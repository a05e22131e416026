//! SKELETON (core engineer): why a PE image cannot be loaded.

/// Why a PE image cannot be loaded: the `source()` of
/// [`Error::LoadLibrary`](crate::Error::LoadLibrary) for a PE file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeError {
    /// Placeholder until the core engineer's variants land.
    #[error("malformed PE image: {0}")]
    Malformed(String),
}
