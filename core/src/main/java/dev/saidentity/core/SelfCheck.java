package dev.saidentity.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The offline half of a pod's identity self-check: reads the ServiceAccount mount
 * ({@code /var/run/secrets/kubernetes.io/serviceaccount}) and reports the identity and findings with
 * stable ids:
 *
 * <ul>
 *   <li>SAI-101 (error) the mount's {@code token}, {@code namespace} or {@code ca.crt} is missing or unreadable,
 *       not a regular file (a FIFO, a device such as {@code /dev/zero}), or larger than it can legitimately be:
 *       64 KiB + 1 byte for the token (a 64 KiB token and a newline), 4 KiB for the namespace, 1 MiB for
 *       {@code ca.crt}. Each file is read with that cap, never further, so an init container with a
 *       small memory limit reports SAI-101 instead of being killed;
 *   <li>SAI-102 (error) the token's namespace differs from the {@code namespace} file;
 *   <li>SAI-103 (error) the token has expired (60 s leeway);
 *   <li>SAI-104 (warning) the token is stale: past its {@code warnafter};
 *   <li>SAI-105 (warning) a legacy (Secret-based) token;
 *   <li>SAI-106 (warning) running as the {@code default} ServiceAccount;
 *   <li>SAI-107 (warning) the token is older than the kubelet's rotation allows (80 % of its
 *       lifetime or 24 h, plus two minutes for the kubelet's sync);
 *   <li>SAI-108 (info) not inside a cluster: {@code KUBERNETES_SERVICE_HOST}/{@code _PORT} unset.
 * </ul>
 *
 * <pre>{@code
 * SelfCheck.Report r = SelfCheck.run(Path.of(SelfCheck.DEFAULT_MOUNT), System.getenv(), Clock.systemUTC());
 * r.findings().forEach(f -> log.warn("{} {}: {}", f.id(), f.severity(), f.message()));
 * }</pre>
 *
 * <p>Stateless; thread-safe.
 */
public final class SelfCheck {

  /** Where the kubelet mounts the ServiceAccount volume. */
  public static final String DEFAULT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";
  private static final Duration KUBELET_SYNC = Duration.ofMinutes(2);
  private static final Duration LEEWAY = Duration.ofSeconds(60);
  /** A token is at most 64 KiB (the validator's limit); one more byte for a trailing newline. */
  static final int MAX_TOKEN_FILE = (64 << 10) + 1;
  /** A namespace name is at most 63 characters; a few KiB leaves room for odd but harmless files. */
  static final int MAX_NAMESPACE_FILE = 4 << 10;
  /** A CA bundle of a few dozen certificates. */
  static final int MAX_CA_FILE = 1 << 20;

  /**
   * The outcome: the decoded token when there is one, and the findings.
   *
   * @param token the mount's token, decoded (not verified), when readable
   * @param namespaceFile the {@code namespace} file's content, when readable
   * @param findings the findings, in id order
   */
  public record Report(Optional<UnverifiedToken> token, Optional<String> namespaceFile, List<Finding> findings) {
    /** Copies the components. */
    public Report {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(namespaceFile, "namespaceFile");
      findings = List.copyOf(findings);
    }

    /** The worst severity among the findings, if any. */
    public Optional<Severity> worst() {
      return findings.stream().map(Finding::severity).max(Enum::compareTo);
    }
  }

  private SelfCheck() {}

  /** Runs the offline checks on a mount, with an environment and a clock. */
  public static Report run(Path mount, Map<String, String> env, Clock clock) {
    List<Finding> out = new ArrayList<>();
    Instant now = clock.instant();
    MountFile tokenFile = read(mount.resolve("token"), MAX_TOKEN_FILE);
    MountFile namespaceFile = read(mount.resolve("namespace"), MAX_NAMESPACE_FILE);
    MountFile caFile = read(mount.resolve("ca.crt"), MAX_CA_FILE);
    String tokenText = tokenFile.text();
    String ns = namespaceFile.text();
    String ca = caFile.text();
    List<String> missing = new ArrayList<>();
    if (tokenText == null || tokenText.isBlank()) {
      missing.add("token" + tokenFile.why());
    }
    if (ns == null || ns.isBlank()) {
      missing.add("namespace" + namespaceFile.why());
    }
    if (ca == null || !ca.contains("-----BEGIN CERTIFICATE-----")) {
      missing.add("ca.crt" + caFile.why());
    }
    UnverifiedToken token = null;
    if (tokenText != null && !tokenText.isBlank()) {
      try {
        token = UnverifiedToken.decode(tokenText);
      } catch (TokenValidationException e) {
        missing.add("token (" + e.reason() + ": " + e.getMessage() + ")");
      }
    }
    if (!missing.isEmpty()) {
      out.add(new Finding("SAI-101", Severity.ERROR,
          "the ServiceAccount mount " + mount + " lacks or cannot read: " + String.join(", ", missing),
          "mount the ServiceAccount token (automountServiceAccountToken: true, or a projected volume with token, ca.crt and namespace)"
              + " and check the file permissions (runAsUser / fsGroup)"));
    }
    if (token != null) {
      String nsFile = ns == null ? null : ns.strip();
      if (nsFile != null && !nsFile.isEmpty() && !nsFile.equals(token.serviceAccount().namespace())) {
        out.add(new Finding("SAI-102", Severity.ERROR,
            "the token is for namespace \"" + token.serviceAccount().namespace() + "\" but the namespace file says \"" + nsFile + "\"",
            "the mount is inconsistent: check for a copied or hand-made token file"));
      }
      Optional<Instant> exp = token.expiresAt();
      if (exp.isPresent() && now.minus(LEEWAY).isAfter(exp.get())) {
        out.add(new Finding("SAI-103", Severity.ERROR, "the token expired at " + exp.get() + " (now " + now + ")",
            "the kubelet has stopped rotating it: check the kubelet and the pod's volume; never copy tokens out of the mount"));
      }
      Optional<Instant> warn = token.warnAfter();
      if (warn.isPresent() && now.isAfter(warn.get())) {
        out.add(new Finding("SAI-104", Severity.WARNING, "the token is stale: past its warnafter " + warn.get() + " by "
            + Duration.between(warn.get(), now).getSeconds() + " s",
            "re-read the token file (client-go does every minute) instead of keeping the token read at start-up"));
      }
      if (token.kind() == TokenKind.LEGACY) {
        out.add(new Finding("SAI-105", Severity.WARNING, "a legacy (Secret-based) token that never expires, from Secret "
            + token.secret().map(ObjectRef::name).orElse("?"),
            "use the projected token (automount or a serviceAccountToken projection) and delete the legacy token Secret"));
      }
      if (token.serviceAccount().isDefault()) {
        out.add(new Finding("SAI-106", Severity.WARNING, "running as the default ServiceAccount of namespace "
            + token.serviceAccount().namespace(),
            "give the workload its own ServiceAccount (spec.serviceAccountName) with only the permissions it needs"));
      }
      Optional<Instant> iat = token.issuedAt();
      if (iat.isPresent() && token.kind() == TokenKind.PROJECTED) {
        Instant end = warn.orElse(exp.orElse(null));
        if (end != null && end.isAfter(iat.get())) {
          long ttl = Duration.between(iat.get(), end).getSeconds();
          Duration maxAge = Duration.ofSeconds(Math.min(ttl * 80 / 100, Duration.ofHours(24).getSeconds())).plus(KUBELET_SYNC);
          if (Duration.between(iat.get(), now).compareTo(maxAge) > 0) {
            out.add(new Finding("SAI-107", Severity.WARNING, "the token was issued at " + iat.get() + ", " + Duration.between(iat.get(), now).getSeconds()
                + " s ago; the kubelet would have replaced it after " + maxAge.getSeconds() + " s",
                "the kubelet is not rotating this volume (or the file was copied): check the pod's projected volume and the kubelet"));
          }
        }
      }
    }
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    if (host == null || host.isEmpty() || port == null || port.isEmpty()) {
      out.add(new Finding("SAI-108", Severity.INFO, "not inside a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
          "run in a pod, or pass a kubeconfig for the online checks"));
    }
    out.sort(java.util.Comparator.comparing(Finding::id));
    return new Report(Optional.ofNullable(token), Optional.ofNullable(ns == null ? null : ns.strip()), out);
  }

  /** A mount file's text, or why there is none ({@code problem} null: missing or unreadable). */
  private record MountFile(@Nullable String text, @Nullable String problem) {
    String why() {
      return problem == null ? "" : " (" + problem + ")";
    }
  }

  /** Reads at most {@code max} bytes of a regular file (following links); never opens a FIFO or device. */
  private static MountFile read(Path p, int max) {
    try {
      if (!Files.readAttributes(p, BasicFileAttributes.class).isRegularFile()) {
        return new MountFile(null, "not a regular file");
      }
      try (InputStream in = Files.newInputStream(p)) {
        byte[] b = in.readNBytes(max + 1);
        if (b.length > max) {
          return new MountFile(null, "larger than " + max + " bytes");
        }
        return new MountFile(new String(b, StandardCharsets.UTF_8), null);
      }
    } catch (IOException | RuntimeException e) {
      return new MountFile(null, null);
    }
  }
}
