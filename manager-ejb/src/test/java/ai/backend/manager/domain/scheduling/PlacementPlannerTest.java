package ai.backend.manager.domain.scheduling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.backend.common.resource.ResourceSlots;
import ai.backend.manager.domain.scheduling.PlacementPlanner.AgentSlots;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Order;
import ai.backend.manager.domain.scheduling.PlacementPlanner.PendingSession;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Placement;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Plan;
import ai.backend.manager.domain.scheduling.PlacementPlanner.Selection;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementPlannerTest {

  private static final OffsetDateTime T0 =
      OffsetDateTime.of(2026, 12, 4, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final String PY = "python";

  private static ResourceSlots slots(String cpu, String mem) {
    return ResourceSlots.parse(Map.of("cpu", cpu, "mem", mem));
  }

  private static PendingSession session(String id, String key, int second, String cpu) {
    return new PendingSession(id, key, PY, slots(cpu, "1g"), T0.plusSeconds(second));
  }

  private static AgentSlots agent(String id, String cpu, String freeCpu) {
    return new AgentSlots(id, slots(cpu, "16g"), slots(freeCpu, "16g"), Set.of(PY));
  }

  private static List<Object> ids(Plan plan) {
    return plan.placements().stream().map(p -> p.session().id()).toList();
  }

  @Test
  void fifoPlacesOldestFirst() {
    Plan plan =
        new PlacementPlanner(Order.FIFO, Selection.DISPERSED)
            .plan(
                List.of(
                    session("b", "K", 2, "1"),
                    session("a", "K", 1, "1"),
                    session("c", "K", 3, "1")),
                List.of(agent("ag1", "2", "2")),
                Map.of());
    assertEquals(List.of("a", "b"), ids(plan));
    assertEquals("c", plan.waiting().get(0).session().id());
    assertTrue(plan.waiting().get(0).reason().startsWith("waiting for resources"));
  }

  @Test
  void lifoPlacesNewestFirst() {
    Plan plan =
        new PlacementPlanner(Order.LIFO, Selection.DISPERSED)
            .plan(
                List.of(
                    session("a", "K", 1, "1"),
                    session("b", "K", 2, "1"),
                    session("c", "K", 3, "1")),
                List.of(agent("ag1", "2", "2")),
                Map.of());
    assertEquals(List.of("c", "b"), ids(plan));
  }

  @Test
  void largeSessionDoesNotBlockSmallerOnes() {
    Plan plan =
        new PlacementPlanner(Order.FIFO, Selection.DISPERSED)
            .plan(
                List.of(session("big", "K", 1, "8"), session("small", "K", 2, "1")),
                List.of(agent("ag1", "4", "4")),
                Map.of());
    assertEquals(List.of("small"), ids(plan));
    assertEquals("big", plan.waiting().get(0).session().id());
  }

  @Test
  void drfServesSmallerDominantShareFirst() {
    // Keypair HEAVY already uses 6 of 8 cores and LIGHT uses none. HEAVY's session is older.
    Map<String, ResourceSlots> usage = Map.of("HEAVY", slots("6", "1g"));
    Plan plan =
        new PlacementPlanner(Order.DRF, Selection.DISPERSED)
            .plan(
                List.of(session("heavy-1", "HEAVY", 1, "1"), session("light-1", "LIGHT", 5, "1")),
                List.of(agent("ag1", "8", "1")),
                usage);
    assertEquals(List.of("light-1"), ids(plan));
    assertEquals("heavy-1", plan.waiting().get(0).session().id());
  }

  @Test
  void drfRecomputesSharesAfterEachPlacement() {
    // LIGHT has three sessions and HEAVY one; after two placements LIGHT's share passes HEAVY's.
    Map<String, ResourceSlots> usage = Map.of("HEAVY", slots("2", "1g"));
    Plan plan =
        new PlacementPlanner(Order.DRF, Selection.DISPERSED)
            .plan(
                List.of(
                    session("l1", "LIGHT", 1, "1"),
                    session("l2", "LIGHT", 2, "1"),
                    session("l3", "LIGHT", 3, "1"),
                    session("h1", "HEAVY", 0, "1")),
                List.of(agent("ag1", "10", "8")),
                usage);
    // Shares before each pick: L 0 vs H .2 -> l1; L .1 vs H .2 -> l2; L .2 = H .2, older h1.
    assertEquals(List.of("l1", "l2", "h1", "l3"), ids(plan));
  }

  @Test
  void dispersedSpreadsAndConcentratedPacks() {
    List<AgentSlots> agents = List.of(agent("ag1", "4", "4"), agent("ag2", "4", "4"));
    List<PendingSession> sessions = List.of(session("s1", "K", 1, "1"), session("s2", "K", 2, "1"));

    Plan dispersed =
        new PlacementPlanner(Order.FIFO, Selection.DISPERSED).plan(sessions, agents, Map.of());
    List<String> spread = dispersed.placements().stream().map(Placement::agentId).toList();
    assertEquals(List.of("ag1", "ag2"), spread);

    Plan concentrated =
        new PlacementPlanner(Order.FIFO, Selection.CONCENTRATED).plan(sessions, agents, Map.of());
    List<String> packed = concentrated.placements().stream().map(Placement::agentId).toList();
    assertEquals(List.of("ag1", "ag1"), packed);
  }

  @Test
  void concentratedPrefersTheFullerAgent() {
    List<AgentSlots> agents = List.of(agent("empty", "4", "4"), agent("busy", "4", "2"));
    Plan plan =
        new PlacementPlanner(Order.FIFO, Selection.CONCENTRATED)
            .plan(List.of(session("s", "K", 1, "1")), agents, Map.of());
    assertEquals("busy", plan.placements().get(0).agentId());
  }

  @Test
  void agentsWithoutTheImageAreSkippedWithAReason() {
    AgentSlots noImage = new AgentSlots("ag1", slots("4", "4g"), slots("4", "4g"), Set.of("c"));
    Plan plan =
        new PlacementPlanner(Order.FIFO, Selection.DISPERSED)
            .plan(List.of(session("s", "K", 1, "1")), List.of(noImage), Map.of());
    assertEquals(List.of(), ids(plan));
    assertEquals("waiting for an ALIVE agent with image python", plan.waiting().get(0).reason());
  }

  @Test
  void dominantShareIsTheLargestFraction() {
    BigDecimal share = PlacementPlanner.dominantShare(slots("1", "8g"), slots("4", "16g"));
    assertEquals(0, share.compareTo(new BigDecimal("0.5")), share.toPlainString());
    assertEquals(
        0,
        PlacementPlanner.dominantShare(ResourceSlots.empty(), slots("4", "16g"))
            .compareTo(BigDecimal.ZERO));
  }

  @Test
  void namesParseIgnoringCase() {
    assertEquals(Order.DRF, Order.parse(" drf ").orElseThrow());
    assertEquals(Selection.CONCENTRATED, Selection.parse("Concentrated").orElseThrow());
    assertTrue(Order.parse("random").isEmpty());
    assertTrue(Selection.parse(null).isEmpty());
  }
}
