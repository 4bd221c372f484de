package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1ServiceAccountList;
import io.kubernetes.client.util.Config;
import java.io.StringReader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 point 2, smoke test with a real client: client-java's {@code SharedInformerFactory} syncs,
 * sees create, update and delete through its watch, and recovers through a relist after a
 * compaction forces a 410 (the fuller real-client contract lives elsewhere).
 */
class InformerSmokeTest {

  @Test
  void sharedInformer_syncsSeesChanges_andRelistsAfterA410() throws Exception {
    try (FakeKubernetesApiServer server = FakeKubernetesApiServer.start()) {
      server.createNamespace("inf");
      ApiClient client = Config.fromConfig(new StringReader(server.kubeconfig()));
      client.setHttpClient(client.getHttpClient().newBuilder().readTimeout(0, TimeUnit.SECONDS).build());
      CoreV1Api api = new CoreV1Api(client);
      SharedInformerFactory factory = new SharedInformerFactory(client);
      SharedIndexInformer<V1ServiceAccount> informer = factory.sharedIndexInformerFor(
          params -> api.listNamespacedServiceAccount("inf").resourceVersion(params.resourceVersion).watch(params.watch)
              .timeoutSeconds(params.timeoutSeconds).buildCall(null),
          V1ServiceAccount.class, V1ServiceAccountList.class);
      BlockingQueue<String> seen = new LinkedBlockingQueue<>();
      informer.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(V1ServiceAccount sa) {
          seen.add("add " + sa.getMetadata().getName());
        }

        @Override
        public void onUpdate(V1ServiceAccount before, V1ServiceAccount after) {
          if (!before.getMetadata().getResourceVersion().equals(after.getMetadata().getResourceVersion())) {
            seen.add("update " + after.getMetadata().getName());
          }
        }

        @Override
        public void onDelete(V1ServiceAccount sa, boolean unknownFinalState) {
          seen.add("delete " + sa.getMetadata().getName());
        }
      });
      factory.startAllRegisteredInformers();
      try {
        assertThat(Http.await(informer::hasSynced)).isTrue();
        assertThat(next(seen)).isEqualTo("add default");
        server.createServiceAccount("inf", "app");
        assertThat(next(seen)).isEqualTo("add app");
        new Http(server).mergePatch("/api/v1/namespaces/inf/serviceaccounts/app", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
        assertThat(next(seen)).isEqualTo("update app");
        server.delete("v1", "ServiceAccount", "inf", "app");
        assertThat(next(seen)).isEqualTo("delete app");

        int watchesBefore = server.requestCount("GET", "/api/v1/namespaces/inf/serviceaccounts");
        server.compactHistory();
        server.createServiceAccount("inf", "after-410");
        assertThat(next(seen)).isEqualTo("add after-410");
        assertThat(server.requestCount("GET", "/api/v1/namespaces/inf/serviceaccounts")).as("a relist and a new watch")
            .isGreaterThanOrEqualTo(watchesBefore + 2);
        assertThat(informer.getIndexer().getByKey("inf/after-410")).isNotNull();
      } finally {
        factory.stopAllRegisteredInformers();
      }
    }
  }

  private static String next(BlockingQueue<String> q) throws InterruptedException {
    String s = q.poll(Http.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(s).as("an informer event within " + Http.DEADLINE).isNotNull();
    return s;
  }
}
