//! LSP.
