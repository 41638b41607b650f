package ai.backend.manager.domain.model;

import java.util.List;

/** The names that find a kernel image besides its full Docker reference. */
public final class ImageNames {

  private static final String NAMESPACE = "backendai/";

  private ImageNames() {}

  /** Returns the names that find an image, the full name first. */
  public static List<String> aliasesOf(String name) {
    String shortName = name.startsWith(NAMESPACE) ? name.substring(NAMESPACE.length()) : name;
    int colon = shortName.lastIndexOf(':');
    if (colon < 0) {
      return List.of(name, shortName);
    }
    String repository = shortName.substring(0, colon);
    String tag = shortName.substring(colon + 1);
    int dash = tag.indexOf('-');
    String version = dash < 0 ? tag : tag.substring(0, dash);
    return List.of(name, shortName, repository + ":" + version, repository);
  }
}
