package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.saidentity.core.Tokens;
import dev.saidentity.testing.SettableClock;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A token file is read with a byte cap: a huge file or a device never fills the heap. */
class ProjectedTokenFileTest {

  @TempDir
  Path tmp;
  final SettableClock clock = SettableClock.at(Instant.parse("2026-01-01T00:00:00Z"));

  @Test
  void aSparseOneGibFile_isRefusedAsTooLarge_atOnce_withoutItsContent() throws Exception {
    Path token = tmp.resolve("token");
    try (RandomAccessFile f = new RandomAccessFile(token.toFile(), "rw")) {
      f.setLength(1L << 30);
    }
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    long started = System.nanoTime();
    assertThatThrownBy(file::token)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("the token file " + token + " is larger than 65536 bytes: not a token, not read")
        .cause().isInstanceOf(ProjectedTokenFile.TooLargeException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("read at most 64 KiB + 1").isLessThan(Duration.ofSeconds(2));
    assertThat(file.toString()).isEqualTo("ProjectedTokenFile[" + token + ", not read]");
  }

  @Test
  void aLinkToDevZero_isRefusedAsNotARegularFile_withoutReadingIt() throws Exception {
    Path zero = Paths.get("/dev/zero");
    assumeThat(Files.isReadable(zero)).as("a /dev/zero to link to").isTrue();
    Path token = Files.createSymbolicLink(tmp.resolve("token"), zero);
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertThatThrownBy(file::token)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(token + ": not a regular file (a FIFO, a device or a directory): not read")
        .cause().isInstanceOf(FileSystemException.class);
  }

  /** Opening a FIFO for reading waits for a writer: a FIFO at the token path would block the reader for ever. */
  @Test
  void aFifoAtTheTokenPath_failsAtOnce_andALaterRegularFileIsRead() throws Exception {
    Path token = tmp.resolve("token");
    assumeThat(mkfifo(token)).as("mkfifo is available").isTrue();
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
      assertThatThrownBy(file::token)
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage(token + ": not a regular file (a FIFO, a device or a directory): not read");
    });
    Files.delete(token);
    Files.writeString(token, "opaque-token-value", StandardCharsets.UTF_8);
    clock.advance(Duration.ofSeconds(11));
    assertThat(file.token().equals("opaque-token-value")).as("read once a regular file is there").isTrue();
  }

  /** Makes a FIFO at path with mkfifo(1); false when there is no mkfifo (not a POSIX system). */
  static boolean mkfifo(Path path) throws InterruptedException {
    try {
      Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.exists(path) && !Files.isRegularFile(path);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void aFileThatGrowsTooLarge_keepsTheLastGoodToken_andATokenAtTheCapIsRead() throws Exception {
    Path token = tmp.resolve("token");
    String atCap = "a".repeat(ProjectedTokenFile.MAX_TOKEN_BYTES);
    Files.writeString(token, atCap, StandardCharsets.UTF_8);
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertThat(file.token().equals(atCap)).as("exactly 64 KiB is still read").isTrue();
    Files.writeString(token, atCap + "b", StandardCharsets.UTF_8);
    clock.advance(Duration.ofSeconds(51));
    assertThat(file.token().equals(atCap)).as("one byte over the cap: the last good token stays").isTrue();
  }

  /**
   * A FIFO at the token path used to be the way a read could hang (opening it waits for a writer); it is
   * now refused without being opened, and callers keep the last good token at once.
   */
  @Test
  void aLinkToAFifo_isNeverOpened_callersKeepTheLastGoodToken() throws Exception {
    Path token = tmp.resolve("token");
    Files.writeString(token, "first-token");
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertThat(file.token()).isEqualTo("first-token");
    Path fifo = tmp.resolve("fifo");
    assumeThat(mkfifo(fifo)).as("mkfifo").isTrue();
    Files.delete(token);
    Files.createSymbolicLink(token, fifo);
    clock.advance(Duration.ofSeconds(51));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(file.token()).as("the last good token, at once").isEqualTo("first-token"));
    assertThat(file.stats().readFailures()).isEqualTo(1);
    Files.delete(token);
    Files.writeString(token, "second-token");
    clock.advance(Duration.ofSeconds(2));
    assertThat(file.token()).isEqualTo("second-token");
  }
}
