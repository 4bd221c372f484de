package dev.saidentity.cli;

import com.google.gson.stream.JsonWriter;
import dev.saidentity.core.TokenValidationException;
import dev.saidentity.core.UnverifiedToken;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sa-identity decode [TOKEN]}. */
@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    description = {
      "Decode a ServiceAccount token WITHOUT verifying it, and print its identity and claims as one JSON object.",
      "Exit 0 when it decodes; 1 with {\"error\":REASON,\"message\":...} when it is not a ServiceAccount JWT."
    })
final class DecodeCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN",
      description = "The token; read from standard input when absent or '-' (preferred: arguments show in process lists).")
  @Nullable String token;

  @Override
  public Integer call() throws Exception {
    String text = TokenInput.read(token, System.in);
    UnverifiedToken t = null;
    TokenValidationException refused = null;
    try {
      t = UnverifiedToken.decode(text);
    } catch (TokenValidationException e) {
      refused = e;
    }
    StringWriter sw = new StringWriter();
    JsonWriter w = TokenJson.writer(sw);
    w.beginObject();
    if (t != null) {
      TokenJson.writeToken(w, t);
    } else {
      w.name("error").value(java.util.Objects.requireNonNull(refused).reason().name()).name("message").value(refused.getMessage());
    }
    w.endObject();
    w.flush();
    java.util.Objects.requireNonNull(spec).commandLine().getOut().println(sw);
    return t != null ? 0 : Main.EXIT_INVALID;
  }
}
