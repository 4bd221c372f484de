/**
 * sa-identity tokenrequest: TokenRequest with kubelet-grade caching, projected token files, an
 * always-fresh client-java authentication, TokenReview and the self-subject reviews.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.saidentity.tokenrequest {
  requires transitive dev.saidentity.core;
  requires transitive io.kubernetes.client.java.api;
  requires transitive io.kubernetes.client.java;
  requires okhttp3;
  requires com.google.gson;
  requires org.slf4j;

  exports dev.saidentity.tokenrequest;
}
