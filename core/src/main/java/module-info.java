/**
 * sa-identity core: the Kubernetes ServiceAccount identity model, decoding of legacy and projected
 * ServiceAccount tokens, and their offline validation. Knows no Kubernetes client.
 */
@SuppressWarnings("module") // the qualified export's target is compiled after this module
module dev.saidentity.core {
  requires transitive org.jspecify;
  requires com.google.gson;
  requires org.slf4j;
  requires java.net.http;
  // The shared YAML loader (audit, testing); core's own API needs no YAML.
  requires static org.yaml.snakeyaml;

  exports dev.saidentity.core;
  // tokenrequest: the bounded cache of its TokenReviewer.
  exports dev.saidentity.core.internal to dev.saidentity.testing, dev.saidentity.tokenrequest;
  exports dev.saidentity.core.internal.yaml to dev.saidentity.audit, dev.saidentity.testing;
}
