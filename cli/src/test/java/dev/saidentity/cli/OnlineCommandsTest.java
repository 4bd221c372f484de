package dev.saidentity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.saidentity.core.UnverifiedToken;
import dev.saidentity.testing.FakeKubernetesApiServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code token} and {@code review} against the fake API server over TLS. */
class OnlineCommandsTest extends CliRunner {

  @TempDir
  Path dir;
  final FakeKubernetesApiServer server = FakeKubernetesApiServer.builder().tls(true).start();

  @AfterEach
  void stop() {
    server.close();
  }


  @Test
  void token_likeKubectlCreateToken_andReview() {
    server.createServiceAccount("default", "api");
    String podUid = server.createPod("default", "web", "api", null);
    String kc = server.writeKubeconfig(dir.resolve("kc")).toString();
    assertThat(run("token", "api", "-n", "default", "--audience", "vault", "--duration", "20m", "--kubeconfig", kc)).isZero();
    UnverifiedToken t = UnverifiedToken.decode(out);
    assertThat(t.audiences()).containsExactly("vault");
    assertThat(t.expiresAt().orElseThrow().getEpochSecond() - t.issuedAt().orElseThrow().getEpochSecond()).isEqualTo(1200);
    String token = out;

    assertThat(run("token", "api", "--bound-object-kind", "Pod", "--bound-object-name", "web", "--bound-object-uid", podUid,
        "--kubeconfig", kc, "-o", "json")).isZero();
    JsonObject status = JsonParser.parseString(out).getAsJsonObject();
    assertThat(status.keySet()).containsExactly("token", "expirationTimestamp");
    assertThat(UnverifiedToken.decode(status.get("token").getAsString()).pod().orElseThrow().name()).isEqualTo("web");

    assertThat(run("review", token, "--audience", "vault", "--kubeconfig", kc)).isZero();
    JsonObject r = JsonParser.parseString(out).getAsJsonObject();
    assertThat(r.keySet()).containsExactly("authenticated", "user", "audiences", "error");
    assertThat(r.getAsJsonObject("user").get("username").getAsString()).isEqualTo("system:serviceaccount:default:api");
    assertThat(run("review", token, "--audience", "db", "--kubeconfig", kc)).isEqualTo(1);
    assertThat(JsonParser.parseString(out).getAsJsonObject().get("authenticated").getAsBoolean()).isFalse();
    assertThat(run("review", "garbage", "--kubeconfig", kc)).isEqualTo(1);
  }

  @Test
  void errors_sayWhatToDo_andUsageErrorsExit2() {
    String kc = server.writeKubeconfig(dir.resolve("kc")).toString();
    assertThat(run("token", "ghost", "--kubeconfig", kc)).isEqualTo(1);
    assertThat(err).contains("ServiceAccount default/ghost or the bound object was not found");
    assertThat(run("token", "api", "--duration", "5m", "--kubeconfig", kc)).isEqualTo(2);
    assertThat(run("token", "api", "--duration", "soon", "--kubeconfig", kc)).isEqualTo(2);
    assertThat(run("token", "api", "--bound-object-kind", "Pod", "--kubeconfig", kc)).isEqualTo(2);
    assertThat(run("token", "api", "--kubeconfig", dir.resolve("missing").toString())).isEqualTo(2);
    assertThat(TokenCommand.parseDuration("1h30m").getSeconds()).isEqualTo(5400);
    assertThat(TokenCommand.parseDuration("3600").getSeconds()).isEqualTo(3600);
  }
}
