package dev.saidentity.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakePodMountTest {

  @TempDir
  Path tmp;

  @Test
  void layout_isTheAtomicWriters() throws IOException {
    try (FakePodMount m = FakePodMount.projected(tmp, "payments", "tok-1", "-----BEGIN CERTIFICATE-----\n")) {
      Path d = m.path();
      assertThat(Files.readSymbolicLink(d.resolve("token"))).isEqualTo(Path.of("..data/token"));
      assertThat(Files.readSymbolicLink(d.resolve("namespace"))).isEqualTo(Path.of("..data/namespace"));
      assertThat(Files.readSymbolicLink(d.resolve("ca.crt"))).isEqualTo(Path.of("..data/ca.crt"));
      String target = Files.readSymbolicLink(d.resolve("..data")).toString();
      assertThat(target).matches("\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d+");
      assertThat(Files.isDirectory(d.resolve(target))).isTrue();
      assertThat(Files.readString(m.tokenPath())).isEqualTo("tok-1");
      assertThat(Files.readString(m.namespacePath())).isEqualTo("payments");
      assertThat(Files.getPosixFilePermissions(d.resolve(target).resolve("token")))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

      m.rotate("tok-2");
      String target2 = Files.readSymbolicLink(d.resolve("..data")).toString();
      assertThat(target2).isNotEqualTo(target);
      assertThat(Files.exists(d.resolve(target))).as("old directory removed").isFalse();
      assertThat(Files.readString(m.tokenPath())).isEqualTo("tok-2");
      try (Stream<Path> s = Files.list(d)) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("token", "namespace", "ca.crt", "..data", target2);
      }
      m.remove("ca.crt");
      assertThat(Files.exists(m.caCertPath())).isFalse();
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void legacySecretVolume_hasTheSameKeys() throws IOException {
    try (FakePodMount m = FakePodMount.legacySecret(tmp, "ns", "legacy-token", "ca")) {
      assertThat(m.path().getFileName().toString()).startsWith("sa-token-secret-");
      assertThat(Files.readString(m.tokenPath())).isEqualTo("legacy-token");
      assertThat(Files.readString(m.namespacePath())).isEqualTo("ns");
      assertThat(Files.readString(m.caCertPath())).isEqualTo("ca");
      assertThat(Files.isSymbolicLink(m.tokenPath())).isTrue();
    }
  }

  @Test
  void rotationUnderConcurrentReaders_neverYieldsAPartialOrEmptyToken() throws Exception {
    int rotations = 2000;
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i <= rotations; i++) {
      tokens.add("token-" + i + "-" + "x".repeat(900));
    }
    Set<String> valid = Set.copyOf(tokens);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger retries = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    try (FakePodMount m = FakePodMount.projected(tmp, "ns", tokens.get(0), "ca")) {
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        List<Future<?>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
          readers.add(pool.submit(() -> {
            while (!done.get()) {
              try {
                String t = Files.readString(m.tokenPath());
                assertThat(valid).as("a whole token").contains(t);
                seen.add(t);
                reads.incrementAndGet();
              } catch (NoSuchFileException e) {
                retries.incrementAndGet(); // resolved ..data to a directory just removed: re-read
              }
            }
            return null;
          }));
        }
        Future<?> writer = pool.submit(() -> {
          for (int i = 1; i <= rotations; i++) {
            m.rotate(tokens.get(i));
          }
          done.set(true);
          return null;
        });
        writer.get(120, TimeUnit.SECONDS);
        for (Future<?> f : readers) {
          f.get(10, TimeUnit.SECONDS);
        }
      } finally {
        done.set(true);
        pool.shutdownNow();
      }
      assertThat(m.rotations()).isEqualTo(rotations);
      assertThat(Files.readString(m.tokenPath())).isEqualTo(tokens.get(rotations));
    }
    assertThat(reads.get()).isPositive();
  }
}
