package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.saidentity.core.ServiceAccount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake Kubernetes API server speaking real HTTP/1.1 (or HTTPS with its own CA) on 127.0.0.1, with
 * the API server's semantics for ServiceAccount identity: objects (Namespaces, ServiceAccounts,
 * Pods, Secrets, ConfigMaps, Nodes, RBAC), discovery, OIDC discovery, TokenRequest, TokenReview,
 * authentication of callers, RBAC authorization and the self-subject reviews. The official
 * client-java talks to it unmodified, and so does kubectl for JSON requests.
 *
 * <pre>{@code
 * try (FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().tls(true).start()) {
 *   server.createNamespace("payments");
 *   server.createServiceAccount("payments", "api");
 *   ApiClient client = Config.fromConfig(new StringReader(server.kubeconfig()));  // as the admin
 * }
 * }</pre>
 *
 * <p>Every namespace gets its {@code default} ServiceAccount and a {@code kube-root-ca.crt}
 * ConfigMap; {@code default}, {@code kube-system}, {@code kube-public} and {@code kube-node-lease}
 * exist from the start with the bootstrap ClusterRoles and bindings a real cluster has. Faults can be
 * injected per endpoint; requests are recorded. Thread-safe. {@link #close()} stops the server.
 *
 * <p>Request bodies are read up to 3 MiB, as the API server reads them: a larger body is answered
 * {@code 413 RequestEntityTooLarge} (an announced Content-Length before any of it is read, a chunked
 * body once it passes the limit); JSON bodies nest at most 100 levels deep ({@code 400 BadRequest});
 * a field of the wrong JSON type is a {@code 400 BadRequest} worded as upstream's decoder words it.
 *
 * <p>The transport is the fake's own small HTTP/1.1 server: each connection is served by its own
 * thread (up to 512 at once), with TCP_NODELAY; the TLS handshake and each request head must
 * complete within 10 seconds of their first byte, and a kept-alive connection is closed after 90
 * idle seconds; a request line is at most 64 KiB ({@code 414}), the header fields at most 128 KiB
 * and 200 fields ({@code 431}). HTTPS offers TLS 1.2 and 1.3 with ALPN {@code http/1.1} only. A
 * WebSocket upgrade is answered {@code 503} with a {@code Status}, on which fabric8 falls back to
 * an HTTP watch.
 */
public final class FakeKubernetesApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FakeKubernetesApiServer.class);
  /** A request body is read up to this size, as the API server's default {@code MaxRequestBodyBytes} (3 MiB). */
  static final int MAX_BODY = 3 << 20;

  private final Http1Server http;
  private final @Nullable Tls tls;
  private final String url;
  private final Clock clock;
  private final ObjectStore store;
  private final Rbac rbac;
  private final ApiHandler handler;
  private final FakeTokenIssuer issuer;
  private final Authenticator authenticator;
  private final String adminToken;
  private final List<String> apiAudiences;
  private final long maxTokenExpirationSeconds;
  private final boolean extendTokenExpiration;
  private final Faults faults = new Faults();
  private final Front front;
  /** How many requests are kept for {@link #requests()}: a long-running fake does not grow without bound. */
  public static final int MAX_RECORDED = 10_000;

  private FakeKubernetesApiServer(Builder b) throws IOException {
    this.clock = b.clock;
    this.tls = b.tls ? Tls.create() : null;
    InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port);
    this.store = new ObjectStore(clock);
    this.rbac = new Rbac(store);
    // Bound now (the URL names the port), accepting only after bootstrap().
    this.http = new Http1Server(addr, tls == null ? null : tls.serverContext, b.headTimeout, b.idleTimeout, MAX_BODY, this::serve);
    this.url = (tls != null ? "https" : "http") + "://127.0.0.1:" + http.port();
    FakeTokenIssuer.Builder ib = FakeTokenIssuer.builder().issuer(b.issuer != null ? b.issuer : url).clock(clock);
    if (b.signingKey != null) {
      ib.keyPair(b.signingKey);
    }
    this.issuer = ib.build();
    this.apiAudiences = b.apiAudiences != null ? List.copyOf(b.apiAudiences) : List.of(issuer.issuer());
    this.adminToken = b.adminToken != null ? b.adminToken : randomToken();
    this.maxTokenExpirationSeconds = b.maxTokenExpiration == null ? 0 : b.maxTokenExpiration.getSeconds();
    this.extendTokenExpiration = b.extendTokenExpiration;
    this.handler = new ApiHandler(this, store, rbac);
    List<java.security.PublicKey> verification = new ArrayList<>();
    verification.add(issuer.publicKey());
    verification.addAll(b.verificationKeys);
    this.authenticator = new Authenticator(adminToken, issuer.issuer(), apiAudiences, dev.saidentity.core.KeySource.of(verification), clock, store);
    this.front = new Front(handler, authenticator, rbac, faults, clock, b.unsecuredAnonymous);
    try {
      Bootstrap.run(this);
    } catch (RuntimeException e) {
      http.close();
      throw e;
    }
    http.start();
    LOG.debug("fake API server serving at {}", url);
  }

  private @Nullable ApiResponse serve(Http1Server.WireRequest w) throws InterruptedException {
    return front.handle(w);
  }

  /** A builder: HTTP on an ephemeral port, the system clock, a fresh RSA signing key, issuer = the server's URL. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts a server with the defaults of {@link #builder()}. */
  public static FakeKubernetesApiServer start() {
    return builder().start();
  }

  private static String randomToken() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return "fake-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  // ------------------------------------------------------------------ accessors

  /** The base URL, e.g. {@code https://127.0.0.1:41234}. */
  public String url() {
    return url;
  }

  /** The port it listens on. */
  public int port() {
    return http.port();
  }

  /** The transport, for tests of the transport itself. */
  Http1Server transport() {
    return http;
  }

  String hostPort() {
    return "127.0.0.1:" + port();
  }

  /** Whether it serves HTTPS. */
  public boolean isTls() {
    return tls != null;
  }

  /**
   * The CA certificate (PEM) that signed the server's certificate: the cluster's {@code ca.crt}.
   *
   * @throws IllegalStateException when the server serves plain HTTP
   */
  public String caCertificatePem() {
    if (tls == null) {
      throw new IllegalStateException("this fake API server serves plain HTTP; build it with tls(true) for a CA");
    }
    return tls.caPem;
  }

  String caCertificatePemOrEmpty() {
    return tls == null ? "" : tls.caPem;
  }

  /** The static admin bearer token (user {@code kubernetes-admin}, group {@code system:masters}). */
  public String adminToken() {
    return adminToken;
  }

  /** The issuer that signs the tokens this server hands out and accepts. */
  public FakeTokenIssuer issuer() {
    return issuer;
  }

  /** The server's clock. */
  public Clock clock() {
    return clock;
  }

  /** The API audiences (the default audiences of TokenRequest and TokenReview). */
  public List<String> apiAudiences() {
    return apiAudiences;
  }

  long maxTokenExpirationSeconds() {
    return maxTokenExpirationSeconds;
  }

  boolean extendTokenExpiration() {
    return extendTokenExpiration;
  }

  Authenticator authenticator() {
    return authenticator;
  }

  /**
   * A kubeconfig for this server whose user is the admin. Over HTTPS it carries the CA; over plain
   * HTTP it says {@code insecure-skip-tls-verify: true}, which {@code @kubernetes/client-node} 1.x
   * requires of an {@code http://} server (kubectl and client-go still send no token over plain
   * HTTP: see {@link Builder#unsecuredAnonymous(boolean)}).
   */
  public String kubeconfig() {
    return kubeconfig(adminToken, "default");
  }

  /** A kubeconfig for this server authenticating with {@code bearerToken}, in {@code namespace}. */
  public String kubeconfig(String bearerToken, String namespace) {
    StringBuilder sb = new StringBuilder();
    sb.append("apiVersion: v1\nkind: Config\nclusters:\n- name: sa-identity-fake\n  cluster:\n    server: ").append(url).append('\n');
    if (tls != null) {
      sb.append("    certificate-authority-data: ")
          .append(Base64.getEncoder().encodeToString(tls.caPem.getBytes(StandardCharsets.UTF_8))).append('\n');
    } else {
      // Meaningless for http://, but @kubernetes/client-node 1.x refuses an http:// server without it.
      sb.append("    insecure-skip-tls-verify: true\n");
    }
    sb.append("contexts:\n- name: sa-identity-fake\n  context:\n    cluster: sa-identity-fake\n    user: sa-identity-fake-user\n")
        .append("    namespace: ").append(namespace).append('\n')
        .append("current-context: sa-identity-fake\nusers:\n- name: sa-identity-fake-user\n  user:\n    token: ").append(bearerToken).append('\n');
    return sb.toString();
  }

  /** Writes {@link #kubeconfig()} to a file (mode 0600). */
  public Path writeKubeconfig(Path file) {
    try {
      Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".kubeconfig", ".tmp");
      Files.writeString(tmp, kubeconfig());
      try {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the kubeconfig " + file, e);
    }
  }

  // ------------------------------------------------------------------ seeding

  JsonObject seed(String apiVersion, String kind, String ns, JsonObject obj) {
    ResourceType t = ResourceType.byKind(apiVersion, kind);
    if (t == null) {
      throw new IllegalArgumentException("the fake API server does not serve " + apiVersion + " " + kind);
    }
    try {
      Bodies.Fields.of(t.kind, t.version).objectMeta(obj);
      return handler.create(t, ns, obj, false, true);
    } catch (StatusError e) {
      throw new IllegalStateException(e.getMessage());
    }
  }

  static JsonObject named(String name) {
    JsonObject o = new JsonObject();
    JsonObject meta = new JsonObject();
    meta.addProperty("name", name);
    o.add("metadata", meta);
    return o;
  }

  private static String uid(JsonObject o) {
    return Rbac.str(ObjectStore.meta(o), "uid");
  }

  /**
   * Creates a namespace (with its {@code default} ServiceAccount).
   *
   * @return the namespace's uid
   * @throws IllegalStateException with the API server's message if it cannot be created
   */
  public String createNamespace(String name) {
    return uid(seed("v1", "Namespace", "", named(name)));
  }

  /**
   * Creates a ServiceAccount.
   *
   * @return its uid
   */
  public String createServiceAccount(String namespace, String name) {
    return uid(seed("v1", "ServiceAccount", namespace, named(name)));
  }

  /** The ServiceAccount as an identity with its uid, if it exists. */
  public Optional<ServiceAccount> serviceAccount(String namespace, String name) {
    JsonObject o = store.get(ResourceType.SERVICE_ACCOUNTS, namespace, name);
    return o == null ? Optional.empty() : Optional.of(ServiceAccount.of(namespace, name, uid(o)));
  }

  /**
   * Creates a Pod running as the ServiceAccount, on {@code nodeName} when not null.
   *
   * @return its uid
   */
  public String createPod(String namespace, String name, String serviceAccountName, @Nullable String nodeName) {
    JsonObject pod = named(name);
    JsonObject spec = new JsonObject();
    spec.addProperty("serviceAccountName", serviceAccountName);
    if (nodeName != null) {
      spec.addProperty("nodeName", nodeName);
    }
    JsonArray containers = new JsonArray();
    JsonObject c = new JsonObject();
    c.addProperty("name", "app");
    c.addProperty("image", "registry.example/app:1");
    containers.add(c);
    spec.add("containers", containers);
    pod.add("spec", spec);
    return uid(seed("v1", "Pod", namespace, pod));
  }

  /**
   * Creates a Node.
   *
   * @return its uid
   */
  public String createNode(String name) {
    return uid(seed("v1", "Node", "", named(name)));
  }

  /**
   * Creates a legacy token Secret ({@code kubernetes.io/service-account-token}) for a
   * ServiceAccount; the token controller fills in the token.
   *
   * @return the legacy token
   */
  public String createLegacyTokenSecret(String namespace, String serviceAccountName, String secretName) {
    JsonObject s = named(secretName);
    JsonObject ann = new JsonObject();
    ann.addProperty("kubernetes.io/service-account.name", serviceAccountName);
    ObjectStore.meta(s).add("annotations", ann);
    s.addProperty("type", "kubernetes.io/service-account-token");
    JsonObject created = seed("v1", "Secret", namespace, s);
    JsonObject data = created.getAsJsonObject("data");
    if (data == null || !data.has("token")) {
      throw new IllegalStateException("ServiceAccount " + namespace + "/" + serviceAccountName + " does not exist");
    }
    return new String(Base64.getDecoder().decode(data.get("token").getAsString()), StandardCharsets.UTF_8);
  }

  /**
   * Creates the objects of a JSON object, or of YAML holding one or more documents ({@code List}
   * kinds are expanded), as {@code kubectl create -f} would.
   *
   * @return "kind namespace/name" of each object created
   * @throws IllegalArgumentException for a kind the fake does not serve or input that is not a manifest
   * @throws IllegalStateException with the API server's message when an object is refused
   */
  public List<String> create(String manifests) {
    List<JsonObject> docs;
    String t = manifests.strip();
    try {
      docs = t.startsWith("{") ? List.of(BoundedJson.parse(t).getAsJsonObject()) : Yaml.documents(manifests);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a JSON or YAML manifest: " + e.getMessage());
    }
    List<String> out = new ArrayList<>();
    for (JsonObject d : docs) {
      if (Rbac.str(d, "kind").endsWith("List") && d.has("items")) {
        for (JsonElement item : d.getAsJsonArray("items")) {
          out.add(createOne(item.getAsJsonObject()));
        }
      } else {
        out.add(createOne(d));
      }
    }
    return out;
  }

  private String createOne(JsonObject d) {
    String kind = Rbac.str(d, "kind");
    String ns = Rbac.str(ObjectStore.meta(d), "namespace");
    ResourceType t = ResourceType.byKind(Rbac.str(d, "apiVersion"), kind);
    if (t == null) {
      throw new IllegalArgumentException("the fake API server does not serve " + Rbac.str(d, "apiVersion") + " " + kind);
    }
    if (t.namespaced && ns.isEmpty()) {
      ns = "default";
    }
    JsonObject created = seed(Rbac.str(d, "apiVersion"), kind, ns, d);
    return kind + " " + (t.namespaced ? ns + "/" : "") + Rbac.str(ObjectStore.meta(created), "name");
  }

  /** An object as JSON, as a GET would answer it. */
  public Optional<String> get(String apiVersion, String kind, String namespace, String name) {
    ResourceType t = ResourceType.byKind(apiVersion, kind);
    if (t == null) {
      return Optional.empty();
    }
    JsonObject o = store.get(t, namespace, name);
    return o == null ? Optional.empty() : Optional.of(o.toString());
  }

  /** Deletes an object (a namespace with all it holds). @return whether it existed */
  public boolean delete(String apiVersion, String kind, String namespace, String name) {
    ResourceType t = ResourceType.byKind(apiVersion, kind);
    if (t == null || store.delete(t, namespace, name) == null) {
      return false;
    }
    if (t == ResourceType.NAMESPACES) {
      store.deleteNamespaceContents(name);
    }
    return true;
  }

  // ------------------------------------------------------------------ faults and recording

  /**
   * Queues a fault for the next matching request; several queued for one endpoint form a scripted
   * sequence. {@code pathPattern} is a path where {@code *} matches within one segment and {@code
   * **} across segments.
   */
  public void enqueueFault(String method, String pathPattern, Fault fault) {
    faults.enqueue(method, pathPattern, fault);
  }

  /** Applies a fault to every matching request until {@link #clearFaults()}. */
  public void setFault(String method, String pathPattern, Fault fault) {
    faults.set(method, pathPattern, fault);
  }

  /** Removes every fault. */
  public void clearFaults() {
    faults.clear();
  }

  /** The requests received so far (the last {@value #MAX_RECORDED}), in order. */
  public List<RecordedRequest> requests() {
    return faults.requests();
  }

  /** How many requests matched the method and path pattern (see {@link #enqueueFault}). */
  public int requestCount(String method, String pathPattern) {
    return faults.count(method, pathPattern);
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    faults.clearRequests();
  }

  /** Adds unknown fields to every JSON answer, to prove that clients parse leniently. */
  public void unknownFields(boolean on) {
    front.unknownFields(on);
  }

  /** Stops serving and releases the port. */
  @Override
  public void close() {
    http.close();
  }

  @Override
  public String toString() {
    return "FakeKubernetesApiServer[" + url + "]";
  }

  /** Settings of a {@link FakeKubernetesApiServer}. */
  public static final class Builder {
    private int port;
    private boolean tls;
    private Clock clock = Clock.systemUTC();
    private @Nullable String issuer;
    private @Nullable KeyPair signingKey;
    private @Nullable String adminToken;
    private @Nullable List<String> apiAudiences;
    private @Nullable Duration maxTokenExpiration;
    private boolean extendTokenExpiration = true;
    private boolean unsecuredAnonymous;
    private Duration headTimeout = Http1Server.DEFAULT_HEAD_TIMEOUT;
    private Duration idleTimeout = Http1Server.DEFAULT_IDLE_TIMEOUT;
    private final List<java.security.PublicKey> verificationKeys = new ArrayList<>();

    private Builder() {}

    /**
     * The token signing key from PEM ({@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}), like
     * {@code --service-account-signing-key-file}.
     *
     * @throws IllegalArgumentException if it cannot be read
     */
    public Builder signingKeyPem(String pem) {
      this.signingKey = FakeTokenIssuer.readKeyPair(pem);
      return this;
    }

    /**
     * More keys that verify (but do not sign) ServiceAccount tokens, like extra
     * {@code --service-account-key-file} entries: tokens of a previous key, or of another issuer key.
     */
    public Builder verificationKeys(List<java.security.PublicKey> keys) {
      this.verificationKeys.addAll(keys);
      return this;
    }

    /** The port; default 0 (an ephemeral port). */
    public Builder port(int value) {
      if (value < 0 || value > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535: " + value);
      }
      this.port = value;
      return this;
    }

    /**
     * Serve HTTPS with the server's own CA; default plain HTTP. kubectl and client-go send bearer
     * tokens only over TLS (see {@link #unsecuredAnonymous(boolean)} for plain HTTP).
     */
    public Builder tls(boolean value) {
      this.tls = value;
      return this;
    }

    /** The clock of tokens, reviews and timestamps; default {@link Clock#systemUTC()}. */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** The ServiceAccount issuer ({@code --service-account-issuer}); default the server's URL. */
    public Builder issuer(String value) {
      this.issuer = Objects.requireNonNull(value, "issuer");
      return this;
    }

    /** The token signing key; default a fresh RSA-2048 key. */
    public Builder signingKey(KeyPair value) {
      this.signingKey = Objects.requireNonNull(value, "signingKey");
      return this;
    }

    /** The admin's static bearer token; default random. */
    public Builder adminToken(String value) {
      this.adminToken = Objects.requireNonNull(value, "adminToken");
      return this;
    }

    /** The API audiences ({@code --api-audiences}); default the issuer. */
    public Builder apiAudiences(List<String> values) {
      this.apiAudiences = List.copyOf(values);
      return this;
    }

    /** {@code --service-account-max-token-expiration}: longer TokenRequests are capped, with a warning. */
    public Builder maxTokenExpiration(Duration value) {
      this.maxTokenExpiration = Objects.requireNonNull(value, "maxTokenExpiration");
      return this;
    }

    /** {@code --service-account-extend-token-expiration}; default true. */
    public Builder extendTokenExpiration(boolean value) {
      this.extendTokenExpiration = value;
      return this;
    }

    /**
     * Over plain HTTP, answers a request without credentials as the API server's removed insecure
     * port did: as user {@code system:unsecured} in group {@code system:masters}; default false
     * ({@code system:anonymous}, which RBAC forbids almost everything). For clients that never send a
     * bearer token over {@code http://} (kubectl, client-go) to work with a plain-HTTP fake. A
     * request with a bearer token is still authenticated by its token. Only with {@code tls(false)}.
     */
    public Builder unsecuredAnonymous(boolean value) {
      this.unsecuredAnonymous = value;
      return this;
    }

    /** How long the TLS handshake, and a request head from its first byte, may take; default 10 s (tests shorten it). */
    Builder headTimeout(Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("headTimeout must be positive: " + value);
      }
      this.headTimeout = value;
      return this;
    }

    /** How long a kept-alive connection may wait for its next request; default 90 s as upstream (tests shorten it). */
    Builder idleTimeout(Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be positive: " + value);
      }
      this.idleTimeout = value;
      return this;
    }

    /**
     * Starts serving.
     *
     * @throws IllegalStateException with {@code tls(true)} and {@code unsecuredAnonymous(true)}
     * @throws UncheckedIOException if the port cannot be bound
     */
    public FakeKubernetesApiServer start() {
      if (tls && unsecuredAnonymous) {
        throw new IllegalStateException("unsecuredAnonymous(true) is for plain HTTP: a client over TLS sends its token");
      }
      try {
        return new FakeKubernetesApiServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the fake API server on port " + port, e);
      }
    }
  }
}
