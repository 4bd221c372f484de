package dev.saidentity.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a file named on the command line (or in the environment) up to a cap, checked while reading. */
final class CappedFile {

  private CappedFile() {}

  /**
   * Reads at most {@code max} bytes of {@code file}: a file (or a link to {@code /dev/zero}) that has
   * more is refused after reading {@code max + 1} bytes, never read whole.
   *
   * @param what how the message names the file, e.g. {@code "the kubeconfig /home/me/.kube/config"}
   * @throws TokenInput.TooLarge when the file has more than {@code max} bytes: "WHAT is larger than MAX bytes" (exit 2)
   * @throws IOException when the file cannot be read
   */
  static byte[] read(Path file, int max, String what) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new TokenInput.TooLarge(what + " is larger than " + max + " bytes");
      }
      return b;
    }
  }
}
