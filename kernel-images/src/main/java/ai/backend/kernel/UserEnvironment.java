package ai.backend.kernel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables that the session's user asked for. The agent puts each one into the
 * container as {@value #PREFIX}NAME, so that nothing which starts outside the jail (the runner's
 * JVM, the shells of docker exec) reads LD_PRELOAD, JAVA_TOOL_OPTIONS or the like from the user.
 * The runner gives them to drivers and batch commands under their own names.
 */
final class UserEnvironment {

  static final String PREFIX = "BACKENDAI_USER_ENV_";

  private UserEnvironment() {}

  /** Returns the user's variables under their own names, from the runner's environment. */
  static Map<String, String> of(Map<String, String> runnerEnvironment) {
    Map<String, String> user = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : runnerEnvironment.entrySet()) {
      String name = entry.getKey();
      if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
        user.put(name.substring(PREFIX.length()), entry.getValue());
      }
    }
    return user;
  }

  /** Removes the carrier variables from an environment that a child process gets. */
  static void removeCarriers(Map<String, String> environment) {
    environment.keySet().removeIf(name -> name.startsWith(PREFIX));
  }
}
