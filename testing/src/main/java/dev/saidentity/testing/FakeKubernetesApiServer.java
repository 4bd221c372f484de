package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.saidentity.core.ServiceAccount;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
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
 * body once it passes the limit); JSON bodies nest at most 100 levels deep ({@code 400 BadRequest}).
 */
public final class FakeKubernetesApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FakeKubernetesApiServer.class);
  /** A request body is read up to this size, as the API server's default {@code MaxRequestBodyBytes} (3 MiB). */
  static final int MAX_BODY = 3 << 20;

  private final HttpServer http;
  private final ExecutorService executor;
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
  /** The most recent requests (at most {@link #MAX_RECORDED}), oldest first. */
  private final java.util.concurrent.ConcurrentLinkedDeque<RecordedRequest> requests = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private final java.util.concurrent.atomic.AtomicInteger recorded = new java.util.concurrent.atomic.AtomicInteger();
  /** How many requests are kept for {@link #requests()}: a long-running fake does not grow without bound. */
  public static final int MAX_RECORDED = 10_000;
  private final List<FaultRule> faults = new ArrayList<>();
  private volatile boolean unknownFields;

  private static final class FaultRule {
    final String method;
    final Pattern path;
    final Deque<Fault> queue;
    final @Nullable Fault always;

    FaultRule(String method, Pattern path, Deque<Fault> queue, @Nullable Fault always) {
      this.method = method;
      this.path = path;
      this.queue = queue;
      this.always = always;
    }
  }

  private FakeKubernetesApiServer(Builder b) throws IOException {
    this.clock = b.clock;
    this.tls = b.tls ? Tls.create() : null;
    InetSocketAddress addr = new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port);
    if (tls != null) {
      HttpsServer s = HttpsServer.create(addr, 64);
      s.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext));
      this.http = s;
    } else {
      this.http = HttpServer.create(addr, 64);
    }
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "sa-identity-fake-apiserver-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    this.url = (tls != null ? "https" : "http") + "://127.0.0.1:" + http.getAddress().getPort();
    FakeTokenIssuer.Builder ib = FakeTokenIssuer.builder().issuer(b.issuer != null ? b.issuer : url).clock(clock);
    if (b.signingKey != null) {
      ib.keyPair(b.signingKey);
    }
    this.issuer = ib.build();
    this.apiAudiences = b.apiAudiences != null ? List.copyOf(b.apiAudiences) : List.of(issuer.issuer());
    this.adminToken = b.adminToken != null ? b.adminToken : randomToken();
    this.maxTokenExpirationSeconds = b.maxTokenExpiration == null ? 0 : b.maxTokenExpiration.getSeconds();
    this.extendTokenExpiration = b.extendTokenExpiration;
    this.store = new ObjectStore(clock);
    this.rbac = new Rbac(store);
    this.handler = new ApiHandler(this, store, rbac);
    List<java.security.PublicKey> verification = new ArrayList<>();
    verification.add(issuer.publicKey());
    verification.addAll(b.verificationKeys);
    this.authenticator = new Authenticator(adminToken, issuer.issuer(), apiAudiences, dev.saidentity.core.KeySource.of(verification), clock, store);
    bootstrap();
    http.createContext("/", this::serve);
    http.start();
    LOG.debug("fake API server serving at {}", url);
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
    return http.getAddress().getPort();
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

  /** A kubeconfig for this server whose user is the admin. */
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

  private JsonObject seed(String apiVersion, String kind, String ns, JsonObject obj) {
    ResourceType t = ResourceType.byKind(apiVersion, kind);
    if (t == null) {
      throw new IllegalArgumentException("the fake API server does not serve " + apiVersion + " " + kind);
    }
    try {
      return handler.create(t, ns, obj, false, true);
    } catch (StatusError e) {
      throw new IllegalStateException(e.getMessage());
    }
  }

  private static JsonObject named(String name) {
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
    synchronized (faults) {
      for (FaultRule r : faults) {
        if (r.always == null && r.method.equals(method) && r.path.pattern().equals(glob(pathPattern).pattern())) {
          r.queue.add(fault);
          return;
        }
      }
      Deque<Fault> q = new ArrayDeque<>();
      q.add(fault);
      faults.add(new FaultRule(method.toUpperCase(Locale.ROOT), glob(pathPattern), q, null));
    }
  }

  /** Applies a fault to every matching request until {@link #clearFaults()}. */
  public void setFault(String method, String pathPattern, Fault fault) {
    synchronized (faults) {
      faults.add(new FaultRule(method.toUpperCase(Locale.ROOT), glob(pathPattern), new ArrayDeque<>(), fault));
    }
  }

  /** Removes every fault. */
  public void clearFaults() {
    synchronized (faults) {
      faults.clear();
    }
  }

  private static Pattern glob(String p) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '*') {
        if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
          re.append(".*");
          i++;
        } else {
          re.append("[^/]*");
        }
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  private @Nullable Fault nextFault(String method, String path) {
    synchronized (faults) {
      for (FaultRule r : faults) {
        if ((r.method.equals("*") || r.method.equals(method)) && r.path.matcher(path).matches()) {
          if (r.always != null) {
            return r.always;
          }
          Fault f = r.queue.poll();
          if (f != null) {
            return f;
          }
        }
      }
      return null;
    }
  }

  /** The requests received so far (the last {@value #MAX_RECORDED}), in order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** How many requests matched the method and path pattern (see {@link #enqueueFault}). */
  public int requestCount(String method, String pathPattern) {
    Pattern p = glob(pathPattern);
    int n = 0;
    for (RecordedRequest r : requests) {
      if (r.method().equals(method) && p.matcher(r.path()).matches()) {
        n++;
      }
    }
    return n;
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requests.clear();
    recorded.set(0);
  }

  /** Adds unknown fields to every JSON answer, to prove that clients parse leniently. */
  public void unknownFields(boolean on) {
    this.unknownFields = on;
  }

  // ------------------------------------------------------------------ HTTP

  private void serve(HttpExchange ex) {
    try {
      String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
      String path = ex.getRequestURI().getRawPath();
      String rawQuery = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
      // Decided while reading: an announced length over the cap is refused before any byte of the body
      // is read; a chunked body is read up to one byte past the cap. The JDK server drains at most
      // 64 KiB of what is left when the exchange closes, then drops the connection.
      byte[] body = new byte[0];
      boolean tooLarge = contentLength(ex) > MAX_BODY;
      if (!tooLarge) {
        try (InputStream in = ex.getRequestBody()) {
          body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
          tooLarge = true;
          body = new byte[0];
        }
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      Rbac.User user;
      StatusError authError = null;
      if (auth == null || auth.isBlank()) {
        user = Authenticator.anonymous();
      } else if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        Authenticator.Result r = authenticator.authenticate(auth.substring(7).strip(), null);
        user = r.user != null ? r.user : Authenticator.anonymous();
        if (r.user == null) {
          authError = StatusError.unauthorized();
        }
      } else {
        user = Authenticator.anonymous();
        authError = StatusError.unauthorized();
      }
      String impersonate = ex.getRequestHeaders().getFirst("Impersonate-User");
      if (authError == null && impersonate != null && !impersonate.isBlank()) {
        try {
          user = impersonate(user, impersonate, ex.getRequestHeaders().getOrDefault("Impersonate-Group", List.of()));
        } catch (StatusError e) {
          authError = e;
        }
      }
      requests.add(new RecordedRequest(method, path, rawQuery, headers, body, authError == null ? user.name : "(unauthenticated)",
          clock.instant()));
      if (recorded.incrementAndGet() > MAX_RECORDED && requests.pollFirst() != null) {
        recorded.decrementAndGet();
      }
      Fault fault = nextFault(method, path);
      if (fault != null) {
        if (!fault.delay().isZero()) {
          Thread.sleep(fault.delay().toMillis());
        }
        if (fault.drop()) {
          ex.close();
          return;
        }
        if (fault.status() != 0) {
          StatusError e = new StatusError(fault.status(), reasonFor(fault.status()), "injected fault: HTTP " + fault.status(), null);
          ApiResponse r = ApiResponse.json(fault.status(), e.toStatus());
          if (fault.retryAfter() != null) {
            r.headers.put("Retry-After", Long.toString(Math.max(1, fault.retryAfter().getSeconds())));
          }
          send(ex, r, method);
          return;
        }
      }
      ApiResponse r;
      if (authError != null) {
        r = ApiResponse.json(authError.code, authError.toStatus());
      } else if (tooLarge) {
        // Upstream's words (apiserver's limitedReadBody): "Request entity too large: limit is 3145728".
        r = ApiResponse.json(413, new StatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is " + MAX_BODY, null)
            .toStatus());
      } else {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        try {
          r = handler.handle(new ApiRequest(method, URLDecoder.decode(path, StandardCharsets.UTF_8), query(rawQuery),
              ct == null ? "" : ct, body, user));
        } catch (StatusError e) {
          r = ApiResponse.json(e.code, e.toStatus());
        } catch (RuntimeException e) {
          LOG.warn("fake API server failed on {} {}: {}", method, path, e.getClass().getName());
          r = ApiResponse.json(500,
              new StatusError(500, "InternalError", "Internal error occurred: " + e.getClass().getSimpleName(), null).toStatus());
        }
      }
      send(ex, r, method);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ex.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("fake API server: exchange failed: {}", e.getClass().getName());
      ex.close();
    }
  }

  /** The request's Content-Length, -1 when absent (chunked) or unreadable, {@code Long.MAX_VALUE} when too big for a long. */
  private static long contentLength(HttpExchange ex) {
    String v = ex.getRequestHeaders().getFirst("Content-Length");
    if (v == null || v.isBlank()) {
      return -1;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return v.strip().chars().allMatch(Character::isDigit) ? Long.MAX_VALUE : -1;
    }
  }

  /** Impersonation as the API server does it: the caller needs {@code impersonate} on the user (or ServiceAccount) and groups. */
  private Rbac.User impersonate(Rbac.User caller, String name, List<String> groups) {
    // As upstream's buildImpersonationRequests: a name that SplitUsername takes is a ServiceAccount,
    // anything else (a malformed system:serviceaccount:... included) is a plain user.
    ServiceAccount target = null;
    if (name.startsWith(ServiceAccount.USERNAME_PREFIX)) {
      try {
        target = ServiceAccount.fromUsername(name);
      } catch (IllegalArgumentException notAServiceAccount) {
        target = null;
      }
    }
    boolean sa = target != null;
    Rbac.Attributes a;
    if (target != null) {
      a = Rbac.Attributes.resource("impersonate", "", "serviceaccounts", "", target.namespace(), target.name());
    } else {
      a = Rbac.Attributes.resource("impersonate", "", "users", "", "", name);
    }
    if (!rbac.allowed(caller, a)) {
      throw new StatusError(403, "Forbidden", (sa ? "serviceaccounts" : "users") + " \"" + name + "\" is forbidden: User \"" + caller.name
          + "\" cannot impersonate resource \"" + (sa ? "serviceaccounts" : "users") + "\" in API group \"\"", null);
    }
    List<String> all = new ArrayList<>();
    if (target != null) {
      all.addAll(target.groups());
    }
    for (String g : groups) {
      if (!rbac.allowed(caller, Rbac.Attributes.resource("impersonate", "", "groups", "", "", g))) {
        throw new StatusError(403, "Forbidden", "groups \"" + g + "\" is forbidden: User \"" + caller.name
            + "\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope", null);
      }
      all.add(g);
    }
    if (!name.equals("system:anonymous") && !all.contains("system:authenticated")) {
      all.add("system:authenticated");
    }
    return new Rbac.User(name, "", List.copyOf(all), Map.of());
  }

  private static String reasonFor(int code) {
    switch (code) {
      case 400:
        return "BadRequest";
      case 401:
        return "Unauthorized";
      case 403:
        return "Forbidden";
      case 404:
        return "NotFound";
      case 409:
        return "Conflict";
      case 429:
        return "TooManyRequests";
      case 500:
        return "InternalError";
      case 503:
        return "ServiceUnavailable";
      case 504:
        return "Timeout";
      default:
        return "Unknown";
    }
  }

  private void send(HttpExchange ex, ApiResponse r, String method) throws IOException {
    byte[] body = r.body;
    if (unknownFields && r.contentType.startsWith("application/json") && body.length > 0) {
      JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
      injectUnknown(e, 0);
      body = e.toString().getBytes(StandardCharsets.UTF_8);
    }
    ex.getResponseHeaders().set("Content-Type", r.contentType);
    ex.getResponseHeaders().set("Audit-Id", java.util.UUID.randomUUID().toString());
    r.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    if (method.equals("HEAD")) {
      ex.sendResponseHeaders(r.code, -1);
      ex.close();
      return;
    }
    if (r.stream != null) {
      ex.sendResponseHeaders(r.code, 0); // chunked
      try (OutputStream out = ex.getResponseBody()) {
        r.stream.writeTo(out);
      }
      return;
    }
    ex.sendResponseHeaders(r.code, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Adds {@code "saIdentityUnknownField"} to every object, a few levels deep. */
  private static void injectUnknown(JsonElement e, int depth) {
    if (depth > 4) {
      return;
    }
    if (e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> c : e.getAsJsonObject().entrySet()) {
        injectUnknown(c.getValue(), depth + 1);
      }
      e.getAsJsonObject().addProperty("saIdentityUnknownField", "clients must ignore this");
    } else if (e.isJsonArray()) {
      for (JsonElement c : e.getAsJsonArray()) {
        injectUnknown(c, depth + 1);
      }
    }
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    if (raw.isEmpty()) {
      return q;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return q;
  }

  /** Stops serving and releases the port. */
  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "FakeKubernetesApiServer[" + url + "]";
  }

  // ------------------------------------------------------------------ bootstrap

  private void bootstrap() {
    for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
      createNamespace(ns);
    }
    clusterRole("cluster-admin", rule(List.of("*"), List.of("*"), List.of("*")), nonResourceRule(List.of("*"), List.of("*")));
    clusterRole("view", rule(List.of(""), List.of("pods", "serviceaccounts", "configmaps", "namespaces"), List.of("get", "list", "watch")),
        rule(List.of("rbac.authorization.k8s.io"), List.of("roles", "rolebindings"), List.of("get", "list", "watch")));
    clusterRole("edit", rule(List.of(""), List.of("pods", "serviceaccounts", "configmaps", "secrets"), List.of("*")),
        rule(List.of(""), List.of("serviceaccounts/token"), List.of("create")));
    clusterRole("system:basic-user", rule(List.of("authorization.k8s.io"), List.of("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
        List.of("create")), rule(List.of("authentication.k8s.io"), List.of("selfsubjectreviews"), List.of("create")));
    clusterRole("system:public-info-viewer", nonResourceRule(List.of("get"), List.of("/healthz", "/livez", "/readyz", "/version", "/version/")));
    clusterRole("system:discovery", nonResourceRule(List.of("get"), List.of("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
        "/openapi", "/openapi/*", "/readyz", "/version", "/version/")));
    clusterRole("system:service-account-issuer-discovery",
        nonResourceRule(List.of("get"), List.of("/.well-known/openid-configuration", "/.well-known/openid-configuration/",
            "/openid/v1/jwks", "/openid/v1/jwks/")));
    clusterRole("system:auth-delegator", rule(List.of("authentication.k8s.io"), List.of("tokenreviews"), List.of("create")),
        rule(List.of("authorization.k8s.io"), List.of("subjectaccessreviews"), List.of("create")));
    bind("cluster-admin", "cluster-admin", "Group", "system:masters");
    bind("system:basic-user", "system:basic-user", "Group", "system:authenticated");
    bind("system:public-info-viewer", "system:public-info-viewer", "Group", "system:authenticated", "Group", "system:unauthenticated");
    bind("system:discovery", "system:discovery", "Group", "system:authenticated");
    bind("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", "Group", "system:serviceaccounts");
  }

  private static JsonObject rule(List<String> groups, List<String> resources, List<String> verbs) {
    JsonObject r = new JsonObject();
    r.add("apiGroups", Rbac.arr(groups.toArray(new String[0])));
    r.add("resources", Rbac.arr(resources.toArray(new String[0])));
    r.add("verbs", Rbac.arr(verbs.toArray(new String[0])));
    return r;
  }

  private static JsonObject nonResourceRule(List<String> verbs, List<String> urls) {
    JsonObject r = new JsonObject();
    r.add("nonResourceURLs", Rbac.arr(urls.toArray(new String[0])));
    r.add("verbs", Rbac.arr(verbs.toArray(new String[0])));
    return r;
  }

  private void clusterRole(String name, JsonObject... rules) {
    JsonObject role = named(name);
    JsonObject labels = new JsonObject();
    labels.addProperty("kubernetes.io/bootstrapping", "rbac-defaults");
    ObjectStore.meta(role).add("labels", labels);
    JsonArray a = new JsonArray();
    for (JsonObject r : rules) {
      a.add(r);
    }
    role.add("rules", a);
    seed("rbac.authorization.k8s.io/v1", "ClusterRole", "", role);
  }

  private void bind(String name, String clusterRole, String... subjects) {
    JsonObject b = named(name);
    JsonObject labels = new JsonObject();
    labels.addProperty("kubernetes.io/bootstrapping", "rbac-defaults");
    ObjectStore.meta(b).add("labels", labels);
    JsonObject ref = new JsonObject();
    ref.addProperty("apiGroup", "rbac.authorization.k8s.io");
    ref.addProperty("kind", "ClusterRole");
    ref.addProperty("name", clusterRole);
    b.add("roleRef", ref);
    JsonArray subs = new JsonArray();
    for (int i = 0; i < subjects.length; i += 2) {
      JsonObject s = new JsonObject();
      s.addProperty("apiGroup", "rbac.authorization.k8s.io");
      s.addProperty("kind", subjects[i]);
      s.addProperty("name", subjects[i + 1]);
      subs.add(s);
    }
    b.add("subjects", subs);
    seed("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", b);
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

    /** Serve HTTPS with the server's own CA; default plain HTTP. */
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
     * Starts serving.
     *
     * @throws UncheckedIOException if the port cannot be bound
     */
    public FakeKubernetesApiServer start() {
      try {
        return new FakeKubernetesApiServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the fake API server on port " + port, e);
      }
    }
  }
}
