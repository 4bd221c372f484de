package dev.saidentity.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The conformance vectors, read from core's test resources (one copy in the repository). */
final class Vectors {

  static final Path DIR = Path.of(System.getProperty("user.dir")).resolve("../core/src/test/resources/conformance/k8s").normalize();

  private Vectors() {}

  static String text(String path) {
    try {
      return Files.readString(DIR.resolve(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonElement json(String path) {
    return JsonParser.parseString(text(path));
  }
}
