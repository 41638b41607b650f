package ai.backend.agent.docker;

/** Docker labels that the agent sets on kernel containers and reads from kernel images. */
public final class KernelLabels {

  public static final String KERNEL_ID = "ai.backend.kernel-id";
  public static final String SESSION_ID = "ai.backend.session-id";
  public static final String AGENT_ID = "ai.backend.agent-id";

  /** Label that marks containers and networks as created by this product. */
  public static final String OWNER = "ai.backend.owner";

  public static final String OWNER_VALUE = "backend.ai";

  /** Image label whose presence marks a kernel image. */
  public static final String KERNELSPEC = "ai.backend.kernelspec";

  /** Image label naming the language runtime, such as {@code python}. */
  public static final String RUNTIME_TYPE = "ai.backend.runtime-type";

  /** Image label with the path of the runtime's interpreter inside the image. */
  public static final String RUNTIME_PATH = "ai.backend.runtime-path";

  private KernelLabels() {}
}
