package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.saidentity.core.internal.KeySet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  /** A source whose key set the test swaps. */
  static final class Switchable extends KeySource {
    volatile KeySet set;

    Switchable(KeySet set) {
      this.set = set;
    }

    @Override
    KeySet current(Instant now) {
      return set;
    }

    @Override
    KeySet unknownKid(Instant now) {
      return set;
    }
  }

  static KeySet pem(String vector) {
    return keys(KeySource.fromPem(Vectors.text(vector)));
  }

  static List<String> union(KeySet... sets) {
    List<String> out = new ArrayList<>();
    for (KeySet s : sets) {
      out.addAll(s.kids());
    }
    return out;
  }

  @Test
  void anyOf_answersWithTheMergeOfWhatItsSourcesHoldNow() {
    KeySet x = pem("keys/rsa-public.pem");
    KeySet y = pem("keys/other-rsa-public.pem");
    KeySet z = pem("keys/ecdsa-p256-public.pem");
    Switchable a = new Switchable(x);
    KeySource any = KeySource.anyOf(a, new KeySource.StaticKeySource(z));
    assertThat(any.current(Instant.EPOCH).kids()).isEqualTo(union(x, z));
    assertThat(any.current(Instant.EPOCH)).as("unchanged sources: the same merged set").isSameAs(any.current(Instant.EPOCH));
    a.set = y;
    assertThat(any.current(Instant.EPOCH).kids()).isEqualTo(union(y, z));
    assertThat(any.unknownKid(Instant.EPOCH).kids()).isEqualTo(union(y, z));
    a.set = x; // back to an earlier set: not the memo of the previous call
    assertThat(any.current(Instant.EPOCH).kids()).isEqualTo(union(x, z));
  }

  // Issue 8, item 6: the merged set and the inputs it was merged from are one snapshot. Before,
  // two volatile fields written one after the other let racing callers leave the merge of one
  // input paired with another input, and the stale merge was then served for as long as the
  // sources did not change again.
  @Test
  void anyOf_underRacingCallersAndChangingSources_neverPinsAStaleMerge() throws Exception {
    KeySet x = pem("keys/rsa-public.pem");
    KeySet y = pem("keys/other-rsa-public.pem");
    KeySet z = pem("keys/ecdsa-p256-public.pem");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      int rounds = 0;
      while (System.nanoTime() - deadline < 0 && rounds < 20_000) {
        Switchable a = new Switchable(x);
        KeySource any = KeySource.anyOf(a, new KeySource.StaticKeySource(z));
        CyclicBarrier go = new CyclicBarrier(3);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          fs.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < 20; i++) {
              any.current(Instant.EPOCH);
            }
            return null;
          }));
        }
        fs.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 20; i++) {
            a.set = i % 2 == 0 ? y : x;
          }
          return null;
        }));
        for (Future<?> f : fs) {
          f.get(30, TimeUnit.SECONDS);
        }
        KeySet now = a.set;
        assertThat(any.current(Instant.EPOCH).kids()).as("round " + rounds).isEqualTo(union(now, z));
        rounds++;
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
