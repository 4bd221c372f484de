/**
 * Test fakes with Kubernetes' real semantics: {@link dev.saidentity.testing.FakeTokenIssuer}, {@link
 * dev.saidentity.testing.FakeKubernetesApiServer}, {@link dev.saidentity.testing.FakePodMount}, {@link
 * dev.saidentity.testing.SettableClock}.
 */
@NullMarked
package dev.saidentity.testing;

import org.jspecify.annotations.NullMarked;
