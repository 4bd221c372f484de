package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.saidentity.core.internal.KeySet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeySourceTest {

  private static KeySet keys(KeySource s) {
    return s.current(Instant.EPOCH);
  }

  @Test
  void kids_vectors_derivedFromPublicAndPrivatePem() {
    JsonObject v = Vectors.json("keys/kids.json").getAsJsonObject();
    for (JsonElement e : v.getAsJsonArray("keys")) {
      JsonObject k = e.getAsJsonObject();
      String kid = k.get("kid").getAsString();
      assertThat(keys(KeySource.fromPem(Vectors.text(k.get("file").getAsString()))).kids()).containsExactly(kid);
      if (!k.get("private").isJsonNull()) {
        assertThat(keys(KeySource.fromPem(Vectors.text(k.get("private").getAsString()))).kids())
            .as("public half of " + k.get("private"))
            .containsExactly(kid);
      }
    }
  }

  @Test
  void keyId_ofAPublicKey_isUpstreamsConstant() {
    KeySet s = keys(KeySource.fromPem(Vectors.text("keys/rsa-public.pem")));
    assertThat(KeySource.keyId(s.all().get(0).key)).isEqualTo("JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU");
  }

  @Test
  void pem_withSeveralBlocks_loadsEveryKey_likeServiceAccountKeyFile() {
    String pem = Vectors.text("keys/rsa-public.pem") + "\n" + Vectors.text("keys/ecdsa-p256-private.pem")
        + Vectors.text("keys/other-rsa-public.pem");
    assertThat(keys(KeySource.fromPem(pem)).kids()).containsExactly(
        "JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU",
        "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc",
        "yEooMTEt7THsoVd-yf2m_0tmtgtZWGhAPFm296R5q18");
  }

  @Test
  void jwks_vector_givesBothKeysWithTheirKids() {
    KeySet s = keys(KeySource.fromJwks(Vectors.text("oidc/jwks.rsa-ecdsa.json")));
    assertThat(s.kids()).containsExactly(
        "JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU", "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc");
    // The JWKS key is the same key as the PEM one: its derived kid agrees with the declared one.
    assertThat(s.all().get(0).derivedKid).isEqualTo(s.all().get(0).kid());
  }

  @Test
  void jwksFile_and_pemFile_read(@TempDir Path dir) throws Exception {
    Path jwks = Files.writeString(dir.resolve("jwks.json"), Vectors.text("oidc/jwks.rsa-ecdsa.json"));
    Path pem = Files.writeString(dir.resolve("sa.pub"), Vectors.text("keys/rsa-public.pem"));
    assertThat(keys(KeySource.fromJwksFile(jwks)).all()).hasSize(2);
    assertThat(keys(KeySource.fromPemFile(pem)).all()).hasSize(1);
  }

  @Test
  void badInput_givesKeySourceException_withoutKeyMaterial(@TempDir Path dir) {
    assertThatThrownBy(() -> KeySource.fromPem("not a pem"))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("cannot read keys from PEM: no PEM public key, certificate or private key found");
    assertThatThrownBy(() -> KeySource.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))
        .isInstanceOf(KeySourceException.class)
        .hasMessageStartingWith("cannot read keys from PEM: PEM block 1 (PUBLIC KEY) is not a readable RSA or EC key");
    assertThatThrownBy(() -> KeySource.fromJwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI\"}]}"))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("JWKS document has no RSA or EC signature key");
    assertThatThrownBy(() -> KeySource.fromJwks("{\"keys\":[]}"))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("JWKS document has no RSA or EC signature key");
    assertThatThrownBy(() -> KeySource.fromJwks("[1,2]"))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("cannot read JWKS document: not a JWK set: expected an object with a \"keys\" array");
    String offCurve = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQ\",\"y\":\"AQ\"}]}";
    assertThatThrownBy(() -> KeySource.fromJwks(offCurve))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("cannot read JWKS document: key 1 is not a valid EC key: the point (x, y) is not on P-256");
    assertThatThrownBy(() -> KeySource.fromPemFile(dir.resolve("missing.pem")))
        .isInstanceOf(KeySourceException.class)
        .hasMessageContaining("missing.pem")
        .hasMessageEndingWith("NoSuchFileException");
  }
}
