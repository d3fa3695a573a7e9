package dev.audiopipeline.benchmarks;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The tag the load harness's fake server writes into every transcript text, {@code
 * zq<seq>x<epochMicros>qz}, and the two places it is read back: in the bytes the client's socket
 * receives ({@link Scanner}, fed from {@link StampingSocketFactory}) and in the text {@code onNext}
 * gets ({@link #lastSeq}, {@link #lastMicros}). Letters and digits only, so the fake's word
 * cleaning, JSON and {@code Transcript}'s display cleaning leave it intact.
 */
final class LatencyTag {
  private LatencyTag() {}

  static String format(long seq, long epochMicros) {
    return "zq" + seq + "x" + epochMicros + "qz";
  }

  /** The sequence number of the last tag in {@code text}, or -1. */
  static long lastSeq(String text) {
    int at = lastTag(text);
    return at < 0 ? -1 : digits(text, at + 2, 'x');
  }

  /** The send time (epoch microseconds) of the last tag in {@code text}, or -1. */
  static long lastMicros(String text) {
    int at = lastTag(text);
    if (at < 0) {
      return -1;
    }
    int x = text.indexOf('x', at);
    return digits(text, x + 1, 'q');
  }

  private static int lastTag(String text) {
    int at = text.lastIndexOf("zq");
    while (at >= 0) {
      int x = text.indexOf('x', at);
      if (x > at + 2 && digits(text, at + 2, 'x') >= 0 && digits(text, x + 1, 'q') >= 0) {
        return at;
      }
      at = at == 0 ? -1 : text.lastIndexOf("zq", at - 1);
    }
    return -1;
  }

  /** Digits from {@code from} up to {@code end}; -1 if none, any other char, or too long. */
  private static long digits(String s, int from, char end) {
    long v = 0;
    int i = from;
    for (; i < s.length() && s.charAt(i) != end; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9' || i - from >= 18) {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return i == from || i == s.length() ? -1 : v;
  }

  /**
   * When each tagged message reached the client's socket: a fixed-size table indexed by sequence
   * number modulo its size (messages are looked up within seconds of arriving; the table holds the
   * last 262 144). A message may arrive twice (ElevenLabs sends a committed text plain and then
   * with timestamps); both arrivals are kept.
   */
  static final class Arrivals {
    private static final int SIZE = 1 << 18;
    private final AtomicLongArray seqs = new AtomicLongArray(SIZE);
    private final AtomicLongArray firstNanos = new AtomicLongArray(SIZE);
    private final AtomicLongArray firstWall = new AtomicLongArray(SIZE);
    private final AtomicLongArray secondNanos = new AtomicLongArray(SIZE);
    private final AtomicLongArray secondWall = new AtomicLongArray(SIZE);

    void record(long seq, long nanos, long wallMicros) {
      int i = (int) (seq & (SIZE - 1));
      if (seqs.get(i) != seq) {
        firstNanos.set(i, nanos);
        firstWall.set(i, wallMicros);
        secondNanos.set(i, 0);
        seqs.set(i, seq);
      } else if (secondNanos.get(i) == 0) {
        secondWall.set(i, wallMicros);
        secondNanos.set(i, nanos);
      }
    }

    /**
     * Writes the arrival of message {@code seq} that {@code onNext} at {@code nowNanos} answers
     * (the latest one not after it) into {@code out} as {nanos, wall micros}.
     *
     * @return false if the message was never seen on the socket (or has left the table)
     */
    boolean lookup(long seq, long nowNanos, long[] out) {
      int i = (int) (seq & (SIZE - 1));
      if (seq <= 0 || seqs.get(i) != seq) {
        return false;
      }
      long second = secondNanos.get(i);
      if (second != 0 && second - nowNanos <= 0) {
        out[0] = second;
        out[1] = secondWall.get(i);
      } else {
        out[0] = firstNanos.get(i);
        out[1] = firstWall.get(i);
      }
      return true;
    }
  }

  /**
   * Finds tags in one connection's incoming bytes, across read boundaries. Looks only for {@code
   * zq<digits>x}: the sequence number is enough to find the message again. Not thread-safe (one per
   * socket, fed by its reader).
   */
  static final class Scanner {
    private final Arrivals arrivals;
    private int state; // 0 nothing, 1 after 'z', 2 in digits after "zq"
    private long seq;
    private int digitCount;

    Scanner(Arrivals arrivals) {
      this.arrivals = arrivals;
    }

    void scan(byte[] b, int off, int len, long nanos, long wallMicros) {
      for (int i = off; i < off + len; i++) {
        byte c = b[i];
        if (state == 2) {
          if (c >= '0' && c <= '9' && digitCount < 18) {
            seq = seq * 10 + (c - '0');
            digitCount++;
            continue;
          }
          if (c == 'x' && digitCount > 0) {
            arrivals.record(seq, nanos, wallMicros);
          }
          state = c == 'z' ? 1 : 0;
        } else if (state == 1 && c == 'q') {
          state = 2;
          seq = 0;
          digitCount = 0;
        } else {
          state = c == 'z' ? 1 : 0;
        }
      }
    }
  }
}
