package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1ServiceAccountList;
import io.kubernetes.client.util.CallGeneratorParams;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * client-java 27's {@link SharedInformerFactory} against the fake over HTTPS: the informer lists and
 * syncs, follows creates, updates and deletes through its watch, and, once the server's watch history
 * is compacted, gets 410 Gone on re-watching and recovers by listing again, as with a real API server.
 */
class ClientJavaInformerTest {

  /**
   * The informer's watches ask the server to end them after this many seconds (upstream's
   * {@code timeoutSeconds}; client-java's own default is 5 to 10 minutes), so that it re-watches from
   * its last resourceVersion soon after the history is compacted, whether or not the compaction ends
   * open watches itself.
   */
  static final int WATCH_TIMEOUT_SECONDS = 3;

  FakeKubernetesApiServer server;
  ApiClient client;
  CoreV1Api core;
  SharedInformerFactory factory;
  final String ns = "informer";

  @BeforeEach
  void start() throws Exception {
    server = FakeKubernetesApiServer.builder().tls(true).start();
    client = ApiContract.client(server.url(), server.adminToken(), server.caCertificatePem().getBytes(StandardCharsets.UTF_8));
    // No read timeout: a watch may be quiet for longer than OkHttp's default 10 s.
    client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build());
    core = new CoreV1Api(client);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    factory = new SharedInformerFactory(client);
  }

  @AfterEach
  void stop() {
    if (factory != null) {
      factory.stopAllRegisteredInformers(true);
    }
    server.close();
  }

  V1ServiceAccount sa(String name, Map<String, String> labels) {
    return new V1ServiceAccount().metadata(new V1ObjectMeta().name(name).labels(labels));
  }

  @Test
  void informer_syncs_followsChanges_andRelistsAfterA410() throws Exception {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    SharedIndexInformer<V1ServiceAccount> informer = factory.sharedIndexInformerFor(
        (CallGeneratorParams p) -> core.listNamespacedServiceAccount(ns).resourceVersion(p.resourceVersion).watch(p.watch)
            .timeoutSeconds(p.timeoutSeconds == null ? null : Math.min(p.timeoutSeconds, WATCH_TIMEOUT_SECONDS)).buildCall(null),
        V1ServiceAccount.class, V1ServiceAccountList.class, 0, (type, t) -> errors.add(String.valueOf(t)));
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(V1ServiceAccount sa) {
        events.add("add " + sa.getMetadata().getName());
      }

      @Override
      public void onUpdate(V1ServiceAccount old, V1ServiceAccount sa) {
        events.add(RealClients.update(sa.getMetadata().getName(), old.getMetadata().getResourceVersion(), sa.getMetadata().getResourceVersion(),
            sa.getMetadata().getLabels()));
      }

      @Override
      public void onDelete(V1ServiceAccount sa, boolean finalStateUnknown) {
        events.add("delete " + sa.getMetadata().getName());
      }
    });
    factory.startAllRegisteredInformers();

    String listPath = "/api/v1/namespaces/" + ns + "/serviceaccounts";
    RealClients.awaitMatch(events, "add default"::equals, "the informer's initial list", RealClients.EVENT_DEADLINE);
    assertThat(informer.hasSynced()).isTrue();
    long lists = RealClients.lists(server, listPath);
    core.createNamespacedServiceAccount(ns, sa("i1", Map.of("app", "a"))).execute();
    RealClients.awaitMatch(events, "add i1"::equals, "add i1", RealClients.EVENT_DEADLINE);
    V1ServiceAccount i1 = core.readNamespacedServiceAccount("i1", ns).execute();
    i1.getMetadata().putLabelsItem("app", "b");
    core.replaceNamespacedServiceAccount("i1", ns, i1).execute();
    RealClients.awaitMatch(events, "update i1 {app=b}"::equals, "update i1", RealClients.EVENT_DEADLINE);
    core.deleteNamespacedServiceAccount("i1", ns).execute();
    RealClients.awaitMatch(events, "delete i1"::equals, "delete i1", RealClients.EVENT_DEADLINE);
    assertThat(informer.getIndexer().list()).extracting(s -> s.getMetadata().getName()).containsExactly("default");
    // Through the watch (re-watched every few seconds from the last resourceVersion), not by listing
    // again: a reflector whose watches fail relists in a loop and would see the changes too.
    assertThat(RealClients.lists(server, listPath)).as("lists of %s while watching (errors: %s)", listPath, errors).isEqualTo(lists);

    RealClients.compactHistory(server);
    // The next watch from the informer's last resourceVersion is answered 410 Gone ("too old resource
    // version"); the reflector lists again, which redelivers the objects it has.
    RealClients.awaitMatch(events, "relisted default"::equals, "a relist after the compaction (errors: " + errors + ")",
        RealClients.EVENT_DEADLINE);
    assertThat(RealClients.lists(server, listPath)).as("lists of %s", listPath).isGreaterThan(lists);
    core.createNamespacedServiceAccount(ns, sa("after-compaction", Map.of())).execute();
    RealClients.awaitMatch(events, "add after-compaction"::equals, "add after-compaction", RealClients.EVENT_DEADLINE);
    assertThat(informer.getIndexer().list()).extracting(s -> s.getMetadata().getName()).containsExactlyInAnyOrder("default", "after-compaction");
  }
}
