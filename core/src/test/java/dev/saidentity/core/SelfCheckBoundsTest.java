package dev.saidentity.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8 item 13: the mount is read with a cap per file; an oversized or odd file is SAI-101, never an OutOfMemoryError. */
class SelfCheckBoundsTest {

  private static final Duration QUICKLY = Duration.ofSeconds(10);
  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  @TempDir
  Path mount;

  private static void sparse(Path p, long size) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size);
    }
  }

  private SelfCheck.Report run() {
    return assertTimeoutPreemptively(QUICKLY, () -> SelfCheck.run(mount, Map.of(), Clock.systemUTC()));
  }

  private static String sai101(SelfCheck.Report r) {
    return r.findings().stream().filter(f -> f.id().equals("SAI-101")).findFirst().orElseThrow().message();
  }

  @Test
  void oneGiBToken_isSai101_withoutReadingIt() throws Exception {
    sparse(mount.resolve("token"), 1L << 30);
    Files.writeString(mount.resolve("namespace"), "default");
    Files.writeString(mount.resolve("ca.crt"), CA);
    SelfCheck.Report r = run();
    assertThat(r.token()).isEmpty();
    assertThat(sai101(r)).endsWith("lacks or cannot read: token (larger than 65537 bytes)");
  }

  @Test
  void threeGiBCaAndHugeNamespace_areSai101() throws Exception {
    Files.writeString(mount.resolve("token"), "not.a.token");
    sparse(mount.resolve("namespace"), 1L << 30);
    sparse(mount.resolve("ca.crt"), 3L << 30);
    SelfCheck.Report r = run();
    assertThat(r.namespaceFile()).isEmpty();
    assertThat(sai101(r)).contains("namespace (larger than 4096 bytes)").contains("ca.crt (larger than 1048576 bytes)");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void linksToDevZero_areSai101() throws Exception {
    for (String f : new String[] {"token", "namespace", "ca.crt"}) {
      Files.createSymbolicLink(mount.resolve(f), Path.of("/dev/zero"));
    }
    SelfCheck.Report r = run();
    assertThat(sai101(r)).endsWith("lacks or cannot read: token (not a regular file), namespace (not a regular file), ca.crt (not a regular file)");
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void fifoInTheMount_doesNotBlock() throws Exception {
    assertThat(new ProcessBuilder("mkfifo", mount.resolve("token").toString()).start().waitFor()).isZero();
    Files.writeString(mount.resolve("namespace"), "default");
    Files.writeString(mount.resolve("ca.crt"), CA);
    assertThat(sai101(run())).endsWith("lacks or cannot read: token (not a regular file)");
  }
}
