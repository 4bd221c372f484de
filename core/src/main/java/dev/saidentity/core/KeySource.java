package dev.saidentity.core;

import dev.saidentity.core.internal.JwksReader;
import dev.saidentity.core.internal.KeySet;
import dev.saidentity.core.internal.Pem;
import dev.saidentity.core.internal.RegularFiles;
import dev.saidentity.core.internal.VerificationKey;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
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
 *
 * <p><b>RSA key size.</b> RSA keys shorter than {@value #DEFAULT_MIN_RSA_BITS} bits are refused
 * when loaded (RFC 7518 section 3.3), with a {@link KeySourceException}. For an old cluster whose
 * signing key is shorter, each loading method has an overload taking {@code minRsaBits}, which may
 * lower the minimum to {@value #LOWEST_MIN_RSA_BITS} bits and no further: shorter keys are never
 * accepted (Go's {@code crypto/rsa} refuses them since Go 1.24).
 *
 * <p><b>Algorithms.</b> PEM keys and {@code PublicKey}s carry no algorithm and verify what go-jose
 * verifies with them, as upstream: RS256/384/512 and PS256/384/512 with an RSA key, the ES
 * algorithm of its curve with an EC key. A JWK's {@code use}, {@code key_ops} and {@code alg} are
 * honoured (RFC 7517, RFC 8725 section 3.1): a JWK with {@code use} other than {@code sig}, with
 * {@code key_ops} not listing {@code verify}, or with an {@code alg} that is not an RS, PS or ES
 * algorithm is skipped; a JWK with a supported {@code alg} verifies that algorithm only; a JWK whose
 * {@code alg} its key type cannot verify (an RSA key marked {@code ES256}) fails the whole document.
 */
public abstract class KeySource {

  /** 2048 bits: shorter RSA keys are refused when loaded unless a lower minimum is asked for. */
  public static final int DEFAULT_MIN_RSA_BITS = 2048;
  /** 1024 bits: the lowest minimum RSA key size that may be asked for; shorter keys are never accepted. */
  public static final int LOWEST_MIN_RSA_BITS = VerificationKey.ABSOLUTE_MIN_RSA_BITS;

  KeySource() {}

  /** The keys to verify with at {@code now}; may fetch. */
  abstract KeySet current(Instant now);

  /** Called when a token names a kid that {@link #current} lacks; may refetch, within its rate limit. */
  abstract KeySet unknownKid(Instant now);

  /** Why there are no keys, for the message of an {@code UNKNOWN_KEY} refusal; empty when nothing failed. */
  String unavailableReason() {
    return "";
  }

  /** How many keys are held now, without fetching (for {@link TokenValidator#stats()}); 0 unless overridden. */
  int loadedKeyCount() {
    return 0;
  }

  /** How many fetches succeeded ({@code true}) or failed; 0 for fixed keys. */
  long refreshCount(boolean success) {
    return 0;
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
   * @throws KeySourceException if an RSA key is shorter than {@value #DEFAULT_MIN_RSA_BITS} bits
   */
  public static KeySource of(PublicKey... keys) {
    return of(List.of(keys));
  }

  /**
   * Fixed RSA or EC public keys. With none, every token is refused with {@code UNKNOWN_KEY}.
   *
   * @throws IllegalArgumentException if a key is neither RSA nor EC
   * @throws KeySourceException if an RSA key is shorter than {@value #DEFAULT_MIN_RSA_BITS} bits
   */
  public static KeySource of(Collection<? extends PublicKey> keys) {
    return of(keys, DEFAULT_MIN_RSA_BITS);
  }

  /**
   * Fixed RSA or EC public keys, accepting RSA keys from {@code minRsaBits} bits.
   *
   * @param minRsaBits the shortest RSA key accepted, at least {@value #LOWEST_MIN_RSA_BITS}
   * @throws IllegalArgumentException if a key is neither RSA nor EC, or minRsaBits is under {@value #LOWEST_MIN_RSA_BITS}
   * @throws KeySourceException if an RSA key is shorter than minRsaBits
   */
  public static KeySource of(Collection<? extends PublicKey> keys, int minRsaBits) {
    checkMinRsaBits(minRsaBits);
    List<VerificationKey> out = new ArrayList<>();
    int index = 0;
    for (PublicKey k : keys) {
      index++;
      int bits = VerificationKey.rsaBits(Objects.requireNonNull(k, "key"));
      if (bits > 0 && bits < minRsaBits) {
        throw new KeySourceException("key " + index + " is a " + bits + "-bit RSA key, shorter than the minimum of "
            + minRsaBits + " bits (RFC 7518 section 3.3)");
      }
      out.add(new VerificationKey(k, null));
    }
    return new StaticKeySource(new KeySet(out));
  }

  private static void checkMinRsaBits(int minRsaBits) {
    if (minRsaBits < LOWEST_MIN_RSA_BITS) {
      throw new IllegalArgumentException("minRsaBits must be at least " + LOWEST_MIN_RSA_BITS + ": " + minRsaBits);
    }
  }

  /**
   * Every key in PEM text, like the API server's {@code --service-account-key-file}: public keys,
   * certificates, or RSA/EC private keys (whose public half is taken), any number of blocks.
   *
   * @throws KeySourceException when the text holds no readable key, or an RSA key shorter than
   *     {@value #DEFAULT_MIN_RSA_BITS} bits
   */
  public static KeySource fromPem(String pem) {
    return fromPem(pem, DEFAULT_MIN_RSA_BITS);
  }

  /**
   * Every key in PEM text (see {@link #fromPem(String)}), accepting RSA keys from {@code minRsaBits} bits.
   *
   * @param minRsaBits the shortest RSA key accepted, at least {@value #LOWEST_MIN_RSA_BITS}
   * @throws IllegalArgumentException if minRsaBits is under {@value #LOWEST_MIN_RSA_BITS}
   * @throws KeySourceException when the text holds no readable key, or an RSA key shorter than minRsaBits
   */
  public static KeySource fromPem(String pem, int minRsaBits) {
    checkMinRsaBits(minRsaBits);
    try {
      return of(Pem.publicKeys(pem, minRsaBits), minRsaBits);
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
   * @throws KeySourceException when the file cannot be read, holds no readable key, or holds an RSA
   *     key shorter than {@value #DEFAULT_MIN_RSA_BITS} bits
   */
  public static KeySource fromPemFile(Path file) {
    return fromPemFile(file, DEFAULT_MIN_RSA_BITS);
  }

  /**
   * Every key in a PEM file (see {@link #fromPem(String)}), accepting RSA keys from {@code minRsaBits} bits.
   *
   * @param minRsaBits the shortest RSA key accepted, at least {@value #LOWEST_MIN_RSA_BITS}
   * @throws IllegalArgumentException if minRsaBits is under {@value #LOWEST_MIN_RSA_BITS}
   * @throws KeySourceException when the file cannot be read, holds no readable key, or holds an RSA
   *     key shorter than minRsaBits
   */
  public static KeySource fromPemFile(Path file, int minRsaBits) {
    checkMinRsaBits(minRsaBits);
    String text = read(file);
    try {
      return of(Pem.publicKeys(text, minRsaBits), minRsaBits);
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("cannot read keys from PEM file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The signature keys of a JWKS document (the API server's {@code /openid/v1/jwks}).
   *
   * @throws KeySourceException when it is not a JWK set, has no RSA or EC signature key, has a key
   *     whose alg its type cannot verify, or an RSA key shorter than {@value #DEFAULT_MIN_RSA_BITS} bits
   */
  public static KeySource fromJwks(String json) {
    return fromJwks(json, DEFAULT_MIN_RSA_BITS);
  }

  /**
   * The signature keys of a JWKS document, accepting RSA keys from {@code minRsaBits} bits.
   *
   * @param minRsaBits the shortest RSA key accepted, at least {@value #LOWEST_MIN_RSA_BITS}
   * @throws IllegalArgumentException if minRsaBits is under {@value #LOWEST_MIN_RSA_BITS}
   * @throws KeySourceException as {@link #fromJwks(String)}, with minRsaBits as the minimum
   */
  public static KeySource fromJwks(String json, int minRsaBits) {
    checkMinRsaBits(minRsaBits);
    return new StaticKeySource(jwks(json, "JWKS document", minRsaBits));
  }

  /**
   * The signature keys of a JWKS file.
   *
   * @throws KeySourceException when it cannot be read, is not a JWK set, has no usable key, has a key
   *     whose alg its type cannot verify, or an RSA key shorter than {@value #DEFAULT_MIN_RSA_BITS} bits
   */
  public static KeySource fromJwksFile(Path file) {
    return fromJwksFile(file, DEFAULT_MIN_RSA_BITS);
  }

  /**
   * The signature keys of a JWKS file, accepting RSA keys from {@code minRsaBits} bits.
   *
   * @param minRsaBits the shortest RSA key accepted, at least {@value #LOWEST_MIN_RSA_BITS}
   * @throws IllegalArgumentException if minRsaBits is under {@value #LOWEST_MIN_RSA_BITS}
   * @throws KeySourceException as {@link #fromJwksFile(Path)}, with minRsaBits as the minimum
   */
  public static KeySource fromJwksFile(Path file, int minRsaBits) {
    checkMinRsaBits(minRsaBits);
    return new StaticKeySource(jwks(read(file), "JWKS file " + file, minRsaBits));
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
    return jwks(json, what, DEFAULT_MIN_RSA_BITS);
  }

  static KeySet jwks(String json, String what, int minRsaBits) {
    JwksReader.Result read;
    try {
      read = JwksReader.read(json, minRsaBits);
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("cannot read " + what + ": " + e.getMessage(), e);
    }
    if (read.keys.isEmpty()) {
      throw new KeySourceException(what + " has no RSA or EC signature key" + (read.skipped == 0 ? ""
          : " (" + read.skipped + (read.skipped == 1 ? " key" : " keys") + " not usable for verifying: use, key_ops or alg)"));
    }
    return new KeySet(read.keys);
  }

  /** 1 MiB: the most read from a PEM or JWKS file (a JWKS of a hundred RSA keys is under 100 KiB). */
  static final int MAX_FILE_BYTES = 1 << 20;

  private static String read(Path file) {
    byte[] bytes;
    try {
      bytes = RegularFiles.readCapped(file, MAX_FILE_BYTES);
    } catch (RegularFiles.NotRegularFileException e) {
      throw new KeySourceException("cannot read " + file + ": not a regular file", e);
    } catch (IOException | RuntimeException e) {
      throw new KeySourceException("cannot read " + file + ": " + e.getClass().getSimpleName(), e);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new KeySourceException("cannot read " + file + ": over the limit of " + MAX_FILE_BYTES + " bytes for a key file");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
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
    int loadedKeyCount() {
      int n = 0;
      for (KeySource s : sources) {
        n += s.loadedKeyCount();
      }
      return n;
    }

    @Override
    long refreshCount(boolean success) {
      long n = 0;
      for (KeySource s : sources) {
        n += s.refreshCount(success);
      }
      return n;
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
    int loadedKeyCount() {
      return keys.all().size();
    }

    @Override
    public String toString() {
      return "KeySource" + keys.kids();
    }
  }
}
