package dev.saidentity.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link ObjectBindings} needs to know of a stored object: its uid, whether it is being
 * deleted, its labels, and for a legacy token Secret its {@code data.token}. Immutable; {@link
 * #toString()} never shows the token.
 *
 * @param uid the object's {@code metadata.uid}
 * @param deletionTimestamp {@code metadata.deletionTimestamp}, when set
 * @param labels {@code metadata.labels}
 * @param token a Secret's decoded {@code data.token}, when it has one
 */
public record StoredObject(String uid, Optional<Instant> deletionTimestamp, Map<String, String> labels, Optional<String> token) {

  /** Checks and copies the components. */
  public StoredObject {
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(deletionTimestamp, "deletionTimestamp");
    labels = Map.copyOf(labels);
    Objects.requireNonNull(token, "token");
  }

  /** A live object with this uid. */
  public static StoredObject of(String uid) {
    return new StoredObject(uid, Optional.empty(), Map.of(), Optional.empty());
  }

  /** This object, being deleted since {@code at}. */
  public StoredObject deletedAt(Instant at) {
    return new StoredObject(uid, Optional.of(at), labels, token);
  }

  /** This object with these labels. */
  public StoredObject withLabels(Map<String, String> newLabels) {
    return new StoredObject(uid, deletionTimestamp, newLabels, token);
  }

  /** This (Secret) object holding this token in {@code data.token}. */
  public StoredObject withToken(String secretToken) {
    return new StoredObject(uid, deletionTimestamp, labels, Optional.of(secretToken));
  }

  @Override
  public String toString() {
    return "StoredObject[uid=" + uid + ", deletionTimestamp=" + deletionTimestamp.map(Instant::toString).orElse("none")
        + ", labels=" + labels + ", token=" + token.map(Tokens::fingerprint).orElse("none") + "]";
  }
}
