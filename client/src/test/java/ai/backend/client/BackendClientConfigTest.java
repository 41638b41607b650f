package ai.backend.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendClientConfigTest {

  @TempDir Path home;

  private Path writeDefaultKeypairFile(String content) throws IOException {
    Path file = home.resolve(BackendClientConfig.DEFAULT_KEYPAIR_FILE);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, content);
  }

  @Test
  void environmentOverridesFile() throws IOException {
    writeDefaultKeypairFile(
        "endpoint=http://127.0.0.1:9000\naccess_key=FILEKEY\nsecret_key=file-secret\n");
    Map<String, String> env =
        Map.of(
            "BACKEND_ENDPOINT", "http://127.0.0.1:7000/",
            "BACKEND_ACCESS_KEY", "ENVKEY",
            "BACKEND_SECRET_KEY", "env-secret");

    BackendClientConfig config = BackendClientConfig.load(env, home);

    assertEquals("http://127.0.0.1:7000", config.endpoint().toString());
    assertEquals("ENVKEY", config.accessKey());
    assertEquals("env-secret", config.secretKey());
    assertTrue(config.keypairSource().contains("BACKEND_ACCESS_KEY"), config.keypairSource());
  }

  @Test
  void environmentKeysUseDefaultEndpoint() throws IOException {
    writeDefaultKeypairFile(
        "endpoint=http://127.0.0.1:9000\naccess_key=FILEKEY\nsecret_key=file-secret\n");
    Map<String, String> env = Map.of("BACKEND_ACCESS_KEY", "ENVKEY", "BACKEND_SECRET_KEY", "s");

    BackendClientConfig config = BackendClientConfig.load(env, home);

    assertEquals(BackendClientConfig.DEFAULT_ENDPOINT, config.endpoint().toString());
  }

  @Test
  void defaultFileIsReadWithoutEnvironment() throws IOException {
    Path file =
        writeDefaultKeypairFile(
            "# written by quickstart\nendpoint = http://127.0.0.1:9000\n"
                + "access_key = FILEKEY\nsecret_key = file-secret\n");

    BackendClientConfig config = BackendClientConfig.load(Map.of(), home);

    assertEquals("http://127.0.0.1:9000", config.endpoint().toString());
    assertEquals("FILEKEY", config.accessKey());
    assertEquals("file-secret", config.secretKey());
    assertEquals("the keypair file " + file, config.keypairSource());
  }

  @Test
  void endpointVariableOverridesFileEndpoint() throws IOException {
    writeDefaultKeypairFile(
        "endpoint=http://127.0.0.1:9000\naccess_key=FILEKEY\nsecret_key=file-secret\n");

    BackendClientConfig config =
        BackendClientConfig.load(Map.of("BACKEND_ENDPOINT", "http://localhost:7000"), home);

    assertEquals("http://localhost:7000", config.endpoint().toString());
    assertEquals("FILEKEY", config.accessKey());
  }

  @Test
  void fileWithoutEndpointUsesDefault() throws IOException {
    writeDefaultKeypairFile("access_key=FILEKEY\nsecret_key=file-secret\n");

    BackendClientConfig config = BackendClientConfig.load(Map.of(), home);

    assertEquals(BackendClientConfig.DEFAULT_ENDPOINT, config.endpoint().toString());
  }

  @Test
  void keypairFileVariableNamesFile() throws IOException {
    Path file =
        Files.writeString(home.resolve("other.properties"), "access_key=OTHER\nsecret_key=o\n");

    BackendClientConfig config =
        BackendClientConfig.load(Map.of("BACKEND_KEYPAIR_FILE", file.toString()), home);

    assertEquals("OTHER", config.accessKey());
  }

  @Test
  void missingKeypairNamesVariablesAndFile() {
    BackendClientException error =
        assertThrows(BackendClientException.class, () -> BackendClientConfig.load(Map.of(), home));

    String message = error.getMessage();
    assertTrue(message.contains("BACKEND_ACCESS_KEY"), message);
    assertTrue(message.contains("BACKEND_SECRET_KEY"), message);
    assertTrue(message.contains("BACKEND_KEYPAIR_FILE"), message);
    assertTrue(message.contains(home.resolve("var/admin-keypair.properties").toString()), message);
  }

  @Test
  void missingNamedFileIsReported() {
    Path missing = home.resolve("missing.properties");

    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () ->
                BackendClientConfig.load(Map.of("BACKEND_KEYPAIR_FILE", missing.toString()), home));

    assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
    assertTrue(error.getMessage().contains("BACKEND_KEYPAIR_FILE"), error.getMessage());
  }

  @Test
  void halfKeypairInEnvironmentIsRejected() {
    BackendClientException error =
        assertThrows(
            BackendClientException.class,
            () -> BackendClientConfig.load(Map.of("BACKEND_ACCESS_KEY", "ENVKEY"), home));

    assertTrue(error.getMessage().contains("BACKEND_SECRET_KEY is not"), error.getMessage());
  }

  @Test
  void fileWithoutSecretKeyIsRejected() throws IOException {
    Path file = writeDefaultKeypairFile("access_key=FILEKEY\n");

    BackendClientException error =
        assertThrows(BackendClientException.class, () -> BackendClientConfig.load(Map.of(), home));

    assertTrue(error.getMessage().contains("secret key"), error.getMessage());
    assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
  }

  @Test
  void invalidEndpointIsRejected() {
    Map<String, String> env =
        Map.of(
            "BACKEND_ENDPOINT", "127.0.0.1:8080",
            "BACKEND_ACCESS_KEY", "K",
            "BACKEND_SECRET_KEY", "S");

    BackendClientException error =
        assertThrows(BackendClientException.class, () -> BackendClientConfig.load(env, home));

    assertTrue(error.getMessage().contains("127.0.0.1:8080"), error.getMessage());
    assertTrue(error.getMessage().contains("http"), error.getMessage());
  }

  @Test
  void toStringHidesSecretKey() {
    BackendClientConfig config =
        BackendClientConfig.of("http://127.0.0.1:8080", "AKEY", "very-secret-value");

    assertFalse(config.toString().contains("very-secret-value"));
    assertTrue(config.toString().contains("AKEY"));
  }
}
