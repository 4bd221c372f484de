package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The conformance vectors, on the test class path (the build copies them from core's test resources). */
final class Vectors {

  private Vectors() {}

  static String text(String path) {
    try (InputStream in = Vectors.class.getResourceAsStream("/conformance/k8s/" + path)) {
      if (in == null) {
        throw new IllegalStateException("missing vector " + path + " (the build puts conformance/k8s on the test class path)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonElement json(String path) {
    return JsonParser.parseString(text(path));
  }
}
