package dev.saidentity.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The faults to inject (queued per endpoint, or standing) and the recorded requests of a {@link
 * FakeKubernetesApiServer}. Thread-safe.
 */
final class Faults {

  private static final class Rule {
    final String method;
    final Pattern path;
    final Deque<Fault> queue;
    final @Nullable Fault always;

    Rule(String method, Pattern path, Deque<Fault> queue, @Nullable Fault always) {
      this.method = method;
      this.path = path;
      this.queue = queue;
      this.always = always;
    }
  }

  private final List<Rule> rules = new ArrayList<>();
  /** The most recent requests (at most {@link FakeKubernetesApiServer#MAX_RECORDED}), oldest first. */
  private final ConcurrentLinkedDeque<RecordedRequest> requests = new ConcurrentLinkedDeque<>();
  private final AtomicInteger recorded = new AtomicInteger();

  void enqueue(String method, String pathPattern, Fault fault) {
    String m = method.toUpperCase(Locale.ROOT);
    Pattern p = glob(pathPattern);
    synchronized (rules) {
      for (Rule r : rules) {
        if (r.always == null && r.method.equals(m) && r.path.pattern().equals(p.pattern())) {
          r.queue.add(fault);
          return;
        }
      }
      Deque<Fault> q = new ArrayDeque<>();
      q.add(fault);
      rules.add(new Rule(m, p, q, null));
    }
  }

  void set(String method, String pathPattern, Fault fault) {
    synchronized (rules) {
      rules.add(new Rule(method.toUpperCase(Locale.ROOT), glob(pathPattern), new ArrayDeque<>(), fault));
    }
  }

  void clear() {
    synchronized (rules) {
      rules.clear();
    }
  }

  /** The fault for this request, taken off its queue, or null. */
  @Nullable Fault next(String method, String path) {
    synchronized (rules) {
      for (Rule r : rules) {
        if ((r.method.equals("*") || r.method.equals(method)) && r.path.matcher(path).matches()) {
          if (r.always != null) {
            return r.always;
          }
          Fault f = r.queue.poll();
          if (f != null) {
            return f;
          }
        }
      }
      return null;
    }
  }

  void record(RecordedRequest r) {
    requests.add(r);
    if (recorded.incrementAndGet() > FakeKubernetesApiServer.MAX_RECORDED && requests.pollFirst() != null) {
      recorded.decrementAndGet();
    }
  }

  List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  int count(String method, String pathPattern) {
    Pattern p = glob(pathPattern);
    int n = 0;
    for (RecordedRequest r : requests) {
      if (r.method().equals(method) && p.matcher(r.path()).matches()) {
        n++;
      }
    }
    return n;
  }

  void clearRequests() {
    requests.clear();
    recorded.set(0);
  }

  /** A path pattern: {@code *} matches within one segment, {@code **} across segments. */
  static Pattern glob(String p) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '*') {
        if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
          re.append(".*");
          i++;
        } else {
          re.append("[^/]*");
        }
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  /** The {@code Status} reason of an injected status code. */
  static String reasonFor(int code) {
    switch (code) {
      case 400:
        return "BadRequest";
      case 401:
        return "Unauthorized";
      case 403:
        return "Forbidden";
      case 404:
        return "NotFound";
      case 409:
        return "Conflict";
      case 429:
        return "TooManyRequests";
      case 500:
        return "InternalError";
      case 503:
        return "ServiceUnavailable";
      case 504:
        return "Timeout";
      default:
        return "Unknown";
    }
  }
}
