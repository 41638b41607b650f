package ai.backend.agent.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;

/** Collects the output of a command, and stops reading once standard output passes its limit. */
final class ExecOutput extends ResultCallback.Adapter<Frame> {
  private static final int STDERR_LIMIT = 64 * 1024;

  private final long stdoutLimit;
  final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  volatile boolean stdoutTruncated;
  volatile Throwable failure;

  ExecOutput(long stdoutLimit) {
    this.stdoutLimit = stdoutLimit;
  }

  @Override
  public void onNext(Frame frame) {
    byte[] payload = frame.getPayload();
    if (payload == null || stdoutTruncated) {
      return;
    }
    if (frame.getStreamType() == StreamType.STDERR) {
      int room = STDERR_LIMIT - stderr.size();
      stderr.write(payload, 0, Math.max(0, Math.min(room, payload.length)));
    } else if (frame.getStreamType() == StreamType.STDOUT
        || frame.getStreamType() == StreamType.RAW) {
      if (stdout.size() + (long) payload.length > stdoutLimit) {
        stdoutTruncated = true;
        // Closing the stream ends awaitCompletion, and later writes of the command fail.
        DockerEngine.closeQuietly(this, "exec");
        return;
      }
      stdout.write(payload, 0, payload.length);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    if (!stdoutTruncated) {
      failure = throwable;
    }
    super.onError(throwable);
  }
}
