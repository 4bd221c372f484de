package dev.saidentity.benchmarks;

import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The validated-token cache's former policy, kept here only to measure it beside its replacement:
 * when full, scan every entry for expired ones, then drop arbitrary entries until 10 % is free.
 */
final class FormerScanEvictCache {

  private final ConcurrentHashMap<String, Instant> map = new ConcurrentHashMap<>();
  private final int capacity;

  FormerScanEvictCache(int capacity) {
    this.capacity = capacity;
  }

  Instant get(String key) {
    return map.get(key);
  }

  void put(String key, Instant exp, Instant expiredBefore) {
    if (map.size() >= capacity) {
      evict(expiredBefore);
    }
    map.put(key, exp);
  }

  private void evict(Instant expiredBefore) {
    Iterator<Instant> it = map.values().iterator();
    while (it.hasNext()) {
      if (expiredBefore.isAfter(it.next())) {
        it.remove();
      }
    }
    int target = capacity - Math.max(1, capacity / 10);
    it = map.values().iterator();
    while (map.size() > target && it.hasNext()) {
      it.next();
      it.remove();
    }
  }
}
