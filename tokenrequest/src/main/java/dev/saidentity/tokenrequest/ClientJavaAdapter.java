package dev.saidentity.tokenrequest;

import io.kubernetes.client.openapi.ApiCallback;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import org.jspecify.annotations.Nullable;

/**
 * The one place that binds to client-java's generated API: {@code ApiClient.buildCall}, whose eleven
 * parameters change with the OpenAPI generator's version. The method is looked up once, when this
 * class initialises; when the client-java on the class path has no such method, every call fails
 * with an {@link IllegalStateException} that names the method and the client-java version found,
 * instead of a {@link NoSuchMethodError} deep in a request. Stateless; thread-safe.
 */
final class ClientJavaAdapter {

  /** {@code okhttp3.Call buildCall(String, String, String, List, List, Object, Map, Map, Map, String[], ApiCallback)}. */
  static final MethodType BUILD_CALL = MethodType.methodType(Call.class, String.class, String.class, String.class, List.class,
      List.class, Object.class, Map.class, Map.class, Map.class, String[].class, ApiCallback.class);

  private static final String[] AUTH = {"BearerToken"};
  private static final Resolution RESOLVED = resolve(ApiClient.class);

  /**
   * How {@code buildCall} resolved on a class.
   *
   * @param handle the method, when found
   * @param problem what is incompatible, when not
   */
  record Resolution(@Nullable MethodHandle handle, @Nullable String problem) {}

  private ClientJavaAdapter() {}

  /** Looks {@code buildCall} up on {@code apiClient} (client-java's {@link ApiClient}, or a stand-in in tests). */
  static Resolution resolve(Class<?> apiClient) {
    try {
      MethodHandle h = MethodHandles.publicLookup().findVirtual(apiClient, "buildCall", BUILD_CALL);
      return new Resolution(h.asType(h.type().changeParameterType(0, Object.class)), null);
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return new Resolution(null, "incompatible client-java " + clientJavaVersion(apiClient) + " on the class path: " + apiClient.getName()
          + " has no public method " + BUILD_CALL.returnType().getName() + " buildCall" + BUILD_CALL.parameterList().stream()
              .map(Class::getSimpleName).collect(java.util.stream.Collectors.joining(", ", "(", ")"))
          + "; sa-identity's tokenrequest needs it: use the client-java version that sa-identity's BOM manages");
    }
  }

  /**
   * Checks that client-java is compatible.
   *
   * @throws IllegalStateException naming the missing method and the client-java version found
   */
  static void requireCompatible() {
    if (RESOLVED.problem() != null) {
      throw new IllegalStateException(RESOLVED.problem());
    }
  }

  /**
   * A call through client-java's base path, TLS, credentials and OkHttp client, with a deadline on the
   * whole call (connect, write, server time and reading the body).
   *
   * @throws IllegalStateException when client-java is incompatible (see {@link #requireCompatible()})
   * @throws ApiException when client-java cannot build the request
   */
  static Call newCall(ApiClient client, String method, String path, @Nullable Object body, Map<String, String> headers, Duration deadline)
      throws ApiException {
    requireCompatible();
    Call call;
    try {
      call = (Call) Objects.requireNonNull(RESOLVED.handle()).invoke((Object) client, client.getBasePath(), path, method,
          new ArrayList<Pair>(), new ArrayList<Pair>(), body, new HashMap<>(headers), new HashMap<String, String>(),
          new HashMap<String, Object>(), AUTH.clone(), (ApiCallback<?>) null);
    } catch (ApiException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("client-java's buildCall failed: " + t.getClass().getName(), t);
    }
    call.timeout().timeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
    return call;
  }

  /** The version of the client-java jar that holds {@code c}, or "(version unknown)". */
  static String clientJavaVersion(Class<?> c) {
    try (InputStream in = c.getResourceAsStream("/META-INF/maven/io.kubernetes/client-java-api/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "(version unknown)");
      }
    } catch (IOException | RuntimeException ignored) {
      // fall through
    }
    return "(version unknown)";
  }
}
