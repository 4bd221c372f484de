package dev.saidentity.tokenrequest;

import dev.saidentity.core.internal.RegularFiles;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-cluster client-java {@link ApiClient} whose token is always fresh: the server from {@code
 * KUBERNETES_SERVICE_HOST}/{@code _PORT} (IPv6 bracketed), the CA from the mount's {@code ca.crt}
 * (when it parses as PEM, else the JVM's roots, as client-go does), and the token re-read from the
 * mount's {@code token} file as the kubelet rotates it. The token file may appear after the client is
 * built: it is read on the first request.
 *
 * <p>Every call has deadlines (client-java's own default has no read deadline, so a server that
 * accepts and never answers would hang a caller forever): connect 10 s, read and write 30 s
 * (between bytes), and 60 s for the whole call, TLS handshake and body included. A client for
 * watches or long log streams needs {@code readTimeout(Duration.ZERO)} and {@code
 * callTimeout(Duration.ZERO)}.
 *
 * <pre>{@code
 * ApiClient client = InClusterClient.builder().build();
 * ApiClient watcher = InClusterClient.builder().readTimeout(Duration.ZERO).callTimeout(Duration.ZERO).build();
 * }</pre>
 *
 * <p>The builder is not thread-safe; the built client is as thread-safe as any client-java {@link ApiClient}.
 */
public final class InClusterClient {

  private static final Logger LOG = LoggerFactory.getLogger(InClusterClient.class);

  /** Where the kubelet mounts the ServiceAccount volume. */
  public static final Path DEFAULT_MOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  /** The default deadline to open a connection: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** The default deadline for each read (between bytes received): 30 seconds. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
  /** The default deadline for each write (between bytes sent): 30 seconds. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
  /** The default deadline of a whole call (DNS, connect, TLS, request and response body): 60 seconds. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * 1 MiB: the most {@code ca.crt} may hold. It is read with a cap of this many bytes plus one,
   * checked while reading, so a huge file or a link to a device such as {@code /dev/zero} costs at
   * most 1 MiB and is refused with {@link CaTooLargeException} (then the JVM's trusted roots are used,
   * as for any unreadable {@code ca.crt}).
   */
  public static final int MAX_CA_BYTES = 1024 * 1024;

  /** {@code ca.crt} holds more than {@link #MAX_CA_BYTES}: not read beyond the cap. */
  public static final class CaTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    CaTooLargeException(Path path) {
      super("the CA file " + path + " is larger than " + MAX_CA_BYTES + " bytes: not read");
    }
  }

  private InClusterClient() {}

  /** At most {@link #MAX_CA_BYTES} + 1 bytes, checked while reading: never the whole of a huge file or a device. */
  static byte[] readCaCapped(Path path) throws IOException {
    byte[] bytes = RegularFiles.readCapped(path, MAX_CA_BYTES);
    if (bytes.length > MAX_CA_BYTES) {
      throw new CaTooLargeException(path);
    }
    return bytes;
  }

  /** A builder: the default mount and the process environment. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of an in-cluster client. */
  public static final class Builder {
    private Path mount = DEFAULT_MOUNT;
    private Map<String, String> env = System.getenv();
    private @Nullable TokenSource tokens;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;

    private Builder() {}

    /**
     * The deadline to open a connection; default {@link InClusterClient#DEFAULT_CONNECT_TIMEOUT} (10 s),
     * zero for none.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder connectTimeout(Duration value) {
      this.connectTimeout = checked(value, "connectTimeout");
      return this;
    }

    /**
     * The deadline for each read; default {@link InClusterClient#DEFAULT_READ_TIMEOUT} (30 s), zero for
     * none (watches).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder readTimeout(Duration value) {
      this.readTimeout = checked(value, "readTimeout");
      return this;
    }

    /**
     * The deadline for each write; default {@link InClusterClient#DEFAULT_WRITE_TIMEOUT} (30 s), zero for
     * none.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder writeTimeout(Duration value) {
      this.writeTimeout = checked(value, "writeTimeout");
      return this;
    }

    /**
     * The deadline of a whole call; default {@link InClusterClient#DEFAULT_CALL_TIMEOUT} (60 s), zero for
     * none (watches).
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder callTimeout(Duration value) {
      this.callTimeout = checked(value, "callTimeout");
      return this;
    }

    private static Duration checked(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, got " + value);
      }
      return value;
    }

    /** The ServiceAccount volume's directory; default {@link #DEFAULT_MOUNT}. */
    public Builder mount(Path value) {
      this.mount = Objects.requireNonNull(value, "mount");
      return this;
    }

    /** The environment to read {@code KUBERNETES_SERVICE_HOST}/{@code _PORT} from; default the process's. */
    public Builder environment(Map<String, String> value) {
      this.env = Map.copyOf(value);
      return this;
    }

    /** Another token source (default: the mount's {@code token} file). */
    public Builder tokens(TokenSource value) {
      this.tokens = Objects.requireNonNull(value, "tokens");
      return this;
    }

    /**
     * The client.
     *
     * @throws IllegalStateException outside a cluster (client-go's {@code ErrNotInCluster} text)
     */
    public ApiClient build() {
      String host = env.get("KUBERNETES_SERVICE_HOST");
      String port = env.get("KUBERNETES_SERVICE_PORT");
      if (host == null || host.isEmpty() || port == null || port.isEmpty()) {
        throw new IllegalStateException("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
      }
      String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
      ClientBuilder b = new ClientBuilder().setBasePath("https://" + h + ":" + port)
          .setAuthentication(new TokenAuthentication(tokens != null ? tokens : ProjectedTokenFile.of(mount.resolve("token"))));
      Path ca = mount.resolve("ca.crt");
      try {
        byte[] pem = readCaCapped(ca);
        if (new String(pem, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
          b.setCertificateAuthority(pem);
        } else {
          LOG.error("{} is not a PEM certificate bundle; using the JVM's trusted roots", ca);
        }
      } catch (CaTooLargeException e) {
        LOG.error("{}; using the JVM's trusted roots", e.getMessage());
      } catch (IOException e) {
        LOG.error("cannot read {} ({}); using the JVM's trusted roots", ca, e.getClass().getSimpleName());
      }
      ApiClient client = b.build();
      // After build(): the interceptor TokenAuthentication installed is kept by newBuilder().
      client.setHttpClient(client.getHttpClient().newBuilder().connectTimeout(connectTimeout).readTimeout(readTimeout)
          .writeTimeout(writeTimeout).callTimeout(callTimeout).build());
      return client;
    }
  }
}
