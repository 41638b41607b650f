package ai.backend.manager.domain.scheduling;

import ai.backend.common.resource.ResourceSlots;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, for one scaling group, which pending sessions go to which agents. It works on plain
 * values so that the scheduler, the tests and the benchmark share it; the caller loads the values
 * and applies the result in one transaction.
 *
 * <p>Order of sessions: {@link Order#FIFO} oldest first, {@link Order#LIFO} newest first, {@link
 * Order#DRF} the session of the keypair with the smallest dominant share first (its largest
 * fraction of any slot of the group's capacity), recomputed after each placement, oldest first
 * among equal shares. A session that fits no agent is skipped, so it does not hold up smaller ones
 * behind it.
 *
 * <p>Choice of agent among those that have the image and room: {@link Selection#CONCENTRATED} the
 * one with the least free room, which packs agents; {@link Selection#DISPERSED} the one with the
 * most, which spreads the load. Room compares the free slots relative to each agent's capacity,
 * slot by slot from the most scarce.
 */
public final class PlacementPlanner {

  /** The order in which pending sessions are considered. */
  public enum Order {
    FIFO,
    LIFO,
    DRF;

    /** Parses a scheduler name, ignoring case. */
    public static Optional<Order> parse(String text) {
      try {
        return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException | NullPointerException e) {
        return Optional.empty();
      }
    }
  }

  /** The rule that picks one agent among those that can take a session. */
  public enum Selection {
    CONCENTRATED,
    DISPERSED;

    /** Parses a selection name, ignoring case. */
    public static Optional<Selection> parse(String text) {
      try {
        return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException | NullPointerException e) {
        return Optional.empty();
      }
    }
  }

  /** A pending session: what it requests and whose it is. */
  public record PendingSession(
      Object id,
      String accessKey,
      String image,
      ResourceSlots requested,
      OffsetDateTime createdAt) {}

  /** An agent of the group with its capacity, its free slots and its images. */
  public record AgentSlots(
      String id, ResourceSlots capacity, ResourceSlots free, Set<String> images) {}

  /** One placement decided. */
  public record Placement(PendingSession session, String agentId) {}

  /** A session that stays pending, and why. */
  public record Waiting(PendingSession session, String reason) {}

  /** The decisions of one pass, placements in the order they were made. */
  public record Plan(List<Placement> placements, List<Waiting> waiting) {}

  private final Order order;
  private final Selection selection;

  public PlacementPlanner(Order order, Selection selection) {
    this.order = order;
    this.selection = selection;
  }

  /** Returns true if the plan needs each keypair's usage, which only DRF does. */
  public boolean usesShares() {
    return order == Order.DRF;
  }

  /**
   * Plans one pass.
   *
   * @param pending the pending sessions of the group, in any order
   * @param agents the ALIVE agents of the group
   * @param usage the slots that each keypair's live kernels hold in the group, for DRF
   */
  public Plan plan(
      List<PendingSession> pending, List<AgentSlots> agents, Map<String, ResourceSlots> usage) {
    Map<String, ResourceSlots> free = new LinkedHashMap<>();
    ResourceSlots capacity = ResourceSlots.empty();
    for (AgentSlots agent : agents) {
      free.put(agent.id(), agent.free());
      capacity = capacity.add(agent.capacity());
    }
    Map<String, ResourceSlots> heldByKeyPair = new HashMap<>(usage);
    List<PendingSession> queue = new ArrayList<>(pending);
    queue.sort(baseOrder());
    List<Placement> placements = new ArrayList<>();
    List<Waiting> waiting = new ArrayList<>();
    while (!queue.isEmpty()) {
      PendingSession next =
          order == Order.DRF ? lowestShare(queue, heldByKeyPair, capacity) : queue.get(0);
      queue.remove(next);
      int withImage = 0;
      AgentSlots chosen = null;
      for (AgentSlots agent : agents) {
        if (!agent.images().contains(next.image())) {
          continue;
        }
        withImage++;
        ResourceSlots room = free.get(agent.id());
        if (next.requested().fitsIn(room) && better(agent, chosen, free)) {
          chosen = agent;
        }
      }
      if (chosen == null) {
        waiting.add(new Waiting(next, waitReason(next, withImage)));
        continue;
      }
      free.put(chosen.id(), free.get(chosen.id()).subtract(next.requested()));
      heldByKeyPair.merge(next.accessKey(), next.requested(), ResourceSlots::add);
      placements.add(new Placement(next, chosen.id()));
    }
    return new Plan(placements, waiting);
  }

  private Comparator<PendingSession> baseOrder() {
    Comparator<PendingSession> byAge = Comparator.comparing(PendingSession::createdAt);
    return order == Order.LIFO ? byAge.reversed() : byAge;
  }

  /** Returns the oldest session of the keypair with the smallest dominant share. */
  private static PendingSession lowestShare(
      List<PendingSession> queue, Map<String, ResourceSlots> held, ResourceSlots capacity) {
    PendingSession best = null;
    BigDecimal bestShare = null;
    for (PendingSession session : queue) {
      BigDecimal share =
          dominantShare(held.getOrDefault(session.accessKey(), ResourceSlots.empty()), capacity);
      if (best == null || share.compareTo(bestShare) < 0) {
        best = session;
        bestShare = share;
      }
    }
    return best;
  }

  /** Returns the largest fraction of any slot of {@code capacity} that {@code used} takes. */
  public static BigDecimal dominantShare(ResourceSlots used, ResourceSlots capacity) {
    BigDecimal max = BigDecimal.ZERO;
    for (Map.Entry<String, BigDecimal> slot : used.asMap().entrySet()) {
      BigDecimal total = capacity.get(slot.getKey());
      if (total.signum() <= 0) {
        continue;
      }
      BigDecimal share = slot.getValue().divide(total, MathContext.DECIMAL64);
      if (share.compareTo(max) > 0) {
        max = share;
      }
    }
    return max;
  }

  /** Returns true if {@code candidate} is a better choice than {@code current} for this policy. */
  private boolean better(
      AgentSlots candidate, AgentSlots current, Map<String, ResourceSlots> free) {
    if (current == null) {
      return true;
    }
    int compared =
        compareRoom(
            relativeRoom(candidate, free.get(candidate.id())),
            relativeRoom(current, free.get(current.id())));
    if (compared == 0) {
      // Equal room: the lower id, so that decisions repeat.
      return candidate.id().compareTo(current.id()) < 0;
    }
    return selection == Selection.DISPERSED ? compared > 0 : compared < 0;
  }

  /** Returns the free fraction of each slot of the agent, scarcest first. */
  private static List<BigDecimal> relativeRoom(AgentSlots agent, ResourceSlots free) {
    List<BigDecimal> fractions = new ArrayList<>();
    for (Map.Entry<String, BigDecimal> slot : agent.capacity().asMap().entrySet()) {
      if (slot.getValue().signum() > 0) {
        fractions.add(free.get(slot.getKey()).divide(slot.getValue(), MathContext.DECIMAL64));
      }
    }
    fractions.sort(Comparator.naturalOrder());
    return fractions;
  }

  private static int compareRoom(List<BigDecimal> a, List<BigDecimal> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int compared = a.get(i).compareTo(b.get(i));
      if (compared != 0) {
        return compared;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static String waitReason(PendingSession session, int withImage) {
    if (withImage == 0) {
      return "waiting for an ALIVE agent with image " + session.image();
    }
    return "waiting for resources: none of "
        + withImage
        + " agents with the image has "
        + session.requested()
        + " free";
  }
}
