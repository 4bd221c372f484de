package dev.saidentity.core;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** The conformance vectors of ../shared/conformance/k8s, copied into the test resources. */
final class Vectors {

  private Vectors() {}

  static String text(String path) {
    try (InputStream in = Vectors.class.getResourceAsStream("/conformance/k8s/" + path)) {
      if (in == null) {
        throw new IllegalStateException("missing vector " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonElement json(String path) {
    return JsonParser.parseString(text(path));
  }

  static String token(String file) {
    return text(file);
  }

  static Clock at(long epochSecond) {
    return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
  }

  static final String ISSUER = "https://issuer.example.com";
  static final long NOW = 1514764800L;

  /** The bound-token context of authenticate-cases.json: both keys, the issuer, at the fixed clock. */
  static TokenValidator.Builder bound(long now) {
    return TokenValidator.builder()
        .issuer(ISSUER)
        .keys(KeySource.fromPem(text("keys/rsa-public.pem") + text("keys/ecdsa-p256-public.pem")))
        .clock(at(now));
  }
}
