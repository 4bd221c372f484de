package dev.saidentity.core.internal;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A concurrent map bounded by size, with CLOCK (second-chance) eviction, an approximation of
 * least-recently-used: every entry sits in a slot of a ring; a hit sets the entry's reference bit;
 * when the cache is full, a clock hand walks the ring, clearing set bits, and evicts the first entry
 * not used since the hand last passed it, or one that its caller says is expendable (expired).
 *
 * <p>Costs: a hit is one {@link ConcurrentHashMap#get} and, at most once per pass of the hand, one
 * write of the entry's bit; no lock, no allocation. An insertion takes one lock and is O(1) in the
 * worst case, not only amortized: the hand examines at most {@value #SWEEP_LIMIT} entries and, when
 * all of them were used, evicts the last one it examined (their bits are cleared, so the next
 * insertion finds candidates). Nothing ever scans the whole cache. The ring grows with the entries
 * up to the bound, so an idle cache holds no large arrays.
 *
 * <p>Values are compared by identity in {@link #remove(Object, Object)}. Thread-safe.
 *
 * @param <K> keys, with {@code equals} and {@code hashCode}
 * @param <V> values
 */
public final class BoundedCache<K, V> {

  /** The most entries one insertion examines. */
  static final int SWEEP_LIMIT = 8;

  private static final class Node<K, V> {
    final K key;
    final V value;
    /** Set by hits, cleared by the hand. */
    volatile boolean referenced;
    /** The ring slot, or -1 once removed or replaced (guarded by the lock). */
    int slot;

    Node(K key, V value, int slot) {
      this.key = key;
      this.value = value;
      this.slot = slot;
    }
  }

  private final int capacity;
  private final ConcurrentHashMap<K, Node<K, V>> map = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // Guarded by lock: the ring, its free slots (a stack), how many slots were ever used, the hand.
  private @Nullable Node<K, V>[] ring;
  private int[] free;
  private int freeCount;
  private int used;
  private int hand;
  /** Probe for tests: entries examined by the hand, and the most examined by one insertion. */
  private long examined;
  private int mostExaminedByOneInsertion;

  /**
   * An empty cache of at most {@code capacity} entries (0: never holds anything).
   *
   * @throws IllegalArgumentException if capacity is negative
   */
  @SuppressWarnings("unchecked")
  public BoundedCache(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative: " + capacity);
    }
    this.capacity = capacity;
    int initial = Math.min(capacity, 16);
    this.ring = (Node<K, V>[]) new Node<?, ?>[initial];
    this.free = new int[initial];
  }

  /** The value cached under key, marking it used; null when absent. */
  public @Nullable V get(K key) {
    Node<K, V> n = map.get(key);
    if (n == null) {
      return null;
    }
    if (!n.referenced) {
      n.referenced = true;
    }
    return n.value;
  }

  /**
   * Caches value under key, replacing any value there; when full, evicts one entry (see the class
   * comment), preferring one for which {@code expendable} holds among those the hand examines.
   */
  public void put(K key, V value, Predicate<? super V> expendable) {
    if (capacity == 0) {
      return;
    }
    synchronized (lock) {
      Node<K, V> old = map.get(key);
      int slot;
      if (old != null) {
        slot = old.slot;
        old.slot = -1;
      } else {
        slot = freeSlot(expendable);
      }
      Node<K, V> n = new Node<>(key, value, slot);
      ring[slot] = n;
      map.put(key, n);
    }
  }

  /** Removes key's entry if its value is {@code value} (the same instance). */
  public void remove(K key, V value) {
    synchronized (lock) {
      Node<K, V> n = map.get(key);
      if (n != null && n.value == value) {
        map.remove(key, n);
        release(n);
      }
    }
  }

  /** How many entries are cached. */
  public int size() {
    return map.size();
  }

  /** Entries examined by the clock hand so far (a probe for tests: eviction work is counted, not timed). */
  long examined() {
    synchronized (lock) {
      return examined;
    }
  }

  /** The most entries one insertion examined so far (a probe for tests). */
  int mostExaminedByOneInsertion() {
    synchronized (lock) {
      return mostExaminedByOneInsertion;
    }
  }

  private void release(Node<K, V> n) {
    ring[n.slot] = null;
    free[freeCount++] = n.slot;
    n.slot = -1;
  }

  /** A free slot: a released one, a never used one, or the slot of an evicted entry. */
  private int freeSlot(Predicate<? super V> expendable) {
    if (freeCount > 0) {
      return free[--freeCount];
    }
    if (used < capacity) {
      if (used == ring.length) {
        int grown = (int) Math.min(capacity, 2L * ring.length);
        ring = Arrays.copyOf(ring, grown);
        free = Arrays.copyOf(free, grown);
      }
      return used++;
    }
    return evict(expendable);
  }

  /** Every slot is occupied: the clock hand picks a victim among at most SWEEP_LIMIT entries. */
  private int evict(Predicate<? super V> expendable) {
    Node<K, V> victim = null;
    int steps = 0;
    while (steps < SWEEP_LIMIT) {
      Node<K, V> n = ring[hand];
      hand = hand + 1 == capacity ? 0 : hand + 1;
      steps++;
      victim = n;
      if (!n.referenced || expendable.test(n.value)) {
        break;
      }
      n.referenced = false;
    }
    examined += steps;
    mostExaminedByOneInsertion = Math.max(mostExaminedByOneInsertion, steps);
    map.remove(victim.key, victim);
    int slot = victim.slot;
    victim.slot = -1;
    return slot;
  }
}
