package dev.audiopipeline.examples.live;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Output held back while a full-screen view owns the terminal, printed when it is released: the
 * lines a program would print (banner, summary, errors) come out after the terminal is restored, in
 * order, instead of garbling the screen. Bounded: at most {@link #MAX_BYTES} are held; beyond,
 * further output is discarded and a note says how much. Thread-safe.
 */
public final class HeldOutput extends OutputStream {
  static final int MAX_BYTES = 4 << 20;

  private final PrintStream target;
  private final ByteArrayOutputStream held = new ByteArrayOutputStream();
  private boolean holding = true;
  private long discarded;

  private HeldOutput(PrintStream target) {
    this.target = target;
  }

  /** A print stream that holds everything for {@code target} until {@link #release}. */
  public static PrintStream hold(PrintStream target) {
    return new Stream(new HeldOutput(target));
  }

  /** Prints what was held and lets everything after it through. Idempotent. */
  public static void release(PrintStream stream) {
    if (stream instanceof Stream s) {
      s.owner.release();
    }
  }

  private static final class Stream extends PrintStream {
    final HeldOutput owner;

    Stream(HeldOutput owner) {
      super(owner, true, StandardCharsets.UTF_8);
      this.owner = owner;
    }
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    if (!holding) {
      target.write(b, off, len);
      return;
    }
    int room = MAX_BYTES - held.size();
    if (len > room) {
      discarded += len - Math.max(0, room);
      len = Math.max(0, room);
    }
    held.write(b, off, len);
  }

  @Override
  public synchronized void flush() {
    if (!holding) {
      target.flush();
    }
  }

  synchronized void release() {
    if (!holding) {
      return;
    }
    holding = false;
    target.write(held.toByteArray(), 0, held.size());
    held.reset();
    if (discarded > 0) {
      target.println("(" + discarded + " bytes of output discarded while the view was open)");
    }
    target.flush();
  }
}
