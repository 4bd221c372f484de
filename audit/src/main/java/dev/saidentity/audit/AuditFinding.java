package dev.saidentity.audit;

import dev.saidentity.core.Severity;
import java.util.Objects;

/**
 * A finding about one resource.
 *
 * @param id the check's stable id (SAI-001 ... SAI-012)
 * @param severity how serious
 * @param resource the resource it is about
 * @param message what was found
 * @param remedy what to do
 */
public record AuditFinding(String id, Severity severity, Resource resource, String message, String remedy) {

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
  }
}
