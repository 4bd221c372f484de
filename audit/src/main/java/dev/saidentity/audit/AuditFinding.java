package dev.saidentity.audit;

import dev.saidentity.core.Severity;
import java.util.Objects;
import java.util.Optional;

/**
 * A finding about one resource.
 *
 * @param id the check's stable id (SAI-001 ... SAI-017)
 * @param severity how serious
 * @param resource the resource it is about (namespace empty for cluster-scoped kinds and for objects whose namespace is unset)
 * @param message what was found
 * @param remedy what to do
 * @param location where the resource was read (empty for objects from a cluster or built in code)
 */
public record AuditFinding(String id, Severity severity, Resource resource, String message, String remedy, Optional<Location> location) {

  /**
   * A finding without a location.
   *
   * @throws NullPointerException when a component is null
   */
  public AuditFinding(String id, Severity severity, Resource resource, String message, String remedy) {
    this(id, severity, resource, message, remedy, Optional.empty());
  }

  /**
   * A resource: kind, namespace (empty for cluster-scoped kinds) and name.
   *
   * @param kind the kind
   * @param namespace the namespace, empty when cluster-scoped
   * @param name the name
   */
  public record Resource(String kind, String namespace, String name) {
    /** Checks the components. */
    public Resource {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
    }
  }

  /** Checks the components. */
  public AuditFinding {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(remedy, "remedy");
    Objects.requireNonNull(location, "location");
  }
}
