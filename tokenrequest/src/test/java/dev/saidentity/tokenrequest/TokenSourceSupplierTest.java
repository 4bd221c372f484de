package dev.saidentity.tokenrequest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every token source is a {@code Supplier<String>} for other SDKs, always answering the current token. */
class TokenSourceSupplierTest {

  @TempDir
  Path dir;

  @Test
  void aProjectedTokenFile_suppliesTheCurrentToken_acrossARotation() throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "first\n");
    ProjectedTokenFile source = ProjectedTokenFile.of(file);
    Supplier<String> supplier = source;

    assertThat(supplier.get()).isEqualTo("first");
    Files.writeString(file, "second");
    source.invalidate();
    assertThat(supplier.get()).isEqualTo("second");
  }

  @Test
  void aCachingProviderSource_suppliesItsTokenForTheSpec() {
    TokenRequestSpec spec = TokenRequestSpec.builder("shop", "checkout").audience("sts.amazonaws.com").build();
    try (CachingTokenProvider provider = CachingTokenProvider.builder(s -> IssuedToken.of("t-" + s.audiences().get(0),
        java.time.Instant.now().plus(Duration.ofHours(1)), Duration.ofHours(1), s.audiences())).build()) {
      Supplier<String> supplier = TokenSource.of(provider, spec);

      assertThat(supplier.get()).isEqualTo("t-sts.amazonaws.com");
    }
  }
}
