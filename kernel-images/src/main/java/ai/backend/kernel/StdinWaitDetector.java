package ai.backend.kernel;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds out from /proc whether a batch command waits for input, that is, whether a thread of one of
 * its processes is blocked in {@code read}, {@code readv} or {@code pread64} on the pipe that is
 * the command's stdin.
 *
 * <p>{@code /proc/PID/task/TID/syscall} shows the system call that a blocked thread is in, with its
 * arguments, and {@code /proc/PID/fd/FD} links to {@code pipe:[INODE]} for a pipe. Linux lets a
 * process read both only with ptrace read access to the target: the same uid, a dumpable target
 * and, under Yama's {@code ptrace_scope} 1, a target that descends from the reader. The runner
 * starts batch commands itself, as the same user, so the only targets it cannot read are programs
 * that made themselves non-dumpable or changed their uid.
 *
 * <p>Every thread is checked, not only the main one, because the JVM and the Go runtime read stdin
 * on threads other than the one that leads the process.
 */
final class StdinWaitDetector {

  /** Mount point of procfs. */
  static final Path PROC = Path.of("/proc");

  /** System call numbers of {@code read}, {@code readv} and {@code pread64} on x86-64. */
  static final Set<Long> X86_64_READ_SYSCALLS = Set.of(0L, 19L, 17L);

  /** System call numbers of {@code read}, {@code readv} and {@code pread64} on AArch64. */
  static final Set<Long> AARCH64_READ_SYSCALLS = Set.of(63L, 65L, 67L);

  /**
   * The system call that a thread is blocked in, from {@code /proc/PID/syscall}.
   *
   * @param number system call number, or -1 if the thread is blocked outside a system call
   * @param arguments the six arguments, empty for number -1
   */
  record Syscall(long number, List<Long> arguments) {}

  private final Path procRoot;
  private final Set<Long> readSyscalls;
  private final String stdinLink;

  private StdinWaitDetector(Path procRoot, Set<Long> readSyscalls, String stdinLink) {
    this.procRoot = procRoot;
    this.readSyscalls = readSyscalls;
    this.stdinLink = stdinLink;
  }

  /**
   * Returns the read system call numbers of a CPU architecture, named as Java's {@code os.arch}
   * property names it, or an empty set for an architecture without a table here.
   */
  static Set<Long> readSyscalls(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> X86_64_READ_SYSCALLS;
      case "aarch64", "arm64" -> AARCH64_READ_SYSCALLS;
      default -> Set.of();
    };
  }

  /**
   * Parses a line of {@code /proc/PID/syscall}: {@code NR ARG1 ... ARG6 SP PC} for a thread blocked
   * in a system call, {@code -1 SP PC} for one blocked outside a system call, or {@code running}.
   * The arguments are hexadecimal with a {@code 0x} prefix.
   *
   * @return empty for {@code running} and for a line of another form
   */
  static Optional<Syscall> parseSyscall(String line) {
    String[] fields = line.strip().split(" ");
    long number;
    try {
      number = Long.parseLong(fields[0]);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (number == -1 && fields.length == 3) {
      return Optional.of(new Syscall(-1, List.of()));
    }
    if (number < 0 || fields.length != 9) {
      return Optional.empty();
    }
    List<Long> arguments = new ArrayList<>(6);
    for (int i = 1; i <= 6; i++) {
      String field = fields[i];
      if (!field.startsWith("0x")) {
        return Optional.empty();
      }
      try {
        arguments.add(Long.parseUnsignedLong(field.substring(2), 16));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.of(new Syscall(number, List.copyOf(arguments)));
  }

  /**
   * Creates a detector for the process {@code pid}, whose stdin, {@code /proc/PID/fd/0}, is the
   * pipe that the runner writes input to.
   *
   * @return empty if the process has exited or its stdin is not a pipe
   * @throws AccessDeniedException if Linux denies access to the process's /proc files
   */
  static Optional<StdinWaitDetector> forProcess(Path procRoot, long pid, Set<Long> readSyscalls)
      throws AccessDeniedException {
    Path link = procRoot.resolve(Long.toString(pid)).resolve("fd").resolve("0");
    String target;
    try {
      target = Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      if (isPermissionError(e)) {
        throw accessDenied(link, e);
      }
      return Optional.empty();
    }
    if (!target.startsWith("pipe:[")) {
      return Optional.empty();
    }
    return Optional.of(new StdinWaitDetector(procRoot, readSyscalls, target));
  }

  /**
   * Returns true if a thread of one of the processes is blocked reading the stdin pipe. Processes
   * and threads that exit while this reads their files are skipped, and so are files that cannot be
   * read for other reasons than permission.
   *
   * @throws AccessDeniedException if Linux denies reading a thread's syscall file
   */
  boolean isWaiting(Iterable<Long> pids) throws AccessDeniedException {
    for (long pid : pids) {
      Path processDir = procRoot.resolve(Long.toString(pid));
      for (Path syscallFile : threadSyscallFiles(processDir)) {
        Optional<Syscall> syscall = readSyscall(syscallFile);
        if (syscall.isPresent() && readsStdin(processDir, syscall.get())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Returns the syscall files of the process's threads, none if it has exited. */
  private static List<Path> threadSyscallFiles(Path processDir) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(processDir.resolve("task"))) {
      for (Path task : tasks) {
        files.add(task.resolve("syscall"));
      }
    } catch (IOException e) {
      return List.of();
    }
    return files;
  }

  private static Optional<Syscall> readSyscall(Path syscallFile) throws AccessDeniedException {
    try {
      return parseSyscall(Files.readString(syscallFile));
    } catch (IOException e) {
      if (isPermissionError(e)) {
        throw accessDenied(syscallFile, e);
      }
      return Optional.empty();
    }
  }

  private boolean readsStdin(Path processDir, Syscall syscall) {
    if (!readSyscalls.contains(syscall.number()) || syscall.arguments().isEmpty()) {
      return false;
    }
    long fd = syscall.arguments().get(0);
    if (fd < 0 || fd > Integer.MAX_VALUE) {
      return false;
    }
    try {
      Path target = Files.readSymbolicLink(processDir.resolve("fd").resolve(Long.toString(fd)));
      return target.toString().equals(stdinLink);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Returns true for an error that permissions cause. Opening a file of another user's process
   * fails with EACCES, and reading the syscall file of a process that Yama or a non-dumpable state
   * protects fails with EPERM, which Java reports only as the message.
   */
  static boolean isPermissionError(IOException e) {
    if (e instanceof AccessDeniedException) {
      return true;
    }
    if (e instanceof NoSuchFileException) {
      return false;
    }
    String message = e.getMessage();
    return message != null && message.contains("Operation not permitted");
  }

  private static AccessDeniedException accessDenied(Path file, IOException cause) {
    AccessDeniedException denied =
        new AccessDeniedException(file.toString(), null, String.valueOf(cause.getMessage()));
    denied.initCause(cause);
    return denied;
  }
}
