package ai.backend.client.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Catches SIGINT with {@code sun.misc.Signal}, the JDK's only way to handle a signal without ending
 * the JVM. The JVM calls the handler on a new thread for each signal.
 */
final class SigintTrap implements InterruptTrap {

  @Override
  public Installation install(Runnable handler) {
    Signal sigint = new Signal("INT");
    SignalHandler previous;
    try {
      previous = Signal.handle(sigint, signal -> handler.run());
    } catch (IllegalArgumentException unavailable) {
      // The JVM runs with -Xrs or the platform has no SIGINT, so Ctrl-C keeps ending the JVM,
      // and the shutdown hooks still run.
      return () -> {};
    }
    return () -> Signal.handle(sigint, previous);
  }
}
