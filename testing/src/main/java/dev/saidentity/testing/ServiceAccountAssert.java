package dev.saidentity.testing;

import dev.saidentity.core.ServiceAccount;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link ServiceAccount}; see {@link SaIdentityAssertions#assertThat(ServiceAccount)}. */
public final class ServiceAccountAssert extends AbstractAssert<ServiceAccountAssert, ServiceAccount> {

  ServiceAccountAssert(ServiceAccount actual) {
    super(actual, ServiceAccountAssert.class);
  }

  /** The namespace is {@code expected}. */
  public ServiceAccountAssert hasNamespace(String expected) {
    isNotNull();
    if (!actual.namespace().equals(expected)) {
      failWithMessage("Expecting ServiceAccount %s to be in namespace \"%s\" but it is in \"%s\"", actual.username(), expected, actual.namespace());
    }
    return this;
  }

  /** The name is {@code expected}. */
  public ServiceAccountAssert hasName(String expected) {
    isNotNull();
    if (!actual.name().equals(expected)) {
      failWithMessage("Expecting ServiceAccount %s to be named \"%s\" but it is named \"%s\"", actual.username(), expected, actual.name());
    }
    return this;
  }

  /** The username is {@code expected}. */
  public ServiceAccountAssert hasUsername(String expected) {
    isNotNull();
    if (!actual.username().equals(expected)) {
      failWithMessage("Expecting username \"%s\" but was \"%s\"", expected, actual.username());
    }
    return this;
  }

  /** The uid is {@code expected}. */
  public ServiceAccountAssert hasUid(String expected) {
    isNotNull();
    if (!actual.uid().equals(java.util.Optional.of(expected))) {
      failWithMessage("Expecting ServiceAccount %s to have uid \"%s\" but it has %s", actual.username(), expected,
          actual.uid().map(u -> "\"" + u + "\"").orElse("none"));
    }
    return this;
  }

  /** It is a namespace's {@code default} ServiceAccount. */
  public ServiceAccountAssert isDefault() {
    isNotNull();
    if (!actual.isDefault()) {
      failWithMessage("Expecting %s to be a default ServiceAccount but it is not", actual.username());
    }
    return this;
  }

  /** It is not a {@code default} ServiceAccount. */
  public ServiceAccountAssert isNotDefault() {
    isNotNull();
    if (actual.isDefault()) {
      failWithMessage("Expecting %s not to be a default ServiceAccount but it is", actual.username());
    }
    return this;
  }
}
