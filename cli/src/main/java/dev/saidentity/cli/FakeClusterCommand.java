package dev.saidentity.cli;

import dev.saidentity.testing.FakeKubernetesApiServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sa-identity fake-cluster}: the fake API server for scripts, other languages and kubectl. */
@Command(
    name = "fake-cluster",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serve a fake Kubernetes API server (ServiceAccounts, TokenRequest, TokenReview, RBAC, OIDC discovery) on 127.0.0.1",
      "until SIGINT or SIGTERM. Prints its URL; writes a kubeconfig whose user is the admin once it is serving.",
      "Serves HTTPS with its own CA (in the kubeconfig) unless --http: kubectl and client-go send bearer tokens only over TLS.",
      "With --http, a request without credentials is user system:unsecured in group system:masters (as the API server's",
      "removed insecure port), so that kubectl works with the written kubeconfig; a request with a token is still its token's user."
    })
final class FakeClusterCommand implements Callable<Integer> {

  @Spec
  @Nullable CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", description = "The port (default: an ephemeral one).", defaultValue = "0")
  int port;

  @Option(names = "--tls", description = "Serve HTTPS with the fake's own CA (in the kubeconfig): the default; kept for compatibility.")
  boolean tls;

  @Option(names = "--http", description = "Serve plain HTTP instead; the kubeconfig says insecure-skip-tls-verify, and a request "
      + "without credentials is system:unsecured (group system:masters). For clients that cannot do TLS.")
  boolean http;

  @Option(names = "--kubeconfig-out", paramLabel = "FILE", description = "Write an admin kubeconfig here once serving.")
  @Nullable Path kubeconfigOut;

  /** {@code --seed} is read up to this size; its YAML is then loaded with the fake's bounded YAML loader. */
  static final int MAX_SEED = 64 << 20;

  @Option(names = "--seed", paramLabel = "MANIFESTS.yaml", description = "Create the objects in this YAML or JSON file (at most 64 MiB) first.")
  @Nullable Path seed;

  @Override
  public Integer call() throws Exception {
    CommandSpec s = Objects.requireNonNull(spec);
    if (port < 0 || port > 65535) {
      throw new ParameterException(s.commandLine(), "--port must be 0 to 65535: " + port);
    }
    if (http && tls) {
      throw new ParameterException(s.commandLine(), "--http and --tls exclude each other");
    }
    String manifests = null;
    if (seed != null) {
      try {
        manifests = new String(CappedFile.read(seed, MAX_SEED, "--seed " + seed), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ParameterException(s.commandLine(), "cannot read --seed " + seed + ": " + e.getClass().getSimpleName());
      }
    }
    FakeKubernetesApiServer server;
    try {
      server = FakeKubernetesApiServer.builder().port(port).tls(!http).unsecuredAnonymous(http).start();
    } catch (java.io.UncheckedIOException e) {
      s.commandLine().getErr().println("sa-identity fake-cluster: cannot listen on 127.0.0.1:" + port + ": "
          + e.getCause().getClass().getSimpleName());
      return Main.EXIT_INVALID;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "sa-identity-fake-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    if (manifests != null) {
      try {
        List<String> created = server.create(manifests);
        created.forEach(c -> s.commandLine().getErr().println("seeded " + c));
      } catch (IllegalArgumentException | IllegalStateException e) {
        s.commandLine().getErr().println("sa-identity fake-cluster: --seed " + seed + ": " + e.getMessage());
        server.close();
        return Main.EXIT_USAGE;
      }
    }
    if (kubeconfigOut != null) {
      server.writeKubeconfig(kubeconfigOut);
    }
    s.commandLine().getOut().println(server.url());
    s.commandLine().getOut().flush();
    stopped.await();
    return 0;
  }
}
