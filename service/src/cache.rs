//! A TTL cache on `moka`, for issuer verification keys and policies, with
//! what the registry needs around it: per-issuer invalidation, loads that
//! cannot bring an invalidated entry back, and counters for `/metrics`.
//!
//! Values are opaque `Arc<V>`; each entry records the issuer it belongs to,
//! so that all of an issuer's entries can be dropped at once (key rotation,
//! revocation). moka bounds the entry count (evicting by its TinyLFU policy)
//! and expires entries `ttl` after they were inserted. Hits and misses are
//! counted here; expirations and evictions through moka's eviction
//! listener; invalidations by the invalidating calls.
//!
//! A load through [`TtlCache::get_or_try_insert_with`] that overlaps an
//! invalidation returns its value but does not cache it, so an invalidated
//! key is never brought back by a load that started before: every
//! invalidation bumps an epoch, and a load caches its value only if the
//! epoch it read before looking up is still current after inserting.

use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use moka::notification::RemovalCause;
use moka::sync::Cache;
use serde::Serialize;

struct CacheEntry<V> {
    value: Arc<V>,
    issuer: Arc<str>,
}

impl<V> Clone for CacheEntry<V> {
    fn clone(&self) -> Self {
        CacheEntry {
            value: Arc::clone(&self.value),
            issuer: Arc::clone(&self.issuer),
        }
    }
}

/// Counters since the cache was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Lookups that found a fresh entry.
    pub hits: u64,
    /// Lookups that found nothing fresh.
    pub misses: u64,
    /// Entries dropped because their TTL ran out.
    pub expirations: u64,
    /// Entries dropped to keep within the capacity.
    pub evictions: u64,
    /// Entries dropped by [`TtlCache::invalidate`] or
    /// [`TtlCache::invalidate_issuer`].
    pub invalidations: u64,
    /// Entries held now.
    pub entries: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    expirations: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

/// A concurrent cache whose entries expire; see the module documentation.
pub struct TtlCache<K, V> {
    cache: Cache<K, CacheEntry<V>>,
    /// Bumped by every invalidation; loads compare it before caching.
    epoch: AtomicU64,
    /// Makes a load's "epoch unchanged, so cache" one step with respect to
    /// an invalidation's "bump the epoch, drop the entries": read-held by
    /// the caching step of a miss, write-held by invalidations. Hits never
    /// touch it.
    fence: RwLock<()>,
    counters: Arc<Counters>,
}

impl<K, V> fmt::Debug for TtlCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let policy = self.cache.policy();
        f.debug_struct("TtlCache")
            .field("ttl", &policy.time_to_live())
            .field("capacity", &policy.max_capacity())
            .finish_non_exhaustive()
    }
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// An empty cache whose entries live `ttl`, holding about `capacity`
    /// entries at most.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        let counters = Arc::new(Counters::default());
        let listener = Arc::clone(&counters);
        let cache = Cache::builder()
            .time_to_live(ttl)
            .max_capacity(capacity.max(1) as u64)
            .eviction_listener(move |_, _, cause| {
                let counter = match cause {
                    RemovalCause::Expired => &listener.expirations,
                    RemovalCause::Size => &listener.evictions,
                    // Counted by the invalidating call; replacement is no drop.
                    RemovalCause::Explicit | RemovalCause::Replaced => return,
                };
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .build();
        TtlCache {
            cache,
            epoch: AtomicU64::new(0),
            fence: RwLock::new(()),
            counters,
        }
    }

    /// The fresh value under `key`, if any.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let found = self.cache.get(key).map(|e| e.value);
        let counter = match found {
            Some(_) => &self.counters.hits,
            None => &self.counters.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// The fresh value under `key`, if any, without counting a hit or a
    /// miss (for comparing the cache with the store, not for lookups).
    pub fn peek(&self, key: &K) -> Option<Arc<V>> {
        self.cache.get(key).map(|e| e.value)
    }

    /// Caches `value` under `key`, for `issuer`, replacing any entry.
    pub fn insert(&self, key: K, issuer: &str, value: Arc<V>) {
        self.cache.insert(
            key,
            CacheEntry {
                value,
                issuer: Arc::from(issuer),
            },
        );
    }

    /// The fresh value under `key`, or the one `load` returns, which is then
    /// cached (unless an invalidation ran meanwhile). `load` runs without
    /// any lock held; concurrent misses may each run it.
    pub fn get_or_try_insert_with<E>(
        &self,
        key: &K,
        issuer: &str,
        load: impl FnOnce() -> Result<Arc<V>, E>,
    ) -> Result<Arc<V>, E> {
        let epoch = self.epoch.load(Ordering::Acquire);
        if let Some(v) = self.get(key) {
            return Ok(v);
        }
        let value = load()?;
        // Under the fence an invalidation either ran before this check (the
        // epoch moved: not cached) or runs after the insert (and drops it);
        // none can return while a stale value is visible.
        let _fence = self.fence.read().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::Acquire) == epoch {
            self.insert(key.clone(), issuer, Arc::clone(&value));
        }
        Ok(value)
    }

    /// Drops the entry under `key`; returns whether there was one.
    pub fn invalidate(&self, key: &K) -> bool {
        let _fence = self.fence.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let removed = self.cache.remove(key).is_some();
        if removed {
            self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
        }
        removed
    }

    /// Drops every entry of `issuer` now; returns how many.
    ///
    /// A walk over the entries, not moka's `invalidate_entries_if`: that one
    /// drops entries lazily and cannot say how many.
    pub fn invalidate_issuer(&self, issuer: &str) -> usize {
        let _fence = self.fence.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let keys: Vec<Arc<K>> = self
            .cache
            .iter()
            .filter(|(_, e)| &*e.issuer == issuer)
            .map(|(k, _)| k)
            .collect();
        let removed = keys
            .iter()
            .filter(|k| self.cache.remove(k.as_ref()).is_some())
            .count();
        self.counters
            .invalidations
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Entries held, after moka's pending housekeeping (expiry, eviction).
    pub fn len(&self) -> usize {
        self.cache.run_pending_tasks();
        self.cache.entry_count() as usize
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counters, after moka's pending housekeeping.
    pub fn stats(&self) -> CacheStats {
        let entries = self.len() as u64;
        let c = &self.counters;
        CacheStats {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            expirations: c.expirations.load(Ordering::Relaxed),
            evictions: c.evictions.load(Ordering::Relaxed),
            invalidations: c.invalidations.load(Ordering::Relaxed),
            entries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize) -> TtlCache<String, Vec<u8>> {
        TtlCache::new(Duration::from_secs(10), capacity)
    }

    #[test]
    fn hits_misses_and_expiry() {
        let c = TtlCache::<String, Vec<u8>>::new(Duration::from_millis(500), 10);
        assert!(c.get(&"k1".into()).is_none());
        c.insert("k1".into(), "mps", Arc::new(vec![1]));
        assert_eq!(*c.get(&"k1".into()).unwrap(), vec![1]);
        assert_eq!(*c.get(&"k1".into()).unwrap(), vec![1]);
        std::thread::sleep(Duration::from_millis(600));
        assert!(c.get(&"k1".into()).is_none());
        assert!(c.is_empty(), "an expired entry is dropped");
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.expirations, s.entries), (2, 2, 1, 0));
    }

    #[test]
    fn peeking_counts_nothing() {
        let c = cache(10);
        assert!(c.peek(&"k".into()).is_none());
        c.insert("k".into(), "mps", Arc::new(vec![1]));
        assert_eq!(*c.peek(&"k".into()).unwrap(), vec![1]);
        let s = c.stats();
        assert_eq!((s.hits, s.misses), (0, 0));
    }

    #[test]
    fn invalidation_by_key_and_issuer() {
        let c = cache(10);
        c.insert("mps/1".into(), "mps", Arc::new(vec![1]));
        c.insert("mps/2".into(), "mps", Arc::new(vec![2]));
        c.insert("samr/1".into(), "samr", Arc::new(vec![3]));
        assert!(c.invalidate(&"mps/1".into()));
        assert!(!c.invalidate(&"mps/1".into()));
        c.insert("mps/1".into(), "mps", Arc::new(vec![1]));
        assert_eq!(c.invalidate_issuer("mps"), 2);
        assert!(c.get(&"mps/1".into()).is_none() && c.get(&"mps/2".into()).is_none());
        assert_eq!(c.len(), 1);
        assert!(c.get(&"samr/1".into()).is_some());
        assert_eq!(c.stats().invalidations, 3);
    }

    #[test]
    fn capacity_bounds_the_entries() {
        let c = cache(3);
        for k in ["a", "b", "c", "d", "e"] {
            c.insert(k.into(), "i", Arc::new(vec![]));
            c.len();
        }
        let s = c.stats();
        assert!(s.entries <= 3, "{s:?}");
        assert_eq!(s.evictions, 5 - s.entries, "{s:?}");
        // Replacing a key evicts nothing.
        let before = c.stats().evictions;
        let kept = ["a", "b", "c", "d", "e"]
            .into_iter()
            .find(|k| c.get(&(*k).into()).is_some())
            .unwrap();
        c.insert(kept.into(), "i", Arc::new(vec![1]));
        assert_eq!(c.stats().evictions, before);
    }

    #[test]
    fn loads_once_then_hits() {
        let c = cache(10);
        let mut loads = 0;
        for _ in 0..3 {
            let v = c
                .get_or_try_insert_with(&"k".into(), "mps", || {
                    loads += 1;
                    Ok::<_, ()>(Arc::new(vec![7]))
                })
                .unwrap();
            assert_eq!(*v, vec![7]);
        }
        assert_eq!(loads, 1);
        let e = c.get_or_try_insert_with(&"x".into(), "mps", || Err("no such key"));
        assert_eq!(e.unwrap_err(), "no such key");
        assert!(c.get(&"x".into()).is_none());
    }

    #[test]
    fn load_overlapping_invalidation_is_not_cached() {
        for invalidate in [
            (|c: &TtlCache<String, Vec<u8>>| {
                c.invalidate_issuer("mps");
            }) as fn(&TtlCache<String, Vec<u8>>),
            |c| {
                c.invalidate(&"k".into());
            },
        ] {
            let c = cache(10);
            let v = c
                .get_or_try_insert_with(&"k".into(), "mps", || {
                    // The issuer's key is revoked while it is being loaded.
                    invalidate(&c);
                    Ok::<_, ()>(Arc::new(vec![1]))
                })
                .unwrap();
            assert_eq!(*v, vec![1]);
            assert!(c.get(&"k".into()).is_none());
        }
    }

    #[test]
    fn invalidation_racing_loads_always_wins() {
        // Loaders keep loading; once an invalidation has returned, no value
        // loaded before it may be served.
        for _ in 0..20 {
            let c = Arc::new(TtlCache::<u32, u64>::new(Duration::from_secs(60), 100));
            let generation = Arc::new(AtomicU64::new(0));
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let loaders: Vec<_> = (0..2)
                .map(|_| {
                    let (c, g, stop) = (Arc::clone(&c), Arc::clone(&generation), Arc::clone(&stop));
                    std::thread::spawn(move || {
                        while !stop.load(Ordering::Relaxed) {
                            let _ = c.get_or_try_insert_with(&1, "i", || {
                                Ok::<_, ()>(Arc::new(g.load(Ordering::SeqCst)))
                            });
                        }
                    })
                })
                .collect();
            for round in 1..=50u64 {
                generation.store(round, Ordering::SeqCst);
                c.invalidate_issuer("i");
                if let Some(v) = c.get(&1) {
                    assert_eq!(*v, round, "a load from before the invalidation was cached");
                }
            }
            stop.store(true, Ordering::Relaxed);
            for l in loaders {
                l.join().unwrap();
            }
        }
    }

    #[test]
    fn concurrent_use() {
        let c = Arc::new(TtlCache::<u32, u32>::new(Duration::from_secs(60), 1000));
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let c = Arc::clone(&c);
                std::thread::spawn(move || {
                    for i in 0..500u32 {
                        let k = i % 50;
                        let v = c
                            .get_or_try_insert_with(&k, "i", || Ok::<_, ()>(Arc::new(k * 2)))
                            .unwrap();
                        assert_eq!(*v, k * 2);
                        if t == 0 && i % 100 == 0 {
                            c.invalidate(&k);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let s = c.stats();
        assert_eq!(s.hits + s.misses, 2000);
        assert!(s.entries <= 50);
    }
}
