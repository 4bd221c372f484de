package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The recorded requests are bounded in bytes as well as in count, also when recorded concurrently. */
class RecordingBoundsTest {

  private static RecordedRequest request(int bodyBytes) {
    return new RecordedRequest("POST", "/api/v1/namespaces/default/configmaps", "", Map.of(), new byte[bodyBytes], "u", Instant.EPOCH);
  }

  private static long bytes(List<RecordedRequest> rs) {
    return rs.stream().mapToLong(r -> r.body().length).sum();
  }

  @Test
  void fullSizeBodies_areKeptUpToTheByteCap_newestFirstToStay() {
    Faults f = new Faults();
    int body = FakeKubernetesApiServer.MAX_BODY;
    int n = (int) (Faults.MAX_RECORDED_BYTES / body) + 10; // without a byte cap: 10,000 of these would be 30 GiB
    for (int i = 0; i < n; i++) {
      f.record(request(body));
    }
    List<RecordedRequest> kept = f.requests();
    assertThat(bytes(kept)).isLessThanOrEqualTo(Faults.MAX_RECORDED_BYTES);
    assertThat(kept).hasSizeGreaterThan(1).hasSizeLessThan(n);
    f.record(request(1));
    assertThat(f.requests().get(f.requests().size() - 1).body()).hasSize(1);
  }

  @Test
  void concurrentRecording_respectsBothCaps() throws Exception {
    Faults f = new Faults();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> all = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        all.add(pool.submit(() -> {
          for (int i = 0; i < 3_000; i++) {
            f.record(request(i % 100 == 0 ? 1 << 20 : 10));
            if (i == 1_500) {
              f.clearRequests();
            }
          }
        }));
      }
      for (Future<?> x : all) {
        x.get(20, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<RecordedRequest> kept = f.requests();
    assertThat(kept.size()).isLessThanOrEqualTo(FakeKubernetesApiServer.MAX_RECORDED);
    assertThat(bytes(kept)).isLessThanOrEqualTo(Faults.MAX_RECORDED_BYTES);
  }
}
