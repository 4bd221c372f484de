package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saidentity.core.UnverifiedToken;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.ServiceAccountResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.ServiceAccountList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * fabric8 kubernetes-client 7.9.0 (on the JDK's HTTP client), unmodified, as a real client of the fake
 * over HTTPS, configured from nothing but the server's kubeconfig: CRUD, label and field selectors,
 * server-side apply, TokenRequest and TokenReview, a watch, and an informer that must get through a
 * compacted history by relisting.
 */
class Fabric8ContractTest {

  FakeKubernetesApiServer server;
  KubernetesClient client;
  String ns;

  @BeforeEach
  void start() {
    server = FakeKubernetesApiServer.builder().tls(true).start();
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.kubeconfig())).build();
    ns = "fabric8-" + UUID.randomUUID().toString().substring(0, 8);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  MixedOperation<ServiceAccount, ServiceAccountList, ServiceAccountResource> sas() {
    return client.serviceAccounts();
  }

  ServiceAccount sa(String name, Map<String, String> labels) {
    return new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata().build();
  }

  static List<String> names(List<? extends HasMetadata> items) {
    return items.stream().map(o -> o.getMetadata().getName()).sorted().toList();
  }

  @Test
  void serviceAccounts_crud() {
    ServiceAccount created = sas().inNamespace(ns).resource(sa("api", Map.of("app", "a"))).create();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    assertThat(created.getMetadata().getResourceVersion()).isNotBlank();
    assertThat(created.getMetadata().getCreationTimestamp()).isNotBlank();

    ServiceAccount edited = sas().inNamespace(ns).withName("api").edit(s -> new ServiceAccountBuilder(s)
        .editMetadata().addToLabels("tier", "web").endMetadata().withAutomountServiceAccountToken(false).build());
    assertThat(edited.getMetadata().getLabels()).containsEntry("app", "a").containsEntry("tier", "web");
    assertThat(edited.getAutomountServiceAccountToken()).isFalse();
    assertThat(edited.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
    assertThat(edited.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());

    assertThat(sas().inNamespace(ns).withName("api").get().getMetadata().getLabels()).containsEntry("tier", "web");
    assertThat(names(sas().inNamespace(ns).list().getItems())).contains("api", "default");

    KubernetesClientException dup = org.junit.jupiter.api.Assertions.assertThrows(KubernetesClientException.class,
        () -> sas().inNamespace(ns).resource(sa("api", Map.of())).create());
    assertThat(dup.getCode()).isEqualTo(409);
    assertThat(dup.getStatus().getReason()).isEqualTo("AlreadyExists");

    List<StatusDetails> deleted = sas().inNamespace(ns).withName("api").delete();
    assertThat(deleted).extracting(StatusDetails::getName).containsExactly("api");
    assertThat(sas().inNamespace(ns).withName("api").get()).isNull();
    assertThat(sas().inNamespace(ns).withName("api").delete()).isEmpty();
  }

  @Test
  void configMaps_crud() {
    ConfigMap cm = client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata()
        .addToData("k", "v").build()).create();
    assertThat(cm.getMetadata().getUid()).isNotBlank();
    ConfigMap updated = client.configMaps().inNamespace(ns).withName("settings").edit(c -> new ConfigMapBuilder(c).addToData("k2", "v2").build());
    assertThat(updated.getData()).containsExactlyInAnyOrderEntriesOf(Map.of("k", "v", "k2", "v2"));
    assertThat(client.configMaps().inNamespace(ns).withName("settings").get().getData()).containsEntry("k2", "v2");
    assertThat(client.configMaps().inNamespace(ns).withName("settings").delete()).hasSize(1);
    assertThat(client.configMaps().inNamespace(ns).withName("settings").get()).isNull();
  }

  @Test
  void roleBindings_crud() {
    client.rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata().withName("sa-reader").endMetadata()
        .addNewRule().withApiGroups("").withResources("serviceaccounts").withVerbs("get", "list").endRule().build()).create();
    sas().inNamespace(ns).resource(sa("api", Map.of())).create();
    RoleBinding rb = client.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder()
        .withNewMetadata().withName("api-reads").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("sa-reader").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("api").withNamespace(ns).endSubject().build()).create();
    assertThat(rb.getMetadata().getUid()).isNotBlank();
    RoleBinding edited = client.rbac().roleBindings().inNamespace(ns).withName("api-reads").edit(b -> new RoleBindingBuilder(b)
        .addNewSubject().withKind("ServiceAccount").withName("default").withNamespace(ns).endSubject().build());
    assertThat(edited.getSubjects()).extracting(s -> s.getName()).containsExactly("api", "default");
    assertThat(client.rbac().roleBindings().inNamespace(ns).list().getItems()).extracting(b -> b.getMetadata().getName()).contains("api-reads");
    assertThat(client.rbac().roleBindings().inNamespace(ns).withName("api-reads").delete()).hasSize(1);
    assertThat(client.rbac().roleBindings().inNamespace(ns).withName("api-reads").get()).isNull();
  }

  @Test
  void labelAndFieldSelectors_asUpstream() {
    sas().inNamespace(ns).resource(sa("sa-a", Map.of("app", "a"))).create();
    sas().inNamespace(ns).resource(sa("sa-b", Map.of("app", "b"))).create();
    sas().inNamespace(ns).resource(sa("sa-x", Map.of("app", "x"))).create();
    sas().inNamespace(ns).resource(sa("sa-none", Map.of())).create();
    // fabric8 writes these as "app in (a,b)", "app notin (x)", "!app" and "metadata.name=sa-b".
    assertThat(names(sas().inNamespace(ns).withLabelIn("app", "a", "b").list().getItems())).containsExactly("sa-a", "sa-b");
    // notin also matches objects without the label (upstream's labels.Selector).
    assertThat(names(sas().inNamespace(ns).withLabelNotIn("app", "x").list().getItems())).containsExactly("default", "sa-a", "sa-b", "sa-none");
    assertThat(names(sas().inNamespace(ns).withoutLabel("app").list().getItems())).containsExactly("default", "sa-none");
    assertThat(names(sas().inNamespace(ns).withField("metadata.name", "sa-b").list().getItems())).containsExactly("sa-b");
    assertThat(names(sas().inNamespace(ns).withLabelIn("app", "a", "b").withoutField("metadata.name", "sa-a").list().getItems()))
        .containsExactly("sa-b");
  }

  @Test
  void serverSideApply_createsThenUpdates() {
    ServiceAccount first = sas().inNamespace(ns).resource(sa("applied", Map.of("app", "a", "rev", "1")))
        .fieldManager("fabric8-test").forceConflicts().serverSideApply();
    assertThat(first.getMetadata().getUid()).isNotBlank();
    assertThat(first.getMetadata().getLabels()).containsEntry("rev", "1");

    ServiceAccount second = sas().inNamespace(ns).resource(new ServiceAccountBuilder(sa("applied", Map.of("app", "a", "rev", "2")))
        .withAutomountServiceAccountToken(false).build()).fieldManager("fabric8-test").forceConflicts().serverSideApply();
    assertThat(second.getMetadata().getUid()).isEqualTo(first.getMetadata().getUid());
    assertThat(second.getMetadata().getResourceVersion()).isNotEqualTo(first.getMetadata().getResourceVersion());
    assertThat(second.getMetadata().getLabels()).containsEntry("rev", "2");
    assertThat(second.getAutomountServiceAccountToken()).isFalse();
    ServiceAccount read = sas().inNamespace(ns).withName("applied").get();
    assertThat(read.getMetadata().getLabels()).containsEntry("rev", "2");
  }

  @Test
  void tokenRequest_andTokenReview() {
    sas().inNamespace(ns).resource(sa("api", Map.of())).create();
    TokenRequest tr = sas().inNamespace(ns).withName("api").tokenRequest(new TokenRequestBuilder().withNewSpec()
        .withAudiences("vault").withExpirationSeconds(1200L).endSpec().build());
    String token = tr.getStatus().getToken();
    UnverifiedToken decoded = UnverifiedToken.decode(token);
    assertThat(decoded.serviceAccount().username()).isEqualTo("system:serviceaccount:" + ns + ":api");
    assertThat(decoded.audiences()).containsExactly("vault");
    assertThat(decoded.expiresAt().orElseThrow().getEpochSecond() - decoded.issuedAt().orElseThrow().getEpochSecond()).isEqualTo(1200);
    assertThat(tr.getStatus().getExpirationTimestamp()).isNotBlank();

    TokenReview ok = client.tokenReviews().create(new TokenReviewBuilder().withNewSpec().withToken(token).withAudiences("vault").endSpec().build());
    assertThat(ok.getStatus().getAuthenticated()).isTrue();
    assertThat(ok.getStatus().getUser().getUsername()).isEqualTo("system:serviceaccount:" + ns + ":api");
    assertThat(ok.getStatus().getAudiences()).containsExactly("vault");

    TokenReview wrongAudience = client.tokenReviews().create(new TokenReviewBuilder().withNewSpec().withToken(token).withAudiences("db").endSpec().build());
    assertThat(wrongAudience.getStatus().getAuthenticated()).isFalse();
    assertThat(wrongAudience.getStatus().getError()).isNotBlank().doesNotContain(token);

    KubernetesClientException missing = org.junit.jupiter.api.Assertions.assertThrows(KubernetesClientException.class,
        () -> sas().inNamespace(ns).withName("nobody").tokenRequest(new TokenRequestBuilder().withNewSpec().withAudiences("vault").endSpec().build()));
    assertThat(missing.getCode()).isEqualTo(404);
  }

  @Test
  void watch_seesAddedModifiedDeleted() throws Exception {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    BlockingQueue<String> closed = new LinkedBlockingQueue<>();
    try (Watch w = sas().inNamespace(ns).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, ServiceAccount sa) {
        events.add(action + " " + sa.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {
        closed.add(String.valueOf(cause));
      }
    })) {
      assertThat(w).isNotNull();
      sas().inNamespace(ns).resource(sa("watched", Map.of())).create();
      RealClients.awaitMatch(events, "ADDED watched"::equals, "ADDED watched", RealClients.EVENT_DEADLINE);
      sas().inNamespace(ns).withName("watched").edit(s -> new ServiceAccountBuilder(s).editMetadata().addToLabels("v", "2").endMetadata().build());
      RealClients.awaitMatch(events, "MODIFIED watched"::equals, "MODIFIED watched", RealClients.EVENT_DEADLINE);
      sas().inNamespace(ns).withName("watched").delete();
      RealClients.awaitMatch(events, "DELETED watched"::equals, "DELETED watched", RealClients.EVENT_DEADLINE);
      assertThat(closed).as("the watch closed early").isEmpty();
    }
  }

  @Test
  void informer_seesChanges_andRelistsAfterTheHistoryIsCompacted() throws Exception {
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    String listPath = "/api/v1/namespaces/" + ns + "/serviceaccounts";
    SharedIndexInformer<ServiceAccount> informer = sas().inNamespace(ns).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ServiceAccount sa) {
        events.add("add " + sa.getMetadata().getName());
      }

      @Override
      public void onUpdate(ServiceAccount old, ServiceAccount sa) {
        events.add(RealClients.update(sa.getMetadata().getName(), old.getMetadata().getResourceVersion(), sa.getMetadata().getResourceVersion(),
            sa.getMetadata().getLabels()));
      }

      @Override
      public void onDelete(ServiceAccount sa, boolean deletedFinalStateUnknown) {
        events.add("delete " + sa.getMetadata().getName());
      }
    }, 0);
    try {
      RealClients.awaitMatch(events, "add default"::equals, "the informer's initial list", RealClients.EVENT_DEADLINE);
      assertThat(informer.hasSynced()).isTrue();
      long lists = RealClients.lists(server, listPath);

      sas().inNamespace(ns).resource(sa("i1", Map.of())).create();
      RealClients.awaitMatch(events, "add i1"::equals, "add i1", RealClients.EVENT_DEADLINE);
      sas().inNamespace(ns).withName("i1").edit(s -> new ServiceAccountBuilder(s).editMetadata().addToLabels("v", "2").endMetadata().build());
      RealClients.awaitMatch(events, "update i1 {v=2}"::equals, "update i1", RealClients.EVENT_DEADLINE);
      sas().inNamespace(ns).withName("i1").delete();
      RealClients.awaitMatch(events, "delete i1"::equals, "delete i1", RealClients.EVENT_DEADLINE);
      assertThat(informer.getStore().list()).extracting(s -> s.getMetadata().getName()).containsExactly("default");

      // Through the watch, not by listing again (an informer whose watches fail relists in a loop).
      assertThat(RealClients.lists(server, listPath)).as("lists of %s while watching", listPath).isEqualTo(lists);
      // The history the informer's watch would resume from is gone: its next watch gets 410 Gone, and
      // it must list again (upstream's reflector does the same) rather than miss changes or give up.
      // Unlike client-go and client-java, fabric8 (7.9, ProcessorStore.updateInternal) notifies nothing
      // for a relisted object whose resourceVersion did not change, so the relist shows through the
      // object created after the compaction: its resourceVersion is past the floor, the informer's old
      // watch cannot deliver it, only the relist (or a watch from the relist's resourceVersion) can.
      RealClients.compactHistory(server);
      sas().inNamespace(ns).resource(sa("after-compaction", Map.of())).create();
      RealClients.awaitMatch(events, "add after-compaction"::equals, "add after-compaction", RealClients.EVENT_DEADLINE);
      assertThat(RealClients.lists(server, listPath)).as("lists of %s after the compaction", listPath).isGreaterThan(lists);
      sas().inNamespace(ns).withName("after-compaction").edit(s -> new ServiceAccountBuilder(s).editMetadata().addToLabels("v", "3").endMetadata()
          .build());
      RealClients.awaitMatch(events, "update after-compaction {v=3}"::equals, "update after-compaction", RealClients.EVENT_DEADLINE);
      assertThat(informer.isWatching()).isTrue();
    } finally {
      informer.close();
    }
  }
}
