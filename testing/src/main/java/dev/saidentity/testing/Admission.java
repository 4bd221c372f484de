package dev.saidentity.testing;

import static dev.saidentity.testing.ResourceType.CONFIG_MAPS;
import static dev.saidentity.testing.ResourceType.NAMESPACES;
import static dev.saidentity.testing.ResourceType.PODS;
import static dev.saidentity.testing.ResourceType.SECRETS;
import static dev.saidentity.testing.ResourceType.SERVICE_ACCOUNTS;

import com.google.gson.JsonObject;
import dev.saidentity.core.ServiceAccount;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** What admission and the controllers do around a create: namespace defaults, pod admission, the token controller, the SA controller. */
final class Admission {

  private final FakeKubernetesApiServer server;
  private final ObjectStore store;

  Admission(FakeKubernetesApiServer server, ObjectStore store) {
    this.server = server;
    this.store = store;
  }

  /** Mutating and validating admission of a new object (before it is stored). */
  void admit(ResourceType type, String ns, String name, JsonObject obj) {
    JsonObject meta = ObjectStore.meta(obj);
    if (type == NAMESPACES) {
      JsonObject spec = new JsonObject();
      spec.add("finalizers", Rbac.arr("kubernetes"));
      obj.add("spec", spec);
      JsonObject status = new JsonObject();
      status.addProperty("phase", "Active");
      obj.add("status", status);
      JsonObject labels = meta.has("labels") && meta.get("labels").isJsonObject() ? meta.getAsJsonObject("labels") : new JsonObject();
      labels.addProperty("kubernetes.io/metadata.name", name);
      meta.add("labels", labels);
    } else if (type == PODS) {
      admitPod(ns, name, obj);
    } else if (type == SECRETS && "kubernetes.io/service-account-token".equals(Rbac.str(obj, "type"))) {
      fillLegacyTokenSecret(ns, name, obj);
    }
  }

  /** The controllers' reaction to a stored object: a new namespace gets its default ServiceAccount and root CA ConfigMap. */
  void created(ResourceType type, String name) {
    if (type == NAMESPACES) {
      // The ServiceAccount controller and the root-CA publisher.
      JsonObject sa = new JsonObject();
      JsonObject saMeta = new JsonObject();
      saMeta.addProperty("name", ServiceAccount.DEFAULT_NAME);
      sa.add("metadata", saMeta);
      store.create(SERVICE_ACCOUNTS, name, sa);
      JsonObject cm = new JsonObject();
      JsonObject cmMeta = new JsonObject();
      cmMeta.addProperty("name", "kube-root-ca.crt");
      cm.add("metadata", cmMeta);
      JsonObject data = new JsonObject();
      data.addProperty("ca.crt", server.caCertificatePemOrEmpty());
      cm.add("data", data);
      store.create(CONFIG_MAPS, name, cm);
    }
  }

  private void admitPod(String ns, String name, JsonObject pod) {
    JsonObject spec = pod.has("spec") && pod.get("spec").isJsonObject() ? pod.getAsJsonObject("spec") : new JsonObject();
    pod.add("spec", spec);
    String saName = Rbac.str(spec, "serviceAccountName");
    if (saName.isEmpty()) {
      saName = Rbac.str(spec, "serviceAccount");
    }
    if (saName.isEmpty()) {
      saName = ServiceAccount.DEFAULT_NAME;
    }
    if (store.get(SERVICE_ACCOUNTS, ns, saName) == null) {
      throw new StatusError(403, "Forbidden", "pods \"" + name + "\" is forbidden: error looking up service account " + ns + "/" + saName
          + ": serviceaccount \"" + saName + "\" not found", StatusError.details(name, "", "pods"));
    }
    spec.addProperty("serviceAccountName", saName);
    spec.addProperty("serviceAccount", saName);
    JsonObject status = new JsonObject();
    status.addProperty("phase", "Pending");
    status.addProperty("qosClass", "BestEffort");
    pod.add("status", status);
  }

  /** The token controller's work on a manually created {@code kubernetes.io/service-account-token} Secret. */
  private void fillLegacyTokenSecret(String ns, String name, JsonObject secret) {
    JsonObject meta = ObjectStore.meta(secret);
    JsonObject ann = meta.has("annotations") && meta.get("annotations").isJsonObject() ? meta.getAsJsonObject("annotations") : null;
    String saName = Rbac.str(ann, "kubernetes.io/service-account.name");
    if (saName.isEmpty()) {
      throw StatusError.invalid("Secret", "", name, "metadata.annotations[kubernetes.io/service-account.name]", "\"\"", "Required value");
    }
    JsonObject sa = store.get(SERVICE_ACCOUNTS, ns, saName);
    if (sa == null) {
      return; // the controller waits for the ServiceAccount; the Secret stays without a token
    }
    String uid = Rbac.str(ObjectStore.meta(sa), "uid");
    ann.addProperty("kubernetes.io/service-account.uid", uid);
    JsonObject data = secret.has("data") && secret.get("data").isJsonObject() ? secret.getAsJsonObject("data") : new JsonObject();
    if (data.has("token")) {
      return; // a token is already there (a seeded Secret): the controller leaves it
    }
    String token = server.issuer().legacy(ServiceAccount.of(ns, saName, uid), name);
    data.addProperty("token", b64(token));
    data.addProperty("namespace", b64(ns));
    data.addProperty("ca.crt", b64(server.caCertificatePemOrEmpty()));
    secret.add("data", data);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
