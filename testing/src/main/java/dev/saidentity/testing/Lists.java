package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A list answered as the API server answers it: from a snapshot at one resourceVersion, in key order,
 * paged by {@code limit} with continue tokens that carry that resourceVersion and the next key (as
 * {@code storage.EncodeContinue}), 410 Expired when the version has left the history.
 */
final class Lists {

  private static final String CONTINUE_VERSION = "meta.k8s.io/v1";
  private static final String INCONSISTENT_CONTINUE = "The provided continue parameter is too old to display a consistent list result. "
      + "You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder "
      + "of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or "
      + "deleted between the time the first chunk was returned and now may show up in the list.";

  private Lists() {}

  /** One page: its items and its ListMeta. */
  static final class Page {
    final List<JsonObject> items;
    final JsonObject meta;

    Page(List<JsonObject> items, JsonObject meta) {
      this.items = items;
      this.meta = meta;
    }
  }

  /** A continue token whose version has left the history: answered 410 with a token that lists the rest from now. */
  static final class ExpiredContinue extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String inconsistentToken;

    ExpiredContinue(String inconsistentToken) {
      super(INCONSISTENT_CONTINUE, null, false, false);
      this.inconsistentToken = inconsistentToken;
    }

    /** The Status, with {@code metadata.continue} set as etcd3's {@code handleCompactedErrorForPaging} sets it. */
    JsonObject toStatus() {
      JsonObject s = new StatusError(410, "Expired", INCONSISTENT_CONTINUE, null).toStatus();
      s.getAsJsonObject("metadata").addProperty("continue", inconsistentToken);
      return s;
    }
  }

  static Page page(ObjectStore store, ResourceType type, String ns, ListOptions opts) {
    String typePrefix = ObjectStore.prefix(type, null);
    String prefix = ObjectStore.prefix(type, type.namespaced ? ns : "");
    ObjectStore.Snapshot snap;
    String start = "";
    if (!opts.continueToken.isEmpty()) {
      if (!opts.resourceVersion.isEmpty() && !opts.resourceVersion.equals("0")) {
        throw StatusError.badRequest("specifying resource version is not allowed when using continue");
      }
      long[] rv = new long[1];
      start = decode(opts.continueToken, rv);
      snap = store.snapshot(prefix, rv[0] == -1 ? null : rv[0]);
      if (snap == null) {
        throw new ExpiredContinue(encode(-1, start));
      }
    } else {
      Long rv = opts.resourceVersion.isEmpty() || opts.resourceVersion.equals("0") ? null
          : ListOptions.parseResourceVersion(opts.resourceVersion);
      long current = store.resourceVersion();
      if (rv != null && rv > current) {
        throw tooLarge(rv, current);
      }
      snap = store.snapshot(prefix, opts.resourceVersionMatch.equals("Exact") ? rv : null);
      if (snap == null) {
        throw store.tooOld(rv == null ? current : rv);
      }
    }
    List<JsonObject> items = new ArrayList<>();
    String last = null;
    int remaining = 0;
    for (Map.Entry<String, JsonObject> e : snap.objects.entrySet()) {
      String rel = e.getKey().substring(typePrefix.length());
      if (rel.compareTo(start) < 0 || !opts.filter.test(e.getValue())) {
        continue;
      }
      if (opts.limit > 0 && items.size() >= opts.limit) {
        remaining++;
        continue;
      }
      items.add(e.getValue());
      last = rel;
    }
    JsonObject meta = new JsonObject();
    meta.addProperty("resourceVersion", Long.toString(snap.resourceVersion));
    if (remaining > 0 && last != null) {
      meta.addProperty("continue", encode(snap.resourceVersion, last + "\u0000"));
      if (opts.labelSelector.isBlank() && opts.fieldSelector.isBlank()) {
        meta.addProperty("remainingItemCount", remaining);
      }
    }
    return new Page(items, meta);
  }

  /** A {@code KindList} of items without their kind and apiVersion, as the API server's JSON lists have them. */
  static JsonObject toList(ResourceType type, List<JsonObject> objects, JsonObject meta) {
    JsonArray items = new JsonArray();
    for (JsonObject o : objects) {
      JsonObject item = o.deepCopy();
      item.remove("apiVersion");
      item.remove("kind");
      items.add(item);
    }
    JsonObject list = new JsonObject();
    list.addProperty("kind", type.kind + "List");
    list.addProperty("apiVersion", type.apiVersion());
    list.add("metadata", meta);
    list.add("items", items);
    return list;
  }

  /** 504 Timeout as the cacher answers a resourceVersion it has not reached. */
  static StatusError tooLarge(long rv, long current) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "ResourceVersionTooLarge");
    cause.addProperty("message", "Too large resource version");
    causes.add(cause);
    d.add("causes", causes);
    d.addProperty("retryAfterSeconds", 1);
    return new StatusError(504, "Timeout", "Too large resource version: " + rv + ", current: " + current, d);
  }

  static String encode(long rv, String start) {
    JsonObject t = new JsonObject();
    t.addProperty("v", CONTINUE_VERSION);
    t.addProperty("rv", rv);
    t.addProperty("start", start);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(t.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The start key of a continue token; its resourceVersion in {@code rv[0]}. 400 as upstream for a token that is not one. */
  static String decode(String token, long[] rv) {
    JsonObject t;
    try {
      byte[] raw = Base64.getUrlDecoder().decode(token.replace("=", ""));
      JsonElement e = BoundedJson.parse(new String(raw, StandardCharsets.UTF_8));
      if (!e.isJsonObject()) {
        throw new JsonParseException("not an object");
      }
      t = e.getAsJsonObject();
    } catch (IllegalArgumentException | JsonParseException e) {
      throw StatusError.badRequest("continue key is not valid: " + e.getClass().getSimpleName());
    }
    if (!CONTINUE_VERSION.equals(Rbac.str(t, "v"))) {
      throw StatusError.badRequest("continue key is not valid: server does not recognize this encoded key");
    }
    String start = Rbac.str(t, "start");
    JsonElement v = t.get("rv");
    long r;
    try {
      r = v == null ? 0 : v.getAsLong();
    } catch (RuntimeException e) {
      r = 0;
    }
    if (r == 0 || r < -1) {
      throw StatusError.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    if (start.isEmpty() || start.contains("..")) {
      throw StatusError.badRequest("continue key is not valid: encoded start key is not valid");
    }
    rv[0] = r;
    return start;
  }
}
