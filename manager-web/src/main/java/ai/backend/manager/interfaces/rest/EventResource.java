package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.AccessControl;
import ai.backend.manager.application.Caller;
import ai.backend.manager.application.ManagerException;
import ai.backend.manager.application.SessionEvent;
import ai.backend.manager.application.SessionEventHub;
import ai.backend.manager.application.SessionService;
import ai.backend.manager.application.SessionView;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * {@code GET /events/session}: a server-sent event stream of the status changes of the caller's
 * sessions ({@code session_enqueued}, {@code session_started}, {@code session_terminated}, ...), as
 * Backend.AI streams them. A comment line every 15 seconds keeps proxies from closing an idle
 * stream and finds closed clients.
 */
@RequestScoped
@Path("/events")
public class EventResource {

  private static final Logger LOG = Logger.getLogger(EventResource.class);

  private static final long KEEPALIVE_SECONDS = 15;

  /** Sends the keep-alive comments of every open stream of this node. */
  private static final ScheduledExecutorService KEEPALIVE =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "backendai-sse-keepalive");
            thread.setDaemon(true);
            return thread;
          });

  @EJB private AccessControl access;

  @EJB private SessionEventHub hub;

  @EJB private SessionService sessions;

  @Context private SecurityContext security;

  @Context private UriInfo uriInfo;

  /**
   * Streams events.
   *
   * @param name a session name or id to follow, or {@code *} (the default) for every session the
   *     caller reaches
   */
  @GET
  @Path("session")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void sessionEvents(
      @QueryParam("name") String name,
      @QueryParam("sessionName") String sessionName,
      @Context SseEventSink sink,
      @Context Sse sse)
      throws ManagerException {
    Caller caller = Callers.of(security, uriInfo, access);
    String requested = name != null ? name : sessionName;
    String sessionId = null;
    if (requested != null && !requested.isBlank() && !"*".equals(requested.trim())) {
      SessionView session = sessions.find(caller, requested.trim());
      sessionId = session.id().toString();
    }
    String only = sessionId;
    Stream stream = new Stream(caller, only, sink, sse);
    if (!hub.subscribe(stream)) {
      sink.close();
      throw new ManagerException(
          503,
          "too-many-streams",
          "Too many event streams",
          "this manager node serves "
              + SessionEventHub.MAX_SUBSCRIBERS
              + " event streams already; retry later");
    }
    stream.keepalive =
        KEEPALIVE.scheduleAtFixedRate(
            stream::ping, KEEPALIVE_SECONDS, KEEPALIVE_SECONDS, TimeUnit.SECONDS);
    LOG.debugf(
        "Opened a session event stream for %s (session %s)", caller, only == null ? "*" : only);
  }

  /** One open stream: it forwards the events the caller may see and closes on failure. */
  private final class Stream implements Consumer<SessionEvent> {
    private final Caller caller;
    private final String sessionId;
    private final SseEventSink sink;
    private final Sse sse;
    private volatile java.util.concurrent.ScheduledFuture<?> keepalive;

    Stream(Caller caller, String sessionId, SseEventSink sink, Sse sse) {
      this.caller = caller;
      this.sessionId = sessionId;
      this.sink = sink;
      this.sse = sse;
    }

    @Override
    public void accept(SessionEvent event) {
      if (sink.isClosed()) {
        close();
        return;
      }
      if (sessionId != null && !sessionId.equals(event.sessionId())) {
        return;
      }
      if (!event.visibleTo(caller)) {
        return;
      }
      OutboundSseEvent outbound =
          sse.newEventBuilder()
              .name(event.event())
              .id(event.sessionId() + ":" + event.status())
              .mediaType(MediaType.APPLICATION_JSON_TYPE)
              .data(SessionEvent.class, event)
              .build();
      sink.send(outbound)
          .whenComplete(
              (ignored, failure) -> {
                if (failure != null) {
                  close();
                }
              });
    }

    void ping() {
      if (sink.isClosed()) {
        close();
        return;
      }
      sink.send(sse.newEventBuilder().comment("keep-alive").build())
          .whenComplete(
              (ignored, failure) -> {
                if (failure != null) {
                  close();
                }
              });
    }

    void close() {
      hub.unsubscribe(this);
      if (keepalive != null) {
        keepalive.cancel(false);
      }
      try {
        sink.close();
      } catch (RuntimeException e) {
        LOG.tracef("Closing an event stream failed: %s", e.getMessage());
      }
    }
  }
}
