package dev.saidentity.core.internal;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** The claims of a ServiceAccount token as parsed, before any interpretation. Mutable while parsing only. */
public final class Claims {
  public @Nullable String iss;
  public @Nullable String sub;
  /** Null when absent; a JSON string becomes a one-element list (go-jose's Audience). */
  public @Nullable List<String> aud;
  /** NumericDates in epoch seconds, truncated toward zero; each only when its {@code has..} flag is set. */
  public long exp;
  public long nbf;
  public long iat;
  public boolean hasExp;
  public boolean hasNbf;
  public boolean hasIat;
  public @Nullable String jti;

  /** Whether a {@code kubernetes.io} object was present (the mark of a projected token). */
  public boolean k8s;
  public @Nullable String namespace;
  public @Nullable String saName;
  public @Nullable String saUid;
  public @Nullable String podName;
  public @Nullable String podUid;
  public boolean pod;
  public @Nullable String secretName;
  public @Nullable String secretUid;
  public boolean secret;
  public @Nullable String nodeName;
  public @Nullable String nodeUid;
  public boolean node;
  /** {@code kubernetes.io.warnafter}, only when {@link #hasWarnAfter}. */
  public long warnAfter;
  public boolean hasWarnAfter;

  /** Whether any flat {@code kubernetes.io/serviceaccount/*} claim was present (the mark of a legacy token). */
  public boolean legacy;
  public @Nullable String legacyNamespace;
  public @Nullable String legacySecretName;
  public @Nullable String legacySaName;
  public @Nullable String legacySaUid;
}
