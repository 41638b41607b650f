package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the OOM kill count and the memory limit from cgroup files, and the message texts. */
class MemoryCgroupTest {

  private static final String V2_EVENTS =
      "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
  private static final String V1_OOM_CONTROL = "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n";
  private static final long MIB = 1024L * 1024;

  @TempDir Path root;

  @Test
  void cgroupV2EventsAndLimit() throws IOException {
    Files.writeString(root.resolve("memory.events"), V2_EVENTS);
    Files.writeString(root.resolve("memory.max"), "268435456\n");

    MemoryCgroup cgroup = MemoryCgroup.find(root, "0::/\n");

    assertEquals(Optional.of(root.resolve("memory.events")), cgroup.eventsFile());
    assertEquals(OptionalLong.of(2), cgroup.oomKillCount());
    assertEquals(OptionalLong.of(256 * MIB), cgroup.limitBytes());
  }

  @Test
  void cgroupV2MaxIsNoLimit() throws IOException {
    Files.writeString(root.resolve("memory.events"), V2_EVENTS);
    Files.writeString(root.resolve("memory.max"), "max\n");

    assertEquals(OptionalLong.empty(), MemoryCgroup.find(root, "0::/\n").limitBytes());
  }

  @Test
  void cgroupV2OwnCgroupComesFirst() throws IOException {
    Path own = Files.createDirectories(root.resolve("docker/abc"));
    Files.writeString(root.resolve("memory.events"), "oom_kill 9\n");
    Files.writeString(own.resolve("memory.events"), "oom_kill 1\n");
    Files.writeString(own.resolve("memory.max"), "1073741824\n");

    MemoryCgroup cgroup = MemoryCgroup.find(root, "0::/docker/abc\n");

    assertEquals(OptionalLong.of(1), cgroup.oomKillCount());
    assertEquals(OptionalLong.of(1024 * MIB), cgroup.limitBytes());
  }

  @Test
  void cgroupV1OomControlAndLimit() throws IOException {
    Path memory = Files.createDirectories(root.resolve("memory"));
    Files.writeString(memory.resolve("memory.oom_control"), V1_OOM_CONTROL);
    Files.writeString(memory.resolve("memory.limit_in_bytes"), "536870912\n");
    String selfCgroup = "4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n0::/docker/abc\n";

    MemoryCgroup cgroup = MemoryCgroup.find(root, selfCgroup);

    assertEquals(Optional.of(memory.resolve("memory.oom_control")), cgroup.eventsFile());
    assertEquals(OptionalLong.of(5), cgroup.oomKillCount());
    assertEquals(OptionalLong.of(512 * MIB), cgroup.limitBytes());
  }

  @Test
  void cgroupV1UnlimitedValueIsNoLimit() throws IOException {
    Path memory = Files.createDirectories(root.resolve("memory"));
    Files.writeString(memory.resolve("memory.oom_control"), V1_OOM_CONTROL);
    Files.writeString(memory.resolve("memory.limit_in_bytes"), "9223372036854771712\n");

    assertEquals(OptionalLong.empty(), MemoryCgroup.find(root, "").limitBytes());
  }

  @Test
  void cgroupV1OwnCgroupBelowMount() throws IOException {
    Path own = Files.createDirectories(root.resolve("memory/docker/abc"));
    Files.writeString(root.resolve("memory/memory.oom_control"), "oom_kill 7\n");
    Files.writeString(own.resolve("memory.oom_control"), V1_OOM_CONTROL);

    MemoryCgroup cgroup = MemoryCgroup.find(root, "4:memory:/docker/abc\n");

    assertEquals(OptionalLong.of(5), cgroup.oomKillCount());
    assertEquals(OptionalLong.empty(), cgroup.limitBytes());
  }

  @Test
  void oldKernelOomControlHasNoCount() throws IOException {
    Path memory = Files.createDirectories(root.resolve("memory"));
    Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");

    assertEquals(OptionalLong.empty(), MemoryCgroup.find(root, "").oomKillCount());
  }

  @Test
  void missingFilesGiveNothing() {
    MemoryCgroup cgroup = MemoryCgroup.find(root, "0::/\n");

    assertEquals(Optional.empty(), cgroup.eventsFile());
    assertEquals(OptionalLong.empty(), cgroup.oomKillCount());
    assertEquals(OptionalLong.empty(), cgroup.limitBytes());
    assertEquals(OomKills.UNKNOWN, new OomKills(cgroup).count());
  }

  @Test
  void invalidTextIsIgnored() {
    assertEquals(OptionalLong.empty(), MemoryCgroup.parseOomKill(""));
    assertEquals(OptionalLong.empty(), MemoryCgroup.parseOomKill("oom_kill x\n"));
    assertEquals(OptionalLong.empty(), MemoryCgroup.parseOomKill("oom_kill -1\n"));
    assertEquals(OptionalLong.empty(), MemoryCgroup.parseOomKill("oom_kill_disable 1\n"));
    assertEquals(OptionalLong.empty(), MemoryCgroup.parseLimit("garbage"));
    assertEquals(OptionalLong.empty(), MemoryCgroup.parseLimit("0"));
    assertEquals(OptionalLong.of(4096), MemoryCgroup.parseLimit(" 4096 \n"));
  }

  @Test
  void killsSinceCountsGrowth() throws IOException {
    Path events = Files.writeString(root.resolve("memory.events"), "oom_kill 3\n");
    OomKills kills = new OomKills(MemoryCgroup.find(root, ""));
    long before = kills.count();

    long unchanged = kills.killsSince(before, 0);
    Files.writeString(events, "oom_kill 5\n");
    long grown = kills.killsSince(before, 0);

    assertEquals(3, before);
    assertEquals(0, unchanged);
    assertEquals(2, grown);
    assertEquals(0, kills.killsSince(OomKills.UNKNOWN, 137));
  }

  @Test
  void sizesAreFormatted() {
    assertEquals("256 MiB", OomKills.formatSize(256 * MIB));
    assertEquals("1 GiB", OomKills.formatSize(1024 * MIB));
    assertEquals("1.5 GiB", OomKills.formatSize(1536 * MIB));
    assertEquals("2000 bytes", OomKills.formatSize(2000));
  }

  @Test
  void suggestionExceedsLimit() {
    assertEquals(1, OomKills.suggestedGib(OptionalLong.empty()));
    assertEquals(1, OomKills.suggestedGib(OptionalLong.of(256 * MIB)));
    assertEquals(2, OomKills.suggestedGib(OptionalLong.of(1024 * MIB)));
    assertEquals(4, OomKills.suggestedGib(OptionalLong.of(3 * 1024 * MIB)));
  }

  @Test
  void messagesNameTheLimit() throws IOException {
    Files.writeString(root.resolve("memory.events"), "oom_kill 0\n");
    Files.writeString(root.resolve("memory.max"), "268435456\n");
    OomKills kills = new OomKills(MemoryCgroup.find(root, ""), () -> 0);

    assertEquals(
        "The program was stopped because the session ran out of memory (limit 256 MiB). The python"
            + " interpreter was restarted, so its variables are lost. Use less memory or start a"
            + " session with more (for example -r mem=1g).\n",
        kills.programStoppedMessage("python"));
    assertEquals(
        "The program was stopped because the session ran out of memory (limit 256 MiB). Use less"
            + " memory or start a session with more (for example -r mem=1g).\n",
        kills.programStoppedMessage(null));
    assertEquals(
        "A process of this session was stopped because the session ran out of memory (limit 256"
            + " MiB). Use less memory or start a session with more (for example -r mem=1g).\n",
        kills.processStoppedMessage());
  }

  @Test
  void messageNamesFilesKeptInMemory() throws IOException {
    Files.writeString(root.resolve("memory.events"), "oom_kill 0\n");
    Files.writeString(root.resolve("memory.max"), "268435456\n");
    OomKills small = new OomKills(MemoryCgroup.find(root, ""), () -> 25 * MIB);
    OomKills large = new OomKills(MemoryCgroup.find(root, ""), () -> 200 * MIB);

    assertFalse(small.programStoppedMessage(null).contains("Files in"));
    assertEquals(
        "The program was stopped because the session ran out of memory (limit 256 MiB). Files in"
            + " /home/work, /tmp, /var/tmp and /dev/shm are kept in memory and take 200 MiB of it;"
            + " delete those you no longer need. Use less memory or start a session with more (for"
            + " example -r mem=1g).\n",
        large.programStoppedMessage(null));
  }

  @Test
  void tmpfsUsageCountsEachMountOnce(@org.junit.jupiter.api.io.TempDir Path folder) {
    assertEquals(0, OomKills.tmpfsBytesUsed(List.of(folder.resolve("missing"))));
  }

  @Test
  void messageWithoutLimit() throws IOException {
    Files.writeString(root.resolve("memory.events"), "oom_kill 0\n");
    OomKills kills = new OomKills(MemoryCgroup.find(root, ""));

    String message = kills.programStoppedMessage(null);

    assertTrue(
        message.startsWith("The program was stopped because the session ran out of memory."),
        message);
    assertEquals("unknown", kills.describeLimit());
  }
}
