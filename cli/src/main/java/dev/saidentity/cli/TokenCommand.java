package dev.saidentity.cli;

import com.google.gson.stream.JsonWriter;
import dev.saidentity.tokenrequest.BoundObject;
import dev.saidentity.tokenrequest.IssuedToken;
import dev.saidentity.tokenrequest.TokenRequestClient;
import dev.saidentity.tokenrequest.TokenRequestException;
import dev.saidentity.tokenrequest.TokenRequestSpec;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sa-identity token NAME}: kubectl's {@code create token}. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Request a ServiceAccount token from the TokenRequest API and print it (like kubectl create token).",
      "Exit 0 on success, 1 when the API server refuses (the message says what to do), 2 on usage errors."
    })
final class TokenCommand implements Callable<Integer> {

  private static final Pattern DURATION = Pattern.compile("(\\d+)(h|m|s)");

  @Spec
  @Nullable CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The ServiceAccount.")
  String name = "";

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The namespace (default: the kubeconfig context's).")
  @Nullable String namespace;

  @Option(names = "--audience", paramLabel = "A", description = "An audience (repeatable; default: the API server's own).")
  List<String> audiences = new ArrayList<>();

  @Option(names = "--duration", paramLabel = "D", description = "Requested lifetime, e.g. 10m, 1h, 1h30m, 3600s (default 1h; at least 10m).")
  @Nullable String duration;

  @Option(names = "--bound-object-kind", paramLabel = "K", description = "Pod, Secret or Node.")
  @Nullable String boundKind;

  @Option(names = "--bound-object-name", paramLabel = "N", description = "The bound object's name.")
  @Nullable String boundName;

  @Option(names = "--bound-object-uid", paramLabel = "U", description = "The bound object's uid.")
  @Nullable String boundUid;

  @Option(names = "--kubeconfig", paramLabel = "F", description = "The kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster).")
  @Nullable Path kubeconfig;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json: print the TokenRequest status instead of the bare token.")
  @Nullable String output;

  static Duration parseDuration(String text) {
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    Matcher m = DURATION.matcher(text);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        throw new IllegalArgumentException("--duration must look like 10m, 1h, 1h30m or 3600s, got '" + text + "'");
      }
      long n = Long.parseLong(m.group(1));
      d = d.plus(m.group(2).equals("h") ? Duration.ofHours(n) : m.group(2).equals("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n));
      end = m.end();
    }
    if (end != text.length() || end == 0) {
      throw new IllegalArgumentException("--duration must look like 10m, 1h, 1h30m or 3600s, got '" + text + "'");
    }
    return d;
  }

  @Override
  public Integer call() throws Exception {
    CommandSpec s = Objects.requireNonNull(spec);
    if (output != null && !output.equals("json")) {
      throw new ParameterException(s.commandLine(), "--output supports only json, got '" + output + "'");
    }
    if ((boundKind == null) != (boundName == null) || (boundUid != null && boundKind == null)) {
      throw new ParameterException(s.commandLine(), "--bound-object-kind and --bound-object-name go together (--bound-object-uid needs both)");
    }
    Kube kube;
    TokenRequestSpec req;
    try {
      kube = Kube.connect(kubeconfig);
      TokenRequestSpec.Builder b = TokenRequestSpec.builder(namespace != null ? namespace : kube.namespace, name);
      if (audiences.isEmpty()) {
        b.apiAudiences();
      } else {
        b.audiences(audiences);
      }
      if (duration != null) {
        b.expiration(parseDuration(duration));
      }
      if (boundKind != null) {
        BoundObject.Kind k = BoundObject.Kind.of(boundKind);
        b.boundTo(new BoundObject(k, Objects.requireNonNull(boundName), java.util.Optional.ofNullable(boundUid).filter(u -> !u.isEmpty())));
      }
      req = b.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(s.commandLine(), e.getMessage());
    }
    IssuedToken t;
    try {
      t = TokenRequestClient.create(kube.client).request(req);
    } catch (TokenRequestException e) {
      s.commandLine().getErr().println("sa-identity token: " + e.getMessage());
      return Main.EXIT_INVALID;
    }
    t.warnings().forEach(w -> s.commandLine().getErr().println("Warning: " + w));
    if (output == null) {
      s.commandLine().getOut().println(t.token());
    } else {
      StringWriter sw = new StringWriter();
      JsonWriter w = TokenJson.writer(sw);
      w.beginObject().name("token").value(t.token()).name("expirationTimestamp").value(t.expiresAt().toString()).endObject();
      w.flush();
      s.commandLine().getOut().println(sw);
    }
    return 0;
  }
}
