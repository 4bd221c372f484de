package dev.saidentity.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a fake cluster: a {@link FakeKubernetesApiServer}, its {@link FakeTokenIssuer},
 * a {@link SettableClock} they share, a client-java {@code ApiClient} logged in as the admin and a
 * {@link FakePodMount}, all injected by type into test methods, constructors and lifecycle methods.
 *
 * <pre>{@code
 * @FakeCluster(tls = true)
 * class PaymentsIdentityTest {
 *   @Test
 *   void callerIsChecked(FakeKubernetesApiServer server, SettableClock clock, ApiClient admin) { ... }
 * }
 * }</pre>
 *
 * <p>For settings in code, register {@link FakeClusterExtension#builder()} with
 * {@code @RegisterExtension} instead.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(FakeClusterExtension.class)
public @interface FakeCluster {

  /** Serve HTTPS with the fake's own CA; default false. */
  boolean tls() default false;

  /** One cluster per test method (the default) or one for the whole class. */
  Lifecycle lifecycle() default Lifecycle.PER_METHOD;

  /** How long a fake cluster lives. */
  enum Lifecycle {
    /** A fresh cluster for every test method. */
    PER_METHOD,
    /** One cluster shared by the test methods of the class. */
    PER_CLASS
  }
}
