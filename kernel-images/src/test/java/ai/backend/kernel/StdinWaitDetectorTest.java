package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parsing of /proc/PID/syscall lines, the check on a fake /proc tree, and one check on real
 * processes of the host.
 */
class StdinWaitDetectorTest {

  private static final Set<Long> X86_64 = StdinWaitDetector.X86_64_READ_SYSCALLS;

  @TempDir Path proc;

  @Test
  void parsesBlockedRead() {
    Optional<StdinWaitDetector.Syscall> syscall =
        StdinWaitDetector.parseSyscall(
            "0 0x0 0x7ffc3b92ee7f 0x1 0x8 0x2 0x1 0x7ffc3b92ee48 0x7fe13089f2ad\n");

    assertTrue(syscall.isPresent());
    assertEquals(0, syscall.get().number());
    assertEquals(List.of(0L, 0x7ffc3b92ee7fL, 1L, 8L, 2L, 1L), syscall.get().arguments());
  }

  @Test
  void parsesAarch64Read() {
    Optional<StdinWaitDetector.Syscall> syscall =
        StdinWaitDetector.parseSyscall(
            "63 0x0 0xaaaad1f0a2b0 0x1000 0x0 0x0 0x0 0xffffe3d7c5d0 0xffff8a1c0a08");

    assertEquals(63, syscall.orElseThrow().number());
    assertEquals(0L, syscall.orElseThrow().arguments().get(0));
  }

  @Test
  void parsesArgumentAboveSignedRange() {
    Optional<StdinWaitDetector.Syscall> syscall =
        StdinWaitDetector.parseSyscall(
            "0 0xffffffffffffffff 0x0 0x0 0x0 0x0 0x0 0x7ffc3b92ee48 0x7fe13089f2ad");

    assertEquals(-1L, syscall.orElseThrow().arguments().get(0));
  }

  @Test
  void parsesWaitOutsideSyscall() {
    Optional<StdinWaitDetector.Syscall> syscall =
        StdinWaitDetector.parseSyscall("-1 0x7ffc3b92ee48 0x7fe13089f2ad\n");

    assertEquals(Optional.of(new StdinWaitDetector.Syscall(-1, List.of())), syscall);
  }

  @Test
  void runningLineIsNoSyscall() {
    assertEquals(Optional.empty(), StdinWaitDetector.parseSyscall("running\n"));
  }

  @Test
  void malformedLinesAreNoSyscall() {
    for (String line :
        List.of(
            "",
            "\n",
            "0",
            "0 0x0 0x1 0x2",
            "0 0 1 2 3 4 5 6 7",
            "0 0xzz 0x0 0x0 0x0 0x0 0x0 0x0 0x0",
            "x 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0",
            "-2 0x0 0x0",
            "-1 0x0")) {
      assertEquals(Optional.empty(), StdinWaitDetector.parseSyscall(line), "line '" + line + "'");
    }
  }

  @Test
  void readSyscallsFollowArchitecture() {
    assertEquals(Set.of(0L, 19L, 17L), StdinWaitDetector.readSyscalls("amd64"));
    assertEquals(Set.of(63L, 65L, 67L), StdinWaitDetector.readSyscalls("aarch64"));
    assertEquals(Set.of(), StdinWaitDetector.readSyscalls("riscv64"));
  }

  @Test
  void readOnStdinPipeIsWaiting() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "0 0x0 0x5581d4a4b2a0 0x1000 0x0 0x0 0x0 0x7ff 0x7ff");

    StdinWaitDetector detector = detector(10);

    assertTrue(detector.isWaiting(List.of(10L)));
  }

  @Test
  void readvAndPread64OnStdinAreWaiting() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0");
    fakeProcess(11, "pipe:[4711]", 11, "19 0x0 0x7ffd 0x1 0x0 0x0 0x0 0x7ff 0x7ff");
    fakeProcess(12, "pipe:[4711]", 12, "17 0x0 0x7ffd 0x100 0x0 0x0 0x0 0x7ff 0x7ff");
    StdinWaitDetector detector = detector(10);

    assertTrue(detector.isWaiting(List.of(11L)));
    assertTrue(detector.isWaiting(List.of(12L)));
  }

  @Test
  void readOnOtherThreadIsWaiting() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "202 0x7f 0x80 0x0 0x0 0x0 0x0 0x7ff 0x7ff");
    Path thread = proc.resolve("10/task/13");
    Files.createDirectories(thread);
    Files.writeString(thread.resolve("syscall"), "0 0x0 0x7f 0x2000 0x0 0x0 0x0 0x7ff 0x7ff\n");

    assertTrue(detector(10).isWaiting(List.of(10L)));
  }

  @Test
  void readOnOtherPipeIsNotWaiting() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "running");
    fakeProcess(20, "pipe:[999]", 20, "0 0x0 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff");

    assertFalse(detector(10).isWaiting(List.of(10L, 20L)));
  }

  @Test
  void readOnCopyOfStdinIsWaiting() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "61 0x0 0x0 0x0 0x0 0x0 0x0 0x7ff 0x7ff");
    fakeProcess(20, "/dev/null", 20, "0 0x5 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff");
    Files.createSymbolicLink(proc.resolve("20/fd/5"), Path.of("pipe:[4711]"));

    assertTrue(detector(10).isWaiting(List.of(10L, 20L)));
  }

  @Test
  void otherSyscallsAreNotWaiting() throws IOException {
    for (String line :
        List.of(
            "running",
            "-1 0x7ffc3b92ee48 0x7fe13089f2ad",
            "1 0x0 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff",
            "35 0x7ffd 0x0 0x0 0x0 0x0 0x0 0x7ff 0x7ff",
            "not a syscall line")) {
      fakeProcess(10, "pipe:[4711]", 10, line);
      assertFalse(detector(10).isWaiting(List.of(10L)), "line '" + line + "'");
    }
  }

  @Test
  void vanishedProcessIsSkipped() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "0 0x0 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff");
    StdinWaitDetector detector = detector(10);

    assertTrue(detector.isWaiting(List.of(99L, 10L)));
    assertFalse(detector.isWaiting(List.of(99L)));
  }

  @Test
  void missingFdLinkIsNotWaiting() throws IOException {
    fakeProcess(10, "pipe:[4711]", 10, "0 0x7 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff");

    assertFalse(detector(10).isWaiting(List.of(10L)));
  }

  @Test
  void stdinThatIsNoPipeGivesNoDetector() throws IOException {
    fakeProcess(10, "/dev/null", 10, "0 0x0 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff");

    assertEquals(Optional.empty(), StdinWaitDetector.forProcess(proc, 10, X86_64));
    assertEquals(Optional.empty(), StdinWaitDetector.forProcess(proc, 99, X86_64));
  }

  @Test
  void unreadableSyscallFileIsReported() throws Exception {
    assumeTrue(!isRoot(), "root reads files without read permission");
    fakeProcess(10, "pipe:[4711]", 10, "0 0x0 0x0 0x1 0x0 0x0 0x0 0x7ff 0x7ff");
    StdinWaitDetector detector = detector(10);
    Path syscallFile = proc.resolve("10/task/10/syscall");
    assertTrue(syscallFile.toFile().setReadable(false, false));

    AccessDeniedException e =
        assertThrows(AccessDeniedException.class, () -> detector.isWaiting(List.of(10L)));
    assertEquals(syscallFile.toString(), e.getFile());
  }

  @Test
  void permissionErrorsAreRecognized() {
    assertTrue(StdinWaitDetector.isPermissionError(new AccessDeniedException("/proc/1/syscall")));
    assertTrue(StdinWaitDetector.isPermissionError(new IOException("Operation not permitted")));
    assertFalse(StdinWaitDetector.isPermissionError(new NoSuchFileException("/proc/1/syscall")));
    assertFalse(StdinWaitDetector.isPermissionError(new IOException("No such process")));
    assertFalse(StdinWaitDetector.isPermissionError(new IOException((String) null)));
  }

  @Test
  void shellReadingStdinIsWaiting() throws Exception {
    Set<Long> readSyscalls = StdinWaitDetector.readSyscalls(System.getProperty("os.arch"));
    assumeTrue(!readSyscalls.isEmpty(), "no system call table for this architecture");
    assumeTrue(Files.isDirectory(StdinWaitDetector.PROC.resolve("self/task")), "needs Linux");
    Process shell = new ProcessBuilder("/bin/sh", "-c", "read line; sleep 60").start();
    try {
      StdinWaitDetector detector =
          StdinWaitDetector.forProcess(StdinWaitDetector.PROC, shell.pid(), readSyscalls)
              .orElseThrow();
      List<Long> pids = List.of(shell.pid());
      assertTrue(awaitWaiting(detector, pids, true), "the shell's read was not seen");

      shell.getOutputStream().write("x\n".getBytes());
      shell.getOutputStream().flush();

      assertTrue(awaitWaiting(detector, pids, false), "the shell still looks waiting");
    } finally {
      shell.destroyForcibly();
      shell.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Polls until isWaiting returns {@code expected}, for up to 10 s. */
  private static boolean awaitWaiting(StdinWaitDetector detector, List<Long> pids, boolean expected)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() - deadline < 0) {
      if (detector.isWaiting(pids) == expected) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private StdinWaitDetector detector(long pid) throws IOException {
    return StdinWaitDetector.forProcess(proc, pid, X86_64).orElseThrow();
  }

  /**
   * Writes a fake /proc/PID with fd 0 linked to {@code stdin} and one thread {@code tid} whose
   * syscall file contains {@code syscallLine}, replacing what was there.
   */
  private void fakeProcess(long pid, String stdin, long tid, String syscallLine)
      throws IOException {
    Path dir = proc.resolve(Long.toString(pid));
    Path fd = dir.resolve("fd");
    Path thread = dir.resolve("task").resolve(Long.toString(tid));
    Files.createDirectories(fd);
    Files.createDirectories(thread);
    Files.deleteIfExists(fd.resolve("0"));
    Files.createSymbolicLink(fd.resolve("0"), Path.of(stdin));
    Files.writeString(thread.resolve("syscall"), syscallLine + "\n");
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
