package dev.saidentity.core;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The object a token is bound to (a Pod, Secret or Node), by name and, when the token carries it,
 * uid. Immutable.
 *
 * @param name the object's name, never empty
 * @param uid the object's uid, empty when the token does not carry one (a node claim may lack it)
 */
public record ObjectRef(String name, Optional<String> uid) {

  /** Checks the components. */
  public ObjectRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uid, "uid");
  }

  /** A reference; a null or empty uid means "not carried". */
  public static ObjectRef of(String name, @Nullable String uid) {
    return new ObjectRef(name, uid == null || uid.isEmpty() ? Optional.empty() : Optional.of(uid));
  }
}
