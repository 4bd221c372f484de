/**
 * TokenRequest on the official client-java with the kubelet's caching and refresh ({@link
 * dev.saidentity.tokenrequest.CachingTokenProvider}), projected token files that follow rotation
 * ({@link dev.saidentity.tokenrequest.ProjectedTokenFile}), an always-fresh client-java
 * authentication ({@link dev.saidentity.tokenrequest.TokenAuthentication}), and TokenReview and
 * self-subject reviews. Responses are parsed leniently: fields unknown to client-java's models never
 * break a call.
 */
@NullMarked
package dev.saidentity.tokenrequest;

import org.jspecify.annotations.NullMarked;
