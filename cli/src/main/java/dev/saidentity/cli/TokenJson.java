package dev.saidentity.cli;

import com.google.gson.stream.JsonWriter;
import dev.saidentity.core.ObjectRef;
import dev.saidentity.core.TokenKind;
import dev.saidentity.core.UnverifiedToken;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Optional;

/** The JSON the CLI prints: one object per invocation, on one line. */
final class TokenJson {

  private TokenJson() {}

  static JsonWriter writer(StringWriter sw) {
    JsonWriter w = new JsonWriter(sw);
    w.setSerializeNulls(true);
    w.setHtmlSafe(false);
    return w;
  }

  /** The decode keys, in their documented order. */
  static void writeToken(JsonWriter w, UnverifiedToken t) throws IOException {
    w.name("kind").value(t.kind() == TokenKind.PROJECTED ? "projected" : "legacy");
    w.name("username").value(t.serviceAccount().username());
    w.name("namespace").value(t.serviceAccount().namespace());
    w.name("serviceAccount").beginObject()
        .name("name").value(t.serviceAccount().name())
        .name("uid").value(t.serviceAccount().uid().orElse(null))
        .endObject();
    ref(w, "pod", t.pod());
    ref(w, "secret", t.secret());
    ref(w, "node", t.node());
    w.name("issuer").value(t.issuer().orElse(null));
    w.name("subject").value(t.subject().orElse(null));
    w.name("audiences").beginArray();
    for (String a : t.audiences()) {
      w.value(a);
    }
    w.endArray();
    instant(w, "issuedAt", t.issuedAt());
    instant(w, "notBefore", t.notBefore());
    instant(w, "expiresAt", t.expiresAt());
    instant(w, "warnAfter", t.warnAfter());
    w.name("tokenId").value(t.tokenId().orElse(null));
    w.name("keyId").value(t.keyId().orElse(null));
    w.name("algorithm").value(t.algorithm());
  }

  private static void ref(JsonWriter w, String name, Optional<ObjectRef> ref) throws IOException {
    w.name(name);
    if (ref.isEmpty()) {
      w.nullValue();
      return;
    }
    w.beginObject().name("name").value(ref.get().name()).name("uid").value(ref.get().uid().orElse(null)).endObject();
  }

  private static void instant(JsonWriter w, String name, Optional<Instant> i) throws IOException {
    w.name(name).value(i.map(Instant::toString).orElse(null));
  }
}
