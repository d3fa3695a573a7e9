package dev.audiopipeline;

import java.io.IOException;
import java.util.Objects;

/** A network failure: connect, read or write failed. Wraps the {@link IOException}. */
public class ConnectionException extends AudioPipelineException {
  private static final long serialVersionUID = 1L;

  public ConnectionException(String message, IOException cause) {
    super(message, cause);
  }

  @Override
  public synchronized IOException getCause() {
    // never null: the constructor takes a non-null IOException
    return (IOException) Objects.requireNonNull(super.getCause());
  }
}
