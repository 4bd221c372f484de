package dev.saidentity.benchmarks;

import com.google.gson.JsonParser;
import dev.saidentity.core.KeySource;
import dev.saidentity.core.TokenValidator;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.core.internal.BoundedCache;
import dev.saidentity.core.internal.TokenKey;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import java.util.function.Predicate;

/** The rows {@link Paired} measures; each checks in setup that both paths do what their names say. */
final class PairedRows {

  private PairedRows() {}

  static Paired.Row rs256() throws Exception {
    return signatureRow("rs256", BenchTokens.rsa(), "RS256", "SHA256withRSA", "bareRs256Verify", "saIdentityUncached", 0.95, ">= 0.95x");
  }

  static Paired.Row decode() throws Exception {
    String token = BenchTokens.token("RS256", BenchTokens.rsa());
    Paired.Op gson = () -> gsonTreeParse(token);
    Paired.Op decode = () -> UnverifiedToken.decode(token).kind().ordinal() + 1;
    requireOne(() -> gson.run() > 0 ? 1 : 0, () -> decode.run() > 0 ? 1 : 0);
    return new Paired.Row("decode", "gsonTreeParse", gson, "saIdentityDecode", decode, 1.5, ">= 1.5x");
  }

  /**
   * The baseline of decoding: what a caller would write with Gson, and less than {@link
   * UnverifiedToken#decode(String)} does (no signature segment, no bounds, no checks): split at the
   * dots, base64url-decode header and payload, and parse each into a Gson tree.
   */
  static int gsonTreeParse(String token) {
    int dot1 = token.indexOf('.');
    int dot2 = token.indexOf('.', dot1 + 1);
    Base64.Decoder b64 = Base64.getUrlDecoder();
    String header = new String(b64.decode(token.substring(0, dot1)), StandardCharsets.UTF_8);
    String payload = new String(b64.decode(token.substring(dot1 + 1, dot2)), StandardCharsets.UTF_8);
    return JsonParser.parseString(header).getAsJsonObject().size() + JsonParser.parseString(payload).getAsJsonObject().size();
  }

  static final int CACHE_SIZE = 10_000;
  static final int DISTINCT = 100_000;
  private static final Predicate<Object> NEVER_EXPENDABLE = v -> false;

  /** Keys shaped like tokens' ends (the validator hashes a token over its last 32 characters). */
  static String[] cacheKeys(int n) {
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = "eyJhbGciOiJSUzI1NiJ9." + Integer.toHexString(i * 0x9E3779B1) + "-" + i + "-signature-end-0123456789";
      keys[i].hashCode();
    }
    return keys;
  }

  static Paired.Row cache() {
    String[] keys = cacheKeys(DISTINCT);
    Object value = new Object();
    BoundedCache<String, Object> cycling = new BoundedCache<>(CACHE_SIZE);
    return new Paired.Row("cache", "allHits(10k of 10k)", residentHits(keys), "cycling(100k through 10k)",
        cycling(keys, k -> cycling.get(k) != null, k -> cycling.put(k, value, NEVER_EXPENDABLE)), 0.5, ">= 0.5x (within 2x)");
  }

  /** The same load on the former policy (scan everything, drop an arbitrary 10 %), for comparison. */
  static Paired.Row formerCache() {
    String[] keys = cacheKeys(DISTINCT);
    FormerScanEvictCache former = new FormerScanEvictCache(CACHE_SIZE);
    java.time.Instant exp = java.time.Instant.now().plusSeconds(3600);
    java.time.Instant expiredBefore = java.time.Instant.now().minusSeconds(60);
    return new Paired.Row("cache-former", "allHits(10k of 10k)", residentHits(keys), "formerScanEvictCycling",
        cycling(keys, k -> former.get(k) != null, k -> former.put(k, exp, expiredBefore)), 0.5, ">= 0.5x (within 2x)");
  }

  /**
   * Tokens as the validator's cache sees them: 1,221-character projected tokens that differ in their
   * signature's last 16 characters, each presented as a String of its own (as a token parsed from a
   * request's header is), and keyed as the validator keys them ({@link TokenKey}: hashed over the last
   * 32 characters, equal over all of them). Per look-up both paths make the key, as the validator does;
   * a hit then compares the presented token with the cached one in full, a miss inserts and evicts.
   */
  static Paired.Row cacheTokens() throws Exception {
    String[] presented = presentedTokens(DISTINCT);
    Object value = new Object();
    BoundedCache<TokenKey, Object> resident = new BoundedCache<>(CACHE_SIZE);
    for (int i = 0; i < CACHE_SIZE; i++) {
      resident.put(new TokenKey(new String(presented[i].toCharArray())), value, NEVER_EXPENDABLE);
    }
    BoundedCache<TokenKey, Object> cycling = new BoundedCache<>(CACHE_SIZE);
    int[] nextHit = new int[1];
    Paired.Op hits = () -> {
      int i = nextHit[0]++;
      if (nextHit[0] == CACHE_SIZE) {
        nextHit[0] = 0;
      }
      return resident.get(new TokenKey(presented[i])) == value ? 1 : 0;
    };
    Paired.Op cycle = cycling(presented, t -> cycling.get(new TokenKey(t)) != null, t -> cycling.put(new TokenKey(t), value, NEVER_EXPENDABLE));
    if (hits.run() != 1 || cycle.run() != 0) {
      throw new IllegalStateException("the token cache row's paths do not hit and miss as named");
    }
    return new Paired.Row("cache-tokens", "allHits(10k of 10k tokens)", hits, "cycling(100k tokens through 10k)", cycle, 0.5,
        ">= 0.5x (within 2x)");
  }

  /** n distinct 1,221-character tokens, each a String of its own: a signed token's last 16 characters replaced. */
  static String[] presentedTokens(int n) throws Exception {
    String base = BenchTokens.token("RS256", BenchTokens.rsa());
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    String prefix = base.substring(0, base.length() - 16);
    String[] tokens = new String[n];
    StringBuilder b = new StringBuilder(base.length());
    for (int i = 0; i < n; i++) {
      b.setLength(0);
      b.append(prefix);
      long x = (i + 1) * 0x9E3779B97F4A7C15L;
      for (int c = 0; c < 16; c++) {
        b.append(alphabet.charAt((int) (x >>> 58)));
        x = x * 31 + c;
      }
      tokens[i] = b.toString();
    }
    if (java.util.Arrays.stream(tokens).distinct().count() != n) {
      throw new IllegalStateException("the generated tokens are not distinct");
    }
    return tokens;
  }

  /** Look-ups cycling over the first CACHE_SIZE keys of a full cache: every one a hit. */
  private static Paired.Op residentHits(String[] keys) {
    Object value = new Object();
    BoundedCache<String, Object> resident = new BoundedCache<>(CACHE_SIZE);
    for (int i = 0; i < CACHE_SIZE; i++) {
      resident.put(keys[i], value, NEVER_EXPENDABLE);
    }
    int[] next = new int[1];
    return () -> {
      int i = next[0]++;
      if (next[0] == CACHE_SIZE) {
        next[0] = 0;
      }
      return resident.get(keys[i]) == value ? 1 : 0;
    };
  }

  /** Look-ups cycling over all DISTINCT keys, inserting each one that misses. */
  private static Paired.Op cycling(String[] keys, Predicate<String> hit, java.util.function.Consumer<String> insert) {
    int[] next = new int[1];
    return () -> {
      int i = next[0]++;
      if (next[0] == DISTINCT) {
        next[0] = 0;
      }
      if (hit.test(keys[i])) {
        return 1;
      }
      insert.accept(keys[i]);
      return 0;
    };
  }

  static Paired.Row es256WithBouncyCastle() throws Exception {
    BouncyCastleGuard.requireBouncyCastle("es256-bc");
    return es256("es256-bc", "saIdentityWithBouncyCastle", 8, ">= 8x");
  }

  static Paired.Row es256JdkOnly() throws Exception {
    BouncyCastleGuard.requireJdkOnly("es256-jdk");
    return es256("es256-jdk", "saIdentityJdkOnly", 0.9, ">= 0.9x");
  }

  private static Paired.Row es256(String name, String subject, double target, String targetText) throws Exception {
    return signatureRow(name, BenchTokens.ec(), "ES256", "SHA256withECDSAinP1363Format", "bareJdkEs256Verify", subject, target, targetText);
  }

  /** An uncached validation beside the bare JDK verify of the same token's signature. */
  private static Paired.Row signatureRow(String name, KeyPair keys, String alg, String jcaName, String baseline, String subject,
      double target, String targetText) throws Exception {
    String token = BenchTokens.token(alg, keys);
    byte[][] parts = BenchTokens.split(token);
    Signature bare = Signature.getInstance(jcaName);
    if (!bare.getProvider().getName().startsWith("Sun")) {
      throw new IllegalStateException("the bare " + alg + " baseline must be the JDK's, got " + bare.getProvider().getName());
    }
    TokenValidator uncached = TokenValidator.builder().issuer(BenchTokens.ISSUER).keys(KeySource.of(keys.getPublic()))
        .cacheSize(0).build();
    Paired.Op verify = () -> {
      bare.initVerify(keys.getPublic());
      bare.update(parts[0]);
      return bare.verify(parts[1]) ? 1 : 0;
    };
    Paired.Op validate = () -> uncached.tryValidate(token).isValid() ? 1 : 0;
    requireOne(verify, validate);
    return new Paired.Row(name, baseline, verify, subject, validate, target, targetText);
  }

  private static void requireOne(Paired.Op a, Paired.Op b) throws Exception {
    if (a.run() != 1 || b.run() != 1) {
      throw new IllegalStateException("a path of the row does not succeed on its token");
    }
  }
}
