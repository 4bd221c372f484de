package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** All 15 TestNewOpenIDMetadata cases: documents byte-exact, invalid inputs refused. */
class OidcMetadataTest {

  static final List<PublicKey> PUBLIC = KeySource.publicKeysFromPem(
      Vectors.text("keys/rsa-public.pem") + Vectors.text("keys/ecdsa-p256-public.pem"));
  static final List<PublicKey> FROM_PRIVATE = KeySource.publicKeysFromPem(
      Vectors.text("keys/rsa-private.pem") + Vectors.text("keys/ecdsa-p256-private.pem"));

  @TestFactory
  Stream<DynamicTest> newOpenIdMetadataCases() {
    JsonObject v = Vectors.json("oidc/new-openid-metadata-cases.json").getAsJsonObject();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement e : v.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
        List<PublicKey> keys = c.has("keys") ? FROM_PRIVATE : PUBLIC;
        String ext = c.has("externalAddress") ? c.get("externalAddress").getAsString() : "";
        if (c.has("expect_error") && c.get("expect_error").getAsBoolean()) {
          assertThatThrownBy(() -> OidcMetadata.create(c.get("issuerURL").getAsString(), c.get("jwksURI").getAsString(), ext, keys))
              .isInstanceOf(IllegalArgumentException.class);
          return;
        }
        OidcMetadata m = OidcMetadata.create(c.get("issuerURL").getAsString(), c.get("jwksURI").getAsString(), ext, keys);
        assertThat(m.openIdConfiguration()).isEqualTo(Vectors.text(c.get("expect_config_file").getAsString()));
        assertThat(m.jwks()).isEqualTo(Vectors.text(c.get("expect_keyset_file").getAsString()));
      }));
    }
    assertThat(tests).hasSize(15);
    return tests.stream();
  }

  @Test
  void messages_areUpstreams() {
    assertThatThrownBy(() -> OidcMetadata.create("http://issuer.example.com", "https://x/jwks", "", PUBLIC))
        .hasMessage("issuer URL must use https scheme, got: http://issuer.example.com");
    assertThatThrownBy(() -> OidcMetadata.create("https://issuer.example.com?foo=bar", "https://x/jwks", "", PUBLIC))
        .hasMessage("issuer URL may not include a query, got: https://issuer.example.com?foo=bar");
    assertThatThrownBy(() -> OidcMetadata.create("https://issuer.example.com", "http://issuer.example.com/openid/v1/jwks", "", PUBLIC))
        .hasMessage("jwksURI requires https scheme, parsed as: http://issuer.example.com/openid/v1/jwks");
    assertThatThrownBy(() -> OidcMetadata.create("https://issuer.example.com", "", "", PUBLIC))
        .hasMessage("either the JWKS URI or the default external address, or both, must be set");
  }

  @Test
  void algorithms_followTheKeys_andTheJwksRoundTrips() {
    OidcMetadata es = OidcMetadata.create("https://i", "https://i/openid/v1/jwks", "", List.of(PUBLIC.get(1)));
    assertThat(es.openIdConfiguration()).endsWith("\"id_token_signing_alg_values_supported\":[\"ES256\"]}");
    OidcMetadata es384 = OidcMetadata.create("https://i", "https://i/openid/v1/jwks", "", List.of(TestJwt.EC384.getPublic()));
    assertThat(es384.jwks()).contains("\"crv\":\"P-384\",\"alg\":\"ES384\"");
    // What we publish, we read back: same keys, same kids.
    assertThat(KeySource.fromJwks(es384.jwks()).current(java.time.Instant.EPOCH).kids())
        .containsExactly(KeySource.keyId(TestJwt.EC384.getPublic()));
  }
}
