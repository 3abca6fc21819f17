//! Editor features as plain functions over byte offsets and spans: what to show on hover at
//! offset N, what completes at offset N, where a recording rule is defined and read, how to
//! suppress a finding. The LSP crate converts positions and types; nothing here knows LSP.

mod completion;
mod functions;
mod hover;
mod index;
mod suppression;
mod text;

pub use completion::{completions, Completion, CompletionKind};
pub use functions::{function, Function, FUNCTIONS};
pub use hover::{hover, Hover};
pub use index::{definitions, references, Definition, Location, WorkspaceIndex};
pub use suppression::suppression;
