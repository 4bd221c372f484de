/**
 * Audits of manifests and live clusters for ServiceAccount hygiene (ids SAI-001 to SAI-017): {@link
 * dev.saidentity.audit.Auditor}, {@link dev.saidentity.audit.Manifests}, {@link dev.saidentity.audit.KubeObject}, {@link
 * dev.saidentity.audit.ClusterInventory}, {@link dev.saidentity.audit.Reports}.
 */
@NullMarked
package dev.saidentity.audit;

import org.jspecify.annotations.NullMarked;
