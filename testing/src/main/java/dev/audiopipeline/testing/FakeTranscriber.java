package dev.audiopipeline.testing;

/**
 * Turns one energy-detected speech segment into text inside a fake provider server. The default
 * ({@link #DEFAULT}) answers {@code "speech <n>"}, n counting the connection's segments from 1.
 */
@FunctionalInterface
public interface FakeTranscriber {
  /** {@code "speech <n>"}. */
  FakeTranscriber DEFAULT = (index, startMs, endMs, samples) -> "speech " + index;

  /**
   * @param index 1-based segment number on the connection
   * @param startMs segment start on the connection's audio (the provider's clock)
   * @param endMs segment end on the connection's audio
   * @param samples the segment's samples (16-bit mono)
   * @return the words, separated by single spaces (may be empty)
   */
  String transcribe(int index, long startMs, long endMs, short[] samples);
}
