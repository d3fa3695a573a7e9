package dev.audiopipeline.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Captures what is written to {@code System.err} (where slf4j-simple, the tests' binding, writes
 * log lines) while still passing it through, so a test can assert on the log: for example that a
 * made-up key appears in no log line. Call {@link #start()} before the code under test (a JUnit
 * {@code @BeforeEach}) and {@link #stop()} after it ({@code @AfterEach}).
 */
public final class StderrCapture {
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private @Nullable PrintStream original;

  /** Starts capturing; what is written still reaches the original stream too. */
  public synchronized void start() {
    if (original != null) {
      throw new IllegalStateException("already capturing");
    }
    PrintStream orig = System.err;
    original = orig;
    System.setErr(
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                synchronized (captured) {
                  captured.write(b);
                }
                orig.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                  captured.write(b, off, len);
                }
                orig.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8));
  }

  /** Restores the original {@code System.err}; what was captured stays readable. */
  public synchronized void stop() {
    PrintStream orig = original;
    if (orig != null) {
      System.setErr(orig);
      original = null;
    }
  }

  /** Everything captured so far, as UTF-8 text. */
  public String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }
}
