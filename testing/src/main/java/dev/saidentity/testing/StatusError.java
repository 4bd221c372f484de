package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.jspecify.annotations.Nullable;

/** A request's failure, answered as a Kubernetes {@code Status} body with upstream's reason and code. */
final class StatusError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  final int code;
  final String reason;
  final transient @Nullable JsonObject details;
  @Nullable String retryAfter;

  StatusError(int code, String reason, String message, @Nullable JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  static JsonObject details(@Nullable String name, @Nullable String group, @Nullable String kind) {
    JsonObject d = new JsonObject();
    if (name != null && !name.isEmpty()) {
      d.addProperty("name", name);
    }
    if (group != null && !group.isEmpty()) {
      d.addProperty("group", group);
    }
    if (kind != null) {
      d.addProperty("kind", kind);
    }
    return d;
  }

  static StatusError notFound(ResourceType t, String name) {
    return new StatusError(404, "NotFound", t.groupResource() + " \"" + name + "\" not found", details(name, t.group, t.plural));
  }

  static StatusError alreadyExists(ResourceType t, String name) {
    return new StatusError(409, "AlreadyExists", t.groupResource() + " \"" + name + "\" already exists", details(name, t.group, t.plural));
  }

  static StatusError conflict(ResourceType t, String name, String why) {
    return new StatusError(409, "Conflict", "Operation cannot be fulfilled on " + t.groupResource() + " \"" + name + "\": " + why,
        details(name, t.group, t.plural));
  }

  static StatusError badRequest(String message) {
    return new StatusError(400, "BadRequest", message, null);
  }

  /** 422 Invalid with one field cause, worded as the API server words it. */
  static StatusError invalid(String kind, String group, String name, String field, String value, String detail) {
    JsonObject d = details(name, group, kind);
    JsonArray causes = new JsonArray();
    JsonObject cause = new JsonObject();
    cause.addProperty("reason", "FieldValueInvalid");
    cause.addProperty("message", "Invalid value: " + value + ": " + detail);
    cause.addProperty("field", field);
    causes.add(cause);
    d.add("causes", causes);
    String qualified = group.isEmpty() ? kind : kind + "." + group;
    return new StatusError(422, "Invalid", qualified + " \"" + name + "\" is invalid: " + field + ": Invalid value: " + value + ": " + detail, d);
  }

  /** 409 Conflict for a request that conflicts with the stored state, with upstream's plain message (no object details). */
  static StatusError conflictMessage(String message) {
    return new StatusError(409, "Conflict", message, null);
  }

  /**
   * Server-side apply conflicts as upstream's {@code NewConflictError}: 409 Conflict, one cause per conflict with reason
   * FieldManagerConflict, {@code message} "conflict with MANAGER" and {@code field} the field path.
   *
   * @param conflicts each {printed manager, field path}, in the order found
   */
  static StatusError applyConflict(java.util.List<String[]> conflicts) {
    JsonObject d = new JsonObject();
    JsonArray causes = new JsonArray();
    for (String[] c : conflicts) {
      JsonObject cause = new JsonObject();
      cause.addProperty("reason", "FieldManagerConflict");
      cause.addProperty("message", "conflict with " + c[0]);
      cause.addProperty("field", c[1]);
      causes.add(cause);
    }
    d.add("causes", causes);
    String message;
    if (conflicts.size() == 1) {
      message = "Apply failed with 1 conflict: conflict with " + conflicts.get(0)[0] + ": " + conflicts.get(0)[1];
    } else {
      java.util.TreeMap<String, java.util.List<String>> byManager = new java.util.TreeMap<>();
      for (String[] c : conflicts) {
        byManager.computeIfAbsent(c[0], k -> new java.util.ArrayList<>()).add(c[1]);
      }
      java.util.List<String> lines = new java.util.ArrayList<>();
      byManager.forEach((m, paths) -> {
        lines.add("conflicts with " + m);
        paths.forEach(p -> lines.add("- " + p));
      });
      message = "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
    }
    return new StatusError(409, "Conflict", message, d);
  }

  /**
   * 422 Invalid for request options, as upstream's {@code NewInvalid(GroupKind{"meta.k8s.io", kind}, "", errs)}: one cause a
   * field error, the message the errors aggregated ({@code [a, b]} for several, duplicates once).
   *
   * @param errors each {field, cause reason, error body}
   */
  static StatusError invalidOption(String kind, java.util.List<String[]> errors) {
    JsonObject d = details(null, "meta.k8s.io", kind);
    JsonArray causes = new JsonArray();
    java.util.LinkedHashSet<String> messages = new java.util.LinkedHashSet<>();
    for (String[] e : errors) {
      JsonObject cause = new JsonObject();
      cause.addProperty("reason", e[1]);
      cause.addProperty("message", e[2]);
      cause.addProperty("field", e[0]);
      causes.add(cause);
      messages.add(e[0] + ": " + e[2]);
    }
    d.add("causes", causes);
    String aggregated = messages.size() == 1 ? messages.iterator().next() : "[" + String.join(", ", messages) + "]";
    return new StatusError(422, "Invalid", kind + ".meta.k8s.io \"\" is invalid: " + aggregated, d);
  }

  static StatusError forbidden(String what, String name, String user, String because) {
    String subject = name.isEmpty() ? what : what + " \"" + name + "\"";
    return new StatusError(403, "Forbidden", subject + " is forbidden: User \"" + user + "\" cannot " + because, null);
  }

  static StatusError unauthorized() {
    return new StatusError(401, "Unauthorized", "Unauthorized", null);
  }

  JsonObject toStatus() {
    JsonObject s = new JsonObject();
    s.addProperty("kind", "Status");
    s.addProperty("apiVersion", "v1");
    s.add("metadata", new JsonObject());
    s.addProperty("status", "Failure");
    s.addProperty("message", getMessage());
    s.addProperty("reason", reason);
    if (details != null) {
      s.add("details", details);
    }
    s.addProperty("code", code);
    return s;
  }
}
