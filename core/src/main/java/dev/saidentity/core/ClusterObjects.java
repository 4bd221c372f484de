package dev.saidentity.core;

import java.util.Optional;

/**
 * The objects the API server looks up when it authenticates a ServiceAccount token: the
 * ServiceAccount, and the Secret, Pod or Node the token is bound to. Implemented over a Kubernetes
 * client, an informer cache or a fake; see {@link ObjectBindings}. An empty result means "not
 * found". Implementations must be thread-safe.
 */
public interface ClusterObjects {

  /** The ServiceAccount {@code namespace/name}. */
  Optional<StoredObject> serviceAccount(String namespace, String name);

  /** The Secret {@code namespace/name}; for legacy tokens with its {@code data.token}. */
  Optional<StoredObject> secret(String namespace, String name);

  /** The Pod {@code namespace/name}. */
  Optional<StoredObject> pod(String namespace, String name);

  /** The Node {@code name}. */
  Optional<StoredObject> node(String name);
}
