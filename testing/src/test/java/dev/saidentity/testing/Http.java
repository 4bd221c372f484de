package dev.saidentity.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Plain HTTP calls to a fake API server as its admin, for tests of the store and watch semantics. */
final class Http {

  /** Every call and every wait in these tests has this deadline. */
  static final Duration DEADLINE = Duration.ofSeconds(20);

  private final FakeKubernetesApiServer server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build();

  Http(FakeKubernetesApiServer server) {
    this.server = server;
  }

  /** A response: code and body. */
  record Response(int code, String body) {
    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(DEADLINE).header("Authorization", "Bearer " + server.adminToken());
  }

  Response send(String method, String path, String contentType, String body) {
    HttpRequest.Builder b = request(path).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Response get(String path) {
    return send("GET", path, null, null);
  }

  Response post(String path, String json) {
    return send("POST", path, "application/json", json);
  }

  Response put(String path, String json) {
    return send("PUT", path, "application/json", json);
  }

  Response mergePatch(String path, String json) {
    return send("PATCH", path, "application/merge-patch+json", json);
  }

  Response delete(String path) {
    return send("DELETE", path, null, null);
  }

  /** Opens a watch: its lines arrive in a queue, read by a daemon thread. */
  WatchStream watch(String path) {
    try {
      HttpResponse<InputStream> r = client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
      return new WatchStream(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An open watch response. */
  static final class WatchStream implements AutoCloseable {
    private static final String END = "\u0000end";
    final int code;
    private final InputStream body;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(100_000);
    private volatile boolean ended;

    WatchStream(int code, InputStream body) {
      this.code = code;
      this.body = body;
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          // the stream broke: it ended
        } finally {
          ended = true;
          lines.add(END);
        }
      }, "watch-test-reader");
      t.setDaemon(true);
      t.start();
    }

    /** The next event, or null when the stream ended; fails the test after the deadline. */
    JsonObject next() {
      try {
        String line = lines.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
          throw new AssertionError("no watch event within " + DEADLINE);
        }
        if (line.equals(END)) {
          lines.add(END);
          return null;
        }
        return JsonParser.parseString(line).getAsJsonObject();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** The next event that is not a BOOKMARK. */
    JsonObject nextNonBookmark() {
      while (true) {
        JsonObject e = next();
        if (e == null || !e.get("type").getAsString().equals("BOOKMARK")) {
          return e;
        }
      }
    }

    /** Whether the stream has ended, waiting up to the deadline. */
    boolean awaitEnd() {
      return await(() -> ended);
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // closing
      }
    }
  }

  /** Polls a condition until it holds or the deadline passes. */
  static boolean await(BooleanSupplier condition) {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(5); // a poll interval, not a wait for time to pass
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }

  /** A one-line object body. */
  static String named(String name) {
    return "{\"metadata\":{\"name\":\"" + name + "\"}}";
  }
}
