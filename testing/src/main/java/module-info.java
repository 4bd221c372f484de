/**
 * sa-identity testing: a fake token issuer, a fake Kubernetes API server, a rotating pod mount, a
 * settable clock, a JUnit 5 extension and AssertJ assertions.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.saidentity.testing {
  requires transitive dev.saidentity.core;
  requires transitive io.kubernetes.client.java.api;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;
  requires static transitive org.junit.platform.launcher;
  requires org.junit.platform.commons;
  requires io.kubernetes.client.java;
  requires io.kubernetes.client.java.proto;
  requires com.google.protobuf;
  requires com.google.gson;
  requires org.yaml.snakeyaml;
  requires org.bouncycastle.pkix;
  requires org.bouncycastle.provider;
  requires org.slf4j;

  exports dev.saidentity.testing;
}
