package dev.saidentity.core;

import dev.saidentity.core.internal.JwksReader;
import dev.saidentity.core.internal.KeySet;
import dev.saidentity.core.internal.Pem;
import dev.saidentity.core.internal.VerificationKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link TokenValidator} gets its verification keys: fixed keys (from {@code PublicKey}s,
 * PEM or a JWKS document) or keys fetched and cached from an HTTP endpoint ({@link RemoteKeySource}).
 *
 * <pre>{@code
 * KeySource keys = KeySource.fromPemFile(Path.of("/etc/kubernetes/pki/sa.pub"));
 * KeySource jwks = KeySource.fromJwks(Files.readString(Path.of("jwks.json")));
 * KeySource remote = RemoteKeySource.discovery(URI.create("https://kubernetes.default.svc"))
 *     .caCertificatesFile(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"))
 *     .build();
 * }</pre>
 *
 * <p>A key is matched to a token by the token's {@code kid}: a JWKS {@code kid}, or the kid
 * Kubernetes derives from the key (base64url of the SHA-256 of its SubjectPublicKeyInfo). A token
 * without a kid is tried against every key. Implementations are thread-safe.
 */
public abstract class KeySource {

  KeySource() {}

  /** The keys to verify with at {@code now}; may fetch. */
  abstract KeySet current(Instant now);

  /** Called when a token names a kid that {@link #current} lacks; may refetch, within its rate limit. */
  abstract KeySet unknownKid(Instant now);

  /** Why there are no keys, for the message of an {@code UNKNOWN_KEY} refusal; empty when nothing failed. */
  String unavailableReason() {
    return "";
  }

  /**
   * The kid Kubernetes derives for a public key: base64url, without padding, of the SHA-256 of its
   * DER SubjectPublicKeyInfo (upstream {@code keyIDFromPublicKey}).
   */
  public static String keyId(PublicKey key) {
    return VerificationKey.keyId(Objects.requireNonNull(key, "key"));
  }

  /**
   * Fixed RSA or EC public keys.
   *
   * @throws IllegalArgumentException if a key is neither RSA nor EC
   */
  public static KeySource of(PublicKey... keys) {
    return of(List.of(keys));
  }

  /**
   * Fixed RSA or EC public keys. With none, every token is refused with {@code UNKNOWN_KEY}.
   *
   * @throws IllegalArgumentException if a key is neither RSA nor EC
   */
  public static KeySource of(Collection<? extends PublicKey> keys) {
    List<VerificationKey> out = new ArrayList<>();
    for (PublicKey k : keys) {
      out.add(new VerificationKey(Objects.requireNonNull(k, "key"), null));
    }
    return new StaticKeySource(new KeySet(out));
  }

  /**
   * Every key in PEM text, like the API server's {@code --service-account-key-file}: public keys,
   * certificates, or RSA/EC private keys (whose public half is taken), any number of blocks.
   *
   * @throws KeySourceException when the text holds no readable key
   */
  public static KeySource fromPem(String pem) {
    try {
      return of(Pem.publicKeys(pem));
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("cannot read keys from PEM: " + e.getMessage(), e);
    }
  }

  /**
   * The public keys in PEM text (public keys, certificates, or the public half of private keys),
   * in order.
   *
   * @throws KeySourceException when the text holds no readable key
   */
  public static List<PublicKey> publicKeysFromPem(String pem) {
    try {
      return List.copyOf(Pem.publicKeys(pem));
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("cannot read keys from PEM: " + e.getMessage(), e);
    }
  }

  /**
   * Every key in a PEM file (see {@link #fromPem(String)}).
   *
   * @throws KeySourceException when the file cannot be read or holds no readable key
   */
  public static KeySource fromPemFile(Path file) {
    String text = read(file);
    try {
      return of(Pem.publicKeys(text));
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("cannot read keys from PEM file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The signature keys of a JWKS document (the API server's {@code /openid/v1/jwks}).
   *
   * @throws KeySourceException when it is not a JWK set or has no RSA or EC signature key
   */
  public static KeySource fromJwks(String json) {
    return new StaticKeySource(jwks(json, "JWKS document"));
  }

  /**
   * The signature keys of a JWKS file.
   *
   * @throws KeySourceException when it cannot be read, is not a JWK set, or has no usable key
   */
  public static KeySource fromJwksFile(Path file) {
    return new StaticKeySource(jwks(read(file), "JWKS file " + file));
  }

  /**
   * Keys fetched from a JWKS URL with the default settings of {@link RemoteKeySource}; use {@link
   * RemoteKeySource#jwks(URI)} for a CA, a bearer token or other settings, or to {@link
   * RemoteKeySource#close() close} it (its fetch threads otherwise end when idle for 30 s).
   */
  public static KeySource fromJwksUri(URI uri) {
    return RemoteKeySource.jwks(uri).build();
  }

  /**
   * Keys from all of these sources together (for example a PEM file and a JWKS URL during a key
   * migration). Each call answers with the merge of what the sources hold at that moment. The
   * result does not own the sources: close a {@link RemoteKeySource} among them yourself. A token
   * with an unknown kid asks each source in turn, so with several remote sources it may wait for
   * each one's fetch.
   *
   * @throws IllegalArgumentException if none is given
   */
  public static KeySource anyOf(KeySource... sources) {
    if (sources.length == 0) {
      throw new IllegalArgumentException("no key sources given");
    }
    if (sources.length == 1) {
      return Objects.requireNonNull(sources[0], "source");
    }
    return new CompositeKeySource(List.of(sources));
  }

  static KeySet jwks(String json, String what) {
    List<VerificationKey> keys;
    try {
      keys = JwksReader.read(json);
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (keys.isEmpty()) {
      throw new KeySourceException(what + " has no RSA or EC signature key");
    }
    return new KeySet(keys);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException | RuntimeException e) {
      throw new KeySourceException("cannot read " + file + ": " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * Several sources; their key sets are merged, rebuilt only when one of them changes. The last
   * merge and the sets it was made from are one immutable snapshot in one volatile field, so a
   * caller always gets the merge of the sets it read: racing callers can at worst replace each
   * other's memo, never pair one's inputs with the other's merge.
   */
  static final class CompositeKeySource extends KeySource {
    private final List<KeySource> sources;
    private volatile Merged last = new Merged(List.of(), KeySet.EMPTY);

    /** A merge and the (identities of the) sets it was made from. */
    private record Merged(List<KeySet> inputs, KeySet keys) {}

    CompositeKeySource(List<KeySource> sources) {
      this.sources = sources;
    }

    private KeySet merge(List<KeySet> sets) {
      Merged prev = last;
      boolean same = prev.inputs.size() == sets.size();
      for (int i = 0; same && i < sets.size(); i++) {
        same = prev.inputs.get(i) == sets.get(i);
      }
      if (same) {
        return prev.keys;
      }
      List<VerificationKey> all = new ArrayList<>();
      sets.forEach(s -> all.addAll(s.all()));
      KeySet m = new KeySet(all);
      last = new Merged(List.copyOf(sets), m);
      return m;
    }

    @Override
    KeySet current(Instant now) {
      List<KeySet> sets = new ArrayList<>(sources.size());
      sources.forEach(s -> sets.add(s.current(now)));
      return merge(sets);
    }

    @Override
    KeySet unknownKid(Instant now) {
      List<KeySet> sets = new ArrayList<>(sources.size());
      sources.forEach(s -> sets.add(s.unknownKid(now)));
      return merge(sets);
    }

    @Override
    String unavailableReason() {
      StringBuilder sb = new StringBuilder();
      for (KeySource s : sources) {
        String r = s.unavailableReason();
        if (!r.isEmpty()) {
          sb.append(sb.length() == 0 ? "" : "; ").append(r);
        }
      }
      return sb.toString();
    }

    @Override
    public String toString() {
      return "KeySource.anyOf" + sources;
    }
  }

  /** Fixed keys. */
  static final class StaticKeySource extends KeySource {
    private final KeySet keys;

    StaticKeySource(KeySet keys) {
      this.keys = keys;
    }

    @Override
    KeySet current(Instant now) {
      return keys;
    }

    @Override
    KeySet unknownKid(Instant now) {
      return keys;
    }

    @Override
    public String toString() {
      return "KeySource" + keys.kids();
    }
  }
}
