package dev.saidentity.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A ServiceAccount volume laid out exactly as the kubelet's atomic writer lays it out: the visible
 * files {@code token}, {@code namespace} and {@code ca.crt} are symlinks to {@code ..data/<file>};
 * {@code ..data} is a symlink to a hidden timestamped directory {@code ..YYYY_MM_DD_HH_MM_SS.<n>};
 * {@link #rotate(String)} writes a new directory, points {@code ..data_tmp} at it and renames that
 * over {@code ..data} (one atomic step), then removes the old directory. Readers that re-read the
 * path see the old token or the new one, never a mix.
 *
 * <pre>{@code
 * try (FakePodMount mount = FakePodMount.projected(tempDir, "payments", token, caPem)) {
 *   // point the code under test at mount.path() (instead of /var/run/secrets/kubernetes.io/serviceaccount)
 *   mount.rotate(issuer.projected(sa).mint());
 * }
 * }</pre>
 *
 * <p>Thread-safe: rotations are serialized. {@link #close()} deletes the directory.
 */
public final class FakePodMount implements AutoCloseable {

  /** Where the kubelet mounts the volume in a pod. */
  public static final String DEFAULT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss").withZone(ZoneOffset.UTC);

  private final Path dir;
  private final Clock clock;
  private final Map<String, String> files = new LinkedHashMap<>();
  private int rotations;

  private FakePodMount(Path dir, Clock clock, Map<String, String> initial) {
    this.dir = dir;
    this.clock = clock;
    this.files.putAll(initial);
  }

  /**
   * The default projected volume ({@code kube-api-access-*}): {@code token}, {@code ca.crt},
   * {@code namespace}, mode 0644, in a new directory under {@code parent}.
   */
  public static FakePodMount projected(Path parent, String namespace, String token, String caPem) {
    return create(parent, "kube-api-access", namespace, token, caPem, Clock.systemUTC());
  }

  /** As {@link #projected(Path, String, String, String)}, naming the timestamped directories by {@code clock}. */
  public static FakePodMount projected(Path parent, String namespace, String token, String caPem, Clock clock) {
    return create(parent, "kube-api-access", namespace, token, caPem, clock);
  }

  /**
   * A legacy Secret volume (a {@code kubernetes.io/service-account-token} Secret mounted as a
   * volume): the same keys, written by the same atomic writer, holding a legacy token.
   */
  public static FakePodMount legacySecret(Path parent, String namespace, String legacyToken, String caPem) {
    return create(parent, "sa-token-secret", namespace, legacyToken, caPem, Clock.systemUTC());
  }

  private static FakePodMount create(Path parent, String prefix, String namespace, String token, String caPem, Clock clock) {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(caPem, "caPem");
    try {
      Path dir = Files.createTempDirectory(Objects.requireNonNull(parent, "parent"), prefix + "-");
      Map<String, String> initial = new LinkedHashMap<>();
      initial.put("ca.crt", caPem);
      initial.put("namespace", namespace);
      initial.put("token", token);
      FakePodMount m = new FakePodMount(dir, clock, initial);
      m.write(null);
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the pod mount under " + parent, e);
    }
  }

  /** The volume's directory: what a pod sees at {@value #DEFAULT_PATH}. */
  public Path path() {
    return dir;
  }

  /** {@code <path>/token}. */
  public Path tokenPath() {
    return dir.resolve("token");
  }

  /** {@code <path>/ca.crt}. */
  public Path caCertPath() {
    return dir.resolve("ca.crt");
  }

  /** {@code <path>/namespace}. */
  public Path namespacePath() {
    return dir.resolve("namespace");
  }

  /** How many times the token was rotated. */
  public synchronized int rotations() {
    return rotations;
  }

  /** Swaps in a new token atomically, as the kubelet does when it refreshes the token. */
  public synchronized void rotate(String newToken) {
    Map<String, String> next = new LinkedHashMap<>(files);
    next.put("token", Objects.requireNonNull(newToken, "newToken"));
    update(next);
    rotations++;
  }

  /** Replaces the namespace file (to simulate a mismatched mount). */
  public synchronized void namespace(String namespace) {
    Map<String, String> next = new LinkedHashMap<>(files);
    next.put("namespace", Objects.requireNonNull(namespace, "namespace"));
    update(next);
  }

  /** Removes a file from the volume (e.g. {@code "ca.crt"}), as a broken mount would lack it. */
  public synchronized void remove(String file) {
    Map<String, String> next = new LinkedHashMap<>(files);
    next.remove(file);
    update(next);
  }

  private void update(Map<String, String> next) {
    if (next.equals(files)) {
      return; // the atomic writer writes nothing when the payload is unchanged
    }
    try {
      Path old = Files.readSymbolicLink(dir.resolve("..data"));
      files.clear();
      files.putAll(next);
      write(old);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rotate the pod mount " + dir, e);
    }
  }

  private void write(@Nullable Path oldTarget) throws IOException {
    String name = ".." + STAMP.format(clock.instant()) + "." + Math.abs(ThreadLocalRandom.current().nextLong() % 1_000_000_000L);
    Path ts = Files.createDirectory(dir.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = ts.resolve(f.getKey());
      Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Path tmp = dir.resolve("..data_tmp");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, Path.of(name));
    Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    for (String f : files.keySet()) {
      Path visible = dir.resolve(f);
      if (!Files.isSymbolicLink(visible)) {
        Files.createSymbolicLink(visible, Path.of("..data", f));
      }
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (!n.startsWith("..") && Files.isSymbolicLink(p) && !files.containsKey(n)) {
          Files.delete(p);
        }
      }
    }
    if (oldTarget != null) {
      deleteTree(dir.resolve(oldTarget));
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(x);
      }
    }
  }

  /** Deletes the volume's directory. */
  @Override
  public synchronized void close() {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the pod mount " + dir, e);
    }
  }

  @Override
  public String toString() {
    return "FakePodMount[" + dir + ", rotations=" + rotations + "]";
  }
}
