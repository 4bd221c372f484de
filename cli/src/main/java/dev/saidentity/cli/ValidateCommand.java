package dev.saidentity.cli;

import com.google.gson.stream.JsonWriter;
import dev.saidentity.core.KeySource;
import dev.saidentity.core.KeySourceException;
import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.ValidationResult;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sa-identity validate [TOKEN] ...}. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Validate a ServiceAccount token offline, as the Kubernetes API server does, and print one JSON object:",
      "{\"valid\":true, ...the decode keys...} with exit 0, or {\"valid\":false,\"reason\":REASON,\"message\":...} with exit 1.",
      "Usage errors exit 2."
    })
final class ValidateCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN",
      description = "The token; read from standard input when absent or '-'.")
  @Nullable String token;

  @Option(names = "--jwks", paramLabel = "FILE|URL", description = "Verification keys from a JWKS file or https URL (http only to loopback).")
  @Nullable String jwks;

  @Option(names = "--public-key", paramLabel = "PEM_FILE",
      description = "Verification keys from a PEM file (public keys, certificates or private keys, several per file). Repeatable.")
  List<Path> publicKeys = new ArrayList<>();

  @Option(names = "--discovery", paramLabel = "ISSUER_URL",
      description = "Find the keys by OIDC discovery from this issuer URL; it is also accepted as an issuer.")
  @Nullable URI discovery;

  @Option(names = "--ca-cert", paramLabel = "PEM_FILE", description = "Trust these CA certificates for --jwks URL and --discovery (e.g. the pod's ca.crt).")
  @Nullable Path caCert;

  @Option(names = "--issuer", paramLabel = "ISSUER", description = "An accepted issuer (exact match). Repeatable.")
  List<String> issuers = new ArrayList<>();

  @Option(names = "--audience", paramLabel = "AUDIENCE", description = "A required audience; any one suffices. Repeatable. Default: the issuers.")
  List<String> audiences = new ArrayList<>();

  @Option(names = "--allow-legacy", description = "Accept legacy (Secret-based) tokens, which never expire, under the issuer kubernetes/serviceaccount only.")
  boolean allowLegacy;

  @Option(names = "--leeway", paramLabel = "SECONDS", description = "Clock-skew leeway for nbf, exp and iat (default: ${DEFAULT-VALUE}).", defaultValue = "60")
  long leewaySeconds;

  @Option(names = "--at", paramLabel = "RFC3339", description = "Evaluate at this instant instead of now, e.g. 2026-01-01T00:00:00Z.")
  @Nullable String at;

  @Override
  public Integer call() throws Exception {
    CommandSpec s = Objects.requireNonNull(spec);
    if (leewaySeconds < 0) {
      throw new ParameterException(s.commandLine(), "--leeway must not be negative: " + leewaySeconds);
    }
    Instant when = null;
    if (at != null) {
      try {
        when = OffsetDateTime.parse(at).toInstant();
      } catch (DateTimeParseException e) {
        throw new ParameterException(s.commandLine(), "--at must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got '" + at + "'");
      }
    }
    if (jwks == null && publicKeys.isEmpty() && discovery == null) {
      throw new ParameterException(s.commandLine(), "one of --jwks, --public-key or --discovery is required");
    }
    TokenValidator validator;
    try {
      validator = validator(when);
    } catch (KeySourceException | IllegalArgumentException | IllegalStateException e) {
      throw new ParameterException(s.commandLine(), e.getMessage());
    }
    String text = TokenInput.read(token, System.in);
    ValidationResult r = when == null ? validator.tryValidate(text) : validator.tryValidateAt(text, when);
    StringWriter sw = new StringWriter();
    JsonWriter w = TokenJson.writer(sw);
    w.beginObject();
    w.name("valid").value(r.isValid());
    if (r.isValid()) {
      TokenJson.writeToken(w, r.token().orElseThrow().claims());
    } else {
      w.name("reason").value(r.reason().orElseThrow().name());
      w.name("message").value(r.message());
    }
    w.endObject();
    w.flush();
    s.commandLine().getOut().println(sw);
    return r.isValid() ? 0 : Main.EXIT_INVALID;
  }

  private TokenValidator validator(@Nullable Instant when) {
    List<KeySource> sources = new ArrayList<>();
    for (Path p : publicKeys) {
      sources.add(KeySource.fromPemFile(p));
    }
    if (jwks != null) {
      if (jwks.startsWith("https://") || jwks.startsWith("http://")) {
        RemoteKeySource.Builder b = RemoteKeySource.jwks(URI.create(jwks));
        if (caCert != null) {
          b.caCertificatesFile(caCert);
        }
        sources.add(b.build());
      } else {
        sources.add(KeySource.fromJwksFile(Path.of(jwks)));
      }
    }
    TokenValidator.Builder vb = TokenValidator.builder();
    if (discovery != null) {
      RemoteKeySource.Builder b = RemoteKeySource.discovery(discovery);
      if (caCert != null) {
        b.caCertificatesFile(caCert);
      }
      sources.add(b.build());
      vb.issuer(discovery.toString());
    }
    if (issuers.isEmpty() && discovery == null && !allowLegacy) {
      throw new IllegalArgumentException("--issuer is required (or --discovery, whose URL is then the issuer, or --allow-legacy)");
    }
    vb.issuers(issuers).audiences(audiences).allowLegacyTokens(allowLegacy).leeway(Duration.ofSeconds(leewaySeconds))
        .keys(KeySource.anyOf(sources.toArray(new KeySource[0])))
        .cacheSize(0);
    return vb.build();
  }
}
