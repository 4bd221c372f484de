package dev.saidentity.spring.autoconfigure;

import dev.saidentity.core.TokenValidator;
import dev.saidentity.tokenrequest.CachingTokenProvider;
import dev.saidentity.tokenrequest.ProjectedTokenFile;
import dev.saidentity.tokenrequest.TokenReviewer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The parts the auto-configuration built from properties (validators, TokenReview clients, token
 * files, token providers), by name, for the metrics; and what it created and must close when the
 * context closes. Thread-safe.
 */
final class Components implements AutoCloseable {

  private final Map<String, TokenValidator> validators = new ConcurrentHashMap<>();
  private final Map<String, TokenReviewer> reviewers = new ConcurrentHashMap<>();
  private final Map<String, ProjectedTokenFile> tokenFiles = new ConcurrentHashMap<>();
  private final Map<String, CachingTokenProvider> providers = new ConcurrentHashMap<>();

  private final java.util.List<AutoCloseable> owned = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Closed with the context (in reverse order). */
  void own(AutoCloseable c) {
    owned.add(c);
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(Components.class).warn("could not close {}: {}", owned.get(i), e.getClass().getSimpleName());
      }
    }
    owned.clear();
  }

  void validator(String name, TokenValidator v) {
    validators.put(name, v);
  }

  void reviewer(String name, TokenReviewer r) {
    reviewers.put(name, r);
  }

  void tokenFile(String name, ProjectedTokenFile f) {
    tokenFiles.put(name, f);
  }

  void provider(String name, CachingTokenProvider p) {
    providers.put(name, p);
  }

  void forEachValidator(BiConsumer<String, TokenValidator> c) {
    validators.forEach(c);
  }

  void forEachReviewer(BiConsumer<String, TokenReviewer> c) {
    reviewers.forEach(c);
  }

  void forEachTokenFile(BiConsumer<String, ProjectedTokenFile> c) {
    tokenFiles.forEach(c);
  }

  void forEachProvider(BiConsumer<String, CachingTokenProvider> c) {
    providers.forEach(c);
  }

  @Override
  public String toString() {
    return "Components[validators " + validators.keySet() + ", reviewers " + reviewers.keySet() + ", token files " + tokenFiles.keySet()
        + ", providers " + providers.keySet() + "]";
  }
}
