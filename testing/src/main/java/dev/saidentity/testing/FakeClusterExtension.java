package dev.saidentity.testing;

import dev.saidentity.core.ServiceAccount;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link FakeCluster}. Starts a fake cluster per test method or per
 * class, keeps it in the {@link ExtensionContext.Store} (closed by JUnit when the scope ends) and
 * injects its parts by type: {@link FakeKubernetesApiServer}, {@link FakeTokenIssuer}, {@link
 * SettableClock} (also as {@link Clock}), {@link ApiClient} (the admin's) and {@link FakePodMount}
 * (the default ServiceAccount's projected volume for a pod {@code fake-pod} in {@code default}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static FakeClusterExtension cluster = FakeClusterExtension.builder().tls(true).perClass().build();
 * }</pre>
 *
 * <p>Compiled against JUnit Jupiter 5.14; runs on JUnit 6. Holds no per-test state in fields.
 */
public final class FakeClusterExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FakeClusterExtension.class);

  private final @Nullable Boolean tls;
  private final FakeCluster.@Nullable Lifecycle lifecycle;

  /** Used by {@link FakeCluster}: settings come from the annotation. */
  public FakeClusterExtension() {
    this(null, null);
  }

  private FakeClusterExtension(@Nullable Boolean tls, FakeCluster.@Nullable Lifecycle lifecycle) {
    this.tls = tls;
    this.lifecycle = lifecycle;
  }

  /** A builder for {@code @RegisterExtension}: plain HTTP, a cluster per method. */
  public static Builder builder() {
    return new Builder();
  }

  private boolean tls(ExtensionContext ctx) {
    if (tls != null) {
      return tls;
    }
    return AnnotationSupport.findAnnotation(ctx.getRequiredTestClass(), FakeCluster.class).map(FakeCluster::tls).orElse(false);
  }

  private FakeCluster.Lifecycle lifecycle(ExtensionContext ctx) {
    if (lifecycle != null) {
      return lifecycle;
    }
    return AnnotationSupport.findAnnotation(ctx.getRequiredTestClass(), FakeCluster.class)
        .map(FakeCluster::lifecycle).orElse(FakeCluster.Lifecycle.PER_METHOD);
  }

  @Override
  public void beforeAll(ExtensionContext ctx) {
    if (lifecycle(ctx) == FakeCluster.Lifecycle.PER_CLASS) {
      ctx.getStore(NAMESPACE).getOrComputeIfAbsent(Fixture.class, k -> new Fixture(tls(ctx)), Fixture.class);
    }
  }

  @Override
  public void beforeEach(ExtensionContext ctx) {
    if (lifecycle(ctx) == FakeCluster.Lifecycle.PER_METHOD) {
      ctx.getStore(NAMESPACE).getOrComputeIfAbsent(Fixture.class, k -> new Fixture(tls(ctx)), Fixture.class);
    }
  }

  private Fixture fixture(ExtensionContext ctx) {
    Fixture f = ctx.getStore(NAMESPACE).get(Fixture.class, Fixture.class);
    if (f == null) {
      // Parameters of a constructor or @BeforeAll resolved before beforeEach ran: start one for this scope.
      f = ctx.getStore(NAMESPACE).getOrComputeIfAbsent(Fixture.class, k -> new Fixture(tls(ctx)), Fixture.class);
    }
    return f;
  }

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
    Class<?> t = pc.getParameter().getType();
    return t == FakeKubernetesApiServer.class || t == FakeTokenIssuer.class || t == SettableClock.class || t == Clock.class
        || t == ApiClient.class || t == FakePodMount.class;
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
    Fixture f = fixture(ec);
    Class<?> t = pc.getParameter().getType();
    if (t == FakeKubernetesApiServer.class) {
      return f.server;
    }
    if (t == FakeTokenIssuer.class) {
      return f.server.issuer();
    }
    if (t == SettableClock.class || t == Clock.class) {
      return f.clock;
    }
    if (t == ApiClient.class) {
      return f.adminClient();
    }
    if (t == FakePodMount.class) {
      return f.podMount();
    }
    throw new ParameterResolutionException("cannot inject " + t.getName());
  }

  /** One fake cluster; an {@link AutoCloseable} in the store, closed when its scope ends. */
  static final class Fixture implements AutoCloseable {
    final SettableClock clock = SettableClock.startingNow();
    final FakeKubernetesApiServer server;
    private @Nullable FakePodMount mount;
    private @Nullable Path mountDir;
    private @Nullable ApiClient admin;

    Fixture(boolean tls) {
      this.server = FakeKubernetesApiServer.builder().tls(tls).clock(clock).start();
    }

    synchronized ApiClient adminClient() {
      if (admin == null) {
        ClientBuilder b = new ClientBuilder().setBasePath(server.url()).setAuthentication(new AccessTokenAuthentication(server.adminToken()));
        if (server.isTls()) {
          b.setCertificateAuthority(server.caCertificatePem().getBytes(StandardCharsets.UTF_8));
        }
        admin = b.build();
      }
      return admin;
    }

    synchronized FakePodMount podMount() {
      if (mount == null) {
        String podUid = server.createPod("default", "fake-pod", ServiceAccount.DEFAULT_NAME, null);
        ServiceAccount sa = server.serviceAccount("default", ServiceAccount.DEFAULT_NAME).orElseThrow();
        String token = server.issuer().projected(sa).boundToPod("fake-pod", podUid).kubeletExtended().mint();
        try {
          mountDir = Files.createTempDirectory("sa-identity-pod-");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        mount = FakePodMount.projected(mountDir, "default", token, server.isTls() ? server.caCertificatePem() : "", clock);
      }
      return mount;
    }

    @Override
    public synchronized void close() {
      server.close();
      if (mount != null) {
        mount.close();
      }
      if (mountDir != null) {
        try (Stream<Path> s = Files.walk(mountDir)) {
          for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
            Files.deleteIfExists(p);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** Settings of a {@link FakeClusterExtension}. */
  public static final class Builder {
    private boolean tls;
    private FakeCluster.Lifecycle lifecycle = FakeCluster.Lifecycle.PER_METHOD;

    private Builder() {}

    /** Serve HTTPS; default plain HTTP. */
    public Builder tls(boolean value) {
      this.tls = value;
      return this;
    }

    /** One cluster for the whole class. */
    public Builder perClass() {
      this.lifecycle = FakeCluster.Lifecycle.PER_CLASS;
      return this;
    }

    /** A fresh cluster for every test method (the default). */
    public Builder perMethod() {
      this.lifecycle = FakeCluster.Lifecycle.PER_METHOD;
      return this;
    }

    /** The extension. */
    public FakeClusterExtension build() {
      return new FakeClusterExtension(tls, Objects.requireNonNull(lifecycle));
    }
  }
}
