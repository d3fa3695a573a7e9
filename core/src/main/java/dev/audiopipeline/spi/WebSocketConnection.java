package dev.audiopipeline.spi;

/**
 * One open WebSocket, as a provider codec sees it. Every method is non-blocking: sends enqueue and
 * return {@code false} when the connection is closing or its outgoing queue is full.
 */
public interface WebSocketConnection {
  /** Enqueues a text frame. */
  boolean sendText(String text);

  /** Enqueues a binary frame with a copy of {@code data[offset, offset+length)}. */
  boolean sendBinary(byte[] data, int offset, int length);

  /** Bytes enqueued but not yet written to the socket. */
  long queueSize();

  /** Starts a graceful close (sends a close frame after the queued messages). */
  boolean close(int code, String reason);

  /** Drops the connection at once, discarding anything queued. */
  void cancel();
}
