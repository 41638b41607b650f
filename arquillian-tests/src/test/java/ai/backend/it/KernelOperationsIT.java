package ai.backend.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.auth.RequestSignature;
import ai.backend.common.auth.RequestSignature.SignedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/**
 * Run modes, interrupts, restarts, files and media through the whole stack: REST API, manager,
 * Artemis, a real agent and a real Python container.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelOperationsIT {

  private static final ItSupport IT = ItSupport.shared();
  private static final String AGENT_ID = IT.agentId();
  private static String session;

  private final SignedHttp http = new SignedHttp(ItSupport.ENDPOINT);

  @Deployment(testable = false)
  static EnterpriseArchive ear() {
    return ShrinkWrap.createFromZipFile(
        EnterpriseArchive.class, new File(System.getProperty("it.ear")));
  }

  @AfterAll
  static void destroyAndCheckContainers() throws Exception {
    if (session != null) {
      new SignedHttp(ItSupport.ENDPOINT)
          .send("DELETE", "/session/" + session, null, IT.accessKey(), IT.secretKey());
    }
    assertEquals(List.of(), IT.awaitNoContainers(), "containers left by agent " + AGENT_ID);
  }

  private SignedHttp.Reply call(String method, String path, Object body) throws Exception {
    return http.send(method, path, body, IT.accessKey(), IT.secretKey());
  }

  private JsonNode execute(String mode, String code, String runId, Map<String, Object> options)
      throws Exception {
    SignedHttp.Reply reply =
        call(
            "POST",
            "/session/" + session,
            Map.of("mode", mode, "code", code, "runId", runId, "options", options));
    assertEquals(200, reply.status(), reply.body());
    return reply.json().get("result");
  }

  private static String stream(JsonNode result, String type) {
    StringBuilder out = new StringBuilder();
    for (JsonNode item : result.get("console")) {
      if (type.equals(item.get(0).asText())) {
        out.append(item.get(1).asText());
      }
    }
    return out.toString();
  }

  @Test
  @Order(1)
  void sessionStarts() throws Exception {
    IT.start();
    SignedHttp.Reply[] created = new SignedHttp.Reply[1];
    IT.waitFor(
        "the agent to report the python image",
        Duration.ofSeconds(90),
        () -> {
          created[0] =
              call(
                  "POST",
                  "/session",
                  Map.of("image", "python", "config", Map.of("resources", Map.of("mem", "1g"))));
          return created[0].status() != 404;
        });
    assertEquals(201, created[0].status(), created[0].body());
    session = created[0].json().get("sessionId").asText();
    IT.waitFor(
        "session " + session + " to run",
        Duration.ofSeconds(120),
        () ->
            "RUNNING"
                .equals(call("GET", "/session/" + session, null).json().get("status").asText()));
  }

  @Test
  @Order(2)
  void longRunComesBackInPieces() throws Exception {
    String code = "import time\nfor i in range(6):\n    print(i, flush=True)\n    time.sleep(0.5)";
    String runId = "pieces-" + UUID.randomUUID();
    Map<String, Object> options = Map.of("flushTimeout", 1000);
    JsonNode result = execute("query", code, runId, options);
    StringBuilder out = new StringBuilder(stream(result, "stdout"));
    int pieces = 1;
    while ("continued".equals(result.get("status").asText())) {
      result = execute("continue", "", runId, options);
      out.append(stream(result, "stdout"));
      pieces++;
    }
    assertEquals("finished", result.get("status").asText());
    assertEquals("0\n1\n2\n3\n4\n5\n", out.toString());
    assertTrue(pieces >= 2, "expected several pieces, got " + pieces);
  }

  @Test
  @Order(3)
  void inputRoundTrip() throws Exception {
    String runId = "input-" + UUID.randomUUID();
    JsonNode prompted =
        execute("query", "name = input('name? ')\nprint('hi', name)", runId, Map.of());
    assertEquals("waiting-input", prompted.get("status").asText(), prompted.toString());
    assertFalse(prompted.get("options").get("isPassword").asBoolean());
    JsonNode done = execute("input", "ada", runId, Map.of());
    assertEquals("finished", done.get("status").asText(), done.toString());
    assertTrue(stream(done, "stdout").contains("hi ada"), done.toString());

    String passwordRun = "getpass-" + UUID.randomUUID();
    JsonNode secret =
        execute("query", "import getpass\nprint(len(getpass.getpass()))", passwordRun, Map.of());
    assertEquals("waiting-input", secret.get("status").asText(), secret.toString());
    assertTrue(secret.get("options").get("isPassword").asBoolean());
    JsonNode counted = execute("input", "hunter2", passwordRun, Map.of());
    assertTrue(stream(counted, "stdout").contains("7"), counted.toString());
  }

  @Test
  @Order(4)
  void interruptStopsEndlessLoop() throws Exception {
    String runId = "loop-" + UUID.randomUUID();
    CompletableFuture<JsonNode> running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return execute("query", "while True: pass", runId, Map.of("flushTimeout", 20000));
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(1500);
    SignedHttp.Reply interrupted = call("POST", "/session/" + session + "/interrupt", null);
    assertEquals(204, interrupted.status(), interrupted.body());
    JsonNode result = running.get();
    assertEquals("finished", result.get("status").asText(), result.toString());
    assertNotEquals(0, result.get("exitCode").asInt());
    assertTrue(stream(result, "stderr").contains("KeyboardInterrupt"), result.toString());

    JsonNode next = execute("query", "print('alive')", "after-" + UUID.randomUUID(), Map.of());
    assertEquals("alive\n", stream(next, "stdout"));
  }

  @Test
  @Order(5)
  void execTimeoutEndsRun() throws Exception {
    long begin = System.nanoTime();
    String runId = "timeout-" + UUID.randomUUID();
    JsonNode result =
        execute("query", "import time\ntime.sleep(60)", runId, Map.of("execTimeout", 3));
    while ("continued".equals(result.get("status").asText())) {
      result = execute("continue", "", runId, Map.of());
    }
    double seconds = (System.nanoTime() - begin) / 1e9;
    assertEquals("exec-timeout", result.get("status").asText(), result.toString());
    assertTrue(seconds < 20, "the 3 s timeout took " + seconds + " s");
  }

  @Test
  @Order(6)
  void uploadDownloadRoundTrip() throws Exception {
    byte[] content = new byte[300_000];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 31 + i / 256);
    }
    HttpResponse<byte[]> uploaded = multipart("data/blob.bin", content);
    assertEquals(204, uploaded.statusCode(), new String(uploaded.body(), StandardCharsets.UTF_8));

    HttpResponse<byte[]> downloaded =
        raw("GET", "/session/" + session + "/download?file=data/blob.bin");
    assertEquals(200, downloaded.statusCode());
    assertArrayEquals(content, downloaded.body());

    SignedHttp.Reply listing = call("GET", "/session/" + session + "/files?path=data", null);
    assertEquals(200, listing.status(), listing.body());
    JsonNode entry = listing.json().get("files").get(0);
    assertEquals("blob.bin", entry.get("filename").asText());
    assertEquals(content.length, entry.get("size").asLong());

    JsonNode checked =
        execute(
            "query",
            "import hashlib\nprint(len(open('data/blob.bin','rb').read()))",
            "check-" + UUID.randomUUID(),
            Map.of());
    assertEquals(content.length + "\n", stream(checked, "stdout"));
  }

  @Test
  @Order(6)
  void uploadAtTheSizeLimitRoundTrips() throws Exception {
    // 64 MiB less the multipart framing: the largest upload the default limit takes.
    byte[] content = new byte[(64 << 20) - 4096];
    new java.util.Random(42).nextBytes(content);
    HttpResponse<byte[]> uploaded = multipart("big.bin", content);
    assertEquals(204, uploaded.statusCode(), new String(uploaded.body(), StandardCharsets.UTF_8));

    HttpResponse<byte[]> downloaded = raw("GET", "/session/" + session + "/download?file=big.bin");
    assertEquals(200, downloaded.statusCode());
    assertArrayEquals(content, downloaded.body());

    HttpResponse<byte[]> tooLarge = multipart("too-large.bin", new byte[(64 << 20) + 1]);
    assertEquals(413, tooLarge.statusCode());
    SignedHttp.Reply listing = call("GET", "/session/" + session + "/files?path=.", null);
    assertFalse(listing.body().contains("too-large.bin"), "a rejected upload leaves nothing");
    execute("query", "import os\nos.remove('big.bin')", "rm-" + UUID.randomUUID(), Map.of());
  }

  @Test
  @Order(7)
  void traversalIsRejected() throws Exception {
    for (String path : List.of("../evil.txt", "/tmp/evil.txt", "a/../../evil.txt")) {
      HttpResponse<byte[]> reply = multipart(path, "x".getBytes(StandardCharsets.UTF_8));
      assertEquals(400, reply.statusCode(), path);
    }
    execute(
        "query", "import os\nos.symlink('/tmp', 'escape')", "link-" + UUID.randomUUID(), Map.of());
    HttpResponse<byte[]> throughLink = multipart("escape/evil.txt", new byte[] {1});
    assertEquals(400, throughLink.statusCode());
    HttpResponse<byte[]> linkDownload = raw("GET", "/session/" + session + "/download?file=escape");
    assertEquals(400, linkDownload.statusCode());
    JsonNode check =
        execute(
            "query",
            "import os\nprint(os.path.exists('/tmp/evil.txt'), os.path.exists('/evil.txt'))",
            "look-" + UUID.randomUUID(),
            Map.of());
    assertEquals("False False\n", stream(check, "stdout"));
  }

  @Test
  @Order(8)
  void batchModeBuildsAndRuns() throws Exception {
    multipart("main.py", "print('batch', 6 * 7)\n".getBytes(StandardCharsets.UTF_8));
    String runId = "batch-" + UUID.randomUUID();
    Map<String, Object> options = Map.of("build", "*", "exec", "*");
    JsonNode result = execute("batch", "", runId, options);
    StringBuilder out = new StringBuilder(stream(result, "stdout"));
    // Each finished step returns; the client continues until the run is finished.
    List<String> statuses = new java.util.ArrayList<>(List.of(result.get("status").asText()));
    while (List.of("continued", "clean-finished", "build-finished")
            .contains(statuses.get(statuses.size() - 1))
        && result.get("exitCode").asInt(0) == 0) {
      result = execute("continue", "", runId, options);
      out.append(stream(result, "stdout"));
      statuses.add(result.get("status").asText());
    }
    assertTrue(statuses.contains("build-finished"), statuses.toString());
    assertEquals("finished", result.get("status").asText(), result.toString());
    assertEquals(0, result.get("exitCode").asInt());
    assertTrue(out.toString().contains("batch 42"), out.toString());
  }

  @Test
  @Order(9)
  void plotComesBackAsSvg() throws Exception {
    JsonNode result =
        execute(
            "query",
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()",
            "plot-" + UUID.randomUUID(),
            Map.of());
    String svg = null;
    for (JsonNode item : result.get("console")) {
      if ("media".equals(item.get(0).asText())
          && "image/svg+xml".equals(item.get(1).get(0).asText())) {
        svg = item.get(1).get(1).asText();
      }
    }
    assertTrue(svg != null, "no image/svg+xml media item in " + result);
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document document = factory.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
    assertEquals(
        "svg",
        document.getDocumentElement().getLocalName() == null
            ? document.getDocumentElement().getNodeName()
            : document.getDocumentElement().getLocalName());
  }

  @Test
  @Order(10)
  void restartClearsStateKeepsFiles() throws Exception {
    execute("query", "kept = 1", "set-" + UUID.randomUUID(), Map.of());
    SignedHttp.Reply restarted = call("PATCH", "/session/" + session, null);
    assertEquals(204, restarted.status(), restarted.body());
    JsonNode after =
        execute(
            "query",
            "import os\nprint('kept' in globals(), os.path.exists('data/blob.bin'))",
            "after-" + UUID.randomUUID(),
            Map.of());
    assertEquals("False True\n", stream(after, "stdout"));
  }

  @Test
  @Order(11)
  void logsAndImagesAreListed() throws Exception {
    SignedHttp.Reply logs = call("GET", "/session/" + session + "/logs", null);
    assertEquals(200, logs.status(), logs.body());
    assertTrue(logs.json().get("result").get("logs").isTextual());

    SignedHttp.Reply images = call("GET", "/images", null);
    assertEquals(200, images.status());
    boolean python = false;
    for (JsonNode image : images.json().get("items")) {
      python |= image.get("name").asText().equals("backendai/python:3.11-debian12");
    }
    assertTrue(python, images.body());
  }

  private HttpResponse<byte[]> multipart(String fileName, byte[] content) throws Exception {
    String boundary = "----bai" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"src\"; filename=\""
                + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(content);
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return signed(
        "POST",
        "/session/" + session + "/upload",
        body.toByteArray(),
        "multipart/form-data; boundary=" + boundary);
  }

  private HttpResponse<byte[]> raw(String method, String path) throws Exception {
    return signed(method, path, new byte[0], null);
  }

  private HttpResponse<byte[]> signed(String method, String path, byte[] body, String contentType)
      throws Exception {
    URI uri = URI.create(ItSupport.ENDPOINT + path);
    String date =
        OffsetDateTime.now(ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.SECONDS)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String signature =
        RequestSignature.sign(
            IT.secretKey(),
            new SignedRequest(
                method,
                path,
                date,
                uri.getHost() + ":" + uri.getPort(),
                contentType,
                RequestSignature.API_VERSION,
                RequestSignature.sha256Hex(body)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
            .header("X-BackendAI-Date", date)
            .header("X-BackendAI-Version", RequestSignature.API_VERSION)
            .header(
                "Authorization", RequestSignature.authorizationHeader(IT.accessKey(), signature));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return HttpClient.newHttpClient()
        .send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
