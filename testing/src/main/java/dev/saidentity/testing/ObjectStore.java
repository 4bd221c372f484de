package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The fake's objects, as JSON, with uid, resourceVersion and creationTimestamp set as a real server
 * sets them. Guarded by its own lock; callers get deep copies.
 */
final class ObjectStore {

  private final TreeMap<String, JsonObject> objects = new TreeMap<>();
  private final Clock clock;
  private long resourceVersion = 1000;

  ObjectStore(Clock clock) {
    this.clock = clock;
  }

  static String key(ResourceType type, String namespace, String name) {
    return type.groupResource() + "/" + (type.namespaced ? namespace : "") + "/" + name;
  }

  synchronized @Nullable JsonObject get(ResourceType type, String namespace, String name) {
    JsonObject o = objects.get(key(type, namespace, name));
    return o == null ? null : o.deepCopy();
  }

  synchronized List<JsonObject> list(ResourceType type, @Nullable String namespace) {
    String prefix = type.groupResource() + "/" + (type.namespaced && namespace != null ? namespace + "/" : "");
    List<JsonObject> out = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : objects.tailMap(prefix, true).entrySet()) {
      if (!e.getKey().startsWith(prefix)) {
        break;
      }
      out.add(e.getValue().deepCopy());
    }
    return out;
  }

  synchronized String currentResourceVersion() {
    return Long.toString(resourceVersion);
  }

  /** Stores a new object: sets uid, resourceVersion, creationTimestamp, apiVersion and kind. */
  synchronized JsonObject create(ResourceType type, String namespace, JsonObject obj) {
    JsonObject o = obj.deepCopy();
    JsonObject meta = meta(o);
    if (Rbac.str(meta, "uid").isEmpty()) {
      meta.addProperty("uid", UUID.randomUUID().toString());
    }
    meta.addProperty("resourceVersion", Long.toString(++resourceVersion));
    meta.addProperty("creationTimestamp", now());
    if (type.namespaced) {
      meta.addProperty("namespace", namespace);
    } else {
      meta.remove("namespace");
    }
    o.addProperty("apiVersion", type.apiVersion());
    o.addProperty("kind", type.kind);
    objects.put(key(type, namespace, meta.get("name").getAsString()), o);
    return o.deepCopy();
  }

  /** Replaces an object, keeping uid and creationTimestamp, bumping resourceVersion. */
  synchronized JsonObject update(ResourceType type, String namespace, String name, JsonObject obj) {
    JsonObject old = objects.get(key(type, namespace, name));
    JsonObject o = obj.deepCopy();
    JsonObject meta = meta(o);
    JsonObject oldMeta = meta(old);
    meta.add("uid", oldMeta.get("uid"));
    meta.add("creationTimestamp", oldMeta.get("creationTimestamp"));
    if (type.namespaced) {
      meta.addProperty("namespace", namespace);
    }
    meta.addProperty("name", name);
    meta.addProperty("resourceVersion", Long.toString(++resourceVersion));
    o.addProperty("apiVersion", type.apiVersion());
    o.addProperty("kind", type.kind);
    objects.put(key(type, namespace, name), o);
    return o.deepCopy();
  }

  synchronized @Nullable JsonObject delete(ResourceType type, String namespace, String name) {
    JsonObject o = objects.remove(key(type, namespace, name));
    if (o != null) {
      resourceVersion++;
    }
    return o;
  }

  /** Deletes every namespaced object in a namespace (the namespace controller's job, done at once). */
  synchronized void deleteNamespaceContents(String namespace) {
    objects.entrySet().removeIf(e -> {
      String[] parts = e.getKey().split("/", 3);
      return parts.length == 3 && parts[1].equals(namespace);
    });
    resourceVersion++;
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
