package ai.backend.client.cli;

/** Routes Ctrl-C (SIGINT) to a handler while a command runs code. */
interface InterruptTrap {

  /** A handler installation; closing it restores what Ctrl-C did before. */
  interface Installation extends AutoCloseable {
    @Override
    void close();
  }

  /** Calls the handler on each Ctrl-C until the returned installation is closed. */
  Installation install(Runnable handler);
}
