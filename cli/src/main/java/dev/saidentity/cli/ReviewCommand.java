package dev.saidentity.cli;

import com.google.gson.stream.JsonWriter;
import dev.saidentity.tokenrequest.TokenRequestException;
import dev.saidentity.tokenrequest.TokenReviewer;
import dev.saidentity.tokenrequest.UserInfo;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sa-identity review [TOKEN]}: a TokenReview. */
@Command(
    name = "review",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Ask the API server (TokenReview) whether a token authenticates, and print the result as JSON:",
      "{\"authenticated\":..,\"user\":{\"username\",\"uid\",\"groups\",\"extra\"},\"audiences\":[..],\"error\":..}.",
      "Exit 0 when authenticated, 1 when not (or the review failed), 2 on usage errors."
    })
final class ReviewCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN", description = "The token; read from standard input when absent or '-'.")
  @Nullable String token;

  @Option(names = "--audience", paramLabel = "A", description = "A required audience (repeatable; default: the API server's).")
  List<String> audiences = new ArrayList<>();

  @Option(names = "--kubeconfig", paramLabel = "F", description = "The kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster).")
  @Nullable Path kubeconfig;

  @Override
  public Integer call() throws Exception {
    CommandSpec s = Objects.requireNonNull(spec);
    Kube kube;
    try {
      kube = Kube.connect(kubeconfig);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(s.commandLine(), e.getMessage());
    }
    String text = TokenInput.read(token, System.in);
    if (text.isEmpty()) {
      throw new ParameterException(s.commandLine(), "no token given (argument or standard input)");
    }
    TokenReviewer.Builder b = TokenReviewer.builder(kube.client).cache(Duration.ZERO, Duration.ZERO);
    audiences.forEach(b::audience);
    TokenReviewer.Result r;
    try {
      r = b.build().review(text);
    } catch (TokenRequestException e) {
      s.commandLine().getErr().println("sa-identity review: " + e.getMessage());
      return Main.EXIT_INVALID;
    }
    StringWriter sw = new StringWriter();
    JsonWriter w = TokenJson.writer(sw);
    w.beginObject().name("authenticated").value(r.authenticated()).name("user");
    if (r.user().isEmpty()) {
      w.nullValue();
    } else {
      UserInfo u = r.user().get();
      w.beginObject().name("username").value(u.username()).name("uid").value(u.uid()).name("groups").beginArray();
      for (String g : u.groups()) {
        w.value(g);
      }
      w.endArray().name("extra").beginObject();
      for (Map.Entry<String, List<String>> e : u.extra().entrySet()) {
        w.name(e.getKey()).beginArray();
        for (String v : e.getValue()) {
          w.value(v);
        }
        w.endArray();
      }
      w.endObject().endObject();
    }
    w.name("audiences").beginArray();
    for (String a : r.audiences()) {
      w.value(a);
    }
    w.endArray().name("error").value(r.error()).endObject();
    w.flush();
    s.commandLine().getOut().println(sw);
    return r.authenticated() ? 0 : Main.EXIT_INVALID;
  }
}
