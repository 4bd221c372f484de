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

  static String pem(java.security.PublicKey k) {
    return "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(k.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  static String rsaJwk(java.security.PublicKey k, String extra) {
    java.security.interfaces.RSAPublicKey r = (java.security.interfaces.RSAPublicKey) k;
    return "{\"kty\":\"RSA\"," + extra + "\"n\":\"" + TestJwt.b64(unsigned(r.getModulus())) + "\",\"e\":\""
        + TestJwt.b64(unsigned(r.getPublicExponent())) + "\"}";
  }

  static byte[] unsigned(java.math.BigInteger i) {
    byte[] b = i.toByteArray();
    return b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }

  @Test
  void weakRsaKeys_areRefusedWhenLoaded_pemJwksAndPublicKey() {
    for (int bits : new int[] {512, 1024, 2047}) {
      java.security.PublicKey weak = TestJwt.generate("RSA", bits).getPublic();
      assertThatThrownBy(() -> KeySource.fromPem(pem(weak))).as("PEM %d", bits)
          .isInstanceOf(KeySourceException.class)
          .hasMessage("cannot read keys from PEM: PEM block 1 is a " + bits + "-bit RSA key, shorter than the minimum of 2048 bits"
              + " (RFC 7518 section 3.3)");
      assertThatThrownBy(() -> KeySource.fromJwks("{\"keys\":[" + rsaJwk(weak, "\"kid\":\"w\",") + "]}")).as("JWKS %d", bits)
          .isInstanceOf(KeySourceException.class)
          .hasMessage("cannot read JWKS document: key 1 (kid w) is a " + bits + "-bit RSA key, shorter than the minimum of 2048 bits"
              + " (RFC 7518 section 3.3)");
      assertThatThrownBy(() -> KeySource.of(weak)).as("PublicKey %d", bits)
          .isInstanceOf(KeySourceException.class)
          .hasMessageContaining(bits + "-bit RSA key, shorter than the minimum of 2048 bits");
    }
  }

  @Test
  void rsaKeysOf1024To2047Bits_onlyWithAnExplicitOptIn_neverUnder1024() {
    java.security.PublicKey k1024 = TestJwt.generate("RSA", 1024).getPublic();
    assertThat(keys(KeySource.fromPem(pem(k1024), 1024)).all()).hasSize(1);
    assertThat(keys(KeySource.fromJwks("{\"keys\":[" + rsaJwk(k1024, "") + "]}", 1024)).all()).hasSize(1);
    assertThat(keys(KeySource.of(List.of(k1024), 1024)).all()).hasSize(1);
    java.security.PublicKey k512 = TestJwt.generate("RSA", 512).getPublic();
    assertThatThrownBy(() -> KeySource.fromPem(pem(k512), 1024)).isInstanceOf(KeySourceException.class)
        .hasMessageContaining("512-bit RSA key, shorter than the minimum of 1024 bits");
    assertThatThrownBy(() -> KeySource.fromPem(pem(k512), 512)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minRsaBits must be at least 1024: 512");
  }

  @Test
  void jwkAlg_restrictsTheKeyToThatAlgorithm() {
    String jwks = "{\"keys\":[" + rsaJwk(TestJwt.RSA.getPublic(), "\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"k1\",") + "]}";
    TokenValidator v = TokenValidator.builder().issuer(Vectors.ISSUER).keys(KeySource.fromJwks(jwks))
        .clock(Vectors.at(TokenValidatorTest.T)).build();
    String claims = TestJwt.projectedClaims(TokenValidatorTest.T, Vectors.ISSUER);
    assertThat(v.tryValidate(TestJwt.sign("RS256", TestJwt.RSA.getPrivate(), TestJwt.header("RS256", "k1"), claims)).isValid()).isTrue();
    for (String alg : new String[] {"PS256", "RS384", "RS512", "PS512"}) {
      ValidationResult r = v.tryValidate(TestJwt.sign(alg, TestJwt.RSA.getPrivate(), TestJwt.header(alg, "k1"), claims));
      assertThat(r.reason()).as(alg).contains(TokenValidationException.Reason.INVALID_SIGNATURE);
    }
    // PEM keys carry no algorithm: upstream (go-jose) verifies RS and PS of every size with an RSA key.
    TokenValidator pem = TokenValidator.builder().issuer(Vectors.ISSUER).keys(KeySource.fromPem(pem(TestJwt.RSA.getPublic())))
        .clock(Vectors.at(TokenValidatorTest.T)).build();
    String kid = KeySource.keyId(TestJwt.RSA.getPublic());
    assertThat(pem.tryValidate(TestJwt.sign("PS256", TestJwt.RSA.getPrivate(), TestJwt.header("PS256", kid), claims)).isValid()).isTrue();
  }

  @Test
  void jwkAlg_inconsistentWithTheKeyType_isRefusedAtLoad() {
    assertThatThrownBy(() -> KeySource.fromJwks("{\"keys\":[" + rsaJwk(TestJwt.RSA.getPublic(), "\"alg\":\"ES256\",\"kid\":\"r\",") + "]}"))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("cannot read JWKS document: key 1 (kid r) declares alg ES256, which an RSA key cannot verify");
    String ec = Vectors.text("oidc/jwks.rsa-ecdsa.json").replace("\"alg\":\"ES256\"", "\"alg\":\"ES384\"");
    assertThat(ec).contains("ES384");
    assertThatThrownBy(() -> KeySource.fromJwks(ec))
        .isInstanceOf(KeySourceException.class)
        .hasMessageEndingWith("declares alg ES384, which a P-256 key cannot verify");
  }

  @Test
  void jwkKeyOpsOrUse_notForVerifying_areNotUsed() {
    String rsa = rsaJwk(TestJwt.RSA.getPublic(), "\"key_ops\":[\"encrypt\"],");
    assertThatThrownBy(() -> KeySource.fromJwks("{\"keys\":[" + rsa + "]}"))
        .isInstanceOf(KeySourceException.class)
        .hasMessage("JWKS document has no RSA or EC signature key (1 key not usable for verifying: use, key_ops or alg)");
    String other = rsaJwk(TestJwt.OTHER_RSA.getPublic(), "");
    for (String extra : new String[] {"\"key_ops\":[\"encrypt\"],", "\"key_ops\":[],", "\"key_ops\":\"verify\",",
        "\"use\":\"enc\",", "\"use\":1,", "\"alg\":\"RSA-OAEP\","}) {
      KeySet s = keys(KeySource.fromJwks("{\"keys\":[" + rsaJwk(TestJwt.RSA.getPublic(), extra) + "," + other + "]}"));
      assertThat(s.kids()).as(extra).containsExactly(KeySource.keyId(TestJwt.OTHER_RSA.getPublic()));
    }
    KeySet verify = keys(KeySource.fromJwks("{\"keys\":[" + rsaJwk(TestJwt.RSA.getPublic(), "\"key_ops\":[\"verify\",\"sign\"],\"use\":\"sig\",") + "]}"));
    assertThat(verify.all()).hasSize(1);
  }

  @Test
  void keyFiles_areReadWithAByteCap(@TempDir Path dir) throws Exception {
    Path big = Files.write(dir.resolve("big.pem"), new byte[KeySource.MAX_FILE_BYTES + 1]);
    assertThatThrownBy(() -> KeySource.fromPemFile(big)).isInstanceOf(KeySourceException.class)
        .hasMessage("cannot read " + big + ": over the limit of 1048576 bytes for a key file");
    assertThatThrownBy(() -> KeySource.fromJwksFile(big)).isInstanceOf(KeySourceException.class)
        .hasMessage("cannot read " + big + ": over the limit of 1048576 bytes for a key file");
    Path zero = Path.of("/dev/zero");
    if (Files.isReadable(zero)) {
      assertThatThrownBy(() -> KeySource.fromPemFile(zero)).isInstanceOf(KeySourceException.class)
          .hasMessage("cannot read /dev/zero: not a regular file");
    }
    Path justRight = Files.writeString(dir.resolve("ok.pem"), Vectors.text("keys/rsa-public.pem")
        + " ".repeat(KeySource.MAX_FILE_BYTES - Vectors.text("keys/rsa-public.pem").length()));
    assertThat(keys(KeySource.fromPemFile(justRight)).all()).hasSize(1);
  }

  /** Opening a FIFO for reading waits for a writer: key and CA files that are FIFOs fail at once instead. */
  @Test
  void keyAndCaFiles_thatAreFifos_failAtOnce(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("keys.pem");
    Process mk;
    try {
      mk = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      org.junit.jupiter.api.Assumptions.abort("no mkfifo here");
      return;
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && mk.exitValue() == 0,
        "mkfifo made a FIFO");
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
      assertThatThrownBy(() -> KeySource.fromPemFile(fifo)).isInstanceOf(KeySourceException.class)
          .hasMessage("cannot read " + fifo + ": not a regular file");
      assertThatThrownBy(() -> KeySource.fromJwksFile(fifo)).isInstanceOf(KeySourceException.class)
          .hasMessage("cannot read " + fifo + ": not a regular file");
      assertThatThrownBy(() -> RemoteKeySource.jwks(java.net.URI.create("https://issuer.example/keys")).caCertificatesFile(fifo)).isInstanceOf(KeySourceException.class)
          .hasMessage("cannot read CA file " + fifo + ": not a regular file");
    });
  }

  @Test
  void pemParsing_isLinear_hostileTextIsRefusedInMilliseconds() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    String key = Vectors.text("keys/rsa-public.pem");
    String[] hostile = {
      "-----BEGIN PUBLIC KEY-----" + " ".repeat(200_000),
      "-----BEGIN PUBLIC KEY-----\n" + "AAAA\n".repeat(40_000),
      "-----BEGIN PUBLIC KEY-----\n" + "AAAA \n\t".repeat(30_000) + "-----END PUBLIC KEY----",
      "-----BEGIN A-----".repeat(30_000),
      "-----BEGIN PUBLIC KEY-----".repeat(20_000) + "-----END PUBLIC KEY-----",
    };
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
      KeySource.fromPem(key);
      for (String pem : hostile) {
        long start = mx.getCurrentThreadCpuTime();
        assertThatThrownBy(() -> KeySource.fromPem(pem)).isInstanceOf(KeySourceException.class);
        long ms = (mx.getCurrentThreadCpuTime() - start) / 1_000_000;
        assertThat(ms).as("%d chars took %d ms of CPU", pem.length(), ms).isLessThan(200);
      }
    });
    // A key surrounded by a lot of text is still found, and blocks of other kinds are skipped over.
    String padded = "x".repeat(100_000) + "\n" + key + "\n" + " ".repeat(100_000) + key.replace("PUBLIC KEY", "NOT A KEY");
    assertThatThrownBy(() -> KeySource.fromPem(padded)).isInstanceOf(KeySourceException.class)
        .hasMessageContaining("PEM block 2 (NOT A KEY)");
    assertThat(keys(KeySource.fromPem("x".repeat(100_000) + "\n" + key + " ".repeat(100_000))).all()).hasSize(1);
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

  static KeySet vectorKeys(String vector) {
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
    KeySet x = vectorKeys("keys/rsa-public.pem");
    KeySet y = vectorKeys("keys/other-rsa-public.pem");
    KeySet z = vectorKeys("keys/ecdsa-p256-public.pem");
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
    KeySet x = vectorKeys("keys/rsa-public.pem");
    KeySet y = vectorKeys("keys/other-rsa-public.pem");
    KeySet z = vectorKeys("keys/ecdsa-p256-public.pem");
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

  /** DER that parses but holds too few fields: a typed KeySourceException, never an IndexOutOfBoundsException. */
  @Test
  void pemKeyWithTooFewDerFields_isAKeySourceException() {
    String oneInteger = java.util.Base64.getEncoder().encodeToString(new byte[] {0x30, 0x03, 0x02, 0x01, 0x05});
    for (String type : List.of("RSA PUBLIC KEY", "RSA PRIVATE KEY", "PRIVATE KEY")) {
      String pem = "-----BEGIN " + type + "-----\n" + oneInteger + "\n-----END " + type + "-----\n";
      assertThatThrownBy(() -> KeySource.fromPem(pem)).as(type).isInstanceOf(KeySourceException.class)
          .hasMessageContaining("PEM block 1 (" + type + ")");
      assertThatThrownBy(() -> KeySource.publicKeysFromPem(pem)).as(type).isInstanceOf(KeySourceException.class);
    }
  }
}
