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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
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
  void aLinkToDevZero_isRefusedAsTooLarge() throws Exception {
    Path zero = Paths.get("/dev/zero");
    assumeThat(Files.isReadable(zero)).as("a /dev/zero to link to").isTrue();
    Path token = Files.createSymbolicLink(tmp.resolve("token"), zero);
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertThatThrownBy(file::token)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("the token file " + token + " is larger than 65536 bytes: not a token, not read")
        .cause().isInstanceOf(ProjectedTokenFile.TooLargeException.class);
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

  @Test
  void aReadThatHangs_doesNotBlockCallersThatHoldAToken() throws Exception {
    Path token = tmp.resolve("token");
    Files.writeString(token, "first-token");
    ProjectedTokenFile file = ProjectedTokenFile.of(token, clock, ProjectedTokenFile.DEFAULT_MAX_AGE);
    assertThat(file.token()).isEqualTo("first-token");
    Path fifo = tmp.resolve("fifo");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0).as("mkfifo").isTrue();
    Files.delete(token);
    Files.createSymbolicLink(token, fifo); // opening a FIFO without a writer blocks: a read that hangs
    clock.advance(Duration.ofSeconds(51));
    Thread reader = new Thread(file::token, "stuck-reader");
    reader.start();
    try {
      TokenReviewerTest.await(() -> Arrays.stream(reader.getStackTrace()).anyMatch(f -> f.getMethodName().equals("readCapped")));
      assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(file.token()).as("the last good token, at once").isEqualTo("first-token"));
      assertThat(file.toString()).contains(Tokens.fingerprint("first-token"));
    } finally {
      Files.writeString(fifo, "second-token"); // a writer: the stuck read ends
      reader.join(10_000);
    }
    assertThat(reader.isAlive()).isFalse();
    assertThat(file.token()).isEqualTo("second-token");
  }
}
