package dev.audiopipeline.testing;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What one client connection to a fake provider server sent and how it ended. Thread-safe; the
 * {@code await…} methods wait with a timeout and return {@code false} when it runs out.
 */
public final class FakeConnection {
  private final int index;
  private final String url;
  private final Map<String, List<String>> query;
  private final Map<String, String> headers;
  private final int sampleRate;
  private final long maxRecordedBytes;
  private final ByteArrayOutputStream audio = new ByteArrayOutputStream();
  private final List<String> texts = new ArrayList<>();
  private final List<String> sent = new ArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private long audioBytes;
  private boolean recordingTruncated;
  private int closeCode = -1;
  private String closeReason = "";

  FakeConnection(
      int index,
      String url,
      Map<String, List<String>> query,
      Map<String, String> headers,
      int sampleRate,
      long maxRecordedBytes) {
    this.index = index;
    this.url = url;
    this.query = query;
    this.headers = headers;
    this.sampleRate = sampleRate;
    this.maxRecordedBytes = maxRecordedBytes;
  }

  /** 0-based connection number on its server. */
  public int index() {
    return index;
  }

  /** The request URL (path and query). */
  public String url() {
    return url;
  }

  /** First value of a query parameter, or {@code null}. */
  public @Nullable String query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** All values of a (repeatable) query parameter. */
  public List<String> queryAll(String name) {
    return List.copyOf(query.getOrDefault(name, List.of()));
  }

  /** A request header (name in lower case), or {@code null}. */
  public @Nullable String header(String lowerCaseName) {
    return headers.get(lowerCaseName);
  }

  /** The PCM audio bytes received (decoded from base64 for ElevenLabs), in order. */
  public synchronized byte[] audio() {
    return audio.toByteArray();
  }

  /** PCM audio bytes received on this connection (counted beyond the recording bound too). */
  public synchronized long audioBytes() {
    return audioBytes;
  }

  /** Milliseconds of audio received. */
  public synchronized long audioMs() {
    return audioBytes / 2 * 1000 / sampleRate;
  }

  /** Whether the audio recording stopped at its bound (counting went on). */
  public synchronized boolean recordingTruncated() {
    return recordingTruncated;
  }

  /** Text frames the client sent, in order (for ElevenLabs: every JSON message). */
  public synchronized List<String> texts() {
    return List.copyOf(texts);
  }

  /** Text frames the server sent, in order. */
  public synchronized List<String> sentByServer() {
    return List.copyOf(sent);
  }

  /** Number of client text frames matching the predicate. */
  public synchronized long countTexts(Predicate<String> p) {
    return texts.stream().filter(p).count();
  }

  /** Waits until a client text frame matches. */
  public boolean awaitText(Predicate<String> p, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (texts.stream().noneMatch(p)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }

  /** Waits until at least {@code ms} of audio arrived. */
  public boolean awaitAudioMs(long ms, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (audioBytes / 2 * 1000 / sampleRate < ms) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }

  /** Waits until the connection is closed or dropped. */
  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The close code the client sent, or -1 (dropped, or still open). */
  public synchronized int closeCode() {
    return closeCode;
  }

  public synchronized String closeReason() {
    return closeReason;
  }

  synchronized void recordAudio(byte[] data, int off, int len) {
    audioBytes += len;
    if (audio.size() + len <= maxRecordedBytes) {
      audio.write(data, off, len);
    } else {
      recordingTruncated = true;
    }
    notifyAll();
  }

  synchronized void recordText(String t) {
    texts.add(t);
    notifyAll();
  }

  synchronized void recordSent(String t) {
    sent.add(t);
  }

  synchronized void recordClose(int code, String reason) {
    if (closeCode == -1) {
      closeCode = code;
      closeReason = reason;
    }
    closed.countDown();
  }

  void recordGone() {
    closed.countDown();
  }

  @Override
  public String toString() {
    return "FakeConnection{"
        + index
        + ", audio "
        + audioMs()
        + " ms, "
        + texts().size()
        + " texts}";
  }
}
