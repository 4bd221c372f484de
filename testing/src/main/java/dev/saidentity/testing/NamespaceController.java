package dev.saidentity.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Namespace deletion as upstream does it: the DELETE marks the Namespace (deletionTimestamp, phase
 * {@code Terminating}) and answers it; a moment later ({@link #DEFAULT_DELAY}) the namespace
 * controller deletes what the namespace holds, removes the {@code kubernetes} finalizer and deletes
 * the Namespace, each change a watch event. Runs on one daemon thread owned by the server; {@link
 * #finishPending(Duration)} does the pending work at once, for tests. Thread-safe.
 */
final class NamespaceController implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NamespaceController.class);
  /** How long a namespace stays Terminating before the controller empties and removes it. */
  static final Duration DEFAULT_DELAY = Duration.ofSeconds(1);

  private final ObjectStore store;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sa-identity-fake-namespace-controller");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> pending = new LinkedHashSet<>();
  private volatile Duration delay = DEFAULT_DELAY;

  NamespaceController(ObjectStore store) {
    this.store = store;
  }

  /** For tests: how long a namespace stays Terminating. */
  void delay(Duration value) {
    this.delay = value;
  }

  /** Marks a namespace Terminating and schedules its removal; answers the marked Namespace. */
  JsonObject delete(String name, String uid, String rv) {
    String now = store.now();
    JsonObject marked = store.update(ResourceType.NAMESPACES, "", name, o -> {
      ObjectStore.preconditions(ResourceType.NAMESPACES, o, uid, rv);
      JsonObject meta = ObjectStore.meta(o);
      if (!meta.has("deletionTimestamp")) {
        meta.addProperty("deletionTimestamp", now);
        meta.addProperty("deletionGracePeriodSeconds", 0);
      }
      JsonObject status = new JsonObject();
      status.addProperty("phase", "Terminating");
      o.add("status", status);
      return o;
    }, true);
    synchronized (pending) {
      pending.add(name);
    }
    executor.schedule(() -> finish(name), delay.toMillis(), TimeUnit.MILLISECONDS);
    return marked;
  }

  /**
   * Does every pending namespace removal now and waits for it.
   *
   * @throws IllegalStateException when it does not end within {@code timeout}
   */
  void finishPending(Duration timeout) {
    try {
      executor.submit(() -> {
        List<String> names;
        synchronized (pending) {
          names = List.copyOf(pending);
        }
        names.forEach(this::finish);
      }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the namespace controller", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the namespace controller did not finish within " + timeout, e);
    }
  }

  /** Removes a Terminating namespace's contents, then the namespace; does nothing for one already gone. */
  void finish(String name) {
    synchronized (pending) {
      if (!pending.remove(name)) {
        return;
      }
    }
    try {
      for (JsonObject o : store.contentsOf(name)) {
        ResourceType t = ObjectStore.typeOf(o);
        if (t != null) {
          try {
            store.delete(t, name, Rbac.str(ObjectStore.meta(o), "name"), "", "");
          } catch (StatusError gone) {
            // deleted meanwhile
          }
        }
      }
      store.update(ResourceType.NAMESPACES, "", name, o -> {
        JsonObject spec = new JsonObject();
        spec.add("finalizers", new JsonArray());
        o.add("spec", spec);
        return o;
      }, true);
      store.delete(ResourceType.NAMESPACES, "", name, "", "");
    } catch (StatusError gone) {
      LOG.debug("namespace {} was already removed", name);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
