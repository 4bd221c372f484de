/**
 * sa-identity core: the Kubernetes ServiceAccount identity model, decoding of legacy and projected
 * ServiceAccount tokens, and their offline validation. Knows no Kubernetes client.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.saidentity.core {
  requires transitive org.jspecify;
  requires com.google.gson;
  requires org.slf4j;
  requires java.net.http;
  requires jjwt.api;

  exports dev.saidentity.core;
}
