//! A second's memory of anonymous reads. A meeting shared on a flyer or in a group chat is
//! opened by many phones at once; the database should answer it once a second, not once a
//! phone. Only what anyone may read is kept (the caller sent no credentials), so an entry can
//! be handed to any other anonymous caller.
//!
//! An entry is used while it is younger than [`FRESH_FOR`] and no transaction has run in this
//! process since it was read: a change made here is seen at once, a change made by another
//! node of a cluster within two seconds. When an entry comes of age, one request reads it
//! again while the others are answered from it for up to another second, rather than all
//! reading at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::conditional::TaggedJson;
use crate::db::Db;
use crate::error::ApiError;

/// How long an entry may be answered from when nothing changed here.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// More than the entries one second of traffic leaves, few enough to stay small in memory.
const MOST_ENTRIES: usize = 2048;

/// Serialised answers by key, each with when it was read and the transaction count then.
#[derive(Debug)]
pub struct ReadCache<K> {
    entries: Mutex<HashMap<K, Entry>>,
}

#[derive(Debug)]
struct Entry {
    read_at: Instant,
    transactions: u64,
    answer: TaggedJson,
    being_read_again: bool,
}

impl<K> Default for ReadCache<K> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone> ReadCache<K> {
    /// The answer for `key`: a fresh entry's, or `read`'s (kept when it succeeds).
    pub async fn get_or_read<F>(&self, key: K, db: &Db, read: F) -> Result<TaggedJson, ApiError>
    where
        F: AsyncFnOnce() -> Result<TaggedJson, ApiError>,
    {
        // Counted before reading: a transaction committing meanwhile makes the entry stale.
        let transactions = db.transactions();
        if let Some(answer) = self.usable(&key, transactions) {
            return Ok(answer);
        }
        match read().await {
            Ok(answer) => {
                self.keep(key, transactions, answer.clone());
                Ok(answer)
            }
            Err(error) => {
                self.entries().remove(&key);
                Err(error)
            }
        }
    }

    /// A fresh entry, or one just past its second while another request reads it again.
    /// Otherwise the caller is to read, and an entry past its second is marked as being read.
    fn usable(&self, key: &K, transactions: u64) -> Option<TaggedJson> {
        let mut entries = self.entries();
        let entry = entries
            .get_mut(key)
            .filter(|entry| entry.transactions == transactions)?;
        let age = entry.read_at.elapsed();
        if age < FRESH_FOR || (entry.being_read_again && age < 2 * FRESH_FOR) {
            return Some(entry.answer.clone());
        }
        entry.being_read_again = true;
        None
    }

    fn keep(&self, key: K, transactions: u64, answer: TaggedJson) {
        let mut entries = self.entries();
        if entries.len() >= MOST_ENTRIES {
            entries.retain(|_, entry| {
                entry.transactions == transactions && entry.read_at.elapsed() < FRESH_FOR
            });
            if entries.len() >= MOST_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                read_at: Instant::now(),
                transactions,
                answer,
                being_read_again: false,
            },
        );
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<K, Entry>> {
        // The map is consistent after any panic (each update is a single insert or removal).
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
