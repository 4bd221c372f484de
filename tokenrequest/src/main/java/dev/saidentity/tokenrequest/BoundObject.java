package dev.saidentity.tokenrequest;

import java.util.Objects;
import java.util.Optional;

/**
 * The object a requested token is bound to: a Pod, Secret or Node, by name and optionally uid (when
 * given, the API server refuses the request with 409 if the object was recreated).
 *
 * @param kind Pod, Secret or Node
 * @param name the object's name
 * @param uid the object's uid, if known
 */
public record BoundObject(Kind kind, String name, Optional<String> uid) {

  /** The kinds a token can be bound to. */
  public enum Kind {
    /** {@code v1 Pod}. */
    POD("Pod"),
    /** {@code v1 Secret}. */
    SECRET("Secret"),
    /** {@code v1 Node}. */
    NODE("Node");

    final String kubeKind;

    Kind(String kubeKind) {
      this.kubeKind = kubeKind;
    }

    /** The Kubernetes kind, e.g. {@code Pod}. */
    public String kubernetesKind() {
      return kubeKind;
    }

    /**
     * The kind for a Kubernetes kind name, case-insensitive.
     *
     * @throws IllegalArgumentException for anything but Pod, Secret, Node
     */
    public static Kind of(String kind) {
      for (Kind k : values()) {
        if (k.kubeKind.equalsIgnoreCase(kind)) {
          return k;
        }
      }
      throw new IllegalArgumentException("a token can be bound to a Pod, Secret or Node, not " + kind);
    }
  }

  /** Checks the components. */
  public BoundObject {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(uid, "uid");
    if (Objects.requireNonNull(name, "name").isEmpty()) {
      throw new IllegalArgumentException("the bound object's name must not be empty");
    }
  }

  /** A Pod, optionally with its uid (null or empty: not checked). */
  public static BoundObject pod(String name, String uid) {
    return new BoundObject(Kind.POD, name, uid == null || uid.isEmpty() ? Optional.empty() : Optional.of(uid));
  }

  /** A Secret, optionally with its uid. */
  public static BoundObject secret(String name, String uid) {
    return new BoundObject(Kind.SECRET, name, uid == null || uid.isEmpty() ? Optional.empty() : Optional.of(uid));
  }

  /** A Node, optionally with its uid. */
  public static BoundObject node(String name, String uid) {
    return new BoundObject(Kind.NODE, name, uid == null || uid.isEmpty() ? Optional.empty() : Optional.of(uid));
  }
}
