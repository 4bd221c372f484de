package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * What a new cluster holds before anyone asks: the four system namespaces and the bootstrap
 * ClusterRoles and ClusterRoleBindings of upstream's {@code bootstrappolicy} that the fake's
 * callers meet (cluster-admin, view, edit, basic-user, discovery, public-info-viewer,
 * service-account-issuer-discovery, auth-delegator).
 */
final class Bootstrap {

  private final FakeKubernetesApiServer server;

  private Bootstrap(FakeKubernetesApiServer server) {
    this.server = server;
  }

  static void run(FakeKubernetesApiServer server) {
    new Bootstrap(server).run();
  }

  private void run() {
    for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
      server.createNamespace(ns);
    }
    clusterRole("cluster-admin", rule(List.of("*"), List.of("*"), List.of("*")), nonResourceRule(List.of("*"), List.of("*")));
    clusterRole("view", rule(List.of(""), List.of("pods", "serviceaccounts", "configmaps", "namespaces"), List.of("get", "list", "watch")),
        rule(List.of("rbac.authorization.k8s.io"), List.of("roles", "rolebindings"), List.of("get", "list", "watch")));
    clusterRole("edit", rule(List.of(""), List.of("pods", "serviceaccounts", "configmaps", "secrets"), List.of("*")),
        rule(List.of(""), List.of("serviceaccounts/token"), List.of("create")));
    clusterRole("system:basic-user", rule(List.of("authorization.k8s.io"), List.of("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
        List.of("create")), rule(List.of("authentication.k8s.io"), List.of("selfsubjectreviews"), List.of("create")));
    clusterRole("system:public-info-viewer", nonResourceRule(List.of("get"), List.of("/healthz", "/livez", "/readyz", "/version", "/version/")));
    clusterRole("system:discovery", nonResourceRule(List.of("get"), List.of("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
        "/openapi", "/openapi/*", "/readyz", "/version", "/version/")));
    clusterRole("system:service-account-issuer-discovery",
        nonResourceRule(List.of("get"), List.of("/.well-known/openid-configuration", "/.well-known/openid-configuration/",
            "/openid/v1/jwks", "/openid/v1/jwks/")));
    clusterRole("system:auth-delegator", rule(List.of("authentication.k8s.io"), List.of("tokenreviews"), List.of("create")),
        rule(List.of("authorization.k8s.io"), List.of("subjectaccessreviews"), List.of("create")));
    bind("cluster-admin", "cluster-admin", "Group", "system:masters");
    bind("system:basic-user", "system:basic-user", "Group", "system:authenticated");
    bind("system:public-info-viewer", "system:public-info-viewer", "Group", "system:authenticated", "Group", "system:unauthenticated");
    bind("system:discovery", "system:discovery", "Group", "system:authenticated");
    bind("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", "Group", "system:serviceaccounts");
  }

  private static JsonObject rule(List<String> groups, List<String> resources, List<String> verbs) {
    JsonObject r = new JsonObject();
    r.add("apiGroups", Rbac.arr(groups.toArray(new String[0])));
    r.add("resources", Rbac.arr(resources.toArray(new String[0])));
    r.add("verbs", Rbac.arr(verbs.toArray(new String[0])));
    return r;
  }

  private static JsonObject nonResourceRule(List<String> verbs, List<String> urls) {
    JsonObject r = new JsonObject();
    r.add("nonResourceURLs", Rbac.arr(urls.toArray(new String[0])));
    r.add("verbs", Rbac.arr(verbs.toArray(new String[0])));
    return r;
  }

  private void clusterRole(String name, JsonObject... rules) {
    JsonObject role = FakeKubernetesApiServer.named(name);
    JsonObject labels = new JsonObject();
    labels.addProperty("kubernetes.io/bootstrapping", "rbac-defaults");
    ObjectStore.meta(role).add("labels", labels);
    JsonArray a = new JsonArray();
    for (JsonObject r : rules) {
      a.add(r);
    }
    role.add("rules", a);
    server.seed("rbac.authorization.k8s.io/v1", "ClusterRole", "", role);
  }

  private void bind(String name, String clusterRole, String... subjects) {
    JsonObject b = FakeKubernetesApiServer.named(name);
    JsonObject labels = new JsonObject();
    labels.addProperty("kubernetes.io/bootstrapping", "rbac-defaults");
    ObjectStore.meta(b).add("labels", labels);
    JsonObject ref = new JsonObject();
    ref.addProperty("apiGroup", "rbac.authorization.k8s.io");
    ref.addProperty("kind", "ClusterRole");
    ref.addProperty("name", clusterRole);
    b.add("roleRef", ref);
    JsonArray subs = new JsonArray();
    for (int i = 0; i < subjects.length; i += 2) {
      JsonObject s = new JsonObject();
      s.addProperty("apiGroup", "rbac.authorization.k8s.io");
      s.addProperty("kind", subjects[i]);
      s.addProperty("name", subjects[i + 1]);
      subs.add(s);
    }
    b.add("subjects", subs);
    server.seed("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", b);
  }
}
