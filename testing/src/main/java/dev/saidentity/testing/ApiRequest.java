package dev.saidentity.testing;

import java.util.List;
import java.util.Map;

/** A request as the handlers see it: decoded path, query, body and the authenticated user. */
final class ApiRequest {
  final String method;
  final String path;
  final Map<String, List<String>> query;
  final String contentType;
  /** The Accept header, "" when there is none. */
  final String accept;
  final byte[] body;
  final Rbac.User user;

  ApiRequest(String method, String path, Map<String, List<String>> query, String contentType, String accept, byte[] body, Rbac.User user) {
    this.method = method;
    this.path = path;
    this.query = query;
    this.contentType = contentType;
    this.accept = accept;
    this.body = body;
    this.user = user;
  }

  String param(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0);
  }
}
