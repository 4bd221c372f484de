package dev.saidentity.testing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** A resource the fake serves: where it lives in the URL space and what kubectl's discovery needs. */
final class ResourceType {
  final String group;
  final String version;
  final String plural;
  final String kind;
  final boolean namespaced;
  final List<String> verbs;
  final List<String> shortNames;
  /** Only created, never stored (reviews). */
  final boolean virtual;

  private ResourceType(String group, String version, String plural, String kind, boolean namespaced, boolean virtual,
      List<String> verbs, List<String> shortNames) {
    this.group = group;
    this.version = version;
    this.plural = plural;
    this.kind = kind;
    this.namespaced = namespaced;
    this.virtual = virtual;
    this.verbs = verbs;
    this.shortNames = shortNames;
  }

  static final List<String> CRUD = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  static final List<ResourceType> ALL = List.of(
      new ResourceType("", "v1", "namespaces", "Namespace", false, false, List.of("create", "delete", "get", "list", "patch", "update", "watch"), List.of("ns")),
      new ResourceType("", "v1", "serviceaccounts", "ServiceAccount", true, false, CRUD, List.of("sa")),
      new ResourceType("", "v1", "pods", "Pod", true, false, CRUD, List.of("po")),
      new ResourceType("", "v1", "secrets", "Secret", true, false, CRUD, List.of()),
      new ResourceType("", "v1", "configmaps", "ConfigMap", true, false, CRUD, List.of("cm")),
      new ResourceType("", "v1", "nodes", "Node", false, false, CRUD, List.of("no")),
      new ResourceType("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false, CRUD, List.of()),
      new ResourceType("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false, CRUD, List.of()),
      new ResourceType("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false, CRUD, List.of()),
      new ResourceType("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false, CRUD, List.of()),
      new ResourceType("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false, true, List.of("create"), List.of()),
      new ResourceType("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false, true, List.of("create"), List.of()),
      // kubectl 1.26/1.27 ask the beta and alpha versions for `auth whoami`
      new ResourceType("authentication.k8s.io", "v1beta1", "selfsubjectreviews", "SelfSubjectReview", false, true, List.of("create"), List.of()),
      new ResourceType("authentication.k8s.io", "v1alpha1", "selfsubjectreviews", "SelfSubjectReview", false, true, List.of("create"), List.of()),
      new ResourceType("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, true, List.of("create"), List.of()),
      new ResourceType("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, true, List.of("create"), List.of()),
      new ResourceType("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false, true, List.of("create"), List.of()));

  static final ResourceType NAMESPACES = require("", "v1", "namespaces");
  static final ResourceType SERVICE_ACCOUNTS = require("", "v1", "serviceaccounts");
  static final ResourceType PODS = require("", "v1", "pods");
  static final ResourceType SECRETS = require("", "v1", "secrets");
  static final ResourceType NODES = require("", "v1", "nodes");
  static final ResourceType CONFIG_MAPS = require("", "v1", "configmaps");

  private static ResourceType require(String group, String version, String plural) {
    ResourceType t = find(group, version, plural);
    if (t == null) {
      throw new IllegalStateException(plural);
    }
    return t;
  }

  static @Nullable ResourceType find(String group, String version, String plural) {
    for (ResourceType r : ALL) {
      if (r.group.equals(group) && r.version.equals(version) && r.plural.equals(plural)) {
        return r;
      }
    }
    return null;
  }

  static @Nullable ResourceType byKind(String apiVersion, String kind) {
    for (ResourceType r : ALL) {
      if (r.apiVersion().equals(apiVersion) && r.kind.equals(kind)) {
        return r;
      }
    }
    return null;
  }

  String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  String groupResource() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  @Override
  public String toString() {
    return groupResource();
  }
}
