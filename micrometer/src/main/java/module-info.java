/**
 * sa-identity micrometer: a Micrometer {@code MeterBinder} over the token sources, the offline
 * validator and the TokenReview client. No Spring dependency.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.saidentity.micrometer {
  requires transitive dev.saidentity.tokenrequest;
  requires transitive micrometer.core;
  requires org.slf4j;

  exports dev.saidentity.micrometer;
}
