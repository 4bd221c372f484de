package dev.saidentity.audit;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One Kubernetes object as an audit sees it: an immutable tree of its fields, as decoded from YAML or
 * JSON. A mapping is a {@code Map<String, Object>}, a list a {@code List<Object>}, a scalar a {@code
 * String}, {@code Boolean}, {@code Number} or null; every map and list is unmodifiable.
 *
 * <pre>{@code
 * KubeObject sa = KubeObject.of(Map.of("kind", "ServiceAccount", "metadata", Map.of("name", "api", "namespace", "shop")));
 * List<AuditFinding> f = Auditor.audit(Inventory.fromManifests(List.of(sa)));
 * }</pre>
 *
 * <p>Immutable; thread-safe. Equal when the field trees are equal (where each was read does not count).
 */
public final class KubeObject {

  /** How deep {@link #of(Map)} copies before refusing a tree (the YAML loader's limit too). */
  static final int MAX_DEPTH = 100;

  private final Map<String, @Nullable Object> fields;
  private final @Nullable Location location;
  /** The files read as one unit (a kustomization), whose objects without a namespace share one; null: the location's file. */
  private final @Nullable String unit;

  /** Wraps a tree that is already unmodifiable all the way down (the YAML loader's output). */
  KubeObject(Map<String, @Nullable Object> unmodifiableFields) {
    this(unmodifiableFields, null);
  }

  /** Wraps a tree that is already unmodifiable all the way down, read at {@code location}. */
  KubeObject(Map<String, @Nullable Object> unmodifiableFields, @Nullable Location location) {
    this(unmodifiableFields, location, null);
  }

  KubeObject(Map<String, @Nullable Object> unmodifiableFields, @Nullable Location location, @Nullable String unit) {
    this.fields = unmodifiableFields;
    this.location = location;
    this.unit = unit;
  }

  /** The unit whose objects without a namespace resolve among each other: a kustomization, else the file; empty when unknown. */
  String unit() {
    return unit != null ? unit : location != null ? location.file() : "";
  }

  /**
   * An object from a tree of maps, lists, strings, numbers, booleans and nulls, copied deeply into
   * unmodifiable collections.
   *
   * @throws NullPointerException when {@code fields} or a map key is null
   * @throws IllegalArgumentException when a value has another type, or the tree is deeper than 100 levels
   */
  public static KubeObject of(Map<String, ?> fields) {
    @SuppressWarnings("unchecked")
    Map<String, @Nullable Object> copy = (Map<String, @Nullable Object>) copy(Objects.requireNonNull(fields, "fields"), 1);
    return new KubeObject(copy);
  }

  private static @Nullable Object copy(@Nullable Object v, int depth) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof Double
        || v instanceof BigInteger || v instanceof BigDecimal) {
      return v;
    }
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("the object is nested deeper than " + MAX_DEPTH + " levels");
    }
    if (v instanceof Map) {
      Map<String, @Nullable Object> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        m.put((String) Objects.requireNonNull(e.getKey(), "a map key"), copy(e.getValue(), depth + 1));
      }
      return Collections.unmodifiableMap(m);
    }
    if (v instanceof List) {
      List<@Nullable Object> l = new ArrayList<>();
      for (Object x : (List<?>) v) {
        l.add(copy(x, depth + 1));
      }
      return Collections.unmodifiableList(l);
    }
    throw new IllegalArgumentException("a field value of type " + v.getClass().getName() + " (expected map, list, string, number, boolean or null)");
  }

  /**
   * The same fields, read at {@code location}.
   *
   * @throws NullPointerException when {@code location} is null
   */
  public KubeObject at(Location location) {
    return new KubeObject(fields, Objects.requireNonNull(location, "location"));
  }

  /** Where the object was read: present for objects read by {@link Manifests}, empty for those built or listed from a cluster. */
  public Optional<Location> location() {
    return Optional.ofNullable(location);
  }

  /** The fields, unmodifiable (nested maps and lists too). */
  public Map<String, @Nullable Object> fields() {
    return fields;
  }

  /** {@code kind}, or empty. */
  public String kind() {
    return Inventory.str(fields, "kind");
  }

  /** {@code metadata.namespace} as written, or empty. */
  public String namespace() {
    return Inventory.str(Inventory.obj(fields, "metadata"), "namespace");
  }

  /** {@code metadata.name}, or empty. */
  public String name() {
    return Inventory.str(Inventory.obj(fields, "metadata"), "name");
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof KubeObject && ((KubeObject) o).fields.equals(fields);
  }

  @Override
  public int hashCode() {
    return fields.hashCode();
  }

  /** {@code kind namespace/name}: never the fields (a Secret's data stays out of logs). */
  @Override
  public String toString() {
    return kind() + " " + (namespace().isEmpty() ? "" : namespace() + "/") + name();
  }
}
