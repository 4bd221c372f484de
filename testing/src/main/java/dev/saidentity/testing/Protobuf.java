package dev.saidentity.testing;

import com.google.gson.JsonObject;

/** Kubernetes protobuf request bodies (the {@code k8s\0} envelope), as kubectl's typed commands send them. */
final class Protobuf {

  private Protobuf() {}

  static JsonObject decode(byte[] body) {
    throw new StatusError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
        + "application/json, application/yaml", null);
  }
}
