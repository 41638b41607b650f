package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonValue;

/** The {@code mode} of {@code POST /session/{idOrName}}. */
public enum ExecutionMode {
  /** Starts running code in the session's interpreter. */
  QUERY("query"),
  /** Fetches more output of a run whose last result was {@code continued}. */
  CONTINUE("continue"),
  /** Sends one line of standard input to a run whose last result was {@code waiting-input}. */
  INPUT("input"),
  /**
   * Runs the session's clean, build and exec commands on uploaded files. The commands go in the
   * request's options.
   */
  BATCH("batch");

  private final String wireName;

  ExecutionMode(String wireName) {
    this.wireName = wireName;
  }

  /** Returns the value sent in the request body. */
  @JsonValue
  public String wireName() {
    return wireName;
  }
}
