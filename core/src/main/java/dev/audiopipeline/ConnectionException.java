package dev.audiopipeline;

import java.io.IOException;

/** A network failure: connect, read or write failed. Wraps the {@link IOException}. */
public class ConnectionException extends AudioPipelineException {
  private static final long serialVersionUID = 1L;

  public ConnectionException(String message, IOException cause) {
    super(message, cause);
  }

  @Override
  public synchronized IOException getCause() {
    return (IOException) super.getCause();
  }
}
