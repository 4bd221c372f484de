package dev.saidentity.audit;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/** Reads manifests: files or directories (recursively: .yaml, .yml, .json), multi-document YAML, {@code List} kinds expanded. */
public final class Manifests {

  private static final Gson GSON = new Gson();

  private Manifests() {}

  /**
   * The objects of the files and directories, in order.
   *
   * @throws ManifestException naming the file (and line and column) when one cannot be read
   */
  public static List<JsonObject> read(List<Path> paths) {
    List<JsonObject> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        List<Path> files;
        try (Stream<Path> s = Files.walk(p)) {
          files = s.filter(Files::isRegularFile).filter(f -> {
            String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
            return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
          }).sorted().toList();
        } catch (IOException e) {
          throw new ManifestException(p + ": cannot list the directory (" + e.getClass().getSimpleName() + ")");
        }
        for (Path f : files) {
          out.addAll(readFile(f));
        }
      } else {
        out.addAll(readFile(p));
      }
    }
    return out;
  }

  static List<JsonObject> readFile(Path f) {
    String text;
    try {
      text = Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ManifestException(f + ": cannot read the file (" + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
          : e.getClass().getSimpleName()) + ")");
    }
    return parse(f.toString(), text);
  }

  /** The objects of one YAML or JSON text; {@code name} is used in errors. */
  public static List<JsonObject> parse(String name, String text) {
    LoaderOptions opts = new LoaderOptions();
    opts.setMaxAliasesForCollections(50);
    org.yaml.snakeyaml.Yaml y = new org.yaml.snakeyaml.Yaml(new SafeConstructor(opts));
    List<JsonObject> out = new ArrayList<>();
    try {
      for (Object doc : y.loadAll(text)) {
        if (doc == null) {
          continue;
        }
        JsonElement e = GSON.toJsonTree(normalize(doc));
        if (!e.isJsonObject()) {
          throw new ManifestException(name + ": a document is not a mapping");
        }
        JsonObject o = e.getAsJsonObject();
        if (Inventory.str(o, "kind").endsWith("List") && o.has("items") && o.get("items").isJsonArray()) {
          for (JsonElement item : o.getAsJsonArray("items")) {
            if (item.isJsonObject()) {
              out.add(item.getAsJsonObject());
            }
          }
        } else {
          out.add(o);
        }
      }
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark();
      throw new ManifestException(name + ":" + (m == null ? "?" : (m.getLine() + 1) + ":" + (m.getColumn() + 1)) + ": invalid YAML: "
          + (e.getProblem() == null ? "syntax error" : e.getProblem()));
    } catch (YAMLException e) {
      throw new ManifestException(name + ": invalid YAML: " + e.getClass().getSimpleName());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object normalize(Object o) {
    if (o instanceof java.util.Map) {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      ((java.util.Map<Object, Object>) o).forEach((k, v) -> m.put(String.valueOf(k), v == null ? null : normalize(v)));
      return m;
    }
    if (o instanceof List) {
      List<Object> l = new ArrayList<>();
      ((List<Object>) o).forEach(x -> l.add(x == null ? null : normalize(x)));
      return l;
    }
    if (o instanceof java.util.Date) {
      return ((java.util.Date) o).toInstant().toString();
    }
    return o;
  }
}
