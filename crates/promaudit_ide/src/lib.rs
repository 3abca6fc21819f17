//! Editor features.
