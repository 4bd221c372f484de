package dev.saidentity.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.internal.KeySet;
import dev.saidentity.core.internal.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verification keys fetched over HTTP(S) from a JWKS URL, or found through OpenID Connect discovery
 * ({@code <issuer>/.well-known/openid-configuration}, then its {@code jwks_uri}), as the API server
 * publishes them.
 *
 * <pre>{@code
 * RemoteKeySource keys = RemoteKeySource.discovery(URI.create("https://kubernetes.default.svc"))
 *     .caCertificatesFile(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"))
 *     .bearerToken(() -> Files.readString(tokenPath).strip())  // the discovery endpoints may need auth
 *     .build();
 * }</pre>
 *
 * <p>Time is the validating {@link TokenValidator}'s clock. Keys are fetched on first use and cached for the response's {@code Cache-Control: max-age}
 * (default 1 hour). A token whose kid is unknown triggers a refetch, at most once per {@link
 * Builder#minRefetchInterval(Duration) minimum refetch interval} (default 30 s), as does an expired
 * cache whose refresh failed. When a fetch fails the last good key set stays in use. HTTPS is
 * required except to loopback hosts. Header URLs in tokens ({@code jku}, {@code x5u}) are never
 * fetched. Thread-safe; at most one fetch runs at a time.
 */
public final class RemoteKeySource extends KeySource {

  private static final Logger LOG = LoggerFactory.getLogger(RemoteKeySource.class);
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d{1,10})\"?");
  private static final int MAX_BODY = 1 << 20;

  private final @Nullable URI jwksUri;
  private final @Nullable URI issuer;
  private final HttpClient http;
  private final @Nullable Supplier<String> bearer;
  private final Duration minRefetch;
  private final Duration defaultMaxAge;
  private final Duration timeout;

  private volatile KeySet keys = KeySet.EMPTY;
  private volatile Instant expiresAt = Instant.MIN;
  private @Nullable Instant lastAttempt;
  private volatile String lastError = "";

  private RemoteKeySource(Builder b) {
    this.jwksUri = b.jwksUri;
    this.issuer = b.issuer;
    this.bearer = b.bearer;
    this.minRefetch = b.minRefetch;
    this.defaultMaxAge = b.defaultMaxAge;
    this.timeout = b.timeout;
    HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(b.timeout).followRedirects(HttpClient.Redirect.NEVER);
    if (b.sslContext != null) {
      hb.sslContext(b.sslContext);
    }
    this.http = hb.build();
  }

  /** Keys from a JWKS URL. */
  public static Builder jwks(URI jwksUri) {
    Builder b = new Builder();
    b.jwksUri = checkUrl(Objects.requireNonNull(jwksUri, "jwksUri"), "JWKS URL");
    return b;
  }

  /**
   * Keys found by OIDC discovery from an issuer URL; the discovery document's {@code issuer} must
   * equal it exactly.
   */
  public static Builder discovery(URI issuer) {
    Builder b = new Builder();
    b.issuer = checkUrl(Objects.requireNonNull(issuer, "issuer"), "issuer URL");
    return b;
  }

  @Override
  KeySet current(Instant now) {
    if (now.isBefore(expiresAt)) {
      return keys;
    }
    return refresh(now, false);
  }

  @Override
  KeySet unknownKid(Instant now) {
    return refresh(now, true);
  }

  @Override
  String unavailableReason() {
    return lastError;
  }

  /** Fetches now unless a fetch was attempted within the minimum refetch interval. */
  private synchronized KeySet refresh(Instant now, boolean force) {
    if (!force && now.isBefore(expiresAt)) {
      return keys;
    }
    if (lastAttempt != null && now.isBefore(lastAttempt.plus(minRefetch)) && !now.isBefore(lastAttempt)) {
      return keys;
    }
    lastAttempt = now;
    try {
      URI uri = jwksUri != null ? jwksUri : discoverJwksUri();
      Fetched f = get(uri, "application/jwk-set+json, application/json");
      KeySet fresh = KeySource.jwks(f.body, "JWKS from " + uri);
      keys = fresh;
      expiresAt = now.plus(f.maxAge);
      lastError = "";
      LOG.debug("fetched {} keys from {}, cached for {}", fresh.all().size(), uri, f.maxAge);
    } catch (KeySourceException e) {
      lastError = e.getMessage();
      LOG.warn("could not refresh verification keys, keeping the {} last good ones: {}", keys.all().size(), e.getMessage());
    }
    return keys;
  }

  private URI discoverJwksUri() {
    String base = Objects.requireNonNull(issuer).toString();
    String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    URI configUri = URI.create(trimmed + "/.well-known/openid-configuration");
    Fetched f = get(configUri, "application/json");
    JsonObject doc;
    try {
      JsonElement e = JsonParser.parseString(f.body);
      doc = e.getAsJsonObject();
    } catch (RuntimeException e) {
      throw new KeySourceException("discovery document at " + configUri + " is not a JSON object");
    }
    String docIssuer = stringMember(doc, "issuer");
    if (!base.equals(docIssuer)) {
      throw new KeySourceException("discovery document at " + configUri + " names issuer " + quote(docIssuer)
          + ", expected exactly " + quote(base));
    }
    String jwks = stringMember(doc, "jwks_uri");
    if (jwks == null || jwks.isEmpty()) {
      throw new KeySourceException("discovery document at " + configUri + " has no jwks_uri");
    }
    try {
      return checkUrl(URI.create(jwks), "jwks_uri");
    } catch (IllegalArgumentException e) {
      throw new KeySourceException("discovery document at " + configUri + ": " + e.getMessage());
    }
  }

  private static @Nullable String stringMember(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
  }

  private static String quote(@Nullable String s) {
    return s == null ? "none" : "\"" + s + "\"";
  }

  private static final class Fetched {
    final String body;
    final Duration maxAge;

    Fetched(String body, Duration maxAge) {
      this.body = body;
      this.maxAge = maxAge;
    }
  }

  private Fetched get(URI uri, String accept) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", accept).GET();
    if (bearer != null) {
      String token = bearer.get();
      if (token != null && !token.isBlank()) {
        rb.header("Authorization", "Bearer " + token.strip());
      }
    }
    HttpResponse<byte[]> resp;
    try {
      resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new KeySourceException("GET " + uri + " failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KeySourceException("GET " + uri + " was interrupted");
    }
    if (resp.statusCode() != 200) {
      throw new KeySourceException("GET " + uri + " answered HTTP " + resp.statusCode());
    }
    if (resp.body().length > MAX_BODY) {
      throw new KeySourceException("GET " + uri + " answered more than " + MAX_BODY + " bytes");
    }
    Duration maxAge = defaultMaxAge;
    String cc = resp.headers().firstValue("Cache-Control").orElse("").toLowerCase(Locale.ROOT);
    Matcher m = MAX_AGE.matcher(cc);
    if (cc.contains("no-store") || cc.contains("no-cache")) {
      maxAge = Duration.ZERO;
    } else if (m.find()) {
      maxAge = Duration.ofSeconds(Long.parseLong(m.group(1)));
    }
    return new Fetched(new String(resp.body(), StandardCharsets.UTF_8), maxAge);
  }

  static URI checkUrl(URI uri, String what) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(what + " must be an absolute https URL, got " + uri);
    }
    if (scheme.equals("http") && !isLoopback(uri.getHost())) {
      throw new IllegalArgumentException(what + " must use https (plain http is allowed only for loopback), got " + uri);
    }
    return uri;
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127(\\.\\d{1,3}){3}");
  }

  @Override
  public String toString() {
    return "RemoteKeySource[" + (jwksUri != null ? "jwks " + jwksUri : "discovery " + issuer) + "]";
  }

  /** Settings of a {@link RemoteKeySource}. Not thread-safe; build once. */
  public static final class Builder {
    private @Nullable URI jwksUri;
    private @Nullable URI issuer;
    private @Nullable SSLContext sslContext;
    private @Nullable Supplier<String> bearer;
    private Duration minRefetch = Duration.ofSeconds(30);
    private Duration defaultMaxAge = Duration.ofHours(1);
    private Duration timeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Trust only the CA certificates in this PEM file (e.g. the pod's {@code ca.crt}) instead of
     * the JVM's default trust store.
     *
     * @throws KeySourceException if the file cannot be read or holds no certificate
     */
    public Builder caCertificatesFile(Path pemFile) {
      try {
        return caCertificates(Files.readString(pemFile));
      } catch (IOException e) {
        throw new KeySourceException("cannot read CA file " + pemFile + ": " + e.getClass().getSimpleName(), e);
      }
    }

    /**
     * Trust only the CA certificates in this PEM text.
     *
     * @throws KeySourceException if it holds no certificate
     */
    public Builder caCertificates(String pem) {
      this.sslContext = sslContextTrusting(pem);
      return this;
    }

    /** Use this TLS context (for example with client certificates). */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** Send {@code Authorization: Bearer <token>} with each fetch; the supplier is asked every time. */
    public Builder bearerToken(Supplier<String> token) {
      this.bearer = Objects.requireNonNull(token, "token");
      return this;
    }

    /**
     * At most one fetch per this interval for unknown kids or failed refreshes; default 30 s.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder minRefetchInterval(Duration interval) {
      if (interval.isNegative()) {
        throw new IllegalArgumentException("minRefetchInterval must not be negative: " + interval);
      }
      this.minRefetch = interval;
      return this;
    }

    /**
     * How long keys are cached when the response has no {@code max-age}; default 1 hour.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder defaultMaxAge(Duration maxAge) {
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("defaultMaxAge must not be negative: " + maxAge);
      }
      this.defaultMaxAge = maxAge;
      return this;
    }

    /**
     * Connect and request timeout; default 10 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** The key source; nothing is fetched until a token is validated. */
    public RemoteKeySource build() {
      return new RemoteKeySource(this);
    }
  }

  static SSLContext sslContextTrusting(String pem) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int n = 0;
      for (Object[] block : Pem.blocks(pem)) {
        if ("CERTIFICATE".equals(block[0])) {
          Certificate c = cf.generateCertificate(new ByteArrayInputStream((byte[]) block[1]));
          ks.setCertificateEntry("ca-" + n++, c);
        }
      }
      if (n == 0) {
        throw new KeySourceException("no PEM CERTIFICATE block in the CA bundle");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      throw new KeySourceException("cannot build a trust store from the CA bundle: " + e.getClass().getSimpleName(), e);
    }
  }
}
