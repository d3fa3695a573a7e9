package dev.audiopipeline.internal.runtime;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Maps a connection's own audio position (what the provider counts, from 0) to the session's
 * position (the speaker's timeline). The connection starts at a session position (where its replay
 * began); keep-alive silence advances only the provider's count, and a gap of lost audio advances
 * only the session's. Each such discontinuity adds an anchor; between anchors time runs at 1:1,
 * and provider time inside inserted silence maps to the session position where the silence was
 * inserted. At most 1024 anchors are kept (the oldest merge away, which only affects results older
 * than about 1024 keep-alives). Not thread-safe.
 */
final class ConnectionClock {
  private static final int MAX_ANCHORS = 1024;

  private record Anchor(long providerPos, long sessionPos) {}

  private final ArrayDeque<Anchor> anchors = new ArrayDeque<>();
  private final int sampleRate;
  private long providerPos;
  private long sessionPos;

  ConnectionClock(int sampleRate, long sessionStart) {
    this.sampleRate = sampleRate;
    this.sessionPos = sessionStart;
    anchors.add(new Anchor(0, sessionStart));
  }

  /** Real audio from the session went out. */
  void audio(long samples) {
    providerPos += samples;
    sessionPos += samples;
  }

  /** Silence that is not on the session's timeline went out. */
  void silence(long samples) {
    providerPos += samples;
    addAnchor();
  }

  /** The session skipped ahead (lost audio) before the next real audio. */
  void jumpTo(long newSessionPos) {
    if (newSessionPos != sessionPos) {
      sessionPos = newSessionPos;
      addAnchor();
    }
  }

  private void addAnchor() {
    Anchor last = anchors.peekLast();
    if (last != null && last.providerPos == providerPos) {
      anchors.pollLast();
    }
    anchors.add(new Anchor(providerPos, sessionPos));
    if (anchors.size() > MAX_ANCHORS) {
      anchors.pollFirst();
    }
  }

  long providerSamples() {
    return providerPos;
  }

  long providerMs() {
    return providerPos * 1000 / sampleRate;
  }

  /** Session milliseconds for provider milliseconds on this connection. */
  long toSessionMs(double providerMs) {
    long p = Math.round(providerMs * sampleRate / 1000.0);
    Anchor base = anchors.peekFirst();
    Anchor next = null;
    Iterator<Anchor> it = anchors.iterator();
    while (it.hasNext()) {
      Anchor a = it.next();
      if (a.providerPos <= p) {
        base = a;
      } else {
        next = a;
        break;
      }
    }
    long s = base.sessionPos + Math.max(0, p - base.providerPos);
    long limit = next != null ? maxSessionBefore(base, next) : Long.MAX_VALUE;
    s = Math.min(s, limit);
    return s * 1000 / sampleRate;
  }

  private static long maxSessionBefore(Anchor base, Anchor next) {
    // real audio between two anchors ends where the next anchor's session position begins,
    // unless the next anchor is a jump ahead (lost audio), where it ends at base + provider delta
    return Math.min(next.sessionPos, base.sessionPos + (next.providerPos - base.providerPos));
  }
}
