//! PromQL parsing with spans.
