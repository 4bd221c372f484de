package dev.saidentity.testing;

import com.google.gson.JsonObject;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * The recent changes of the store, oldest first: the fake's watch cache. Bounded to {@link #LIMIT}
 * events; a watch or a consistent list from a resourceVersion older than {@link #floor()} cannot be
 * served (410 Expired), as with the API server's watch cache and etcd compaction. Not thread-safe:
 * guarded by the {@link ObjectStore}'s lock.
 */
final class History {

  /** How many events are kept (upstream's watch cache keeps 100 to 102,400 per resource, etcd about 5 minutes of history). */
  static final int LIMIT = 10_000;

  /** One change: the object after it (for a deletion, the last state with the deletion's resourceVersion) and before it. */
  static final class Event {
    final String type;
    final ResourceType resource;
    final String key;
    final long resourceVersion;
    final JsonObject object;
    final @Nullable JsonObject previous;

    Event(String type, ResourceType resource, String key, long resourceVersion, JsonObject object, @Nullable JsonObject previous) {
      this.type = type;
      this.resource = resource;
      this.key = key;
      this.resourceVersion = resourceVersion;
      this.object = object;
      this.previous = previous;
    }
  }

  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private final int limit;
  private long floor;

  History(int limit, long start) {
    this.limit = limit;
    this.floor = start;
  }

  void add(Event e) {
    events.addLast(e);
    if (events.size() > limit) {
      floor = events.removeFirst().resourceVersion;
    }
  }

  /** Every event after {@code floor()} is kept: a client that saw {@code floor()} or later can be served. */
  long floor() {
    return floor;
  }

  /** Forgets everything up to {@code newFloor}, as a compaction of etcd and a restart of the watch cache. */
  void compact(long newFloor) {
    events.clear();
    floor = newFloor;
  }

  /** The events newer than {@code resourceVersion}, oldest first. */
  Iterable<Event> after(long resourceVersion) {
    return () -> events.stream().filter(e -> e.resourceVersion > resourceVersion).iterator();
  }

  /** The events, newest first. */
  Iterator<Event> newestFirst() {
    return events.descendingIterator();
  }
}
