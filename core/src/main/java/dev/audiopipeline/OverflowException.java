package dev.audiopipeline;

/**
 * A bounded buffer overflowed and its policy is to fail rather than lose data: for example a
 * subscriber so slow that final transcripts (which are never dropped) filled its buffer.
 */
public class OverflowException extends AudioPipelineException {
  private static final long serialVersionUID = 1L;

  private final int capacity;

  public OverflowException(String message, int capacity) {
    super(message);
    this.capacity = capacity;
  }

  /** The capacity of the buffer that overflowed. */
  public int capacity() {
    return capacity;
  }
}
