package dev.saidentity.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Bounded reads of files a library reads on its own (token, key and CA files): only regular files
 * (following links, as the kubelet's {@code ..data} links need), so that a FIFO or a device at the path
 * fails at once instead of blocking the reading thread forever (opening a FIFO waits for a writer), and
 * never more than the caller's limit plus one byte.
 */
public final class RegularFiles {

  private RegularFiles() {}

  /**
   * The path is there but is not a regular file (a FIFO, a device, a directory); a {@link
   * FileSystemException}, as callers outside this package see it.
   */
  public static final class NotRegularFileException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    NotRegularFileException(Path path) {
      super(path.toString(), null, "not a regular file (a FIFO, a device or a directory): not read");
    }
  }

  /**
   * At most {@code max + 1} bytes of the regular file at {@code path}: a result longer than {@code max}
   * means the file is larger than the caller's limit (it is not read further).
   *
   * @throws NotRegularFileException if the path names something else than a regular file
   * @throws IOException if the file cannot be read
   */
  public static byte[] readCapped(Path path, int max) throws IOException {
    if (!Files.readAttributes(path, BasicFileAttributes.class).isRegularFile()) {
      throw new NotRegularFileException(path);
    }
    try (InputStream in = Files.newInputStream(path)) {
      return in.readNBytes(max + 1);
    }
  }
}
