package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The fake's objects, as JSON, with uid, resourceVersion and creationTimestamp set as a real server
 * sets them, with the history of their changes and the open watches.
 *
 * <p>One lock discipline: every read and every write holds this object's monitor, so that a create is
 * create-if-absent, an update checks its resourceVersion precondition and a patch is one
 * read-modify-write (a compare-and-set), a deletion checks its preconditions, and each change gets the
 * next value of the one cluster-wide resourceVersion counter, goes into the {@link History} and to the
 * matching {@link Watch}es in that order. Stored objects are never mutated (a change stores a new
 * object), so events and answers can share them; callers get deep copies.
 */
final class ObjectStore {

  private final TreeMap<String, JsonObject> objects = new TreeMap<>();
  private final Clock clock;
  private long resourceVersion = 1000;
  private final History history = new History(History.LIMIT, resourceVersion);
  private final List<Watch> watches = new ArrayList<>();
  private boolean closed;

  ObjectStore(Clock clock) {
    this.clock = clock;
  }

  static String key(ResourceType type, String namespace, String name) {
    return type.groupResource() + "/" + (type.namespaced ? namespace : "") + "/" + name;
  }

  /** The prefix of every key of a type, in one namespace or (null or "") all. */
  static String prefix(ResourceType type, @Nullable String namespace) {
    return type.groupResource() + "/" + (type.namespaced && namespace != null && !namespace.isEmpty() ? namespace + "/" : "");
  }

  static String namespaceOf(String key) {
    int a = key.indexOf('/');
    int b = key.indexOf('/', a + 1);
    return key.substring(a + 1, b);
  }

  synchronized @Nullable JsonObject get(ResourceType type, String namespace, String name) {
    JsonObject o = objects.get(key(type, namespace, name));
    return o == null ? null : o.deepCopy();
  }

  synchronized List<JsonObject> list(ResourceType type, @Nullable String namespace) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject o : range(objects, prefix(type, namespace)).values()) {
      out.add(o.deepCopy());
    }
    return out;
  }

  private static NavigableMap<String, JsonObject> range(NavigableMap<String, JsonObject> m, String prefix) {
    return m.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
  }

  synchronized String currentResourceVersion() {
    return Long.toString(resourceVersion);
  }

  synchronized long resourceVersion() {
    return resourceVersion;
  }

  /** The oldest resourceVersion from which watches and consistent lists can still be served. */
  synchronized long floor() {
    return history.floor();
  }

  /** Objects as they were at a resourceVersion, keys in order (stored objects: do not mutate). */
  static final class Snapshot {
    final long resourceVersion;
    final NavigableMap<String, JsonObject> objects;

    Snapshot(long resourceVersion, NavigableMap<String, JsonObject> objects) {
      this.resourceVersion = resourceVersion;
      this.objects = objects;
    }
  }

  /**
   * The objects under {@code prefix} as they were at {@code rv} (null: now), rebuilt from the current
   * state by undoing newer events; null when {@code rv} is older than the history.
   */
  synchronized @Nullable Snapshot snapshot(String prefix, @Nullable Long rv) {
    long at = rv == null ? resourceVersion : rv;
    if (at < history.floor()) {
      return null;
    }
    TreeMap<String, JsonObject> m = new TreeMap<>(range(objects, prefix));
    for (Iterator<History.Event> it = history.newestFirst(); it.hasNext(); ) {
      History.Event e = it.next();
      if (e.resourceVersion <= at) {
        break;
      }
      if (e.key.startsWith(prefix)) {
        if (e.previous == null) {
          m.remove(e.key);
        } else {
          m.put(e.key, e.previous);
        }
      }
    }
    return new Snapshot(at, m);
  }

  /** The cacher's words for a version older than its window. */
  synchronized StatusError tooOld(long rv) {
    return new StatusError(410, "Expired", "too old resource version: " + rv + " (" + history.floor() + ")", null);
  }

  /**
   * Stores a new object if none has its key: sets uid (unless given), resourceVersion,
   * creationTimestamp, apiVersion and kind.
   *
   * @throws StatusError 409 AlreadyExists; for a namespaced kind 404 when the namespace does not exist
   *     and 403 when it is being terminated (NamespaceLifecycle admission, checked under the lock)
   */
  synchronized JsonObject create(ResourceType type, String namespace, JsonObject obj) {
    JsonObject o = obj.deepCopy();
    JsonObject meta = meta(o);
    String name = Rbac.str(meta, "name");
    if (type.namespaced) {
      JsonObject ns = objects.get(key(ResourceType.NAMESPACES, "", namespace));
      if (ns == null) {
        throw StatusError.notFound(ResourceType.NAMESPACES, namespace);
      }
      if (meta(ns).has("deletionTimestamp")) {
        throw terminating(type, name, namespace);
      }
    }
    String key = key(type, namespace, name);
    if (objects.containsKey(key)) {
      throw StatusError.alreadyExists(type, name);
    }
    if (Rbac.str(meta, "uid").isEmpty()) {
      meta.addProperty("uid", UUID.randomUUID().toString());
    }
    long rv = ++resourceVersion;
    meta.addProperty("resourceVersion", Long.toString(rv));
    meta.addProperty("creationTimestamp", now());
    if (type.namespaced) {
      meta.addProperty("namespace", namespace);
    } else {
      meta.remove("namespace");
    }
    o.addProperty("apiVersion", type.apiVersion());
    o.addProperty("kind", type.kind);
    objects.put(key, o);
    record(new History.Event("ADDED", type, key, rv, o, null));
    return o.deepCopy();
  }

  /** Upstream's NamespaceLifecycle refusal, with its {@code NamespaceTerminating} cause. */
  static StatusError terminating(ResourceType type, String name, String namespace) {
    String why = "unable to create new content in namespace " + namespace + " because it is being terminated";
    JsonObject d = StatusError.details(name, type.group, type.plural);
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "NamespaceTerminating");
    cause.addProperty("message", why);
    cause.addProperty("field", "metadata.namespace");
    causes.add(cause);
    d.add("causes", causes);
    String subject = type.groupResource() + (name.isEmpty() ? "" : " \"" + name + "\"");
    return new StatusError(403, "Forbidden", subject + " is forbidden: " + why, d);
  }

  /**
   * Replaces an object by {@code change(current copy)}, atomically: keeps uid, creationTimestamp and
   * deletionTimestamp, bumps resourceVersion (unless nothing changed, as upstream's GuaranteedUpdate).
   * A resourceVersion in the new object is a precondition: 409 Conflict when it is not the current one.
   *
   * @throws StatusError 404 when the object does not exist, 409 Conflict, or what {@code change} throws
   */
  synchronized JsonObject update(ResourceType type, String namespace, String name, UnaryOperator<JsonObject> change) {
    return update(type, namespace, name, change, false);
  }

  /** {@link #update(ResourceType, String, String, UnaryOperator)}; a {@code controller} may set deletionTimestamp. */
  synchronized JsonObject update(ResourceType type, String namespace, String name, UnaryOperator<JsonObject> change, boolean controller) {
    String key = key(type, namespace, name);
    JsonObject old = objects.get(key);
    if (old == null) {
      throw StatusError.notFound(type, name);
    }
    JsonObject o = change.apply(old.deepCopy()).deepCopy();
    JsonObject meta = meta(o);
    JsonObject oldMeta = meta(old);
    String precondition = Rbac.str(meta, "resourceVersion");
    if (!precondition.isEmpty() && !precondition.equals(Rbac.str(oldMeta, "resourceVersion"))) {
      throw StatusError.conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    meta.add("uid", oldMeta.get("uid"));
    meta.add("creationTimestamp", oldMeta.get("creationTimestamp"));
    if (controller) {
      // the namespace controller's own changes keep what it set
    } else if (oldMeta.has("deletionTimestamp")) {
      meta.add("deletionTimestamp", oldMeta.get("deletionTimestamp"));
    } else {
      meta.remove("deletionTimestamp");
    }
    if (type.namespaced) {
      meta.addProperty("namespace", namespace);
    } else {
      meta.remove("namespace");
    }
    meta.addProperty("name", name);
    meta.add("resourceVersion", oldMeta.get("resourceVersion"));
    o.addProperty("apiVersion", type.apiVersion());
    o.addProperty("kind", type.kind);
    if (o.equals(old)) {
      return old.deepCopy();
    }
    long rv = ++resourceVersion;
    meta.addProperty("resourceVersion", Long.toString(rv));
    objects.put(key, o);
    record(new History.Event("MODIFIED", type, key, rv, o, old));
    return o.deepCopy();
  }

  /**
   * Deletes an object, after checking DeleteOptions' preconditions ({@code uid}, {@code
   * resourceVersion}; empty means none).
   *
   * @return the deleted object, its resourceVersion that of the deletion (as a DELETED event has it)
   * @throws StatusError 404, or 409 Conflict with upstream's words when a precondition fails
   */
  synchronized JsonObject delete(ResourceType type, String namespace, String name, String uid, String rvPrecondition) {
    String key = key(type, namespace, name);
    JsonObject old = objects.get(key);
    if (old == null) {
      throw StatusError.notFound(type, name);
    }
    preconditions(type, old, uid, rvPrecondition);
    objects.remove(key);
    long rv = ++resourceVersion;
    JsonObject last = old.deepCopy();
    meta(last).addProperty("resourceVersion", Long.toString(rv));
    record(new History.Event("DELETED", type, key, rv, last, old));
    return last.deepCopy();
  }

  /** DeleteOptions' preconditions against the current object: 409 Conflict with upstream's words when one fails. */
  static void preconditions(ResourceType type, JsonObject current, String uid, String rvPrecondition) {
    JsonObject meta = meta(current);
    String name = Rbac.str(meta, "name");
    // etcd keys of built-in kinds carry no group; Nodes are stored as "minions".
    String storageKey = "/registry/" + (type == ResourceType.NODES ? "minions" : type.plural) + "/"
        + (type.namespaced ? Rbac.str(meta, "namespace") + "/" : "") + name;
    if (!uid.isEmpty() && !uid.equals(Rbac.str(meta, "uid"))) {
      throw preconditionFailed(type, name, storageKey, "UID in precondition: " + uid + ", UID in object meta: " + Rbac.str(meta, "uid"));
    }
    if (!rvPrecondition.isEmpty() && !rvPrecondition.equals(Rbac.str(meta, "resourceVersion"))) {
      throw preconditionFailed(type, name, storageKey,
          "ResourceVersion in precondition: " + rvPrecondition + ", ResourceVersion in object meta: " + Rbac.str(meta, "resourceVersion"));
    }
  }

  private static StatusError preconditionFailed(ResourceType type, String name, String storageKey, String what) {
    // storage.NewInvalidObjError's text, wrapped by InterpretDeleteError into a Conflict.
    return StatusError.conflict(type, name, "StorageError: invalid object, Code: 4, Key: " + storageKey
        + ", ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: " + what);
  }

  /** Deletes what matches in one namespace ("" = all) and returns it, in key order (deletecollection). */
  synchronized List<JsonObject> deleteAll(ResourceType type, String namespace, Predicate<JsonObject> which) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject o : new ArrayList<>(range(objects, prefix(type, namespace)).values())) {
      if (which.test(o)) {
        JsonObject meta = meta(o);
        out.add(delete(type, Rbac.str(meta, "namespace"), Rbac.str(meta, "name"), "", ""));
      }
    }
    return out;
  }

  /** Namespaced objects of every stored kind in a namespace, in key order (the namespace controller's work list). */
  synchronized List<JsonObject> contentsOf(String namespace) {
    List<JsonObject> out = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : objects.entrySet()) {
      ResourceType t = typeOf(e.getValue());
      if (t != null && t.namespaced && namespaceOf(e.getKey()).equals(namespace)) {
        out.add(e.getValue().deepCopy());
      }
    }
    return out;
  }

  static @Nullable ResourceType typeOf(JsonObject o) {
    return ResourceType.byKind(Rbac.str(o, "apiVersion"), Rbac.str(o, "kind"));
  }

  private void record(History.Event e) {
    history.add(e);
    for (Iterator<Watch> it = watches.iterator(); it.hasNext(); ) {
      Watch w = it.next();
      JsonObject event = w.eventFor(e);
      if (event != null) {
        w.offer(event);
        if (w.closed) {
          it.remove(); // too slow: terminated
        }
      }
    }
  }

  // ------------------------------------------------------------------ watch

  /**
   * A watch, not yet open: it opens when its stream starts to be written (so that an answer that is
   * never sent leaves no watcher behind). {@code from} null means the current state as ADDED events
   * first (resourceVersion absent or "0", or {@code sendInitialEvents=true}).
   */
  Watch watch(ResourceType type, String namespace, Predicate<JsonObject> filter, @Nullable Long from,
      boolean bookmarks, boolean initialEventsEnd, long deadlineNanos) {
    return new Watch(this, type, namespace, filter, from, bookmarks, initialEventsEnd, deadlineNanos);
  }

  /**
   * Opens a watch: returns its first events and registers it for every later matching change, with no
   * gap in between (both under the lock). A watch from a version older than the history gets an
   * ERROR event with the 410 Status and is closed, as upstream's cacher answers it (HTTP 200).
   */
  synchronized List<JsonObject> open(Watch w) {
    List<JsonObject> initial = new ArrayList<>();
    boolean expired = false;
    if (w.from == null) {
      for (JsonObject o : range(objects, prefix(w.type, w.namespace)).values()) {
        if (w.filter.test(o)) {
          initial.add(Watch.event("ADDED", o));
        }
      }
      if (w.initialEventsEnd) {
        initial.add(Watch.bookmark(w.type, Long.toString(resourceVersion), true));
      }
    } else if (w.from < history.floor()) {
      initial.add(Watch.event("ERROR", tooOld(w.from).toStatus()));
      expired = true;
    } else {
      for (History.Event e : history.after(w.from)) {
        JsonObject event = w.eventFor(e);
        if (event != null) {
          initial.add(event);
        }
      }
    }
    if (expired || closed || w.closed) {
      w.close();
    } else {
      watches.add(w);
    }
    return initial;
  }

  /** The resourceVersion a BOOKMARK may carry now: null while events wait to be written (they would be skipped on a resume). */
  synchronized @Nullable String bookmarkVersion(Watch w) {
    return w.isQueueEmpty() ? Long.toString(resourceVersion) : null;
  }

  synchronized void unregister(Watch w) {
    watches.remove(w);
  }

  synchronized int openWatches() {
    return watches.size();
  }

  /**
   * Compacts the history to now: bumps the counter first so that every version a client has seen is
   * older than the new floor, then ends every open watch (as an API server restarting after an etcd
   * compaction would). A watch or list resumed from an older version gets 410 Expired.
   */
  synchronized void compact() {
    resourceVersion++;
    history.compact(resourceVersion);
    closeWatches();
  }

  /** Ends every watch and refuses new ones (the server is closing). */
  synchronized void close() {
    closed = true;
    closeWatches();
  }

  private void closeWatches() {
    for (Watch w : watches) {
      w.close();
    }
    watches.clear();
  }

  String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  Instant instant() {
    return clock.instant();
  }

  static JsonObject meta(JsonObject o) {
    JsonElement m = o.get("metadata");
    if (m == null || !m.isJsonObject()) {
      JsonObject created = new JsonObject();
      o.add("metadata", created);
      return created;
    }
    return m.getAsJsonObject();
  }
}
