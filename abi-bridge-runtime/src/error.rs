//! The one error type of abi-bridge: every failure is a named value that says
//! what was expected and what was found.

use std::path::PathBuf;

/// Everything that can go wrong in abi-bridge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A calling-convention name that is not one of [`Conv::NAMES`](crate::Conv::NAMES).
    #[error("unknown calling convention `{name}`: expected one of `sysv64`, `win64`, `efiapi`")]
    UnknownConvention {
        /// The name that was given.
        name: String,
    },

    /// A signature that no calling convention can express.
    #[error("unsupported signature: {position}: {reason}")]
    UnsupportedSignature {
        /// Which value is at fault, e.g. "argument 2 (`[u8; 4]`)" or "return value".
        position: String,
        /// Why it cannot cross the boundary, and what to use instead.
        reason: String,
    },

    /// A run-time type description that C cannot express.
    #[error(transparent)]
    Type(#[from] crate::types::TypeError),

    /// The operating system refused executable memory for generated code.
    #[error("cannot map executable memory for generated code")]
    ExecutableMemory(#[source] std::io::Error),

    /// A shared object that could not be opened.
    #[error("cannot load library `{}`", path.display())]
    LoadLibrary {
        /// The path that was given.
        path: PathBuf,
        /// The platform loader's own message.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },

    /// A symbol a library was expected to export but does not.
    #[error("library `{library}` has no symbol `{name}`")]
    MissingSymbol {
        /// The symbol's name.
        name: String,
        /// The library it was looked up in.
        library: String,
        /// The platform loader's own message.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// A fixed-size resource (such as the callback trampoline pool) is full.
    #[error("{resource} exhausted: all {capacity} slots are in use")]
    Exhausted {
        /// What ran out.
        resource: &'static str,
        /// How many slots it has.
        capacity: usize,
    },
}
