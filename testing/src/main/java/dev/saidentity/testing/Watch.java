package dev.saidentity.testing;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One open watch: the events its filter passes, written as JSON lines ({@code {"type":..,"object":..}})
 * and flushed one by one, as the API server's cacher delivers them to a {@code cacheWatcher}. The
 * store puts events in under its lock; the request's thread writes them out. A watcher that falls
 * {@link #MAX_PENDING} events behind is closed, as upstream terminates a blocked watcher; the client
 * then watches again from its last resourceVersion.
 */
final class Watch implements ApiResponse.Stream {

  /** Events a watcher may have waiting before it is closed as too slow. */
  static final int MAX_PENDING = 1_000;
  /** How often a watch with {@code allowWatchBookmarks=true} gets a BOOKMARK while nothing happens. */
  static final long BOOKMARK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final JsonObject CLOSE = new JsonObject();

  final ResourceType type;
  /** The namespace watched, "" for all (or a cluster-scoped kind). */
  final String namespace;
  final Predicate<JsonObject> filter;
  /** Events after this resourceVersion; null: the current state first. */
  final @Nullable Long from;
  final boolean initialEventsEnd;
  private final ObjectStore store;
  private final boolean bookmarks;
  private final long deadlineNanos;
  private final LinkedBlockingQueue<JsonObject> pending = new LinkedBlockingQueue<>();
  /** Guarded by the store's lock. */
  boolean closed;

  Watch(ObjectStore store, ResourceType type, String namespace, Predicate<JsonObject> filter, @Nullable Long from, boolean bookmarks,
      boolean initialEventsEnd, long deadlineNanos) {
    this.store = store;
    this.type = type;
    this.namespace = namespace;
    this.filter = filter;
    this.from = from;
    this.bookmarks = bookmarks;
    this.initialEventsEnd = initialEventsEnd;
    this.deadlineNanos = deadlineNanos;
  }

  /** The event this watcher gets for a change, as the cacher's {@code convertToWatchEvent}: null when neither state passes. */
  @Nullable JsonObject eventFor(History.Event e) {
    if (e.resource != type || (!namespace.isEmpty() && !namespace.equals(ObjectStore.namespaceOf(e.key)))) {
      return null;
    }
    boolean now = !e.type.equals("DELETED") && filter.test(e.object);
    boolean before = e.previous != null && filter.test(e.previous);
    if (now && before) {
      return event("MODIFIED", e.object);
    }
    if (now) {
      return event("ADDED", e.object);
    }
    if (before) {
      // Leaving the selection (or deleted): the previous content with the event's resourceVersion.
      JsonObject last = e.previous.deepCopy();
      ObjectStore.meta(last).addProperty("resourceVersion", Long.toString(e.resourceVersion));
      return event("DELETED", last);
    }
    return null;
  }

  static JsonObject event(String type, JsonObject object) {
    JsonObject e = new JsonObject();
    e.addProperty("type", type);
    e.add("object", object);
    return e;
  }

  /** A BOOKMARK: only kind, apiVersion and the resourceVersion (and the initial-events-end annotation when asked). */
  static JsonObject bookmark(ResourceType type, String resourceVersion, boolean initialEventsEnd) {
    JsonObject o = new JsonObject();
    o.addProperty("kind", type.kind);
    o.addProperty("apiVersion", type.apiVersion());
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", resourceVersion);
    if (initialEventsEnd) {
      JsonObject ann = new JsonObject();
      ann.addProperty("k8s.io/initial-events-end", "true");
      meta.add("annotations", ann);
    }
    o.add("metadata", meta);
    return event("BOOKMARK", o);
  }

  /** Called under the store's lock: queues an event, or closes the watcher when it is too far behind. */
  void offer(JsonObject event) {
    if (pending.size() >= MAX_PENDING) {
      close();
      return;
    }
    pending.add(event);
  }

  /** Called under the store's lock: the stream ends after what is already queued. */
  void close() {
    if (!closed) {
      closed = true;
      pending.add(CLOSE);
    }
  }

  boolean isQueueEmpty() {
    return pending.isEmpty();
  }

  @Override
  public void writeTo(OutputStream out) throws IOException {
    try {
      for (JsonObject e : store.open(this)) {
        write(out, e);
      }
      out.flush();
      long nextBookmark = System.nanoTime() + BOOKMARK_INTERVAL_NANOS;
      while (true) {
        long now = System.nanoTime();
        if (now - deadlineNanos >= 0) {
          // timeoutSeconds reached: a last bookmark, then the stream ends as upstream's does.
          sendBookmark(out);
          return;
        }
        long until = bookmarks && nextBookmark - deadlineNanos < 0 ? nextBookmark : deadlineNanos;
        JsonObject e = pending.poll(Math.max(1, until - now), TimeUnit.NANOSECONDS);
        if (e == CLOSE) {
          return;
        }
        if (e != null) {
          write(out, e);
          out.flush();
        } else if (bookmarks && System.nanoTime() - nextBookmark >= 0) {
          sendBookmark(out);
          nextBookmark = System.nanoTime() + BOOKMARK_INTERVAL_NANOS;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      store.unregister(this);
    }
  }

  private void sendBookmark(OutputStream out) throws IOException {
    if (!bookmarks) {
      return;
    }
    String rv = store.bookmarkVersion(this);
    if (rv != null) {
      write(out, bookmark(type, rv, false));
      out.flush();
    }
  }

  private static void write(OutputStream out, JsonObject event) throws IOException {
    out.write(event.toString().getBytes(StandardCharsets.UTF_8));
    out.write('\n');
  }
}
