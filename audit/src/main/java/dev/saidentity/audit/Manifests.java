package dev.saidentity.audit;

import dev.saidentity.core.internal.yaml.BoundedYaml;
import dev.saidentity.core.internal.yaml.YamlException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads manifests: files or directories (recursively: .yaml, .yml, .json), multi-document YAML,
 * {@code List} kinds expanded, through core's bounded YAML loader, each object with the {@link
 * Location} it was read at.
 *
 * <p>Encodings as YAML 1.2 and kubectl read them: UTF-8 with or without a byte-order mark, UTF-16
 * and UTF-32 (LE or BE) with a mark or recognised by their zero bytes; CRLF line ends. Bytes that
 * are not valid in the encoding are an error naming file, line and column.
 *
 * <p>Limits (each an error naming the file, and the line and column where the parser knows them):
 * one object at most 3 MiB (the API server's limit on a request, so on one object): a document, or
 * one item of a {@code List} (an export of any size is read item by item, each within the limit,
 * and the rest of the List's document too); one object at most 1,000,000 nodes after aliases and
 * merge keys and 100 levels deep; all input of one call at most 64 MiB, counted while reading, and
 * at most {@value #MAX_OBJECTS} objects. Duplicate keys are refused.
 *
 * <p>In a directory, only names ending in .yaml, .yml or .json are read (as kubectl does), symbolic
 * links to directories are not followed, and an entry with such a name that is not a regular file
 * (a dangling or looping symbolic link, a FIFO, a device) is an error, as is a directory without
 * such a file: nothing is left out silently. What is left out on purpose is named in {@link
 * Read#notes()}: entries whose name starts with {@code ..} (the timestamped directories and the
 * {@code ..data} link of a mounted ConfigMap or Secret, which hold the same files again); a
 * directory holding {@code Chart.yaml} (a Helm chart: templates are not manifests until Helm
 * renders them); the files a {@code kustomization.yaml} lists as patches (only its {@code
 * resources} are read, as kustomize reads them; nothing is rendered); a file reached twice. A file
 * named directly may be a pipe (for example {@code -f <(helm template .)}); {@code -} is standard
 * input. Stateless; thread-safe.
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
   * @param maxDocumentChars characters of one object (a document or a List item)
   * @param maxNodes nodes one object may expand to
   */
  record Limits(long maxTotalBytes, int maxDocumentChars, int maxNodes, int maxObjects) {
    static final Limits DEFAULT = new Limits(64L << 20, BoundedYaml.DEFAULT_MAX_DOCUMENT_CHARS, BoundedYaml.DEFAULT_MAX_NODES, MAX_OBJECTS);
  }

  /**
   * What a read found.
   *
   * @param objects the objects, in input order, each with its location
   * @param notes one line per thing left out on purpose (a Helm chart, kustomize patches, a {@code ..} entry), in order
   */
  public record Read(List<KubeObject> objects, List<String> notes) {
    /** Copies the lists. */
    public Read {
      objects = List.copyOf(objects);
      notes = List.copyOf(notes);
    }
  }

  /**
   * 100,000: objects of one read. Memory grows with the objects (a small object costs far more heap
   * than its text), so this, not the byte cap alone, keeps an audit inside a CI runner's heap.
   */
  public static final int MAX_OBJECTS = 100_000;

  /** The name standing for standard input. */
  public static final String STDIN = "-";

  /** Nodes over all documents of one read: the memory is bounded by the bytes (aliases share); this bounds the work. */
  private static final long MAX_TOTAL_NODES = 16_000_000;

  private static final List<String> KUSTOMIZATION_NAMES = List.of("kustomization.yaml", "kustomization.yml", "Kustomization");

  private Manifests() {}

  /**
   * The objects of the files and directories, in order (a directory's files sorted by path).
   *
   * @throws ManifestException naming the file (and line and column) when one cannot be read, is not
   *     YAML or JSON, exceeds a limit, or a directory holds an entry that is not a regular file or no
   *     manifest at all
   */
  public static List<KubeObject> read(List<Path> paths) {
    return read(paths, InputStream.nullInputStream()).objects();
  }

  /**
   * The objects of the files and directories, in order (a directory's files sorted by path), with
   * notes on what was left out on purpose; a path {@code -} reads {@code stdin} (once).
   *
   * @throws ManifestException naming the file (and line and column) when one cannot be read, is not
   *     YAML or JSON, exceeds a limit, or a directory holds an entry that is not a regular file or no
   *     manifest at all
   */
  public static Read read(List<Path> paths, InputStream stdin) {
    return read(paths, stdin, Limits.DEFAULT);
  }

  static List<KubeObject> read(List<Path> paths, Limits limits) {
    return read(paths, InputStream.nullInputStream(), limits).objects();
  }

  static Read read(List<Path> paths, InputStream stdin, Limits limits) {
    Objects.requireNonNull(stdin, "stdin");
    Session s = new Session(limits);
    boolean stdinRead = false;
    for (Path p : paths) {
      if (p.toString().equals(STDIN)) {
        if (stdinRead) {
          throw new ManifestException("-: standard input is named twice");
        }
        stdinRead = true;
        s.readStream(STDIN, stdin);
      } else if (Files.isDirectory(p)) {
        int before = s.out.size() + s.notes.size();
        s.directory(p, p, true);
        if (s.out.size() + s.notes.size() == before) {
          throw new ManifestException(p + ": no .yaml, .yml or .json file in the directory");
        }
      } else {
        s.readFile(p);
      }
    }
    return new Read(s.out, s.notes);
  }

  /**
   * The objects of one YAML or JSON text (limits as for files, but for the total size); {@code name} is used in errors.
   *
   * @throws ManifestException naming {@code name} (and line and column) when the text is not YAML or JSON or exceeds a limit
   */
  public static List<KubeObject> parse(String name, String text) {
    Session s = new Session(Limits.DEFAULT);
    s.read(name, new StringReader(text), null);
    return s.out;
  }

  private static boolean isManifestName(Path f) {
    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
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

  /** One read: the loader (its node budget spans the read), the bytes left, the files read. */
  private static final class Session {
    final Limits limits;
    final BoundedYaml yaml;
    final List<KubeObject> out = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final Set<Path> seen = new HashSet<>();
    long bytes;
    /** While reading a kustomization's resources: the kustomization (one unit for objects without a namespace) and its namespace. */
    @Nullable String unit;
    @Nullable String unitNamespace;

    Session(Limits limits) {
      this.limits = limits;
      this.yaml = new BoundedYaml(limits.maxDocumentChars(), limits.maxNodes(), BoundedYaml.DEFAULT_MAX_DEPTH, MAX_TOTAL_NODES, true);
    }

    /** A directory: its manifests, sorted, recursively; {@code ..} entries, Helm charts and kustomizations as the class says. */
    void directory(Path dir, Path shown, boolean named) {
      Path root;
      try {
        // A directory named through a link is walked (links inside it are not followed); errors name the path as given.
        root = named && Files.isSymbolicLink(dir) ? dir.toRealPath() : dir;
      } catch (IOException e) {
        throw new ManifestException(shown + ": cannot list the directory (" + why(e) + ")");
      }
      if (Files.isRegularFile(root.resolve("Chart.yaml"))) {
        notes.add(shown + ": a Helm chart (Chart.yaml), skipped: its templates are not manifests until rendered;"
            + " audit `helm template " + shown + " | sa-identity audit -f -`");
        return;
      }
      for (String k : KUSTOMIZATION_NAMES) {
        if (Files.isRegularFile(root.resolve(k))) {
          kustomization(root, shown, k);
          return;
        }
      }
      List<Path> entries = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
        for (Path e : ds) {
          entries.add(e);
        }
      } catch (IOException | UncheckedIOException e) {
        throw new ManifestException(shown + ": cannot list the directory (" + why(e instanceof UncheckedIOException ? e.getCause() : e) + ")");
      }
      entries.sort(null);
      List<String> skipped = new ArrayList<>();
      for (Path e : entries) {
        String name = e.getFileName().toString();
        Path eShown = shown.resolve(name);
        if (name.startsWith("..")) {
          skipped.add(name);
          continue;
        }
        if (Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)) {
          directory(e, eShown, false);
        } else if (isManifestName(e)) {
          checkRegular(e, eShown);
          readFile(e, eShown);
        }
      }
      if (!skipped.isEmpty()) {
        notes.add(shown + ": skipped " + String.join(", ", skipped) + " (names starting with '..': a mounted ConfigMap's or Secret's"
            + " internal entries, which hold the same files again)");
      }
    }

    /** A kustomization: its resources (files or directories) are read; its patches are not, with a note. */
    private void kustomization(Path root, Path shown, String fileName) {
      Path kf = root.resolve(fileName);
      Map<String, @Nullable Object> k = kustomizationFile(kf, shown.resolve(fileName));
      List<String> patches = new ArrayList<>();
      for (Object p : list(k.get("patchesStrategicMerge"))) {
        if (p instanceof String) {
          patches.add((String) p);
        }
      }
      for (String field : List.of("patches", "patchesJson6902")) {
        for (Object p : list(k.get(field))) {
          if (p instanceof Map && ((Map<?, ?>) p).get("path") instanceof String) {
            patches.add((String) ((Map<?, ?>) p).get("path"));
          } else if (p instanceof Map) {
            patches.add("(an inline patch)");
          }
        }
      }
      Set<String> resources = new LinkedHashSet<>();
      List<String> remote = new ArrayList<>();
      for (Object r : list(k.get("resources"))) {
        if (!(r instanceof String)) {
          continue;
        }
        String res = (String) r;
        if (res.contains("://") || res.startsWith("github.com/") || res.startsWith("git@")) {
          remote.add(res);
          continue;
        }
        resources.add(res);
      }
      notes.add(shown.resolve(fileName) + ": a kustomization: its " + resources.size() + " resources are audited as written, not rendered"
          + (patches.isEmpty() ? "" : "; patches not audited: " + String.join(", ", patches))
          + (remote.isEmpty() ? "" : "; remote resources not fetched: " + String.join(", ", remote))
          + "; for the rendered result audit `kubectl kustomize " + shown + " | sa-identity audit -f -`");
      String outerUnit = unit;
      String outerNamespace = unitNamespace;
      if (unit == null) {
        unit = shown.resolve(fileName).toString();
      }
      Object ns = k.get("namespace");
      if (ns instanceof String && !((String) ns).isEmpty()) {
        unitNamespace = (String) ns; // kustomize's namespace transformer: the innermost kustomization's, then overridden by outer ones
      }
      try {
        resources(root, shown, fileName, resources);
      } finally {
        unit = outerUnit;
        unitNamespace = outerNamespace;
      }
    }

    private void resources(Path root, Path shown, String fileName, Set<String> resources) {
      for (String res : resources) {
        Path p = root.resolve(res).normalize();
        Path pShown = shown.resolve(res).normalize();
        if (Files.isDirectory(p)) {
          directory(p, pShown, false);
        } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p)) {
          checkRegular(p, pShown);
          readFile(p, pShown);
        } else {
          throw new ManifestException(shown.resolve(fileName) + ": the resource " + res + " does not exist");
        }
      }
    }

    private Map<String, @Nullable Object> kustomizationFile(Path kf, Path shown) {
      List<KubeObject> docs = new ArrayList<>();
      try (InputStream raw = Files.newInputStream(kf)) {
        readStream(shown.toString(), raw, docs);
      } catch (IOException e) {
        throw new ManifestException(shown + ": cannot read the file (" + why(e) + ")");
      }
      return docs.isEmpty() ? Map.of() : docs.get(0).fields();
    }

    private static List<?> list(@Nullable Object v) {
      return v instanceof List ? (List<?>) v : List.of();
    }

    private static void checkRegular(Path f, Path shown) {
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(f, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        throw new ManifestException(shown + (Files.isSymbolicLink(f) ? ": a dangling symbolic link" : ": cannot read the file (no such file)"));
      } catch (IOException e) {
        throw new ManifestException(shown + (Files.isSymbolicLink(f) ? ": a symbolic link that cannot be resolved (" + why(e) + ")"
            : ": cannot read the file (" + why(e) + ")"));
      }
      if (a.isDirectory()) {
        throw new ManifestException(shown + ": a symbolic link to a directory (not followed)");
      }
      if (!a.isRegularFile()) {
        throw new ManifestException(shown + ": not a regular file (a FIFO, socket or device)");
      }
    }

    void readFile(Path f) {
      readFile(f, f);
    }

    void readFile(Path f, Path shown) {
      Path real;
      try {
        real = f.toRealPath();
      } catch (IOException e) {
        real = f.toAbsolutePath().normalize();
      }
      if (!seen.add(real)) {
        notes.add(shown + ": read once already (named twice, or reached through two directories), not read again");
        return;
      }
      try (InputStream raw = Files.newInputStream(f)) {
        readStream(shown.toString(), raw, null);
      } catch (IOException e) {
        throw new ManifestException(shown + ": cannot read the file (" + why(e) + ")");
      }
    }

    void readStream(String name, InputStream raw) {
      readStream(name, raw, null);
    }

    /** Reads a stream: objects into {@link #out}, or, with {@code anyKind}, every document as it is into that list. */
    private void readStream(String name, InputStream raw, @Nullable List<KubeObject> anyKind) {
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
      TextReader r = null;
      try {
        r = TextReader.of(counted);
        read(name, r, r, anyKind);
      } catch (TooMuchInput e) {
        throw new ManifestException(name + ": the manifests are larger than " + limits.maxTotalBytes() + " bytes in total (the limit of one audit)");
      } catch (UncheckedIOException e) {
        throw unreadable(name, e.getCause());
      } catch (IOException e) {
        throw unreadable(name, e);
      }
    }

    private static ManifestException unreadable(String name, @Nullable IOException e) {
      if (e instanceof TextReader.Undecodable) {
        TextReader.Undecodable u = (TextReader.Undecodable) e;
        return new ManifestException(name + ":" + u.line + ":" + u.column + ": invalid YAML: " + u.getMessage()
            + " (the encoding its first bytes announce; UTF-16 and UTF-32 need a byte-order mark or a first ASCII character)");
      }
      return new ManifestException(name + ": cannot read the file (" + why(e) + ")");
    }

    void read(String name, Reader r, @Nullable TextReader positions) {
      read(name, r, positions, null);
    }

    private void read(String name, Reader r, @Nullable TextReader positions, @Nullable List<KubeObject> anyKind) {
      try {
        yaml.readDocuments(r, doc -> add(name, doc, anyKind));
      } catch (YamlException e) {
        int[] at = e.line() > 0 ? new int[] {e.line(), e.column()} : positions == null ? null : positions.position(e.column());
        throw new ManifestException(name + (at != null ? ":" + at[0] + ":" + at[1] + ": invalid YAML: " + e.reason()
            : ": invalid YAML: " + e.reason() + " (at character " + e.column() + ")"));
      }
    }

    private void count(int n) {
      bytes += n;
      if (bytes > limits.maxTotalBytes()) {
        throw new TooMuchInput();
      }
    }

    @SuppressWarnings("unchecked")
    private void add(String name, BoundedYaml.Document d, @Nullable List<KubeObject> anyKind) {
      Object doc = d.value();
      if (doc == null) {
        return;
      }
      if (!(doc instanceof Map)) {
        throw new ManifestException(name + ":" + d.line() + ": a document is not a mapping");
      }
      KubeObject o = new KubeObject((Map<String, @Nullable Object>) doc, new Location(name, d.line()), unit);
      if (anyKind != null) {
        anyKind.add(o);
        return;
      }
      Object items = o.fields().get("items");
      if (o.kind().endsWith("List") && items instanceof List) {
        List<?> list = (List<?>) items;
        List<Integer> lines = d.itemLines();
        for (int i = 0; i < list.size(); i++) {
          Object item = list.get(i);
          int line = i < lines.size() ? lines.get(i) : d.line();
          if (!(item instanceof Map)) {
            throw new ManifestException(name + ":" + line + ": an item of a " + o.kind() + " is not a mapping");
          }
          collect(name, object(new KubeObject((Map<String, @Nullable Object>) item, new Location(name, line), unit)));
        }
      } else {
        collect(name, object(o));
      }
    }

    private void collect(String name, KubeObject o) {
      if (out.size() >= limits.maxObjects()) {
        throw new ManifestException(name + ": the manifests hold more than " + limits.maxObjects() + " objects (the limit of one audit)");
      }
      out.add(inNamespace(o));
    }

    /** In a kustomization with a namespace, a namespaced object is put in it, as kustomize does. */
    @SuppressWarnings("unchecked")
    private KubeObject inNamespace(KubeObject o) {
      String ns = unitNamespace;
      if (ns == null || Inventory.CLUSTER_SCOPED.contains(o.kind()) || ns.equals(o.namespace())) {
        return o;
      }
      Map<String, @Nullable Object> fields = new java.util.LinkedHashMap<>(o.fields());
      Object meta = fields.get("metadata");
      Map<String, @Nullable Object> m = new java.util.LinkedHashMap<>(meta instanceof Map ? (Map<String, @Nullable Object>) meta : Map.of());
      m.put("namespace", ns);
      fields.put("metadata", java.util.Collections.unmodifiableMap(m));
      return new KubeObject(java.util.Collections.unmodifiableMap(fields), o.location().orElse(null), unit);
    }

    /** An object must say its kind, as kubectl requires ("Object 'Kind' is missing"): a values file or a fragment is no manifest, and must not audit clean. */
    private static KubeObject object(KubeObject o) {
      if (o.kind().isEmpty()) {
        Location l = o.location().orElseThrow();
        throw new ManifestException(l + ": a document without a kind is not a Kubernetes object"
            + (o.name().isEmpty() ? "" : " (metadata.name " + o.name() + ")"));
      }
      return o;
    }
  }
}
