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

/** {@code sa-identity fake-cluster} from the packaged jar: URL on stdout, kubeconfig once serving, seed, SIGTERM. */
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
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(kubeconfig).exists();
        String kc = Files.readString(kubeconfig);
        assertThat(kc).contains("server: " + url);
        Matcher m = Pattern.compile("token: (\\S+)").matcher(kc);
        assertThat(m.find()).isTrue();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
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
}
