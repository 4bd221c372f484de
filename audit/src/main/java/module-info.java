/** sa-identity audit: ServiceAccount hygiene and RBAC checks (SAI-001 to SAI-017) of manifests and live clusters. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.saidentity.audit {
  requires transitive dev.saidentity.core;
  requires transitive io.kubernetes.client.java.api;
  requires com.google.gson; // inside only: the API speaks KubeObject and String
  requires okhttp3;
  requires org.yaml.snakeyaml; // for core's YAML loader (core requires it only statically)

  exports dev.saidentity.audit;
}
