package dev.audiopipeline.internal.runtime;

import java.util.Arrays;

/**
 * Maps times on one speaker's sent audio (what the recogniser counts, from 0 at the first sample
 * sent) to the session's shared timeline.
 *
 * <p>Audio is continuous between anchors: an anchor is set at the start of the stream and after
 * every gap (a muted track, dropped frames, clock drift past a threshold). A time {@code t} on the
 * sent audio maps to {@code anchor.timeline + (t - anchor.audio)} for the last anchor at or before
 * {@code t}. Written by one thread (the drain), read by provider threads: methods are synchronized,
 * and anchors are rare.
 */
public final class SpeakerTimeline {
  private long[] audioMs = new long[8];
  private long[] timelineMs = new long[8];
  private int size;

  /** Adds an anchor: sent-audio time {@code atAudioMs} is session time {@code atTimelineMs}. */
  public synchronized void anchor(long atAudioMs, long atTimelineMs) {
    if (size > 0 && audioMs[size - 1] == atAudioMs) {
      timelineMs[size - 1] = atTimelineMs;
      return;
    }
    if (size > 0 && atAudioMs < audioMs[size - 1]) {
      throw new IllegalArgumentException(
          "anchors must move forward: " + atAudioMs + " < " + audioMs[size - 1]);
    }
    if (size == audioMs.length) {
      audioMs = Arrays.copyOf(audioMs, size * 2);
      timelineMs = Arrays.copyOf(timelineMs, size * 2);
    }
    audioMs[size] = atAudioMs;
    timelineMs[size] = atTimelineMs;
    size++;
  }

  /** The session time of sent-audio time {@code t}. Before the first anchor: {@code t}. */
  public synchronized long toTimeline(long t) {
    if (size == 0) {
      return t;
    }
    int i = Arrays.binarySearch(audioMs, 0, size, t);
    if (i < 0) {
      i = -i - 2;
    }
    if (i < 0) {
      i = 0;
    }
    return timelineMs[i] + (t - audioMs[i]);
  }

  public synchronized int anchors() {
    return size;
  }
}
