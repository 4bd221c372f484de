package dev.saidentity.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bounded cache's policy and costs. Eviction work is counted by the cache's probes, not timed:
 * the former validated-token cache scanned every entry when it overflowed (O(n) per insertion).
 */
class BoundedCacheTest {

  static final int CAPACITY = 10_000;

  @Test
  void insertionsBeyondCapacity_neverScanTheCache_eachExaminesAtMostTheSweepLimit() {
    BoundedCache<Integer, String> cache = new BoundedCache<>(CAPACITY);
    for (int i = 0; i < CAPACITY; i++) {
      cache.put(i, "v" + i, v -> false);
    }
    assertThat(cache.examined()).as("filling up evicts nothing").isZero();
    // The worst case for a clock: every entry used since the hand last passed.
    for (int i = 0; i < CAPACITY; i++) {
      assertThat(cache.get(i)).isEqualTo("v" + i);
    }
    cache.put(-1, "new", v -> false);
    assertThat(cache.examined()).as("one insertion into a full cache of used entries").isEqualTo(BoundedCache.SWEEP_LIMIT);
    assertThat(cache.size()).isEqualTo(CAPACITY);

    // 100,000 distinct keys cycling through, with a hit on each: work stays constant per insertion.
    int inserted = 0;
    for (int i = CAPACITY; i < 10 * CAPACITY; i++) {
      cache.put(i, "v", v -> false);
      cache.get(i);
      inserted++;
    }
    assertThat(cache.size()).isEqualTo(CAPACITY);
    assertThat(cache.mostExaminedByOneInsertion()).isLessThanOrEqualTo(BoundedCache.SWEEP_LIMIT);
    assertThat(cache.examined()).isLessThanOrEqualTo((long) BoundedCache.SWEEP_LIMIT * (inserted + 1));
  }

  @Test
  void aRecentlyUsedEntry_getsASecondChance_theUnusedOneGoes() {
    BoundedCache<String, String> cache = new BoundedCache<>(4);
    for (String k : List.of("a", "b", "c", "d")) {
      cache.put(k, k, v -> false);
    }
    cache.get("a");
    cache.put("e", "e", v -> false);
    assertThat(cache.get("a")).as("used since inserted").isEqualTo("a");
    assertThat(cache.get("b")).as("the oldest unused").isNull();
    assertThat(cache.get("e")).isEqualTo("e");
    assertThat(cache.size()).isEqualTo(4);
  }

  @Test
  void withoutHits_theOldestGoesFirst() {
    BoundedCache<Integer, Integer> cache = new BoundedCache<>(20);
    for (int i = 0; i < 50; i++) {
      cache.put(i, i, v -> false);
    }
    for (int i = 0; i < 30; i++) {
      assertThat(cache.get(i)).as("entry %d", i).isNull();
    }
    for (int i = 30; i < 50; i++) {
      assertThat(cache.get(i)).as("entry %d", i).isEqualTo(i);
    }
  }

  @Test
  void anExpendableEntry_goesBeforeAnUnusedOne_whenTheHandMeetsIt() {
    BoundedCache<String, String> cache = new BoundedCache<>(4);
    for (String k : List.of("a", "b", "c", "d")) {
      cache.put(k, k, v -> false);
      cache.get(k);
    }
    cache.put("e", "e", v -> v.equals("b"));
    assertThat(cache.get("b")).as("expendable").isNull();
    assertThat(cache.get("a")).isEqualTo("a");
    assertThat(cache.get("c")).isEqualTo("c");
    assertThat(cache.get("d")).isEqualTo("d");
    assertThat(cache.examined()).isEqualTo(2);
  }

  @Test
  void remove_takesOnlyTheSameValue_andFreesItsSlot() {
    BoundedCache<String, String> cache = new BoundedCache<>(2);
    String v1 = new String("v");
    cache.put("a", v1, v -> false);
    cache.remove("a", new String("v"));
    assertThat(cache.get("a")).as("an equal but other value is not removed").isSameAs(v1);
    cache.remove("a", v1);
    assertThat(cache.get("a")).isNull();
    cache.put("b", "b", v -> false);
    cache.put("c", "c", v -> false);
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.examined()).as("the freed slot was reused, nothing evicted").isZero();
  }

  @Test
  void put_replacesInPlace() {
    BoundedCache<String, String> cache = new BoundedCache<>(2);
    String first = "1";
    cache.put("a", first, v -> false);
    cache.put("a", "2", v -> false);
    cache.remove("a", first);
    assertThat(cache.get("a")).as("removing the replaced value leaves the new one").isEqualTo("2");
    cache.put("b", "b", v -> false);
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.examined()).isZero();
  }

  @Test
  void capacityZero_holdsNothing_andANegativeOneIsRefused() {
    BoundedCache<String, String> cache = new BoundedCache<>(0);
    cache.put("a", "a", v -> false);
    assertThat(cache.get("a")).isNull();
    assertThat(cache.size()).isZero();
    assertThatThrownBy(() -> new BoundedCache<String, String>(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must not be negative: -1");
  }

  @Test
  void concurrentUse_neverExceedsTheBound() throws Exception {
    BoundedCache<Integer, Integer> cache = new BoundedCache<>(100);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int base = t * 100_000;
        results.add(pool.submit(() -> {
          int most = 0;
          for (int i = 0; i < 20_000; i++) {
            cache.put(base + i, i, v -> v % 7 == 0);
            Integer got = cache.get(base + i / 2);
            if (got != null) {
              assertThat(got).isEqualTo(i / 2);
            }
            if (i % 3 == 0) {
              cache.remove(base + i, i);
            }
            most = Math.max(most, cache.size());
          }
          return most;
        }));
      }
      for (Future<Integer> f : results) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isLessThanOrEqualTo(100);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(cache.size()).isLessThanOrEqualTo(100);
    assertThat(cache.mostExaminedByOneInsertion()).isLessThanOrEqualTo(BoundedCache.SWEEP_LIMIT);
  }
}
