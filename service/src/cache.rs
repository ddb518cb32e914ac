//! A TTL cache on `dashmap`, for issuer verification keys and the like.
//!
//! Values are opaque `Arc<V>`; each entry records the issuer it belongs to,
//! so that all of an issuer's entries can be dropped at once (key rotation,
//! revocation). Hit, miss, expiry, eviction and invalidation counters feed
//! `/metrics`.
//!
//! An entry is served until its TTL runs out. The capacity is a soft bound:
//! a full cache first drops expired entries, then the entry closest to
//! expiry; concurrent inserters can overshoot it by at most their number.
//! A load through [`TtlCache::get_or_try_insert_with`] that overlaps an
//! invalidation returns its value but does not cache it, so an invalidated
//! key is never brought back by a load that started before.

use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use serde::Serialize;

struct CacheEntry<V> {
    value: Arc<V>,
    issuer: Arc<str>,
    expires_at: Instant,
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
    /// Entries dropped to make room.
    pub evictions: u64,
    /// Entries dropped by [`TtlCache::invalidate`] or
    /// [`TtlCache::invalidate_issuer`].
    pub invalidations: u64,
    /// Entries held now.
    pub entries: u64,
}

/// A concurrent cache whose entries expire; see the module documentation.
pub struct TtlCache<K, V> {
    map: DashMap<K, CacheEntry<V>>,
    ttl: Duration,
    capacity: usize,
    /// Bumped by every invalidation; loads compare it before caching.
    epoch: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    expirations: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

impl<K, V> fmt::Debug for TtlCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TtlCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<K: Eq + Hash + Clone, V> TtlCache<K, V> {
    /// An empty cache whose entries live `ttl`, holding about `capacity`
    /// entries at most.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            map: DashMap::new(),
            ttl,
            capacity: capacity.max(1),
            epoch: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            expirations: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
        }
    }

    /// The fresh value under `key`, if any.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.get_at(key, Instant::now())
    }

    /// [`TtlCache::get`] at a given time.
    pub fn get_at(&self, key: &K, now: Instant) -> Option<Arc<V>> {
        if let Some(e) = self.map.get(key) {
            if now < e.expires_at {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Some(Arc::clone(&e.value));
            }
        }
        // Drop it only if it is still the expired entry (not a fresh one
        // inserted meanwhile).
        if self
            .map
            .remove_if(key, |_, e| now >= e.expires_at)
            .is_some()
        {
            self.expirations.fetch_add(1, Ordering::Relaxed);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// Caches `value` under `key`, for `issuer`, replacing any entry.
    pub fn insert(&self, key: K, issuer: &str, value: Arc<V>) {
        self.insert_at(key, issuer, value, Instant::now());
    }

    /// [`TtlCache::insert`] at a given time.
    pub fn insert_at(&self, key: K, issuer: &str, value: Arc<V>, now: Instant) {
        if self.map.len() >= self.capacity && !self.map.contains_key(&key) {
            self.make_room(now);
        }
        self.map.insert(
            key,
            CacheEntry {
                value,
                issuer: Arc::from(issuer),
                expires_at: now + self.ttl,
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
        if self.epoch.load(Ordering::Acquire) == epoch {
            self.insert(key.clone(), issuer, Arc::clone(&value));
            // An invalidation that ran during the insert must still win.
            if self.epoch.load(Ordering::Acquire) != epoch {
                self.map.remove(key);
            }
        }
        Ok(value)
    }

    /// Drops the entry under `key`; returns whether there was one.
    pub fn invalidate(&self, key: &K) -> bool {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let removed = self.map.remove(key).is_some();
        if removed {
            self.invalidations.fetch_add(1, Ordering::Relaxed);
        }
        removed
    }

    /// Drops every entry of `issuer`; returns how many.
    pub fn invalidate_issuer(&self, issuer: &str) -> usize {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let mut removed = 0;
        self.map.retain(|_, e| {
            let keep = &*e.issuer != issuer;
            if !keep {
                removed += 1;
            }
            keep
        });
        self.invalidations
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Drops every expired entry; returns how many.
    pub fn sweep_expired_at(&self, now: Instant) -> usize {
        let mut removed = 0;
        self.map.retain(|_, e| {
            let keep = now < e.expires_at;
            if !keep {
                removed += 1;
            }
            keep
        });
        self.expirations
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Entries held (fresh or not yet swept).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            expirations: self.expirations.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            entries: self.map.len() as u64,
        }
    }

    fn make_room(&self, now: Instant) {
        if self.sweep_expired_at(now) > 0 {
            return;
        }
        let oldest = self
            .map
            .iter()
            .min_by_key(|e| e.expires_at)
            .map(|e| e.key().clone());
        if let Some(k) = oldest {
            if self.map.remove(&k).is_some() {
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
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
        let c = cache(10);
        let t0 = Instant::now();
        assert!(c.get_at(&"k1".into(), t0).is_none());
        c.insert_at("k1".into(), "mps", Arc::new(vec![1]), t0);
        assert_eq!(*c.get_at(&"k1".into(), t0).unwrap(), vec![1]);
        assert_eq!(
            *c.get_at(&"k1".into(), t0 + Duration::from_secs(9)).unwrap(),
            vec![1]
        );
        assert!(c
            .get_at(&"k1".into(), t0 + Duration::from_secs(10))
            .is_none());
        assert!(c.is_empty(), "an expired entry is dropped on lookup");
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.expirations, s.entries), (2, 2, 1, 0));
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
        assert_eq!(c.len(), 1);
        assert!(c.get(&"samr/1".into()).is_some());
        assert_eq!(c.stats().invalidations, 3);
    }

    #[test]
    fn capacity_evicts_expired_then_oldest() {
        let c = cache(3);
        let t0 = Instant::now();
        c.insert_at("a".into(), "i", Arc::new(vec![]), t0);
        c.insert_at(
            "b".into(),
            "i",
            Arc::new(vec![]),
            t0 + Duration::from_secs(1),
        );
        c.insert_at(
            "c".into(),
            "i",
            Arc::new(vec![]),
            t0 + Duration::from_secs(2),
        );
        c.insert_at(
            "d".into(),
            "i",
            Arc::new(vec![]),
            t0 + Duration::from_secs(3),
        );
        assert_eq!(c.len(), 3);
        assert!(c.get_at(&"a".into(), t0 + Duration::from_secs(3)).is_none());
        assert_eq!(c.stats().evictions, 1);
        // Replacing a key does not evict.
        c.insert_at(
            "d".into(),
            "i",
            Arc::new(vec![]),
            t0 + Duration::from_secs(3),
        );
        assert_eq!(c.stats().evictions, 1);
        // At t0 + 11 s "b" has expired: a sweep makes room, no eviction.
        c.insert_at(
            "e".into(),
            "i",
            Arc::new(vec![]),
            t0 + Duration::from_secs(11),
        );
        let s = c.stats();
        assert_eq!((s.evictions, s.expirations, s.entries), (1, 1, 3));
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
        let c = cache(10);
        let v = c
            .get_or_try_insert_with(&"k".into(), "mps", || {
                // The issuer's key is revoked while it is being loaded.
                c.invalidate_issuer("mps");
                Ok::<_, ()>(Arc::new(vec![1]))
            })
            .unwrap();
        assert_eq!(*v, vec![1]);
        assert!(c.get(&"k".into()).is_none());
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
