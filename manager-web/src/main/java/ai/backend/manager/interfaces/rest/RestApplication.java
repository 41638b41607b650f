package ai.backend.manager.interfaces.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The Backend.AI-compatible REST API, at the root of the manager's address. */
@ApplicationPath("/")
public class RestApplication extends Application {}
