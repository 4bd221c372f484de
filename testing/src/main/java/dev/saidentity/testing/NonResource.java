package dev.saidentity.testing;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;

/** Paths outside the resource API: version, health, discovery, OpenAPI and OIDC discovery. */
final class NonResource {

  private final FakeKubernetesApiServer server;

  NonResource(FakeKubernetesApiServer server) {
    this.server = server;
  }

  /** The answer to an authorized GET of {@code p} (split into {@code seg}) for a client that accepts {@code accept}. */
  ApiResponse get(String p, String[] seg, String accept) {
    switch (p) {
      case "/version":
        return ApiResponse.json(200, Discovery.version());
      case "/healthz":
      case "/livez":
      case "/readyz":
        return new ApiResponse(200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.UTF_8));
      case "/api":
        return ApiResponse.json(200, Discovery.coreVersions(server.hostPort()));
      case "/apis":
        return ApiResponse.json(200, Discovery.groupList());
      case "/api/v1":
        return ApiResponse.json(200, Discovery.resourceList("", "v1"));
      case "/openapi/v2":
        // kubectl up to 1.27 reads it (as protobuf) before any apply or create whose validation is strict
        return accept.contains(Discovery.OPENAPI_V2_PROTOBUF_ACCEPT) || accept.contains(Discovery.OPENAPI_V2_PROTOBUF)
            ? new ApiResponse(200, Discovery.OPENAPI_V2_PROTOBUF, Discovery.openApiV2Protobuf())
            : ApiResponse.json(200, Discovery.openApiV2());
      case "/openapi/v3":
        return ApiResponse.json(200, Discovery.openApiV3Root());
      case "/.well-known/openid-configuration": {
        ApiResponse r = new ApiResponse(200, dev.saidentity.core.OidcMetadata.CONFIG_CONTENT_TYPE,
            server.issuer().openIdConfiguration(server.url() + dev.saidentity.core.OidcMetadata.JWKS_PATH).getBytes(StandardCharsets.UTF_8));
        r.headers.put("Cache-Control", dev.saidentity.core.OidcMetadata.CACHE_CONTROL);
        return r;
      }
      case "/openid/v1/jwks": {
        ApiResponse r = new ApiResponse(200, dev.saidentity.core.OidcMetadata.JWKS_CONTENT_TYPE, server.issuer().jwks().getBytes(StandardCharsets.UTF_8));
        r.headers.put("Cache-Control", dev.saidentity.core.OidcMetadata.CACHE_CONTROL);
        return r;
      }
      default:
        break;
    }
    if (seg.length == 2 && seg[0].equals("apis")) {
      JsonObject g = Discovery.group(seg[1]);
      if (g != null) {
        return ApiResponse.json(200, g);
      }
    }
    if (seg.length == 3 && seg[0].equals("apis")) {
      JsonObject l = Discovery.resourceList(seg[1], seg[2]);
      if (l != null) {
        return ApiResponse.json(200, l);
      }
    }
    if (p.startsWith("/openapi/v3/")) {
      JsonObject doc = Discovery.openApiV3(p.substring("/openapi/v3/".length()));
      if (doc != null) {
        return ApiResponse.json(200, doc);
      }
    }
    throw new StatusError(404, "NotFound", "the server could not find the requested resource", null);
  }
}
