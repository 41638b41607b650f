package ai.backend.agent.config;

/** An invalid or missing setting; the message names the option and the value. */
public class ConfigException extends Exception {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
