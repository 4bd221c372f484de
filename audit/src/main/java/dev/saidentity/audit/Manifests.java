package dev.saidentity.audit;

import dev.saidentity.core.internal.yaml.BoundedYaml;
import dev.saidentity.core.internal.yaml.YamlException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Reads manifests: files or directories (recursively: .yaml, .yml, .json), multi-document YAML,
 * {@code List} kinds expanded, through core's bounded YAML loader.
 *
 * <p>Limits (each an error naming the file, and the line and column where the parser knows them):
 * one document at most 3 MiB (the API server's limit on a request, so on one object; a file may
 * hold many documents: they are read one by one), one document at most 1,000,000 nodes after
 * aliases and merge keys and 100 levels deep, all input of one call at most 64 MiB, counted while
 * reading, and at most {@value #MAX_OBJECTS} objects. Duplicate keys are refused. Input must be UTF-8.
 *
 * <p>In a directory, only names ending in .yaml, .yml or .json are read (as kubectl does), symbolic
 * links to directories are not followed, and an entry with such a name that is not a regular file
 * (a dangling or looping symbolic link, a FIFO, a device) is an error, as is a directory without
 * such a file: nothing is left out silently. A file named directly may be a pipe (for example
 * {@code -f <(helm template .)}). Stateless; thread-safe.
 *
 * <pre>{@code
 * List<AuditFinding> findings = Auditor.audit(Inventory.fromManifests(Manifests.read(List.of(Path.of("deploy")))));
 * }</pre>
 */
public final class Manifests {

  /**
   * The limits of one read.
   *
   * @param maxTotalBytes bytes of all files of one call
   * @param maxDocumentChars characters of one document
   * @param maxNodes nodes one document may expand to
   */
  record Limits(long maxTotalBytes, int maxDocumentChars, int maxNodes, int maxObjects) {
    static final Limits DEFAULT = new Limits(64L << 20, BoundedYaml.DEFAULT_MAX_DOCUMENT_CHARS, BoundedYaml.DEFAULT_MAX_NODES, MAX_OBJECTS);
  }

  /**
   * 100,000: objects of one read. Memory grows with the objects (a small object costs far more heap
   * than its text), so this, not the byte cap alone, keeps an audit inside a CI runner's heap.
   */
  public static final int MAX_OBJECTS = 100_000;

  /** Nodes over all documents of one read: the memory is bounded by the bytes (aliases share); this bounds the work. */
  private static final long MAX_TOTAL_NODES = 16_000_000;

  private Manifests() {}

  /**
   * The objects of the files and directories, in order (a directory's files sorted by path).
   *
   * @throws ManifestException naming the file (and line and column) when one cannot be read, is not
   *     YAML or JSON, exceeds a limit, or a directory holds an entry that is not a regular file or no
   *     manifest at all
   */
  public static List<KubeObject> read(List<Path> paths) {
    return read(paths, Limits.DEFAULT);
  }

  static List<KubeObject> read(List<Path> paths, Limits limits) {
    Session s = new Session(limits);
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        List<Path> files = manifestFiles(p);
        if (files.isEmpty()) {
          throw new ManifestException(p + ": no .yaml, .yml or .json file in the directory");
        }
        for (Path f : files) {
          s.readFile(f);
        }
      } else {
        s.readFile(p);
      }
    }
    return s.out;
  }

  /**
   * The objects of one YAML or JSON text (limits as for files, but for the total size); {@code name} is used in errors.
   *
   * @throws ManifestException naming {@code name} (and line and column) when the text is not YAML or JSON or exceeds a limit
   */
  public static List<KubeObject> parse(String name, String text) {
    Session s = new Session(Limits.DEFAULT);
    s.read(name, new StringReader(text));
    return s.out;
  }

  private static boolean isManifestName(Path f) {
    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  /** The manifest files of a directory tree, each checked to be a regular file. */
  private static List<Path> manifestFiles(Path dir) {
    List<Path> candidates;
    try {
      // A directory named through a link is walked (links inside it are not followed); errors name the path as given.
      Path root = Files.isSymbolicLink(dir) ? dir.toRealPath() : dir;
      try (Stream<Path> s = Files.walk(root)) {
        candidates = s.filter(f -> !Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)).filter(Manifests::isManifestName).sorted()
            .map(f -> root == dir ? f : dir.resolve(root.relativize(f))).toList();
      }
    } catch (IOException | UncheckedIOException e) {
      throw new ManifestException(dir + ": cannot list the directory (" + why(e instanceof UncheckedIOException ? e.getCause() : e) + ")");
    }
    for (Path f : candidates) {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(f, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        throw new ManifestException(f + (Files.isSymbolicLink(f) ? ": a dangling symbolic link" : ": cannot read the file (no such file)"));
      } catch (IOException e) {
        throw new ManifestException(f + (Files.isSymbolicLink(f) ? ": a symbolic link that cannot be resolved (" + why(e) + ")"
            : ": cannot read the file (" + why(e) + ")"));
      }
      if (a.isDirectory()) {
        throw new ManifestException(f + ": a symbolic link to a directory (not followed)");
      }
      if (!a.isRegularFile()) {
        throw new ManifestException(f + ": not a regular file (a FIFO, socket or device)");
      }
    }
    return candidates;
  }

  private static String why(@Nullable Throwable e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      return ((FileSystemException) e).getReason();
    }
    return e == null ? "unknown error" : e.getClass().getSimpleName();
  }

  /** Thrown by the byte counter when the total is exceeded. */
  private static final class TooMuchInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooMuchInput() {
      super(null, null, false, false);
    }
  }

  /** One read: the loader (its node budget spans the read) and the bytes left. */
  private static final class Session {
    final Limits limits;
    final BoundedYaml yaml;
    final List<KubeObject> out = new ArrayList<>();
    long bytes;

    Session(Limits limits) {
      this.limits = limits;
      this.yaml = new BoundedYaml(limits.maxDocumentChars(), limits.maxNodes(), BoundedYaml.DEFAULT_MAX_DEPTH, MAX_TOTAL_NODES);
    }

    void readFile(Path f) {
      try (InputStream raw = Files.newInputStream(f)) {
        InputStream counted = new InputStream() {
          @Override
          public int read() throws IOException {
            int b = raw.read();
            count(b < 0 ? 0 : 1);
            return b;
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            int n = raw.read(buf, off, (int) Math.min(len, limits.maxTotalBytes() - bytes + 1));
            count(Math.max(n, 0));
            return n;
          }
        };
        Reader r = new InputStreamReader(counted, StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));
        read(f.toString(), r);
      } catch (TooMuchInput e) {
        throw new ManifestException(f + ": the manifests are larger than " + limits.maxTotalBytes() + " bytes in total (the limit of one audit)");
      } catch (IOException | UncheckedIOException e) {
        throw new ManifestException(f + ": cannot read the file (" + why(e instanceof UncheckedIOException ? e.getCause() : e) + ")");
      }
    }

    private void count(int n) {
      bytes += n;
      if (bytes > limits.maxTotalBytes()) {
        throw new TooMuchInput();
      }
    }

    void read(String name, Reader r) {
      try {
        yaml.read(r, doc -> add(name, doc));
      } catch (YamlException e) {
        throw new ManifestException(name + (e.line() > 0 ? ":" + e.line() + ":" + e.column() + ": invalid YAML: " + e.reason()
            : ": invalid YAML: " + e.reason() + " (at character " + e.column() + ")"));
      }
    }

    @SuppressWarnings("unchecked")
    private void add(String name, @Nullable Object doc) {
      if (doc == null) {
        return;
      }
      if (!(doc instanceof Map)) {
        throw new ManifestException(name + ": a document is not a mapping");
      }
      KubeObject o = new KubeObject((Map<String, @Nullable Object>) doc);
      Object items = o.fields().get("items");
      if (o.kind().endsWith("List") && items instanceof List) {
        for (Object item : (List<?>) items) {
          if (!(item instanceof Map)) {
            throw new ManifestException(name + ": an item of a " + o.kind() + " is not a mapping");
          }
          collect(name, object(name, new KubeObject((Map<String, @Nullable Object>) item)));
        }
      } else {
        collect(name, object(name, o));
      }
    }

    private void collect(String name, KubeObject o) {
      if (out.size() >= limits.maxObjects()) {
        throw new ManifestException(name + ": the manifests hold more than " + limits.maxObjects() + " objects (the limit of one audit)");
      }
      out.add(o);
    }

    /** An object must say its kind, as kubectl requires ("Object 'Kind' is missing"): a values file or a fragment is no manifest, and must not audit clean. */
    private static KubeObject object(String name, KubeObject o) {
      if (o.kind().isEmpty()) {
        throw new ManifestException(name + ": a document without a kind is not a Kubernetes object"
            + (o.name().isEmpty() ? "" : " (metadata.name " + o.name() + ")"));
      }
      return o;
    }
  }
}
