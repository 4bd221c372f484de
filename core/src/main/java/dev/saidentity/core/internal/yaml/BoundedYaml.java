package dev.saidentity.core.internal.yaml;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.Construct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Loads YAML (one or many documents) into plain values under a budget, from SnakeYAML's event
 * parser: no SnakeYAML composer or constructor ever holds a whole document, and nothing is copied
 * node by node.
 *
 * <p>The values: a mapping is an unmodifiable {@code Map<String, Object>} in document order, a
 * sequence an unmodifiable {@code List<Object>}, a scalar a {@code String}, {@code Boolean}, {@code
 * Long}, {@code BigInteger} or {@code Double}, or null. Scalars resolve as YAML 1.1 does (as
 * SnakeYAML and go-yaml v2, which kubectl uses, do): {@code yes}/{@code on} are booleans, {@code
 * 0x1F} an integer; timestamps and {@code !!binary} stay their text (as go-yaml leaves them when
 * decoding into JSON); a plain scalar of more than 256 characters is a string; {@code .inf} and
 * {@code .nan} are refused (JSON cannot hold them); tags other than the standard ones are refused.
 * A mapping key is a scalar, turned into its string form. Merge keys ({@code <<}) work: the
 * mapping's own keys win, then earlier merged mappings.
 *
 * <p>Limits, each an error with reason and position ({@link YamlException}):
 *
 * <ul>
 *   <li><b>size</b>: a document of more than {@code maxDocumentChars} characters (default 3 MiB, the
 *       API server's request limit), checked while reading: the parser never reads more than the
 *       limit plus 8 KiB of one document;
 *   <li><b>depth</b>: collections nested more than {@code maxDepth} levels (default 100), counting
 *       what aliases bring in;
 *   <li><b>nodes</b>: a document that expands to more than {@code maxNodes} nodes (default
 *       1,000,000; a mapping entry counts its key plus its value; a scalar counts 1 plus 1 per 16
 *       characters), counting each use of an alias and each merge in full, so an alias bomb (of
 *       collections or of one long scalar) stops at the budget; and more than {@code maxTotalNodes}
 *       (default 4,000,000) over all documents this instance reads;
 *   <li><b>duplicate keys</b>: refused (as sigs.k8s.io/yaml's strict mode and the API server's
 *       strict field validation do): a manifest with two {@code automountServiceAccountToken} keys
 *       has no single meaning.
 * </ul>
 *
 * <p>Aliases share the (unmodifiable) value of their anchor instead of copying it, so memory grows
 * with the input, not with the expansion. An instance counts the nodes it has loaded; it is not
 * thread-safe. Use one per input (audit: one per run; the fake server: one per body).
 */
public final class BoundedYaml {

  /** 3 MiB: the API server's limit on a request body, and so on one object. */
  public static final int DEFAULT_MAX_DOCUMENT_CHARS = 3 << 20;
  /** Nodes one document may expand to. */
  public static final int DEFAULT_MAX_NODES = 1_000_000;
  /** Nesting levels of collections. */
  public static final int DEFAULT_MAX_DEPTH = 100;
  /** Nodes all documents read by one instance may expand to. */
  public static final long DEFAULT_MAX_TOTAL_NODES = 4_000_000;

  /** A plain scalar longer than this is a string: no number, boolean or null is that long (and no regex runs over it). */
  static final int MAX_RESOLVED_SCALAR = 256;
  /** A scalar counts one node plus one per this many characters (a 3 MiB document of text is about 200,000 nodes). */
  static final int SCALAR_CHARS_PER_NODE = 16;
  /** What SnakeYAML's reader and scanner may read ahead of the document they are in. */
  private static final int READ_AHEAD = 8192;

  private static final Set<Tag> SCALAR_TAGS = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP, Tag.BINARY);
  private static final Resolver RESOLVER = new Resolver();

  private final int maxDocumentChars;
  private final int maxNodes;
  private final int maxDepth;
  private final long maxTotalNodes;
  private final boolean itemsApart;
  private long totalNodes;

  /**
   * One loaded document.
   *
   * @param value the document's value (null for an empty document)
   * @param line the 1-based line where its value starts (its first key, for a mapping)
   * @param itemLines for a document whose root mapping has an {@code items} sequence and a loader
   *     that measures items apart: the 1-based line where each item starts; else empty
   */
  public record Document(@Nullable Object value, int line, List<Integer> itemLines) {
    /** Copies the item lines. */
    public Document {
      itemLines = List.copyOf(itemLines);
    }
  }

  /**
   * A loader with these limits.
   *
   * @param maxDocumentChars characters of one document
   * @param maxNodes nodes one document may expand to
   * @param maxDepth nesting levels of collections
   * @param maxTotalNodes nodes all documents read by this instance may expand to
   * @throws IllegalArgumentException when a limit is not positive
   */
  public BoundedYaml(int maxDocumentChars, int maxNodes, int maxDepth, long maxTotalNodes) {
    this(maxDocumentChars, maxNodes, maxDepth, maxTotalNodes, false);
  }

  /**
   * A loader with these limits that, with {@code itemsApart}, measures each element of a root
   * mapping's {@code items} sequence (a Kubernetes {@code List}: one object each) against {@code
   * maxDocumentChars} and {@code maxNodes} on its own, and the rest of that document without them:
   * an export of many objects is read whatever its size, each object within the limits of one.
   * {@code maxTotalNodes}, depth and the reader's own cap still bound the whole.
   *
   * @param maxDocumentChars characters of one document (with {@code itemsApart}: of one item, and of the rest)
   * @param maxNodes nodes one document (item) may expand to
   * @param maxDepth nesting levels of collections
   * @param maxTotalNodes nodes all documents read by this instance may expand to
   * @param itemsApart whether the items of a root {@code items} sequence are measured one by one
   * @throws IllegalArgumentException when a limit is not positive
   */
  public BoundedYaml(int maxDocumentChars, int maxNodes, int maxDepth, long maxTotalNodes, boolean itemsApart) {
    this.itemsApart = itemsApart;
    if (maxDocumentChars <= 0 || maxNodes <= 0 || maxDepth <= 0 || maxTotalNodes <= 0) {
      throw new IllegalArgumentException("YAML limits must be positive");
    }
    this.maxDocumentChars = maxDocumentChars;
    this.maxNodes = maxNodes;
    this.maxDepth = maxDepth;
    this.maxTotalNodes = maxTotalNodes;
  }

  /** A loader with the default limits. */
  public static BoundedYaml withDefaults() {
    return new BoundedYaml(DEFAULT_MAX_DOCUMENT_CHARS, DEFAULT_MAX_NODES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_TOTAL_NODES);
  }

  /**
   * The non-empty documents of a text.
   *
   * @throws YamlException when the text is not YAML or exceeds a limit
   */
  public List<Object> readAll(String text) {
    List<Object> out = new ArrayList<>();
    read(new StringReader(text), d -> {
      if (d != null) {
        out.add(d);
      }
    });
    return out;
  }

  /**
   * Reads the documents of a stream one by one, handing each to {@code each} as soon as it is
   * complete (null for an empty document). Reading stops at the first error.
   *
   * @throws YamlException when the stream is not YAML (or not valid UTF-8) or exceeds a limit
   * @throws UncheckedIOException when the reader fails
   */
  public void read(Reader in, Consumer<@Nullable Object> each) {
    readDocuments(in, d -> each.accept(d.value()));
  }

  /**
   * Reads the documents of a stream one by one, as {@link #read(Reader, Consumer)} does, with the
   * line where each starts (and where each item of a root {@code items} sequence starts, when this
   * loader measures items apart).
   *
   * @throws YamlException when the stream is not YAML (or not valid UTF-8) or exceeds a limit
   * @throws UncheckedIOException when the reader fails
   */
  public void readDocuments(Reader in, Consumer<Document> each) {
    LoaderOptions opts = new LoaderOptions();
    opts.setCodePointLimit(Integer.MAX_VALUE); // checked here, while reading: SnakeYAML checks only between tokens
    opts.setNestingDepthLimit(maxDepth + 10); // checked here, with a position
    Window window = new Window(in, (long) maxDocumentChars + READ_AHEAD);
    Load load = new Load(new ParserImpl(new StreamReader(window), opts), window, each);
    try {
      load.run();
    } catch (DocumentTooLarge e) {
      throw load.tooLarge();
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext() != null ? e.getContext() : "syntax error";
      throw at(m, oneLine(problem));
    } catch (ReaderException e) {
      throw new YamlException("unacceptable character 0x" + Integer.toHexString(e.getCodePoint()).toUpperCase(Locale.ROOT) + ": "
          + oneLine(String.valueOf(e.getMessage())), 0, e.getPosition());
    } catch (org.yaml.snakeyaml.error.YAMLException e) {
      if (e.getCause() instanceof CharacterCodingException) {
        throw new YamlException("not valid UTF-8", 0, (int) Math.min(Integer.MAX_VALUE, window.consumed));
      }
      if (e.getCause() instanceof IOException) {
        throw new UncheckedIOException((IOException) e.getCause());
      }
      throw new YamlException(oneLine(String.valueOf(e.getMessage())), 0, (int) Math.min(Integer.MAX_VALUE, window.consumed));
    }
  }

  private static String oneLine(String s) {
    String t = s.replaceAll("\\s+", " ").strip();
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  private static YamlException at(@Nullable Mark m, String reason) {
    return m == null ? new YamlException(reason, 0, 0) : new YamlException(reason, m.getLine() + 1, m.getColumn() + 1);
  }

  /** Thrown by the window when the parser reads too far into one document. */
  private static final class DocumentTooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DocumentTooLarge() {
      super(null, null, false, false);
    }
  }

  /** A reader that counts code points and refuses to read more than a window past the current document's start. */
  private static final class Window extends Reader {
    private final Reader in;
    private final long window;
    long consumed;
    long documentStart;

    Window(Reader in, long window) {
      this.in = in;
      this.window = window;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      for (int i = off; i < off + n; i++) {
        if (!Character.isLowSurrogate(buf[i])) {
          consumed++;
        }
      }
      if (consumed - documentStart > window) {
        throw new DocumentTooLarge();
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** An anchored value: what an alias brings in. */
  private record Anchored(@Nullable Object value, long size, int height, boolean container, boolean mergeKey) {}

  /** An open collection. */
  private static final class Frame {
    final boolean mapping;
    final Mark start;
    final @Nullable String anchor;
    final List<@Nullable Object> items = new ArrayList<>();
    final Map<String, @Nullable Object> entries = new LinkedHashMap<>();
    final List<Map<?, ?>> merges = new ArrayList<>();
    @Nullable String key;
    boolean hasKey;
    boolean mergeNext;
    /** The root mapping's items sequence, measured item by item. */
    boolean listItems;
    long size = 1;
    int height = 1;

    Frame(boolean mapping, Mark start, @Nullable String anchor) {
      this.mapping = mapping;
      this.start = start;
      this.anchor = anchor;
    }
  }

  /** One read: the event loop. */
  private final class Load {
    private final Parser parser;
    private final Window window;
    private final Consumer<Document> each;
    private final List<Integer> itemLines = new ArrayList<>();
    private @Nullable Mark itemStart;
    private long itemsChars;
    private final Deque<Frame> stack = new ArrayDeque<>();
    private final Map<String, Anchored> anchors = new HashMap<>();
    private final Scalars scalars = new Scalars();
    private @Nullable Mark documentStart;
    private @Nullable Object root;
    private int rootLine;
    private long rootSize;
    private boolean expanded;

    Load(Parser parser, Window window, Consumer<Document> each) {
      this.parser = parser;
      this.window = window;
      this.each = each;
    }

    YamlException tooLarge() {
      Mark item = itemStart;
      String reason = (item != null ? "an item of the document's items" : "a document") + " is larger than " + maxDocumentChars
          + " characters" + (maxDocumentChars == DEFAULT_MAX_DOCUMENT_CHARS ? " (the API server's limit is 3 MiB)" : "");
      Mark m = item != null ? item : documentStart;
      return m == null ? new YamlException(reason, 1, 1) : at(m, reason);
    }

    void run() {
      while (true) {
        Event ev = parser.getEvent();
        switch (ev.getEventId()) {
          case StreamStart:
          case Comment:
            break;
          case DocumentStart:
            documentStart = ev.getStartMark();
            window.documentStart = ev.getStartMark().getIndex();
            anchors.clear();
            root = null;
            rootSize = 0;
            rootLine = 0;
            expanded = false;
            itemLines.clear();
            itemStart = null;
            itemsChars = 0;
            break;
          case DocumentEnd:
            endDocument(ev);
            break;
          case StreamEnd:
            return;
          case Scalar:
            scalar((ScalarEvent) ev);
            break;
          case Alias:
            alias((AliasEvent) ev);
            break;
          case SequenceStart:
          case MappingStart:
            open((CollectionStartEvent) ev);
            break;
          case SequenceEnd:
          case MappingEnd:
            close(ev);
            break;
          default:
            throw at(ev.getStartMark(), "unexpected YAML event " + ev.getEventId());
        }
      }
    }

    private void endDocument(Event ev) {
      Mark start = documentStart;
      if (start != null && ev.getEndMark().getIndex() - start.getIndex() - itemsChars > maxDocumentChars) {
        throw tooLarge();
      }
      totalNodes += rootSize;
      if (totalNodes > maxTotalNodes) {
        throw at(start, "the documents expand to more than " + maxTotalNodes + " nodes in total");
      }
      Object doc = root;
      int line = rootLine;
      List<Integer> items = List.copyOf(itemLines);
      root = null;
      rootLine = 0;
      anchors.clear();
      itemLines.clear();
      itemsChars = 0;
      documentStart = ev.getEndMark();
      window.documentStart = ev.getEndMark().getIndex();
      each.accept(new Document(doc, line > 0 ? line : start == null ? 1 : start.getLine() + 1, items));
    }

    private void scalar(ScalarEvent ev) {
      String text = ev.getValue();
      Tag tag;
      String explicit = ev.getTag();
      if (explicit == null || explicit.equals("!")) {
        boolean plain = ev.getImplicit().canOmitTagInPlainScalar();
        tag = plain && text.length() <= MAX_RESOLVED_SCALAR ? RESOLVER.resolve(NodeId.scalar, text, true) : Tag.STR;
      } else {
        tag = new Tag(explicit);
        if (!SCALAR_TAGS.contains(tag)) {
          throw at(ev.getStartMark(), "unsupported tag " + abbreviate(explicit));
        }
      }
      boolean merge = tag.equals(Tag.MERGE);
      Object value = merge ? text : construct(tag, text, ev.getStartMark());
      // A long scalar weighs by its length, so that aliases of it count what they bring in: 30,000 uses of
      // one 1 MiB scalar are 30 GiB for whoever writes the values out.
      long size = 1 + text.length() / SCALAR_CHARS_PER_NODE;
      if (ev.getAnchor() != null) {
        anchors.put(ev.getAnchor(), new Anchored(value, size, 0, false, merge));
      }
      startItem(ev.getStartMark());
      add(value, size, 0, false, merge, ev.getStartMark());
      endScalarItem(ev.getStartMark(), ev.getEndMark());
    }

    private @Nullable Object construct(Tag tag, String text, Mark mark) {
      if (tag.equals(Tag.STR)) {
        return text;
      }
      if (tag.equals(Tag.NULL)) {
        return null;
      }
      if (tag.equals(Tag.TIMESTAMP)) {
        return text;
      }
      if (tag.equals(Tag.BINARY)) {
        return text.replaceAll("\\s", "");
      }
      if (text.length() > MAX_RESOLVED_SCALAR) {
        throw at(mark, "a " + tag.getValue() + " of more than " + MAX_RESOLVED_SCALAR + " characters");
      }
      Object v;
      try {
        v = scalars.construct(tag, text);
      } catch (RuntimeException e) {
        v = null;
      }
      if (v instanceof Integer) {
        return ((Integer) v).longValue();
      }
      if (v instanceof Double && !Double.isFinite((Double) v)) {
        throw at(mark, "a number JSON cannot hold (.inf or .nan)");
      }
      if (v == null) {
        throw at(mark, "not a valid " + tag.getValue());
      }
      return v;
    }

    private void alias(AliasEvent ev) {
      Anchored a = anchors.get(ev.getAnchor());
      if (a == null) {
        throw at(ev.getStartMark(), "undefined alias *" + abbreviate(String.valueOf(ev.getAnchor())));
      }
      expanded = true;
      if (a.container()) {
        if (stack.size() + a.height() > maxDepth) {
          throw at(ev.getStartMark(), "nested deeper than " + maxDepth + " levels");
        }
      }
      startItem(ev.getStartMark());
      add(a.value(), a.size(), a.height(), a.container(), a.mergeKey(), ev.getStartMark());
      endScalarItem(ev.getStartMark(), ev.getEndMark());
    }

    private void endScalarItem(Mark start, Mark end) {
      Frame top = stack.peek();
      if (top != null && top.listItems) {
        endItem(start, end);
      }
    }

    private void open(CollectionStartEvent ev) {
      boolean mapping = ev.getEventId() == Event.ID.MappingStart;
      String tag = ev.getTag();
      if (tag != null && !tag.equals("!") && !tag.equals((mapping ? Tag.MAP : Tag.SEQ).getValue())) {
        throw at(ev.getStartMark(), "unsupported tag " + abbreviate(tag));
      }
      if (stack.size() + 1 > maxDepth) {
        throw at(ev.getStartMark(), "nested deeper than " + maxDepth + " levels");
      }
      Frame top = stack.peek();
      if (top != null && top.mapping && !top.hasKey && !top.mergeNext) {
        throw at(ev.getStartMark(), "a mapping key must be a scalar, not a " + (mapping ? "mapping" : "sequence"));
      }
      startItem(ev.getStartMark());
      Frame f = new Frame(mapping, ev.getStartMark(), ev.getAnchor());
      f.listItems = itemsApart && !mapping && top != null && stack.size() == 1 && top.mapping && top.hasKey && "items".equals(top.key);
      stack.push(f);
    }

    /** A value starts at this mark: when it is an item of the root's items, it is measured from here. */
    private void startItem(Mark mark) {
      Frame top = stack.peek();
      if (top != null && top.listItems) {
        itemStart = mark;
        itemLines.add(mark.getLine() + 1);
        window.documentStart = mark.getIndex();
      }
    }

    /** A value that started at {@code start} is complete at {@code end}: an item is checked against the size limit. */
    private void endItem(Mark start, Mark end) {
      long chars = end.getIndex() - start.getIndex();
      if (chars > maxDocumentChars) {
        throw tooLarge();
      }
      itemsChars += chars;
      itemStart = null;
      window.documentStart = end.getIndex();
    }

    private void close(Event ev) {
      Frame f = stack.pop();
      Object value;
      if (f.mapping) {
        if (f.merges.isEmpty()) {
          value = Collections.unmodifiableMap(f.entries);
        } else {
          Map<String, @Nullable Object> merged = new LinkedHashMap<>();
          for (Map<?, ?> m : f.merges) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
              merged.putIfAbsent((String) e.getKey(), e.getValue());
            }
          }
          merged.putAll(f.entries);
          value = Collections.unmodifiableMap(merged);
        }
      } else {
        value = Collections.unmodifiableList(f.items);
      }
      if (f.anchor != null) {
        anchors.put(f.anchor, new Anchored(value, f.size, f.height, true, false));
      }
      add(value, f.size, f.height, true, false, f.start);
      Frame top = stack.peek();
      if (top != null && top.listItems) {
        endItem(f.start, ev.getEndMark());
      }
    }

    /** Places a complete value: the document's root, a sequence item, a mapping key, a merge or a mapping value. */
    private void add(@Nullable Object value, long size, int height, boolean container, boolean mergeKey, Mark mark) {
      Frame f = stack.peek();
      if (f == null) {
        root = value;
        rootSize += size;
        rootLine = mark.getLine() + 1;
        return;
      }
      if (f.listItems) {
        // An item of a List: its own node budget (checked as it was built), counted in the total only.
        f.items.add(value);
        rootSize += size;
        f.height = Math.max(f.height, height + 1);
        if (size > maxNodes) {
          throw at(mark, "an item expands to more than " + maxNodes + " nodes" + (expanded ? " (through aliases or merge keys)" : ""));
        }
        if (totalNodes + rootSize > maxTotalNodes) {
          throw at(mark, "the documents expand to more than " + maxTotalNodes + " nodes in total");
        }
        return;
      }
      if (!f.mapping) {
        f.items.add(value);
      } else if (f.mergeNext) {
        f.mergeNext = false;
        expanded = true;
        if (value instanceof Map) {
          f.merges.add((Map<?, ?>) value);
        } else if (value instanceof List && ((List<?>) value).stream().allMatch(x -> x instanceof Map)) {
          ((List<?>) value).forEach(x -> f.merges.add((Map<?, ?>) x));
        } else {
          throw at(mark, "the value of a merge key (<<) must be a mapping or a sequence of mappings");
        }
      } else if (!f.hasKey) {
        if (container) {
          throw at(mark, "a mapping key must be a scalar, not a " + (value instanceof Map ? "mapping" : "sequence"));
        }
        if (mergeKey) {
          f.mergeNext = true;
        } else {
          String key = String.valueOf(value);
          if (f.entries.containsKey(key)) {
            throw at(mark, "duplicate key \"" + abbreviate(key) + "\"");
          }
          f.key = key;
          f.hasKey = true;
        }
      } else {
        f.entries.put(String.valueOf(f.key), value);
        f.hasKey = false;
        f.key = null;
      }
      f.size += size;
      f.height = Math.max(f.height, height + 1);
      if (f.size > maxNodes) {
        throw at(mark, "the document expands to more than " + maxNodes + " nodes" + (expanded ? " (through aliases or merge keys)" : ""));
      }
    }
  }

  private static String abbreviate(String s) {
    String t = oneLine(s);
    return t.length() > 64 ? t.substring(0, 64) + "..." : t;
  }

  /** SnakeYAML's constructors of the standard scalar tags, without its node bookkeeping. */
  private static final class Scalars extends SafeConstructor {
    Scalars() {
      super(new LoaderOptions());
    }

    @Nullable Object construct(Tag tag, String text) {
      Construct c = yamlConstructors.get(tag);
      return c == null ? null : c.construct(new ScalarNode(tag, text, null, null, DumperOptions.ScalarStyle.PLAIN));
    }
  }
}
