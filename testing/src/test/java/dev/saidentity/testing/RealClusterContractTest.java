package dev.saidentity.testing;

import dev.saidentity.core.KeySource;
import dev.saidentity.core.RemoteKeySource;
import dev.saidentity.core.TokenValidator;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.FileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The same contract against a real cluster (kind, k3s...) when {@code SA_IDENTITY_CONTRACT_KUBECONFIG}
 * names an admin kubeconfig, and {@code SA_IDENTITY_CONTRACT_ISSUER} the cluster's
 * {@code --service-account-issuer} (default {@code https://kubernetes.default.svc.cluster.local}).
 */
@EnabledIfEnvironmentVariable(named = "SA_IDENTITY_CONTRACT_KUBECONFIG", matches = ".+",
    disabledReason = "set SA_IDENTITY_CONTRACT_KUBECONFIG to an admin kubeconfig to run the contract against a real cluster")
class RealClusterContractTest extends ApiContract {

  @Override
  Target target() {
    String path = System.getenv("SA_IDENTITY_CONTRACT_KUBECONFIG");
    String issuer = System.getenv().getOrDefault("SA_IDENTITY_CONTRACT_ISSUER", "https://kubernetes.default.svc.cluster.local");
    try {
      KubeConfig kc;
      try (FileReader r = new FileReader(path, java.nio.charset.StandardCharsets.UTF_8)) {
        kc = KubeConfig.loadKubeConfig(r);
      }
      ApiClient admin = ClientBuilder.kubeconfig(kc).build();
      String server = admin.getBasePath();
      byte[] ca = kc.getDataOrFileRelative(kc.getCertificateAuthorityData(), kc.getCertificateAuthorityFile());
      return new Target() {
        @Override
        public ApiClient admin() {
          return admin;
        }

        @Override
        public ApiClient as(String token) {
          return client(server, token, ca);
        }

        @Override
        public TokenValidator.Builder validator() {
          RemoteKeySource.Builder keys = RemoteKeySource.jwks(URI.create(server + "/openid/v1/jwks"))
              .sslContext(sslContext(ca));
          return TokenValidator.builder().issuer(issuer).keys(KeySource.anyOf(keys.build()));
        }

        @Override
        public void close() {}
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static javax.net.ssl.SSLContext sslContext(byte[] caPem) {
    try {
      java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificates(new java.io.ByteArrayInputStream(caPem))) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (java.security.GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
