package dev.saidentity.testing;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** An answer: status, body (whole, or streamed as for a watch), extra headers. */
final class ApiResponse {

  /** A body written as it is produced (a watch): the transport sends it chunked and flushes each write. */
  interface Stream {
    /** Writes until the stream ends (timeout, closed server, client gone); an IOException means the client left. */
    void writeTo(OutputStream out) throws IOException;
  }

  final int code;
  final String contentType;
  final byte[] body;
  final @Nullable Stream stream;
  final Map<String, String> headers = new LinkedHashMap<>();

  ApiResponse(int code, String contentType, byte[] body) {
    this(code, contentType, body, null);
  }

  private ApiResponse(int code, String contentType, byte[] body, @Nullable Stream stream) {
    this.code = code;
    this.contentType = contentType;
    this.body = body;
    this.stream = stream;
  }

  static ApiResponse stream(int code, String contentType, Stream stream) {
    return new ApiResponse(code, contentType, new byte[0], stream);
  }

  static ApiResponse json(int code, JsonElement body) {
    return new ApiResponse(code, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
  }
}
