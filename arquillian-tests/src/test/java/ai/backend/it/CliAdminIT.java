package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code bai admin} against the real manager: the superadmin creates a user and a keypair with the
 * command line, and that keypair runs Python code with {@code bai run}.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class CliAdminIT {

  private static final ItSupport IT = ItSupport.shared();

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  @AfterAll
  static void checkNoContainerLeft() throws Exception {
    assertEquals(List.of(), IT.awaitNoContainers(), "containers left by agent " + IT.agentId());
  }

  /** The outcome of one {@code bai} command. */
  record Result(int exitCode, String stdout, String stderr) {}

  private static Result bai(Map<String, String> env, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(System.getProperty("it.client.jar"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("BACKEND_ACCESS_KEY");
    builder.environment().remove("BACKEND_SECRET_KEY");
    builder.environment().put("BACKEND_ENDPOINT", ItSupport.ENDPOINT);
    builder.environment().putAll(env);
    Path out = Files.createTempFile("bai-out", ".txt");
    Path err = Files.createTempFile("bai-err", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    try (OutputStream in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("bai " + String.join(" ", args) + " did not finish in 180 s");
    }
    Result result =
        new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return result;
  }

  @Test
  void adminCreatesUserAndKeypairThatRunsPython() throws Exception {
    IT.start();
    Map<String, String> asAdmin =
        Map.of(
            "BACKEND_KEYPAIR_FILE",
            ItSupport.stateDir().resolve("admin-keypair.properties").toString());

    Result user =
        bai(
            asAdmin,
            "cli-password-1\n",
            "admin",
            "user",
            "create",
            "cli-user@example.com",
            "--password-stdin");
    assertEquals(0, user.exitCode(), user.stderr());
    assertTrue(user.stdout().contains("cli-user@example.com"), user.stdout());
    assertFalse(user.stdout().contains("cli-password-1"), "the password is never printed");

    Path saved = Files.createTempDirectory("bai-it").resolve("cli-user.properties");
    Result keypair =
        bai(
            asAdmin,
            null,
            "admin",
            "keypair",
            "create",
            "cli-user@example.com",
            "--save",
            saved.toString());
    assertEquals(0, keypair.exitCode(), keypair.stderr());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));

    Map<String, String> asUser = Map.of("BACKEND_KEYPAIR_FILE", saved.toString());
    Result run =
        bai(asUser, null, "run", "python", "-c", "import os; print('uid', os.getuid(), 6 * 7)");
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    assertTrue(run.stdout().contains("uid 1000 42"), run.stdout());

    Result forbidden = bai(asUser, null, "admin", "user", "list");
    assertEquals(1, forbidden.exitCode(), forbidden.stdout());
    assertTrue(forbidden.stderr().contains("403"), forbidden.stderr());

    Result audit = bai(asAdmin, null, "admin", "audit", "--limit", "50");
    assertEquals(0, audit.exitCode(), audit.stderr());
    assertTrue(audit.stdout().contains("cli-user@example.com"), audit.stdout());
    Files.delete(saved);
  }
}
