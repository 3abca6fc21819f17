//! Each distinct expression text is parsed once per run, whichever file and thread meet it first.

use promaudit_promql::{ParsedQuery, QueryError};
use foldhash::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};

pub type ParsedOutcome = Result<ParsedQuery, QueryError>;

/// Sharded so that rayon workers rarely wait on each other.
pub struct ParseCache {
    shards: Vec<Mutex<HashMap<String, Arc<ParsedOutcome>>>>,
    hasher: RandomState,
}

const SHARDS: usize = 64;

impl Default for ParseCache {
    fn default() -> Self {
        ParseCache { shards: (0..SHARDS).map(|_| Mutex::default()).collect(), hasher: RandomState::new() }
    }
}

impl ParseCache {
    pub fn parse(&self, text: &str) -> Arc<ParsedOutcome> {
        let shard = &self.shards[self.hasher.hash_one(text) as usize % SHARDS];
        if let Some(hit) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
            return hit.clone();
        }
        // Parse outside the lock; a rare duplicate parse beats serializing all parsing.
        let outcome = Arc::new(promaudit_promql::parse(text));
        shard.lock().unwrap_or_else(|e| e.into_inner()).entry(text.to_string()).or_insert(outcome).clone()
    }
}
