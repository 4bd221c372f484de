package dev.saidentity.core.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An immutable set of verification keys, indexed by kid. */
public final class KeySet {

  public static final KeySet EMPTY = new KeySet(List.of());

  private final List<VerificationKey> all;
  private final Map<String, List<VerificationKey>> byKid = new HashMap<>();
  private final Set<VerificationKey> members;

  public KeySet(List<VerificationKey> keys) {
    this.all = List.copyOf(keys);
    for (VerificationKey k : all) {
      byKid.computeIfAbsent(k.derivedKid, x -> new ArrayList<>(1)).add(k);
      if (k.declaredKid != null && !k.declaredKid.equals(k.derivedKid)) {
        byKid.computeIfAbsent(k.declaredKid, x -> new ArrayList<>(1)).add(k);
      }
    }
    this.members = new HashSet<>(all);
  }

  public List<VerificationKey> all() {
    return all;
  }

  /** Keys whose derived or declared kid is {@code kid}; with no kid, every key (as upstream). */
  public List<VerificationKey> candidates(@org.jspecify.annotations.Nullable String kid) {
    if (kid == null || kid.isEmpty()) {
      return all;
    }
    List<VerificationKey> l = byKid.get(kid);
    return l == null ? List.of() : l;
  }

  public boolean contains(VerificationKey k) {
    return members.contains(k);
  }

  public boolean isEmpty() {
    return all.isEmpty();
  }

  public List<String> kids() {
    List<String> out = new ArrayList<>(all.size());
    for (VerificationKey k : all) {
      out.add(k.kid());
    }
    return out;
  }
}
