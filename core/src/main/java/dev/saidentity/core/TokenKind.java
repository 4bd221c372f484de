package dev.saidentity.core;

/** The two kinds of ServiceAccount token, told apart by the shape of their claims. */
public enum TokenKind {
  /**
   * A Secret-based token (flat {@code kubernetes.io/serviceaccount/*} claims, normally issuer
   * {@code kubernetes/serviceaccount}): no audience, never expires.
   */
  LEGACY,
  /**
   * A TokenRequest-issued (bound, projected) token: a {@code kubernetes.io} claim object, audiences
   * and an expiry.
   */
  PROJECTED
}
