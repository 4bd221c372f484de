package dev.saidentity.testing;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The query parameters of a list or watch, decoded as the API server's parameter codec decodes
 * {@code metav1.ListOptions}: integers with Go's {@code strconv.ParseInt} words on failure (400),
 * booleans as {@code runtime.Convert_Slice_string_To_bool}, and the checks of {@code
 * ValidateListOptions} (422). Selectors are parsed once, before anything is answered or streamed.
 */
final class ListOptions {

  /** A watch without {@code timeoutSeconds} ends after this long (upstream picks 30 to 60 minutes at random: min-request-timeout × [1, 2)). */
  static final long DEFAULT_WATCH_TIMEOUT_SECONDS = 30 * 60;

  final boolean watch;
  final boolean allowWatchBookmarks;
  final @Nullable Boolean sendInitialEvents;
  final String resourceVersion;
  final String resourceVersionMatch;
  final long limit;
  final String continueToken;
  final @Nullable Long timeoutSeconds;
  final String labelSelector;
  final String fieldSelector;
  final Predicate<JsonObject> filter;

  ListOptions(ApiRequest req, ResourceType type, boolean forceWatch) {
    this.watch = forceWatch || flag(req, "watch");
    this.allowWatchBookmarks = flag(req, "allowWatchBookmarks");
    this.sendInitialEvents = req.query.containsKey("sendInitialEvents") ? flag(req, "sendInitialEvents") : null;
    this.resourceVersion = req.param("resourceVersion");
    this.resourceVersionMatch = req.param("resourceVersionMatch");
    Long l = int64(req, "limit");
    this.limit = l == null ? 0 : l;
    this.continueToken = req.param("continue");
    this.timeoutSeconds = int64(req, "timeoutSeconds");
    this.labelSelector = req.param("labelSelector");
    this.fieldSelector = req.param("fieldSelector");
    this.filter = filter(type, labelSelector, fieldSelector);
    validate();
  }

  /** Label and field selector, each parsed once: 400 for a malformed one. */
  static Predicate<JsonObject> filter(ResourceType type, String labelSelector, String fieldSelector) {
    return Selectors.labelSelector(labelSelector).and(Selectors.fieldSelector(type, fieldSelector));
  }

  /** A boolean query parameter as upstream converts it: absent, {@code 0} or {@code false} (any case) is false, anything else true. */
  static boolean flag(ApiRequest req, String name) {
    List<String> v = req.query.get(name);
    if (v == null || v.isEmpty()) {
      return false;
    }
    String s = v.get(0);
    return !(s.equals("0") || s.equalsIgnoreCase("false"));
  }

  /** An int64 query parameter; 400 with Go's words when it is not one. */
  static @Nullable Long int64(ApiRequest req, String name) {
    List<String> v = req.query.get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    String s = v.get(0);
    if (!s.matches("[+-]?[0-9]+")) {
      throw StatusError.badRequest("strconv.ParseInt: parsing " + Selectors.goQuote(s) + ": invalid syntax");
    }
    try {
      return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
    } catch (NumberFormatException e) {
      throw StatusError.badRequest("strconv.ParseInt: parsing " + Selectors.goQuote(s) + ": value out of range");
    }
  }

  /** Upstream's {@code ValidateListOptions} (the WatchList gate on): every error at once, 422 on ListOptions. */
  private void validate() {
    List<String[]> errors = new ArrayList<>();
    String rvm = "resourceVersionMatch";
    String match = resourceVersionMatch;
    if (!watch) {
      if (!match.isEmpty()) {
        if (resourceVersion.isEmpty()) {
          errors.add(forbidden(rvm, "resourceVersionMatch is forbidden unless resourceVersion is provided"));
        }
        if (!continueToken.isEmpty()) {
          errors.add(forbidden(rvm, "resourceVersionMatch is forbidden when continue is provided"));
        }
        if (!match.equals("Exact") && !match.equals("NotOlderThan")) {
          errors.add(notSupported(rvm, match, "\"Exact\", \"NotOlderThan\", \"\""));
        }
        if (match.equals("Exact") && resourceVersion.equals("0")) {
          errors.add(forbidden(rvm, "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
        }
      }
      if (sendInitialEvents != null) {
        errors.add(forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
      }
    } else {
      if (sendInitialEvents != null && !match.equals("NotOlderThan")) {
        errors.add(forbidden(rvm, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
      }
      if (!match.isEmpty()) {
        if (sendInitialEvents == null) {
          errors.add(forbidden(rvm, "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
        }
        if (!match.equals("NotOlderThan")) {
          errors.add(notSupported(rvm, match, "\"NotOlderThan\""));
        }
        if (!continueToken.isEmpty()) {
          errors.add(forbidden(rvm, "resourceVersionMatch is forbidden when continue is provided"));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw StatusError.invalidOption("ListOptions", errors);
    }
  }

  private static String[] forbidden(String field, String detail) {
    return new String[] {field, "FieldValueForbidden", "Forbidden: " + detail};
  }

  private static String[] notSupported(String field, String value, String supported) {
    return new String[] {field, "FieldValueNotSupported", "Unsupported value: " + Selectors.goQuote(value) + ": supported values: " + supported};
  }

  /** A resourceVersion parameter as a number: 400 for anything else, as upstream's versioner. */
  static long parseResourceVersion(String rv) {
    try {
      long v = Long.parseUnsignedLong(rv);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw StatusError.badRequest("invalid resource version: strconv.ParseUint: parsing " + Selectors.goQuote(rv) + ": invalid syntax");
    }
  }
}
