package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sa-identity fake-cluster} from the packaged jar: URL on stdout, kubeconfig once serving, seed, SIGTERM;
 * HTTPS by default, {@code --http} with a kubeconfig every client accepts; kubectl with either kubeconfig.
 */
class FakeClusterIT {

  @TempDir
  Path dir;

  @Test
  void servesSeedsWritesKubeconfig_andStopsOnSigterm() throws Exception {
    Path seed = Files.writeString(dir.resolve("seed.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n---\n"
        + "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: payments\n");
    Path kubeconfig = dir.resolve("kubeconfig");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("cli.jar"),
        "fake-cluster", "--seed", seed.toString(), "--kubeconfig-out", kubeconfig.toString())
        .redirectError(dir.resolve("stderr").toFile()).start();
    try {
      String url;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        url = out.readLine();
        assertThat(url).matches("https://127\\.0\\.0\\.1:\\d+"); // HTTPS unless --http
        assertThat(kubeconfig).exists();
        String kc = Files.readString(kubeconfig);
        assertThat(kc).contains("server: " + url).contains("certificate-authority-data: ").doesNotContain("insecure");
        Matcher m = Pattern.compile("token: (\\S+)").matcher(kc);
        assertThat(m.find()).isTrue();
        HttpResponse<String> r = trusting(kc).send(HttpRequest.newBuilder(
            URI.create(url + "/api/v1/namespaces/payments/serviceaccounts/api")).header("Authorization", "Bearer " + m.group(1)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"name\":\"api\"");
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(Files.readAllLines(dir.resolve("stderr"))).containsExactly("seeded Namespace payments", "seeded ServiceAccount payments/api");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void badSeed_isAUsageError() throws Exception {
    Path seed = Files.writeString(dir.resolve("seed.yaml"), "apiVersion: v9\nkind: Thing\nmetadata:\n  name: x\n");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("cli.jar"),
        "fake-cluster", "--seed", seed.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("does not serve v9 Thing").doesNotContain("\tat ");
    assertThat(List.of(out.split("\n"))).noneMatch(l -> l.startsWith("http"));
  }

  /** An HTTP client trusting the CA in the kubeconfig's {@code certificate-authority-data}. */
  static HttpClient trusting(String kubeconfig) throws Exception {
    Matcher ca = Pattern.compile("certificate-authority-data: (\\S+)").matcher(kubeconfig);
    assertThat(ca.find()).isTrue();
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(ca.group(1)))));
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  /** A running {@code fake-cluster} with its URL and written kubeconfig. */
  record Cluster(Process process, String url, Path kubeconfig) implements AutoCloseable {
    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  Cluster start(String name, String... flags) throws Exception {
    Path kubeconfig = dir.resolve(name);
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty("cli.jar"), "fake-cluster", "--kubeconfig-out", kubeconfig.toString()));
    cmd.addAll(List.of(flags));
    Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(name + ".stderr").toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String url = out.readLine(); // printed once serving, after the kubeconfig is written
    if (url == null) {
      p.destroyForcibly();
      throw new AssertionError("fake-cluster " + List.of(flags) + " printed no URL: " + Files.readString(dir.resolve(name + ".stderr")));
    }
    return new Cluster(p, url, kubeconfig);
  }

  @Test
  void http_writesAKubeconfigEveryClientAccepts_andAnonymousIsUnsecured() throws Exception {
    try (Cluster c = start("http-kubeconfig", "--http")) {
      assertThat(c.url()).matches("http://127\\.0\\.0\\.1:\\d+");
      assertThat(Files.readString(c.kubeconfig())).contains("server: " + c.url()).contains("insecure-skip-tls-verify: true")
          .doesNotContain("certificate-authority-data");
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(c.url() + "/apis/authentication.k8s.io/v1/"
          + "selfsubjectreviews")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
          "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.body()).contains("\"username\":\"system:unsecured\"").contains("\"system:masters\"");
    }
  }

  @Test
  void tlsFlag_isStillAccepted_andExcludesHttp() throws Exception {
    try (Cluster c = start("tls-kubeconfig", "--tls")) {
      assertThat(c.url()).startsWith("https://");
    }
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("cli.jar"),
        "fake-cluster", "--tls", "--http").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("--http and --tls exclude each other");
  }

  @Test
  void kubectl_getNamespaces_worksWithTheDefaultAndTheHttpKubeconfig() throws Exception {
    java.util.Optional<Path> kubectl = java.util.stream.Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
        .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst();
    if (kubectl.isEmpty()) {
      System.err.println("FakeClusterIT: kubectl is not on the PATH: the kubectl check is skipped");
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(kubectl.isPresent(), "kubectl is not on the PATH");
    Path real = kubectl.get().toRealPath();
    Path v133 = real.resolveSibling("kubectl.1.33");
    Path binary = Files.isExecutable(v133) ? v133 : real;
    for (String mode : List.of("default", "--http")) {
      try (Cluster c = mode.equals("default") ? start("kc-default") : start("kc-http", "--http")) {
        Process k = new ProcessBuilder(binary.toString(), "--kubeconfig", c.kubeconfig().toString(), "get", "ns", "-o", "name")
            .redirectError(dir.resolve("kubectl.err").toFile()).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(k.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(k.exitValue()).as("%s %s: %s", binary, mode, Files.readString(dir.resolve("kubectl.err"))).isZero();
        assertThat(out).contains("namespace/default").contains("namespace/kube-system");
      }
    }
  }
}
