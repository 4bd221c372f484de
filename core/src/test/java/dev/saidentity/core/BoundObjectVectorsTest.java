package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The lookup half of the vectors: validate-private-claims-cases.json (TestValidatePrivateClaims,
 * all 34) and the lookup cases of authenticate-cases.json, through {@link TokenValidator} then
 * {@link ObjectBindings}.
 */
class BoundObjectVectorsTest {

  /** An in-memory object store keyed "kind/ns/name". */
  static final class Store implements ClusterObjects {
    final Map<String, StoredObject> objects = new HashMap<>();

    Store put(String kind, String ns, String name, StoredObject o) {
      objects.put(kind + "/" + ns + "/" + name, o);
      return this;
    }

    @Override
    public Optional<StoredObject> serviceAccount(String namespace, String name) {
      return Optional.ofNullable(objects.get("serviceaccount/" + namespace + "/" + name));
    }

    @Override
    public Optional<StoredObject> secret(String namespace, String name) {
      return Optional.ofNullable(objects.get("secret/" + namespace + "/" + name));
    }

    @Override
    public Optional<StoredObject> pod(String namespace, String name) {
      return Optional.ofNullable(objects.get("pod/" + namespace + "/" + name));
    }

    @Override
    public Optional<StoredObject> node(String name) {
      return Optional.ofNullable(objects.get("node//" + name));
    }
  }

  static final String KID = KeySource.keyId(TestJwt.RSA.getPublic());

  @TestFactory
  Stream<DynamicTest> validatePrivateClaims() {
    JsonObject v = Vectors.json("claims/validate-private-claims-cases.json").getAsJsonObject();
    long now = v.getAsJsonObject("fixed_clock").get("now_unix").getAsLong();
    JsonObject defs = v.getAsJsonObject("objects");
    JsonArray cases = v.getAsJsonArray("cases");
    assertThat(cases).hasSize(34);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : cases) {
      JsonObject c = e.getAsJsonObject();
      tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
        Store store = new Store();
        String deleted = c.has("deleted_object") ? c.get("deleted_object").getAsString() : null;
        for (JsonElement p : c.getAsJsonArray("objects_present")) {
          String which = p.getAsString();
          JsonObject d = defs.getAsJsonObject(which);
          StoredObject o = StoredObject.of(d.get("uid").getAsString());
          if (which.equals(deleted) && !c.get("deletionTimestamp_unix").isJsonNull()) {
            o = o.deletedAt(Instant.ofEpochSecond(c.get("deletionTimestamp_unix").getAsLong()));
          }
          String ns = d.has("namespace") ? d.get("namespace").getAsString() : "";
          store.put(which.equals("serviceAccount") ? "serviceaccount" : which, ns, d.get("name").getAsString(), o);
        }
        JsonObject pub = c.getAsJsonObject("public_claims");
        String payload = "{\"exp\":" + pub.get("exp").getAsLong() + ",\"iss\":\"" + Vectors.ISSUER + "\","
            + "\"kubernetes.io\":" + c.getAsJsonObject("private_claims").get("kubernetes.io") + ",\"nbf\":"
            + pub.get("nbf").getAsLong() + "}";
        String token = TestJwt.sign("RS256", TestJwt.RSA.getPrivate(), TestJwt.header("RS256", KID), payload);
        TokenValidator validator = TokenValidator.builder().issuer(Vectors.ISSUER).apiAudiences(List.of())
            .keys(TestJwt.RSA.getPublic()).clock(Vectors.at(now)).build();
        ValidationResult r = validator.tryValidate(token);
        String error = r.isValid()
            ? ObjectBindings.check(r.token().orElseThrow(), token, store, Instant.ofEpochSecond(now)).orElse(null)
            : r.upstreamMessage();
        String want = c.get("expect_error").isJsonNull() ? null : c.get("expect_error").getAsString();
        assertThat(error).isEqualTo(want);
      }));
    }
    return tests.stream();
  }

  Store legacyStore(JsonObject ctx, String token, String... present) {
    Store s = new Store();
    JsonObject objs = ctx.getAsJsonObject("objects");
    for (String p : present) {
      JsonObject d = objs.getAsJsonObject(p);
      if (p.equals("serviceAccount")) {
        s.put("serviceaccount", "test", d.get("name").getAsString(), StoredObject.of(d.get("uid").getAsString()));
      } else {
        Map<String, String> labels = new HashMap<>();
        if (d.has("labels")) {
          d.getAsJsonObject("labels").entrySet().forEach(x -> labels.put(x.getKey(), x.getValue().getAsString()));
        }
        // ES256 signatures are randomized: the ECDSA Secret never holds the RS256 token's bytes.
        String data = p.equals("ecdsaSecret") ? "another-token" : token;
        s.put("secret", "test", d.get("name").getAsString(), StoredObject.of(p + "-uid").withLabels(labels).withToken(data));
      }
    }
    return s;
  }

  @TestFactory
  Stream<DynamicTest> legacyLookupCases() {
    JsonObject all = Vectors.json("tokens/authenticate-cases.json").getAsJsonObject();
    JsonObject ctx = all.getAsJsonObject("legacy_context");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : all.getAsJsonArray("legacy_cases")) {
      JsonObject c = e.getAsJsonObject();
      if (!c.get("lookup").getAsBoolean()) {
        continue;
      }
      tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
        String token = Vectors.token(c.get("token").getAsString());
        List<String> present = new ArrayList<>();
        c.getAsJsonArray("objects_present").forEach(x -> present.add(x.getAsString()));
        Store store = legacyStore(ctx, token, present.toArray(new String[0]));
        TokenValidator v = TokenValidator.builder().issuer("kubernetes/serviceaccount").allowLegacyTokens(true)
            .keys(KeySource.fromPem(Vectors.text("keys/rsa-public.pem"))).build();
        ValidatedToken t = v.validate(token);
        Optional<String> error = ObjectBindings.check(t, token, store, Instant.now());
        if (c.get("expect_ok").getAsBoolean()) {
          assertThat(error).isEmpty();
        } else {
          // The expected error is quoted in the case's notes; the whole message must appear there.
          assertThat(error).isPresent();
          assertThat(c.get("notes").getAsString()).contains("'" + error.get() + "'");
        }
      }));
    }
    assertThat(tests).hasSize(4);
    return tests.stream();
  }

  @Test
  void legacyToken_mustMatchTheSecretsCopy_andTheSecretMustNotBeDeleting() {
    JsonObject ctx = Vectors.json("tokens/authenticate-cases.json").getAsJsonObject().getAsJsonObject("legacy_context");
    String token = Vectors.token("tokens/legacy-rs256.jwt");
    ValidatedToken t = TokenValidator.builder().allowLegacyTokens(true)
        .keys(KeySource.fromPem(Vectors.text("keys/rsa-public.pem"))).build().validate(token);
    Store other = legacyStore(ctx, token + "x", "serviceAccount", "rsaSecret");
    assertThat(ObjectBindings.check(t, token, other, Instant.now())).contains("Token does not match server's copy");
    Store deleting = legacyStore(ctx, token, "serviceAccount");
    deleting.put("secret", "test", "my-rsa-secret", StoredObject.of("s").withToken(token).deletedAt(Instant.now()));
    assertThat(ObjectBindings.check(t, token, deleting, Instant.now())).contains("Token has been invalidated");
  }

  @TestFactory
  Stream<DynamicTest> boundLookupCases() {
    JsonObject all = Vectors.json("tokens/authenticate-cases.json").getAsJsonObject();
    JsonObject ctx = all.getAsJsonObject("bound_context");
    // The object overrides the case notes describe.
    Map<String, Store> overrides = new HashMap<>();
    overrides.put("pod-bound, pod deleted (UID differs)", boundStore(ctx).put("pod", "myns", "mypod", StoredObject.of("mypod-uid-2")));
    Store podMissing = boundStore(ctx);
    podMissing.objects.remove("pod/myns/mypod");
    overrides.put("pod-bound, pod missing", podMissing);
    overrides.put("SA recreated", boundStore(ctx).put("serviceaccount", "myns", "mysvcacct", StoredObject.of("new-uid")));
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : all.getAsJsonArray("bound_cases")) {
      JsonObject c = e.getAsJsonObject();
      String name = c.get("name").getAsString();
      if (c.get("expect_ok").isJsonNull()) {
        continue;
      }
      tests.add(DynamicTest.dynamicTest(name, () -> {
        long now = c.get("now_unix").getAsLong();
        TokenValidator.Builder b = Vectors.bound(now);
        if (c.get("requested_audiences").isJsonArray()) {
          b.audiences(AuthenticateVectorsTest.strings(c.getAsJsonArray("requested_audiences")));
        }
        String token = Vectors.token(c.get("token").getAsString());
        ValidationResult r = b.build().tryValidate(token);
        String error = r.isValid()
            ? ObjectBindings.check(r.token().orElseThrow(), token, overrides.getOrDefault(name, boundStore(ctx)),
                Instant.ofEpochSecond(now)).orElse(null)
            : r.upstreamMessage();
        assertThat(error).isEqualTo(c.get("expect_ok").getAsBoolean() ? null : c.get("expect_error").getAsString());
      }));
    }
    assertThat(tests).hasSize(19);
    return tests.stream();
  }

  static Store boundStore(JsonObject ctx) {
    JsonObject o = ctx.getAsJsonObject("objects");
    return new Store()
        .put("serviceaccount", "myns", "mysvcacct", StoredObject.of(o.getAsJsonObject("serviceAccount").get("uid").getAsString()))
        .put("pod", "myns", "mypod", StoredObject.of(o.getAsJsonObject("pod").get("uid").getAsString()))
        .put("secret", "myns", "mysecret", StoredObject.of(o.getAsJsonObject("secret").get("uid").getAsString()))
        .put("node", "", "mynode", StoredObject.of(o.getAsJsonObject("node").get("uid").getAsString()));
  }
}
